// The Helm chart installed on a real kube-apiserver with the real helm and kubectl: every object passes the API
// server's validation, an upgrade keeps the self-signed certificate, the ServiceAccount can do exactly what the
// webhook needs, and (with webhook.url pointing at a webhook started here) the chart's own configurations make
// kubectl reject an invalid WorkflowRun and store a valid one with its defaults.
//
// The webhook configurations a release installs apply to the whole cluster, so each test uninstalls its release
// before the next one (and other suites) run.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { chartDir, parseManifests, repoRoot, type K8sObject } from '../unit/chart-render.ts';
import { freePort } from '../../local-cluster/processes.ts';
import { check, withCluster } from './harness.ts';

const NOT_AFTER = 'workflowrun-webhook.openchoreo.dev/not-after';
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function fromBase64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

describe('chart on a real API server (v1.x)', function () {
  this.timeout(120_000);
  const e2e = withCluster('v1.x');
  let releases: Array<{ release: string; namespace: string }> = [];

  afterEach(async function () {
    this.timeout(60_000);
    for (const { release, namespace } of releases) {
      await e2e.helm(['uninstall', release, '-n', namespace]);
    }
    releases = [];
  });

  async function install(args: string[] = []): Promise<{ release: string; fullname: string }> {
    const release = `wr-${Math.random().toString(36).slice(2, 7)}`;
    releases.push({ release, namespace: e2e.namespace });
    // No --wait: the control plane has no scheduler or kubelet, so pods never start.
    check(await e2e.helm(['install', release, chartDir, ...args]), `helm install ${args.join(' ')}`);
    return { release, fullname: `${release}-workflowrun-webhook` };
  }

  async function getJson(args: string[]): Promise<K8sObject> {
    return JSON.parse(
      check(await e2e.kubectl(['get', ...args, '-o', 'json']), `kubectl get ${args.join(' ')}`),
    );
  }

  async function caBundles(fullname: string): Promise<string[]> {
    const configs = await Promise.all(
      ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration'].map((kind) =>
        getJson([kind, fullname]),
      ),
    );
    return configs.flatMap((c) => (c.webhooks as K8sObject[]).map((w) => w.clientConfig.caBundle as string));
  }

  const valueFiles = readdirSync(`${chartDir}/ci`)
    .filter((file) => file.endsWith('-values.yaml') && !file.startsWith('certmanager'))
    .sort();
  for (const file of ['(default values)', ...valueFiles]) {
    it(`installs every object of ${file}, each accepted by the API server`, async () => {
      const args = file.startsWith('(') ? [] : ['--values', `${chartDir}/ci/${file}`];
      const { release } = await install([...args, '--set', 'serviceMonitor.enabled=true']);
      const manifest = check(await e2e.helm(['get', 'manifest', release]), 'helm get manifest');
      const objects = parseManifests(manifest);
      expect(objects.map((o) => o.kind)).to.include.members([
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'MutatingWebhookConfiguration',
        'Service',
        'ServiceAccount',
        'ValidatingWebhookConfiguration',
      ]);
      // The cluster has no Prometheus Operator, so the ServiceMonitor was left out rather than failing the install.
      expect(objects.map((o) => o.kind)).not.to.include('ServiceMonitor');
      const stored = check(
        await e2e.kubectl(['get', '-f', '-', '-o', 'name'], { input: manifest }),
        'kubectl get -f',
      );
      expect(stored.trim().split('\n')).to.have.length(objects.length);
    });
  }

  it('runs a pod that the restricted Pod Security Standard admits', async () => {
    const { fullname } = await install();
    const deployment = await getJson(['deployment', fullname]);
    check(
      await e2e.kubectl([
        'label',
        'namespace',
        e2e.namespace,
        'pod-security.kubernetes.io/enforce=restricted',
      ]),
      'label namespace',
    );
    const pod = (spec: K8sObject) =>
      stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${fullname}-check` }, spec });
    const podSpec = deployment.spec.template.spec;
    const admitted = await e2e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: pod(podSpec) });
    expect(admitted.code, admitted.stderr).to.equal(0);
    // The same pod without its security contexts is refused, so the check above really ran.
    const loose = {
      ...podSpec,
      securityContext: {},
      containers: [{ ...podSpec.containers[0], securityContext: {} }],
    };
    const refused = await e2e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: pod(loose) });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('violates PodSecurity "restricted');
  });

  it('keeps the self-signed certificate on helm upgrade, and renews it with the old CA still trusted', async () => {
    const { release, fullname } = await install();
    const secretName = `${fullname}-tls`;
    const before = await getJson(['secret', secretName]);
    expect(await caBundles(fullname)).to.deep.equal(Array(3).fill(before.data['ca.crt']));

    check(
      await e2e.helm(['upgrade', release, chartDir, '--reuse-values', '--set', 'webhook.timeoutSeconds=7']),
      'helm upgrade',
    );
    const after = await getJson(['secret', secretName]);
    expect(after.data).to.deep.equal(before.data);
    expect(await caBundles(fullname)).to.deep.equal(Array(3).fill(before.data['ca.crt']));
    const validating = await getJson(['validatingwebhookconfiguration', fullname]);
    expect(validating.webhooks.map((w: K8sObject) => w.timeoutSeconds)).to.deep.equal([7, 7]);

    // A certificate about to expire (as its annotation says) is replaced on the next upgrade; the bundle keeps the
    // old CA after the new one, for pods that still serve the old certificate until the kubelet updates their Secret.
    const soon = new Date(Date.now() + 10 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
    check(
      await e2e.kubectl(['annotate', 'secret', secretName, `${NOT_AFTER}=${soon}`, '--overwrite']),
      'annotate',
    );
    check(
      await e2e.helm(['upgrade', release, chartDir, '--reuse-values', '--force-conflicts']),
      'helm upgrade',
    );
    const renewed = await getJson(['secret', secretName]);
    expect(renewed.data['tls.crt']).not.to.equal(before.data['tls.crt']);
    const bundle = fromBase64(renewed.data['ca.crt']).match(PEM_BLOCK) ?? [];
    expect(bundle).to.have.length(2);
    expect(bundle[1]).to.equal(fromBase64(before.data['ca.crt']).match(PEM_BLOCK)?.[0]);
    const serving = new X509Certificate(fromBase64(renewed.data['tls.crt']));
    expect(serving.verify(new X509Certificate(bundle[0] ?? '').publicKey)).to.equal(true);
    expect(await caBundles(fullname)).to.deep.equal(Array(3).fill(renewed.data['ca.crt']));
    expect(Date.parse(renewed.metadata.annotations[NOT_AFTER])).to.be.greaterThan(
      Date.now() + 3000 * 86400e3,
    );
  });

  const serviceAccount = (name: string) => `--as=system:serviceaccount:${e2e.namespace}:${name}`;
  // `kubectl auth can-i --list` in a namespace, one line per rule (resource, URLs, resource names, verbs).
  async function permissions(account: string, namespace = e2e.namespace): Promise<Set<string>> {
    const listed = check(
      await e2e.kubectl(['auth', 'can-i', '--list', serviceAccount(account), '-n', namespace]),
      'can-i --list',
    );
    return new Set(
      listed
        .split('\n')
        .slice(1)
        .map((line) => line.trim().replace(/\s+/g, ' '))
        .filter(Boolean),
    );
  }
  // What the chart grants on top of what every ServiceAccount may do (discovery, reviews of itself).
  async function grantedByChart(fullname: string, namespace = e2e.namespace): Promise<string[]> {
    const account = 'unbound';
    if ((await e2e.kubectl(['get', 'serviceaccount', account])).code !== 0)
      check(await e2e.kubectl(['create', 'serviceaccount', account]), 'create serviceaccount');
    const [granted, baseline] = await Promise.all([
      permissions(fullname, namespace),
      permissions(account, namespace),
    ]);
    expect([...baseline].filter((line) => !granted.has(line))).to.deep.equal([]);
    return [...granted].filter((line) => !baseline.has(line)).sort();
  }
  async function canI(fullname: string, ...args: string[]): Promise<boolean> {
    return (await e2e.kubectl(['auth', 'can-i', ...args, serviceAccount(fullname)])).code === 0;
  }
  // Of every verb on each resource, the `verb resource` pairs allowed (one kubectl per question, side by side).
  async function allowedOf(fullname: string, resources: string[], extra: string[] = []): Promise<string[]> {
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
    const questions = resources.flatMap((resource) => verbs.map((verb) => `${verb} ${resource}`));
    const answers = await Promise.all(
      questions.map((question) => canI(fullname, ...question.split(' '), ...extra)),
    );
    return questions.filter((_, index) => answers[index]).sort();
  }
  const READ_WORKFLOWS = [
    'clusterworkflows.openchoreo.dev [] [] [get list watch]',
    'workflows.openchoreo.dev [] [] [get list watch]',
  ];
  const POLICY_KINDS = [
    'validatingadmissionpolicies.admissionregistration.k8s.io',
    'validatingadmissionpolicybindings.admissionregistration.k8s.io',
  ];
  const OTHER_ADMISSION_KINDS = [
    'validatingwebhookconfigurations.admissionregistration.k8s.io',
    'mutatingwebhookconfigurations.admissionregistration.k8s.io',
    'mutatingadmissionpolicies.admissionregistration.k8s.io',
    'mutatingadmissionpolicybindings.admissionregistration.k8s.io',
  ];
  const LEASE = 'openchoreo-workflowrun-policies';

  it('lets the ServiceAccount get, list and watch Workflows and ClusterWorkflows, and nothing more', async () => {
    const { fullname } = await install();
    expect(await grantedByChart(fullname)).to.deep.equal(READ_WORKFLOWS);

    for (const resource of ['workflows.openchoreo.dev', 'clusterworkflows.openchoreo.dev']) {
      for (const verb of ['get', 'list', 'watch']) {
        expect(await canI(fullname, verb, resource), `${verb} ${resource}`).to.equal(true);
        expect(
          await canI(fullname, verb, resource, '-n', 'kube-system'),
          `${verb} ${resource} elsewhere`,
        ).to.equal(true);
      }
      for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
        expect(await canI(fullname, verb, resource), `${verb} ${resource}`).to.equal(false);
      }
    }
    for (const resource of ['workflowruns.openchoreo.dev', 'secrets', 'configmaps', 'pods']) {
      expect(await canI(fullname, 'get', resource), `get ${resource}`).to.equal(false);
    }
    // policies.enabled is off: no verb at all on the policies, their bindings or any Lease.
    expect(await allowedOf(fullname, [...POLICY_KINDS, 'leases.coordination.k8s.io'])).to.deep.equal([]);
    expect(await canI(fullname, 'get', `leases.coordination.k8s.io/${LEASE}`)).to.equal(false);
    expect(await canI(fullname, '*', '*')).to.equal(false);
  });

  it('with policies.enabled, also lets it list and write the policies and their bindings, and hold its own Lease', async () => {
    const { fullname } = await install(['--set', 'policies.enabled=true']);
    const leaseRules = [
      // The API server cannot scope create by name (the object has none yet), so create is for any Lease here.
      'leases.coordination.k8s.io [] [] [create]',
      `leases.coordination.k8s.io [] [${LEASE}] [get update]`,
    ];
    const policyRules = POLICY_KINDS.map((kind) => `${kind} [] [] [list create update delete]`);
    expect(await grantedByChart(fullname)).to.deep.equal(
      [...leaseRules, ...READ_WORKFLOWS, ...policyRules].sort(),
    );
    // Outside the release namespace, no Lease at all.
    expect(await grantedByChart(fullname, 'kube-system')).to.deep.equal(
      [...READ_WORKFLOWS, ...policyRules].sort(),
    );

    expect(await allowedOf(fullname, POLICY_KINDS)).to.deep.equal(
      POLICY_KINDS.flatMap((kind) =>
        ['create', 'delete', 'list', 'update'].map((verb) => `${verb} ${kind}`),
      ).sort(),
    );
    expect(await allowedOf(fullname, OTHER_ADMISSION_KINDS)).to.deep.equal([]);

    const lease = `leases.coordination.k8s.io/${LEASE}`;
    expect(await allowedOf(fullname, [lease])).to.deep.equal([
      `create ${lease}`,
      `get ${lease}`,
      `update ${lease}`,
    ]);
    expect(await allowedOf(fullname, ['leases.coordination.k8s.io/another'])).to.deep.equal([
      'create leases.coordination.k8s.io/another',
    ]);
    expect(
      await allowedOf(fullname, [lease, 'leases.coordination.k8s.io'], ['-n', 'kube-system']),
    ).to.deep.equal([]);
    expect(await canI(fullname, '*', '*')).to.equal(false);
  });

  describe('with webhook.url pointing at a webhook running here', () => {
    const entry = join(repoRoot, 'dist/workflowrun-webhook.mjs');
    let webhook: ChildProcess | undefined;
    let scratch: string | undefined;
    let runsNamespace: string | undefined;

    before(function () {
      // dist/ comes from `make build`, which `make test` runs before the tests.
      if (!existsSync(entry)) this.skip();
    });
    afterEach(async () => {
      if (webhook && webhook.exitCode === null) {
        const exited = new Promise((resolve) => webhook?.once('exit', resolve));
        webhook.kill('SIGTERM');
        await exited;
      }
      webhook = undefined;
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      scratch = undefined;
      if (runsNamespace && e2e.cluster.reused) await e2e.cluster.deleteNamespace(runsNamespace);
      runsNamespace = undefined;
    });

    it('rejects an invalid WorkflowRun and stores a valid one with its defaults, outside the exempt namespace', async () => {
      const port = await freePort();
      const { fullname } = await install(['--set', `webhook.url=https://127.0.0.1:${port}`]);
      const secret = await getJson(['secret', `${fullname}-tls`]);
      scratch = mkdtempSync(join(tmpdir(), 'chart-e2e-'));
      writeFileSync(join(scratch, 'tls.crt'), fromBase64(secret.data['tls.crt']));
      writeFileSync(join(scratch, 'tls.key'), fromBase64(secret.data['tls.key']));
      let logs = '';
      webhook = spawn(
        process.execPath,
        [
          entry,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--tls-cert-file=${join(scratch, 'tls.crt')}`,
          `--tls-key-file=${join(scratch, 'tls.key')}`,
          `--kubeconfig=${e2e.cluster.kubeconfigPath}`,
          '--log-level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      webhook.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
      webhook.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
      // Trusting only the chart's CA proves the certificate the chart made is valid for the URL's address.
      await waitForReady(port, fromBase64(secret.data['ca.crt']), () => logs);

      const runs = await e2e.cluster.createNamespace('chart-runs');
      runsNamespace = runs;
      const apply = (yaml: string, namespace: string) =>
        e2e.kubectl(['apply', '-n', namespace, '-f', '-'], { input: yaml });
      check(await apply(WORKFLOW, runs), 'apply Workflow');

      const invalid = await apply(run('bad', { branch: 7 }), runs);
      expect(invalid.code, invalid.stdout).to.equal(1);
      expect(invalid.stderr).to.include('spec.workflow.parameters.repository');
      expect(invalid.stderr).to.include('spec.workflow.parameters.branch');
      expect((await e2e.kubectl(['get', 'workflowrun', 'bad', '-n', runs])).code).to.equal(1);

      check(
        await apply(run('good', { repository: 'https://github.com/openchoreo/sample' }), runs),
        'apply good',
      );
      const stored = await getJson(['workflowrun', 'good', '-n', runs]);
      expect(stored.spec.workflow.parameters).to.deep.equal({
        repository: 'https://github.com/openchoreo/sample',
        branch: 'main',
      });
      expect(stored.metadata.annotations).to.have.property('openchoreo.dev/display-name');

      // The release namespace is exempt: the webhook never sees what is applied there.
      check(await apply(WORKFLOW, e2e.namespace), 'apply Workflow in the release namespace');
      const exempt = await apply(run('bad', { branch: 7 }), e2e.namespace);
      expect(exempt.code, exempt.stderr).to.equal(0);
    });
  });
});

const WORKFLOW = stringify({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'build' },
  spec: {
    parameters: {
      openAPIV3Schema: {
        type: 'object',
        required: ['repository'],
        properties: { repository: { type: 'string' }, branch: { type: 'string', default: 'main' } },
      },
    },
    runTemplate: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: 'build-' },
    },
  },
});

function run(name: string, parameters: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name },
    spec: { workflow: { kind: 'Workflow', name: 'build', parameters } },
  });
}

async function waitForReady(port: number, ca: string, logs: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/readyz', ca, timeout: 2000 }, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      });
      req.once('error', (error) => resolve(error.message));
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
    if (last === '200') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `the webhook on port ${port} was not ready within 30 s (last: ${last}); its output:\n${logs()}`,
  );
}
