// The chart on a real single-node cluster (local-cluster/node.ts): its pods really run from the image the Dockerfile
// builds, the API server calls them through their Service, and admission keeps working through a rolling upgrade,
// the loss of a pod and a certificate rotation, while a client sends valid and invalid runs continuously. The
// figures go to .cache/reliability/node.json for docs/reliability.md.
//
// Needs root and Debian's containerd, runc, containernetworking-plugins, buildah and busybox-static. Elsewhere it
// says why in one line and skips; in CI (CI set) a missing piece fails the run instead.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';

import { nodePrerequisites, SingleNode, stopAbandonedNodes } from '../../local-cluster/node.ts';
import { NODE_NETWORK, nodePaths } from '../../local-cluster/node-config.ts';
import { WEBHOOK_IMAGE } from '../../local-cluster/images.ts';
import { isRunning, sleep, waitUntil } from '../../local-cluster/processes.ts';
import { check, REPO_ROOT, run as runCommand } from '../../local-cluster/tools.ts';
import { recordResult } from '../reliability/results.ts';
import { chartDir } from '../unit/chart-render.ts';
import {
  AdmissionLoad,
  apiRequest,
  INVALID_FIELD,
  INVALID_PARAMETERS,
  VALID_PARAMETERS,
  WORKFLOW_FIXTURE,
  workflowRun,
  type LoadReport,
} from './node-load.ts';

const NODE_DIR_PREFIX = 'ocwr-node-';
const RELEASE = 'wr';
const FULLNAME = `${RELEASE}-workflowrun-webhook`;
const NAMESPACE = 'workflowrun-webhook';
const RUNS = 'runs';
const SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
const [IMAGE_REPOSITORY, IMAGE_TAG] = WEBHOOK_IMAGE.split(':') as [string, string];
const IMAGE_VALUES = [
  '--set', `image.repository=${IMAGE_REPOSITORY}`,
  '--set', `image.tag=${IMAGE_TAG}`,
  // Built on the node, never pulled.
  '--set', 'image.pullPolicy=Never',
]; // prettier-ignore

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string; restartCount: number; ready: boolean }[];
  };
}

const run = (name: string, parameters: unknown) => stringify(workflowRun({ name }, parameters));
// The fixture Workflow, moved into the namespace the runs are applied in.
const workflow = (namespace: string) => {
  const object = parse(
    readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'workflows', WORKFLOW_FIXTURE), 'utf8'),
  );
  return stringify({ ...object, metadata: { ...object.metadata, namespace } });
};

const ready = (pod: Pod) =>
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('the chart on a real single-node cluster', function () {
  this.timeout(300_000);
  let node: SingleNode;
  const figures: Record<string, unknown> = {};

  before(async function () {
    const missing = nodePrerequisites();
    if (missing) {
      if (process.env.CI) throw new Error(missing);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    for (const dir of await stopAbandonedNodes(tmpdir(), NODE_DIR_PREFIX)) {
      console.log(`      stopped the node a killed run left in ${dir}`);
    }
    // start() makes the folder once it knows the machine is free, so a refused start leaves nothing.
    const dir = join(tmpdir(), `${NODE_DIR_PREFIX}${randomBytes(4).toString('hex')}`);
    const started = Date.now();
    node = await SingleNode.start({ dir, crds: 'v1.x' });
    figures.nodeReadyMs = Date.now() - started;
    const webhook = node.images.find((image) => image.name === WEBHOOK_IMAGE);
    figures.imageSizeMB = webhook && +(webhook.sizeBytes / 1e6).toFixed(1);
    figures.imageCompressedMB = webhook && +(webhook.archiveBytes / 1e6).toFixed(1);
  });

  after(async function () {
    this.timeout(120_000);
    if (Object.keys(figures).length > 0) recordResult('node', figures);
    await node?.stop();
  });

  const kubectl = (args: string[], input?: string) => node.plane.kubectl(args, { input, timeoutMs: 120_000 });
  const helm = (args: string[]) => node.plane.helm(args, { timeoutMs: 240_000 });
  // helm upgrade of the release, keeping its values and setting `values` (key=value) on top.
  const upgrade = (values: string[], flags: string[] = []) =>
    helm([
      'upgrade',
      RELEASE,
      chartDir,
      '-n',
      NAMESPACE,
      '--reuse-values',
      ...values.flatMap((v) => ['--set', v]),
      ...flags,
    ]);
  const json = async <T>(args: string[]): Promise<T> =>
    JSON.parse(check(await kubectl(['get', ...args, '-o', 'json']), `kubectl get ${args.join(' ')}`)) as T;
  const pods = async () => (await json<{ items: Pod[] }>(['pods', '-n', NAMESPACE, '-l', SELECTOR])).items;
  // Both replicas Ready and nothing else left (no pod still terminating).
  const settled = async () => {
    const current = await pods();
    return current.length === 2 && current.every((pod) => ready(pod) && !pod.metadata.deletionTimestamp);
  };
  const waitSettled = async (what: string) => {
    if (!(await waitUntil(settled, 180_000))) throw new Error(`${what}: the replicas did not settle`);
  };
  const load = () => new AdmissionLoad(node.plane, RUNS, 10);
  const expectClean = (report: LoadReport, what: string) => {
    expect(report.failures, `${what}: failed or wrong admissions`).to.deep.equal([]);
    expect(report.perSecond, `${what}: admissions per second`).to.be.at.least(5);
  };

  it('installs with helm --wait: both replicas Running and Ready through the kubelet', async () => {
    check(await kubectl(['create', 'namespace', NAMESPACE]), 'create namespace');
    check(
      await kubectl(['label', 'namespace', NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted']),
      'label namespace',
    );
    const started = Date.now();
    check(
      await helm([
        'install',
        RELEASE,
        chartDir,
        '-n',
        NAMESPACE,
        ...IMAGE_VALUES,
        '--wait',
        '--timeout',
        '180s',
      ]),
      'helm install --wait',
    );
    figures.installReadyMs = Date.now() - started;
    const current = await pods();
    expect(current).to.have.length(2);
    expect(current.every(ready)).to.equal(true);
    console.log(`      both replicas Ready ${figures.installReadyMs} ms after helm install began`);
  });

  it('denies an invalid run, stores a valid one with its defaults and display name, and denies a broken Workflow, through the Service', async () => {
    check(await kubectl(['create', 'namespace', RUNS]), 'create runs namespace');
    check(await kubectl(['apply', '-n', RUNS, '-f', '-'], workflow(RUNS)), 'apply Workflow');
    // The webhook's informers see the new Workflow within moments.
    await waitUntil(
      async () =>
        (await kubectl(['apply', '--dry-run=server', '-n', RUNS, '-f', '-'], run('probe', VALID_PARAMETERS)))
          .code === 0,
      30_000,
    );

    const invalid = await kubectl(['apply', '-n', RUNS, '-f', '-'], run('bad', INVALID_PARAMETERS));
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.include('validate.workflowruns.openchoreo.dev');
    expect(invalid.stderr).to.include(INVALID_FIELD);
    expect((await kubectl(['get', 'workflowrun', 'bad', '-n', RUNS])).code).to.equal(1);

    check(await kubectl(['apply', '-n', RUNS, '-f', '-'], run('good', VALID_PARAMETERS)), 'apply valid run');
    const stored = await json<{
      metadata: { annotations?: Record<string, string> };
      spec: { workflow: { parameters: unknown } };
    }>(['workflowrun', 'good', '-n', RUNS]);
    expect(stored.spec.workflow.parameters).to.deep.equal({
      repository: { ...VALID_PARAMETERS.repository, branch: 'main' },
      testCommand: 'npm test',
      environment: 'staging',
    });
    expect(stored.metadata.annotations).to.have.property('openchoreo.dev/display-name');

    const broken = await kubectl(['apply', '-n', RUNS, '-f', '-'], BROKEN_WORKFLOW);
    expect(broken.code).to.equal(1);
    expect(broken.stderr).to.include('validate.workflows.openchoreo.dev');
    expect((await kubectl(['get', 'workflow', 'broken', '-n', RUNS])).code).to.equal(1);
  });

  it('runs as UID 65532 on a read-only root filesystem with no capabilities, under pod security "restricted"', async () => {
    const labels = (await json<{ metadata: { labels: Record<string, string> } }>(['namespace', NAMESPACE]))
      .metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).to.equal('restricted');
    for (const pod of await pods()) {
      const pid = await containerPid(pod);
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1], pod.metadata.name).to.equal('65532');
      expect(/^Gid:\s+(\d+)/m.exec(status)?.[1]).to.equal('65532');
      for (const set of ['CapEff', 'CapPrm', 'CapBnd']) {
        expect(new RegExp(`^${set}:\\s+(\\w+)`, 'm').exec(status)?.[1], set).to.match(/^0+$/);
      }
      const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
        .split('\n')
        .find((line) => line.split(' ')[4] === '/');
      expect(root?.split(' ')[5]?.split(','), 'root mount options').to.include('ro');
    }
  });

  it('admits every run correctly while helm upgrade rolls the pods', async () => {
    const before = (await pods()).map((pod) => pod.metadata.name);
    const traffic = load();
    await sleep(2_000);
    check(
      await upgrade([`podAnnotations.rollout=r${Date.now()}`], ['--wait', '--timeout', '180s']),
      'helm upgrade',
    );
    await waitSettled('after the upgrade');
    await sleep(2_000);
    const report = await traffic.stop();
    figures.upgrade = report.summary;
    const after = (await pods()).map((pod) => pod.metadata.name);
    expect(
      after.some((name) => before.includes(name)),
      'pods replaced',
    ).to.equal(false);
    expectClean(report, 'rolling upgrade');
  });

  it('admits every run correctly when a replica is deleted', async () => {
    const [victim] = await pods();
    const traffic = load();
    await sleep(2_000);
    check(
      await kubectl(['delete', 'pod', '-n', NAMESPACE, victim?.metadata.name ?? '', '--wait=false']),
      'delete pod',
    );
    await waitUntil(
      async () => !(await pods()).some((pod) => pod.metadata.name === victim?.metadata.name),
      120_000,
    );
    await waitSettled('after the pod loss');
    await sleep(2_000);
    const report = await traffic.stop();
    figures.podLoss = report.summary;
    expectClean(report, 'pod loss');
  });

  it('refuses to evict a pod while the other replica is not Ready (PodDisruptionBudget)', async () => {
    const [hung, other] = await pods();
    if (!hung || !other) throw new Error('two pods expected');
    // A stopped process answers no probe: the kubelet marks its pod not Ready, as for a pod that hangs.
    const pid = await containerPid(hung);
    process.kill(pid, 'SIGSTOP');
    try {
      const notReady = await waitUntil(
        async () => !(await pods()).find((p) => p.metadata.name === hung.metadata.name && ready(p)),
        60_000,
      );
      expect(notReady, 'the stopped pod went not Ready').to.equal(true);
      await waitUntil(
        async () =>
          (await json<{ status: { disruptionsAllowed: number } }>(['pdb', FULLNAME, '-n', NAMESPACE])).status
            .disruptionsAllowed === 0,
        30_000,
      );
      const eviction = await apiRequest(
        node.plane,
        'POST',
        `/api/v1/namespaces/${NAMESPACE}/pods/${other.metadata.name}/eviction`,
        {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: other.metadata.name, namespace: NAMESPACE },
        },
      );
      expect(eviction.status, eviction.body).to.equal(429);
      expect(eviction.body).to.include('disruption budget');
      figures.pdbEvictionRefused = eviction.status;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitSettled('after the hung pod resumed');
  });

  it('rotates the self-signed certificate with helm upgrade: Secret and caBundle change together, pods reload without a restart', async () => {
    const secret = async () =>
      (await json<{ data: Record<string, string> }>(['secret', `${FULLNAME}-tls`, '-n', NAMESPACE])).data;
    const caBundles = async () =>
      (
        await Promise.all(
          ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration'].map((kind) =>
            json<{ webhooks: { clientConfig: { caBundle: string } }[] }>([kind, FULLNAME]),
          ),
        )
      ).flatMap((config) => config.webhooks.map((webhook) => webhook.clientConfig.caBundle));
    const oldSecret = await secret();
    const podsBefore = await pods();
    const loaded = async (pod: Pod) =>
      (await kubectl(['logs', '-n', NAMESPACE, pod.metadata.name])).stdout
        .split('\n')
        .filter((line) => /serving certificate (re)?loaded/.test(line)).length;
    const loadsBefore = await Promise.all(podsBefore.map(loaded));

    const traffic = load();
    await sleep(2_000);
    const started = Date.now();
    // The documented rotation: renewBeforeDays reaching the current certificate's remaining validity renews it.
    check(
      await upgrade(['tls.selfSigned.validityDays=3651', 'tls.selfSigned.renewBeforeDays=3650']),
      'helm upgrade (renewal)',
    );
    const newSecret = await secret();
    expect(newSecret['tls.crt']).not.to.equal(oldSecret['tls.crt']);
    expect(new Set(await caBundles())).to.deep.equal(new Set([newSecret['ca.crt']]));
    const reloaded = await waitUntil(
      async () =>
        (await Promise.all(podsBefore.map(loaded))).every((count, i) => count > (loadsBefore[i] ?? 0)),
      180_000,
    );
    figures.certificateReloadMs = Date.now() - started;
    await sleep(2_000);
    const report = await traffic.stop();
    figures.certificateRotation = report.summary;
    expect(reloaded, 'both pods loaded the new certificate').to.equal(true);
    const podsAfter = await pods();
    expect(podsAfter.map((p) => p.metadata.uid).sort()).to.deep.equal(
      podsBefore.map((p) => p.metadata.uid).sort(),
    );
    expect(
      podsAfter.flatMap((p) => p.status.containerStatuses ?? []).map((c) => c.restartCount),
    ).to.deep.equal([0, 0]);
    expectClean(report, 'certificate rotation');
  });

  it('has written nothing to its filesystem (the /tmp emptyDir is empty)', async () => {
    for (const pod of await pods()) {
      const tmp = join(
        nodePaths(node.dir).kubeletRoot,
        'pods',
        pod.metadata.uid,
        'volumes',
        'kubernetes.io~empty-dir',
        'tmp',
      );
      expect(readdirSync(tmp), pod.metadata.name).to.deep.equal([]);
    }
  });

  it('with the Deployment scaled to 0: failurePolicy Fail refuses runs naming the webhook, Ignore stores them', async () => {
    const scaleToZero = async () => {
      check(await kubectl(['scale', 'deployment', FULLNAME, '-n', NAMESPACE, '--replicas=0']), 'scale to 0');
      await waitUntil(async () => (await pods()).length === 0, 120_000);
    };
    await scaleToZero();
    let started = Date.now();
    const refused = await kubectl(['apply', '-n', RUNS, '-f', '-'], run('outage-fail', VALID_PARAMETERS));
    figures.outageFailMs = Date.now() - started;
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(
      /failed calling webhook "(mutate|validate)\.workflowruns\.openchoreo\.dev"/,
    );
    expect((await kubectl(['get', 'workflowrun', 'outage-fail', '-n', RUNS])).code).to.equal(1);
    figures.outageFailMessage = refused.stderr.trim().split('\n')[0];

    check(await upgrade(['webhook.failurePolicy=Ignore']), 'helm upgrade (Ignore)');
    await scaleToZero();
    started = Date.now();
    check(
      await kubectl(['apply', '-n', RUNS, '-f', '-'], run('outage-ignore', INVALID_PARAMETERS)),
      'apply during the outage (Ignore)',
    );
    figures.outageIgnoreMs = Date.now() - started;
    // Stored unchecked: the invalid parameters are there and no defaults were added.
    const stored = await json<{ spec: { workflow: { parameters: unknown } } }>([
      'workflowrun',
      'outage-ignore',
      '-n',
      RUNS,
    ]);
    expect(stored.spec.workflow.parameters).to.deep.equal(INVALID_PARAMETERS);
  });

  it('stops leaving no process, mount, link, cgroup or file behind', async () => {
    const { processes, createdPaths } = node.footprint();
    const dir = node.dir;
    await node.stop();
    expect(
      processes.filter((p) => isRunning(p, dir)).map((p) => p.name),
      'processes',
    ).to.deep.equal([]);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4] ?? '');
    expect(
      mounts.filter(
        (point) => point.startsWith(dir) || point.startsWith(`/run/netns/${NODE_NETWORK.namespace}`),
      ),
      'mounts',
    ).to.deep.equal([]);
    expect(existsSync(`/run/netns/${NODE_NETWORK.namespace}`), 'network namespace').to.equal(false);
    const links = check(await runCommand('ip', ['-o', 'link']), 'ip link');
    expect(links, 'host end of the veth pair').not.to.include(NODE_NETWORK.hostLink);
    // cgroup v1 has a kubepods folder per controller, v2 a single one.
    const cgroups = ['', ...readdirSync('/sys/fs/cgroup')]
      .map((controller) => join('/sys/fs/cgroup', controller, 'kubepods'))
      .filter((path) => existsSync(path));
    expect(cgroups, 'kubepods cgroups').to.deep.equal([]);
    expect(
      createdPaths.filter((path) => existsSync(path)),
      'machine paths',
    ).to.deep.equal([]);
    expect(existsSync(dir), 'node folder').to.equal(false);
  });

  async function containerPid(pod: Pod): Promise<number> {
    const id = pod.status.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
    if (!id) throw new Error(`${pod.metadata.name} has no container`);
    const tasks = check(await node.ctr(['tasks', 'ls']), 'ctr tasks ls');
    const line = tasks.split('\n').find((l) => l.startsWith(id));
    const pid = Number(line?.split(/\s+/)[1]);
    if (!pid) throw new Error(`no task for container ${id}:\n${tasks}`);
    return pid;
  }
});

const BROKEN_WORKFLOW = stringify({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'broken' },
  spec: {
    parameters: { openAPIV3Schema: { type: 'object', properties: { branch: { type: 'strin' } } } },
    runTemplate: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: 'build-' },
    },
  },
});
