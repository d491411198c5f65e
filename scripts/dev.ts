// `make dev`: a local control plane with OpenChoreo's CRDs, the webhook running from source and registered with
// the API server, and the project's samples (local-cluster/openchoreo/samples/) applied through it. Prints how to
// reach it and three commands to try; Ctrl-C tears it all down.
//   node --import tsx scripts/dev.ts [--crds v1.x|v0.17] [--no-webhook]
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

import { ControlPlane } from '../local-cluster/controlplane.ts';
import {
  installCrds,
  loadSamples,
  parseCrdVersion,
  sampleYaml,
  samplesDir,
  type SampleDocument,
} from '../local-cluster/openchoreo.ts';
import {
  freePort,
  startProcess,
  stopProcess,
  tailFile,
  waitUntil,
  type ManagedProcess,
} from '../local-cluster/processes.ts';
import { BIN_DIR, REPO_ROOT } from '../local-cluster/tools.ts';
import { registerWebhooks, waitForWebhooks } from '../local-cluster/webhooks.ts';

// From source through tsx, like the e2e tests, so `make dev` always runs the code being worked on.
const WEBHOOK_PROGRAM = join(REPO_ROOT, 'webhook', 'main.ts');
const DEV_DIR = join(REPO_ROOT, '.cache', 'dev');
const PID_FILE = join(DEV_DIR, 'pid');

interface LocalWebhook {
  url: string;
  process: ManagedProcess;
}

// The one call that puts the webhook in the write path: start it on loopback with a cert from the cluster's CA,
// wait until it is ready, register both configurations by URL, and wait until the API server calls it.
async function connectWebhook(plane: ControlPlane): Promise<LocalWebhook> {
  const cert = await plane.issueServingCert(['127.0.0.1'], 'webhook');
  const port = await freePort();
  const webhook = startProcess({
    name: 'workflowrun-webhook',
    binary: process.execPath,
    logPath: join(plane.dir, 'webhook.log'),
    args: [
      '--import',
      'tsx',
      WEBHOOK_PROGRAM,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--tls-cert-file=${cert.certPath}`,
      `--tls-key-file=${cert.keyPath}`,
      `--kubeconfig=${plane.kubeconfigPath}`,
    ],
  });
  const url = `https://127.0.0.1:${port}`;
  const ready = await waitUntil(
    async () => webhook.hasExited() || (await readyz(url, plane.webhookCa.certPem)),
    30_000,
  );
  if (!ready || webhook.hasExited()) {
    throw new Error(
      `the webhook did not become ready; log ${webhook.logPath}:\n${await tailFile(webhook.logPath)}`,
    );
  }
  await registerWebhooks(plane, { url, caBundle: plane.webhookCa.certPem });
  await waitForWebhooks(plane);
  return { url, process: webhook };
}

function readyz(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { ca, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

// The run `describe` shows: it gives only the repository URL, so everything else is a default the webhook filled.
const DESCRIBED_RUN = 'simple-workflow-run';
// The sample run the bad run is made from, and the value that breaks it.
const BROKEN_RUN = 'integration-test-run-01';
const BAD_ENVIRONMENT = 'qa';

// Applies each sample on its own, so that a denied one is reported without hiding the others.
async function applySamplesOneByOne(plane: ControlPlane, samples: SampleDocument[]): Promise<void> {
  const ordered = [
    ...samples.filter((s) => s.kind !== 'WorkflowRun'),
    ...samples.filter((s) => s.kind === 'WorkflowRun'),
  ];
  for (const sample of ordered) {
    const result = await plane.kubectl(['apply', '-f', '-'], { input: sampleYaml(sample) });
    const outcome =
      result.code === 0 ? result.stdout.trim() : `${sample.kind} ${sample.name}: ${result.stderr.trim()}`;
    console.log(`  ${outcome}  (${sample.file})`);
  }
}

// A run the webhook denies: a sample run with an environment outside its Workflow's enum.
async function writeBadRun(dir: string, samples: SampleDocument[]): Promise<string> {
  const sample = samples.find((s) => s.kind === 'WorkflowRun' && s.name === BROKEN_RUN);
  if (!sample) throw new Error(`the samples have no WorkflowRun ${BROKEN_RUN}`);
  const run = structuredClone(sample.object) as {
    metadata: { name: string };
    spec: { workflow: { parameters: Record<string, unknown> } };
  };
  run.metadata.name = 'integration-test-bad-environment';
  run.spec.workflow.parameters.environment = BAD_ENVIRONMENT;
  const path = join(dir, 'bad-run.yaml');
  await writeFile(path, sampleYaml({ ...sample, object: run }, 'default'));
  return path;
}

async function refuseSecondCopy(): Promise<void> {
  const pid = Number(await readFile(PID_FILE, 'utf8').catch(() => ''));
  if (!pid || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // a copy that died without cleaning up
  }
  throw new Error(`make dev is already running (pid ${pid}); stop it with Ctrl-C first`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { crds: { type: 'string', default: 'v1.x' }, 'no-webhook': { type: 'boolean', default: false } },
  });
  const version = parseCrdVersion(values.crds);
  await refuseSecondCopy();
  await mkdir(DEV_DIR, { recursive: true });
  await writeFile(PID_FILE, String(process.pid));
  const kubeconfigPath = join(DEV_DIR, 'kubeconfig');
  const dir = await mkdtemp(join(tmpdir(), 'ocwr-dev-'));

  let plane: ControlPlane | undefined;
  let webhook: LocalWebhook | undefined;
  let stopping = false;
  const teardown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    try {
      if (webhook) await stopProcess(webhook.process, WEBHOOK_PROGRAM);
      await plane?.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(DEV_DIR, { recursive: true, force: true });
      console.log('stopped: no processes or files left');
      process.exit(code);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void teardown(0));

  try {
    console.log(`starting etcd and kube-apiserver (CRDs ${version})...`);
    plane = await ControlPlane.start({ dir, kubeconfigPath, labels: { crds: version } });
    await installCrds(plane, version);
    console.log(`control plane up in ${(plane.startupMs / 1000).toFixed(1)}s at ${plane.server}`);

    if (values['no-webhook']) {
      console.log('webhook: not started (--no-webhook)');
    } else if (!existsSync(WEBHOOK_PROGRAM)) {
      console.log(`webhook: ${relative(REPO_ROOT, WEBHOOK_PROGRAM)} does not exist yet; continuing without`);
    } else {
      webhook = await connectWebhook(plane);
      console.log(`webhook: ${webhook.url}, registered (log ${webhook.process.logPath})`);
    }

    console.log(`applying the ${version} samples (${relative(REPO_ROOT, samplesDir(version))}):`);
    const samples = await loadSamples(version);
    await applySamplesOneByOne(plane, samples);
    const badRun = await writeBadRun(dir, samples);
    const kinds = version === 'v1.x' ? 'clusterworkflows,workflows,workflowruns' : 'workflows,workflowruns';

    console.log(`
Ready. In another terminal:

  export KUBECONFIG=${kubeconfigPath}
  export PATH=${join(REPO_ROOT, 'dist', 'bin')}:${BIN_DIR}:$PATH   # kubectl workflowrun, kubectl and helm

Then try:

  kubectl get ${kinds} -A
  kubectl workflowrun describe ${DESCRIBED_RUN}   # ${webhook ? 'defaults and display name set by the webhook' : 'as stored'}
  kubectl apply -f ${badRun}   # ${webhook ? 'denied' : 'the webhook would deny it'}: environment "${BAD_ENVIRONMENT}" is not one it allows

Logs: ${[...plane.logFiles(), ...(webhook ? [webhook.process.logPath] : [])].join(' ')}
Press Ctrl-C to stop and remove everything.`);
  } catch (error) {
    console.error(`make dev: ${(error as Error).message}`);
    await teardown(1);
  }
}

await main();
