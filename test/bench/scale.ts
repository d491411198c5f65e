// `make bench-scale` (minutes; not part of `make test` or `make bench`): the webhook and the plugin with a cluster's
// worth of objects on a real control plane, loopback only. It creates 10,000 namespaced Workflows over 100 namespaces
// plus 100 ClusterWorkflows, each written as `kubectl apply` writes it (with its last-applied annotation), and
// 20,000 runs, all in parallel through the API server, and prints:
//   scale: webhook RSS at 10 / 1,000 / 10,000 Workflows            (the bundled program, as in the image)
//   scale: start to Ready at 10,000 Workflows                      (a second webhook started on the full cluster)
//   scale: admission p99, 10,000 Workflows / 10 Workflows          (against a webhook on a second control plane
//                                                                   with 10 Workflows, rounds interleaved)
//   scale: Workflow churn (100 updates/s for 30 s)                 (p99 ratio to idle and to the same writes to
//                                                                   an unwatched copy, errors, readiness flaps)
//   scale: list -A of 20,000 runs, time ratio to kubectl get        (and the plugin's peak RSS)
//   scale: describe of a run with 1,000 tasks and 500 parameters   (ratio to kubectl describe of it)
// Every ratio is measured in this one run, so the figures compare like with like on a shared, noisy machine.
//
//   node --import tsx test/bench/scale.ts [--workflows N] [--runs N] [--only-p99]    (or `make bench-scale`)
// --only-p99 stops after the admission p99 ratio (about a minute instead of several), to measure that figure again
// and again on a noisy machine: one run of it moves by more than 0.2 from run to run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { API_VERSION, GROUP, VERSION } from '../../core/index.ts';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { crdDir, installCrds, samplesDir } from '../../local-cluster/openchoreo.ts';
import { exitCleanlyOnSignals, freePort } from '../../local-cluster/processes.ts';
import { BIN_DIR, REPO_ROOT } from '../../local-cluster/tools.ts';
import { registerWebhooks, waitForWebhooks } from '../../local-cluster/webhooks.ts';
import { chartWebhook } from '../support/chart-values.ts';
import { median } from './median.ts';

const NAMESPACES = 100;
const CLUSTER_WORKFLOWS = 100;
// Every Workflow of one namespace index shares a schema with the same index elsewhere: 100 distinct schemas, as a
// platform whose teams reuse a few templates has.
const DISTINCT_SCHEMAS = 100;
const WRITE_CONCURRENCY = 32;
const ADMISSION_CONCURRENCY = 4;
const ADMISSIONS_PER_ROUND = 3_000;
// The runs an admission round sends name this many different Workflows, round robin, at every scale.
const REFERENCED_WORKFLOWS = 10;
const CHURN_PER_SECOND = 100;
const CHURN_SECONDS = 30;
const LIST_ROUNDS = 3;

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const WORKFLOWS = flag('--workflows', 10_000);
const RUNS = flag('--runs', 20_000);
const ONLY_P99 = process.argv.includes('--only-p99');

// Where the bench is, on stderr: the figures go to stdout.
const progress = (what: string) => process.stderr.write(`bench-scale: ${what}\n`);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const ratio = (value: number) => value.toFixed(2);
const thousands = (value: number) => value.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------------------------
// The API server, written to the way a busy cluster is: many requests in flight over a few keep-alive connections.

class ApiClient {
  readonly #agent: Agent;
  readonly #server: URL;

  private constructor(server: URL, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }) {
    this.#server = server;
    this.#agent = new Agent({ ...tls, keepAlive: true, maxSockets: WRITE_CONCURRENCY });
  }

  static async fromKubeconfig(kubeconfigPath: string): Promise<ApiClient> {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
    await config.applyToHTTPSOptions(tls);
    return new ApiClient(new URL(config.getCurrentCluster()!.server), tls);
  }

  call(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<number> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const call = request(
        {
          host: this.#server.hostname,
          port: this.#server.port,
          path: urlPath,
          method,
          agent: this.#agent,
          headers: payload
            ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }
            : {},
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      call.on('error', reject);
      call.end(payload);
    });
  }

  async create(urlPath: string, object: unknown): Promise<void> {
    const status = await this.call('POST', urlPath, object);
    if (status !== 201 && status !== 409) throw new Error(`POST ${urlPath}: HTTP ${status}`);
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Runs `work` for every index in [from, to) with at most `concurrency` at a time. */
async function inParallel(
  from: number,
  to: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
) {
  let next = from;
  const worker = async () => {
    while (next < to) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
}

// ---------------------------------------------------------------------------------------------------------------
// The load: Workflows built from the project's docker-build sample, as `kubectl apply` stores them.

const SAMPLE = parse(readFileSync(path.join(samplesDir('v1.x'), 'dockerfile-builder.yaml'), 'utf8')) as {
  spec: { parameters: { openAPIV3Schema: Record<string, unknown> } } & Record<string, unknown>;
};
const namespaceOf = (index: number) => `team-${String(index % NAMESPACES).padStart(3, '0')}`;
const workflowNameOf = (index: number) => `build-${String(index).padStart(5, '0')}`;

function workflowObject(kind: 'Workflow' | 'ClusterWorkflow', index: number): object {
  const schema = structuredClone(SAMPLE.spec.parameters.openAPIV3Schema) as {
    properties: { repository: { properties: { appPath: { default: string } } } };
  };
  schema.properties.repository.properties.appPath.default = appPathDefault(index, 0);
  const object = {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name: workflowNameOf(index),
      ...(kind === 'Workflow' ? { namespace: namespaceOf(index) } : {}),
    },
    spec: { ...SAMPLE.spec, parameters: { openAPIV3Schema: schema } },
  };
  const annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(object) };
  return { ...object, metadata: { ...object.metadata, annotations } };
}

// A default per schema family and revision: a family's Workflows share one schema until the churn changes it.
const appPathDefault = (index: number, revision: number) => `./app-${index % DISTINCT_SCHEMAS}-${revision}`;

/** A schema change as a merge patch: the family's appPath default, at a new revision. */
function appPathDefaultPatch(index: number, revision: number): object {
  const appPath = { default: appPathDefault(index, revision) };
  return {
    spec: { parameters: { openAPIV3Schema: { properties: { repository: { properties: { appPath } } } } } },
  };
}

const workflowsPath = (namespace: string) => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/workflows`;

async function createWorkflows(api: ApiClient, from: number, to: number): Promise<void> {
  await inParallel(from, to, WRITE_CONCURRENCY, (index) =>
    api.create(workflowsPath(namespaceOf(index)), workflowObject('Workflow', index)),
  );
}

function runObject(index: number, namespace: string, workflow: string, kind = 'Workflow'): object {
  return {
    apiVersion: API_VERSION,
    kind: 'WorkflowRun',
    metadata: { name: `run-${String(index).padStart(5, '0')}`, namespace },
    spec: {
      workflow: {
        kind,
        name: workflow,
        parameters: { repository: { url: `https://github.com/example/service-${index % 50}` } },
      },
    },
  };
}

// The largest run describe is asked about: its Workflow declares WIDE_PARAMETERS parameters (half given, half
// defaulted by the webhook) and its status lists WIDE_TASKS tasks.
const WIDE_PARAMETERS = 500;
const WIDE_TASKS = 1_000;
const wideParameter = (index: number) => `param${String(index).padStart(3, '0')}`;

function wideWorkflow(namespace: string): object {
  const properties: Record<string, object> = {};
  for (let index = 0; index < WIDE_PARAMETERS; index++) {
    properties[wideParameter(index)] = {
      type: 'string',
      default: `default-${index}`,
      description: `Parameter ${index} of a wide Workflow.`,
    };
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Workflow',
    metadata: { name: 'wide', namespace },
    spec: { ...SAMPLE.spec, parameters: { openAPIV3Schema: { type: 'object', properties } } },
  };
}

function wideRun(namespace: string): object {
  const parameters: Record<string, string> = {};
  for (let index = 0; index < WIDE_PARAMETERS; index += 2)
    parameters[wideParameter(index)] = `given-${index}`;
  return {
    apiVersion: API_VERSION,
    kind: 'WorkflowRun',
    metadata: { name: 'wide-run', namespace },
    spec: { workflow: { kind: 'Workflow', name: 'wide', parameters } },
  };
}

/** The status the build plane would write half way through: conditions and WIDE_TASKS tasks, most of them done. */
function wideStatus(): object {
  const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 10, minute % 60, 0)).toISOString();
  const tasks = Array.from({ length: WIDE_TASKS }, (_, index) => ({
    name: `step-${String(index).padStart(4, '0')}`,
    phase: index < WIDE_TASKS - 10 ? 'Succeeded' : index === WIDE_TASKS - 10 ? 'Running' : 'Pending',
    ...(index <= WIDE_TASKS - 10 ? { startedAt: at(index) } : {}),
    ...(index < WIDE_TASKS - 10 ? { completedAt: at(index + 1) } : {}),
  }));
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: `${reason} for the bench`,
    lastTransitionTime: at(0),
  });
  return {
    status: {
      conditions: [
        condition('WorkflowRunning', 'True', 'Running'),
        condition('WorkflowCompleted', 'False', 'Running'),
      ],
      tasks,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The webhook: the bundled program (dist/), as the image runs it, with the environment the chart gives it (its heap
// limit).

const chart = chartWebhook();

interface Webhook {
  readonly port: number;
  readonly child: ChildProcess;
  readonly startedAt: number;
  stop(): Promise<void>;
}

async function startWebhook(
  plane: ControlPlane,
  certs: { certPath: string; keyPath: string },
): Promise<Webhook> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, 'dist', 'workflowrun-webhook.mjs'),
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--tls-cert-file=${certs.certPath}`,
      `--tls-key-file=${certs.keyPath}`,
      `--kubeconfig=${plane.kubeconfigPath}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...chart.env } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // An interrupted bench takes its webhooks with it, as the control plane's processes go with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    port,
    child,
    startedAt,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const webhookAgent = new Agent({
  keepAlive: true,
  rejectUnauthorized: false,
  maxSockets: ADMISSION_CONCURRENCY,
});

// Readiness is asked over a connection of its own, as the kubelet's probes come: on the admissions' sockets each
// probe would hold back an admission and count in its latency.
const probeAgent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 1 });

function webhookCall(
  port: number,
  urlPath: string,
  body?: string,
  agent = webhookAgent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: body === undefined ? 'GET' : 'POST',
        agent,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

const isReady = async (port: number) =>
  (await webhookCall(port, '/readyz', undefined, probeAgent).catch(() => ({ status: 0 }))).status === 200;

async function cachedWorkflows(port: number): Promise<number> {
  const { body } = await webhookCall(port, '/metrics');
  let total = 0;
  for (const line of body.split('\n'))
    if (line.startsWith('workflowrun_webhook_informer_cache_objects')) total += Number(line.split(' ').pop());
  return total;
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  progress(`waiting for ${what}`);
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The most resident memory the process has had (the kernel's high-water mark). */
function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** Resident memory after the cache has settled: the lowest of a few readings a second apart, past GC's swings. */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    readings.push(Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024);
  }
  return Math.min(...readings);
}

function review(index: number, namespace: string, workflow: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      kind: { group: GROUP, version: VERSION, kind: 'WorkflowRun' },
      resource: { group: GROUP, version: VERSION, resource: 'workflowruns' },
      name: `run-${index}`,
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'admin' },
      object: runObject(index, namespace, workflow),
      dryRun: false,
    },
  });
}

interface AdmissionRound {
  latenciesMs: number[];
  errors: number;
}

/** Sends valid runs naming `workflows` round robin; an error is a failed call or a verdict other than allowed. */
async function admissionRound(port: number, workflows: number[]): Promise<AdmissionRound> {
  const latencies: number[] = [];
  let errors = 0;
  await inParallel(0, ADMISSIONS_PER_ROUND, ADMISSION_CONCURRENCY, async (index) => {
    const workflow = workflows[index % workflows.length]!;
    const body = review(index, namespaceOf(workflow), workflowNameOf(workflow));
    const started = performance.now();
    try {
      const answer = await webhookCall(port, '/validate-workflowrun?timeout=10s', body);
      latencies.push(performance.now() - started);
      const allowed = (JSON.parse(answer.body) as { response?: { allowed?: boolean } }).response?.allowed;
      if (answer.status !== 200 || allowed !== true) errors++;
    } catch {
      errors++;
    }
  });
  return { latenciesMs: latencies, errors };
}

/** The 99th percentile of every latency of the rounds given, pooled. */
function p99(latenciesMs: number[]): number {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
}

/** The median p99 of three rounds after a warm-up round (which compiles the schemas the rounds use). */
async function admissionP99(port: number, workflows: number[]): Promise<number> {
  await admissionRound(port, workflows);
  const rounds: number[] = [];
  for (let i = 0; i < 3; i++) rounds.push(p99((await admissionRound(port, workflows)).latenciesMs));
  return median(rounds);
}

/**
 * The median p99 of each of two webhooks, their rounds taken in turn after a warm-up round each, so that both see
 * the same moments of a shared machine: measured minutes apart, a p99 of about a millisecond moves with the
 * machine's load by more than the difference being measured.
 */
async function interleavedP99(
  subjects: { port: number; workflows: number[] }[],
  roundsEach = 5,
): Promise<number[]> {
  for (const { port, workflows } of subjects) await admissionRound(port, workflows);
  const rounds = subjects.map((): number[] => []);
  for (let i = 0; i < roundsEach; i++)
    for (const [index, { port, workflows }] of subjects.entries())
      rounds[index]!.push(p99((await admissionRound(port, workflows)).latenciesMs));
  return rounds.map(median);
}

/** A control plane with the v1.x CRDs and the bench's namespaces. */
async function startControlPlane(dir: string): Promise<{ plane: ControlPlane; api: ApiClient }> {
  const plane = await ControlPlane.start({
    dir,
    // The default of 400 in flight is a production API server's; the load here comes from one client.
    apiserverArgs: ['--max-requests-inflight=800', '--max-mutating-requests-inflight=400'],
  });
  const api = await ApiClient.fromKubeconfig(plane.kubeconfigPath);
  await installCrds(plane, 'v1.x');
  await inParallel(0, NAMESPACES, WRITE_CONCURRENCY, (index) =>
    api.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespaceOf(index) },
    }),
  );
  return { plane, api };
}

/**
 * The Workflow CRD under another group, which the webhook does not watch, and `count` Workflows in it as the load
 * writes them: the churn's control. Returns the collection's path (in namespace 0).
 */
async function createControlWorkflows(api: ApiClient, count: number): Promise<string> {
  const group = 'control.bench.openchoreo-workflowrun.local';
  const crd = parse(readFileSync(path.join(crdDir('v1.x'), 'workflows.yaml'), 'utf8')) as {
    metadata: { name: string };
    spec: { group: string };
  };
  crd.metadata.name = `workflows.${group}`;
  crd.spec.group = group;
  await api.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const collection = `/apis/${group}/${VERSION}/namespaces/${namespaceOf(0)}/workflows`;
  await waitFor(
    'the control CRD to be served',
    async () => (await api.call('GET', collection)) === 200,
    60_000,
  );
  await inParallel(0, count, WRITE_CONCURRENCY, (index) =>
    api.create(collection, {
      ...workflowObject('Workflow', index),
      apiVersion: `${group}/${VERSION}`,
      metadata: { name: workflowNameOf(index), namespace: namespaceOf(0) },
    }),
  );
  return collection;
}

/**
 * Admission rounds for CHURN_SECONDS while `write(second, i)` is called CHURN_PER_SECOND times a second: the p99 of
 * those admissions, and the failed admissions and writes (a write answering other than 200) together.
 */
async function admissionsDuringWrites(
  port: number,
  workflows: number[],
  write: (second: number, i: number) => Promise<number>,
): Promise<{ p99: number; errors: number; rounds: number }> {
  let writeErrors = 0;
  let writing = true;
  const writes = (async () => {
    const end = performance.now() + CHURN_SECONDS * 1000;
    for (let second = 1; performance.now() < end; second++) {
      const tick = performance.now();
      await inParallel(0, CHURN_PER_SECOND, WRITE_CONCURRENCY, async (i) => {
        if ((await write(second, i)) !== 200) writeErrors++;
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - tick))));
    }
  })().finally(() => (writing = false));
  const rounds: AdmissionRound[] = [];
  while (writing) rounds.push(await admissionRound(port, workflows));
  await writes;
  return {
    p99: p99(rounds.flatMap((round) => round.latenciesMs)),
    errors: writeErrors + rounds.reduce((sum, round) => sum + round.errors, 0),
    rounds: rounds.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The plugin against kubectl: wall time and peak RSS of a whole process, from GNU time.

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; peakRss: number } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  const ms = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.slice(-500)}`);
  return { ms, peakRss: Number(result.stderr.trim().split('\n').pop()) * 1024 };
}

// ---------------------------------------------------------------------------------------------------------------

export async function benchScale(): Promise<void> {
  exitCleanlyOnSignals();
  const scratch = mkdtempSync(path.join(tmpdir(), 'workflowrun-bench-scale-'));
  const { plane, api } = await startControlPlane(path.join(scratch, 'cluster'));
  // The 10-Workflow side of the p99 ratio: a webhook of its own on a second, small cluster, alive through the
  // bench so that its rounds can be taken between the full cluster's.
  const small = await startControlPlane(path.join(scratch, 'small-cluster'));
  const webhooks: Webhook[] = [];
  try {
    await createWorkflows(small.api, 0, 10);
    const certs = await plane.issueServingCert(['127.0.0.1'], 'webhook-scale');
    const rss: number[] = [];
    const referenced = (count: number) =>
      Array.from({ length: REFERENCED_WORKFLOWS }, (_, i) => (i * 7919) % count);

    await createWorkflows(api, 0, 10);
    const webhook = await startWebhook(plane, certs);
    webhooks.push(webhook);
    await waitFor('the webhook to be ready', () => isReady(webhook.port), 60_000);
    await waitFor('10 Workflows cached', async () => (await cachedWorkflows(webhook.port)) >= 10, 60_000);
    await admissionP99(webhook.port, referenced(10)); // the RSS of a webhook that has answered runs
    rss.push(await settledRss(webhook.child.pid!));

    let started = performance.now();
    await createWorkflows(api, 10, 1_000);
    await waitFor(
      '1,000 Workflows cached',
      async () => (await cachedWorkflows(webhook.port)) >= 1_000,
      120_000,
    );
    rss.push(await settledRss(webhook.child.pid!));

    await createWorkflows(api, 1_000, WORKFLOWS);
    await inParallel(0, CLUSTER_WORKFLOWS, WRITE_CONCURRENCY, (index) =>
      api.create(`/apis/${GROUP}/${VERSION}/clusterworkflows`, workflowObject('ClusterWorkflow', index)),
    );
    const writeSeconds = (performance.now() - started) / 1000;
    const total = WORKFLOWS + CLUSTER_WORKFLOWS;
    await waitFor(
      `${total} Workflows cached`,
      async () => (await cachedWorkflows(webhook.port)) >= total,
      300_000,
    );
    const smallWebhook = await startWebhook(small.plane, certs);
    webhooks.push(smallWebhook);
    await waitFor("the small cluster's webhook to be ready", () => isReady(smallWebhook.port), 60_000);
    const [p99Large, p99Small] = (await interleavedP99([
      { port: webhook.port, workflows: referenced(WORKFLOWS) },
      { port: smallWebhook.port, workflows: referenced(10) },
    ])) as [number, number];
    const p99Line =
      `scale: admission p99, ${thousands(WORKFLOWS)} Workflows / 10 Workflows: ${ratio(p99Large / p99Small)} ` +
      `(${p99Large.toFixed(1)} ms / ${p99Small.toFixed(1)} ms)`;
    if (ONLY_P99) {
      console.log(p99Line);
      return;
    }
    await smallWebhook.stop();
    webhooks.pop();
    rss.push(await settledRss(webhook.child.pid!));
    const limit = chart.memoryLimit;
    console.log(
      `scale: webhook RSS at 10 / 1,000 / ${thousands(WORKFLOWS)} Workflows: ${rss.map(mib).join(' / ')} MiB ` +
        `(${mib(rss[2]!)} MiB / chart limit ${limit.text}: ${ratio(rss[2]! / limit.bytes)}; ` +
        `${((rss[2]! - rss[0]!) / (WORKFLOWS - 10) / 1024).toFixed(1)} KiB per Workflow)`,
    );
    console.log(`scale: ${thousands(WORKFLOWS - 10)} Workflows written in ${writeSeconds.toFixed(0)} s`);

    const second = await startWebhook(plane, certs);
    webhooks.push(second);
    await waitFor('the second webhook to be ready', () => isReady(second.port), 300_000);
    const toReady = (performance.now() - second.startedAt) / 1000;
    // A webhook that starts on a full cluster lists every Workflow at once: its peak differs from one that grew,
    // and the peak is what the memory limit must hold. Measured after it has also answered runs.
    await admissionP99(second.port, referenced(WORKFLOWS));
    const startedRss = await settledRss(second.child.pid!);
    const startedPeak = peakRss(second.child.pid!);
    console.log(
      `scale: start to Ready at ${thousands(WORKFLOWS)} Workflows: ${toReady.toFixed(1)} s ` +
        `(peak ${mib(startedPeak)} MiB RSS: ${ratio(startedPeak / limit.bytes)} of the chart limit; ` +
        `settled ${mib(startedRss)} MiB)`,
    );
    await second.stop();
    webhooks.pop();

    console.log(p99Line);

    // Churn: schema changes to random Workflows, among them the ones the admissions name, while readiness is
    // watched every 100 ms for a flap (through both phases). The control is the same writes to the same objects of
    // a copy of the Workflow CRD in a group the webhook does not watch: on a machine this size the API server's
    // and etcd's share of the cores moves the p99 by itself, and the difference is what the churn costs the webhook.
    const idleP99 = await admissionP99(webhook.port, referenced(WORKFLOWS));
    const controlWorkflows = await createControlWorkflows(api, CHURN_PER_SECOND);
    let flaps = 0;
    let churning = true;
    const readinessWatch = (async () => {
      while (churning) {
        if (!(await isReady(webhook.port))) flaps++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const control = await admissionsDuringWrites(webhook.port, referenced(WORKFLOWS), (second, i) =>
      api.call(
        'PATCH',
        `${controlWorkflows}/${workflowNameOf(i)}`,
        appPathDefaultPatch(i, second),
        'application/merge-patch+json',
      ),
    );
    const churn = await admissionsDuringWrites(webhook.port, referenced(WORKFLOWS), (second, i) => {
      // One update in ten goes to a Workflow the admissions name, so its compiled schema is replaced under load.
      const index =
        i % 10 === 0
          ? referenced(WORKFLOWS)[(i / 10) % REFERENCED_WORKFLOWS]!
          : (second * 997 + i * 31) % WORKFLOWS;
      return api.call(
        'PATCH',
        `${workflowsPath(namespaceOf(index))}/${workflowNameOf(index)}`,
        appPathDefaultPatch(index, second),
        'application/merge-patch+json',
      );
    });
    churning = false;
    await readinessWatch;
    console.log(
      `scale: Workflow churn (${CHURN_PER_SECOND} updates/s for ${CHURN_SECONDS} s): admission p99 ratio to idle ` +
        `${ratio(churn.p99 / idleP99)} (${churn.p99.toFixed(1)} ms / ${idleP99.toFixed(1)} ms), to the same writes ` +
        `to an unwatched copy ${ratio(churn.p99 / control.p99)} (${control.p99.toFixed(1)} ms), errors ${churn.errors} ` +
        `(${churn.rounds} rounds of ${thousands(ADMISSIONS_PER_ROUND)} admissions; readiness flaps ${flaps})`,
    );

    // Runs go through the webhook, as a cluster's do.
    await registerWebhooks(plane, {
      url: `https://127.0.0.1:${webhook.port}`,
      caBundle: plane.webhookCa.certPem,
    });
    await waitForWebhooks(plane);
    started = performance.now();
    await inParallel(0, RUNS, WRITE_CONCURRENCY, (index) => {
      const workflow = index % WORKFLOWS;
      return api.create(
        `/apis/${GROUP}/${VERSION}/namespaces/${namespaceOf(workflow)}/workflowruns`,
        runObject(index, namespaceOf(workflow), workflowNameOf(workflow)),
      );
    });
    console.log(
      `scale: ${thousands(RUNS)} runs created through the webhook in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );

    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath, NO_COLOR: '1' };
    const plugin = path.join(REPO_ROOT, 'dist', 'kubectl-workflowrun.cjs');
    const kubectl = path.join(BIN_DIR, 'kubectl');
    const pluginRounds: { ms: number; peakRss: number }[] = [];
    const kubectlRounds: number[] = [];
    for (let round = 0; round < LIST_ROUNDS; round++) {
      kubectlRounds.push(timed(kubectl, ['get', 'workflowruns.openchoreo.dev', '-A'], env).ms);
      pluginRounds.push(timed(process.execPath, [plugin, 'list', '-A'], env));
    }
    const pluginMs = median(pluginRounds.map((round) => round.ms));
    const kubectlMs = median(kubectlRounds);
    console.log(
      `scale: list -A of ${thousands(RUNS)} runs, time ratio to kubectl get workflowruns -A: ` +
        `${ratio(pluginMs / kubectlMs)} (${pluginMs.toFixed(0)} ms / ${kubectlMs.toFixed(0)} ms), ` +
        `peak RSS ${mib(Math.max(...pluginRounds.map((round) => round.peakRss)))} MiB`,
    );

    // describe of the widest run, against kubectl's own describe of it and the plugin's describe of a plain run.
    const wideNamespace = namespaceOf(0);
    await api.create(workflowsPath(wideNamespace), wideWorkflow(wideNamespace));
    await api.create(
      `/apis/${GROUP}/${VERSION}/namespaces/${wideNamespace}/workflowruns`,
      wideRun(wideNamespace),
    );
    const statusWritten = await api.call(
      'PATCH',
      `/apis/${GROUP}/${VERSION}/namespaces/${wideNamespace}/workflowruns/wide-run/status`,
      wideStatus(),
      'application/merge-patch+json',
    );
    if (statusWritten !== 200) throw new Error(`writing the wide run's status: HTTP ${statusWritten}`);
    const describeRounds = { wide: [] as number[], plain: [] as number[], kubectl: [] as number[] };
    for (let round = 0; round < LIST_ROUNDS; round++) {
      describeRounds.wide.push(
        timed(process.execPath, [plugin, 'describe', 'wide-run', '-n', wideNamespace], env).ms,
      );
      describeRounds.plain.push(
        timed(process.execPath, [plugin, 'describe', 'run-00000', '-n', wideNamespace], env).ms,
      );
      describeRounds.kubectl.push(
        timed(kubectl, ['describe', 'workflowruns.openchoreo.dev', 'wide-run', '-n', wideNamespace], env).ms,
      );
    }
    const [wideMs, plainMs, kubectlDescribeMs] = [
      describeRounds.wide,
      describeRounds.plain,
      describeRounds.kubectl,
    ].map(median) as [number, number, number];
    console.log(
      `scale: describe of a run with ${thousands(WIDE_TASKS)} tasks and ${WIDE_PARAMETERS} parameters: ` +
        `${wideMs.toFixed(0)} ms, ratio to kubectl describe of it ${ratio(wideMs / kubectlDescribeMs)} ` +
        `(${kubectlDescribeMs.toFixed(0)} ms), to describe of a plain run ${ratio(wideMs / plainMs)} (${plainMs.toFixed(0)} ms)`,
    );
  } finally {
    for (const webhook of webhooks) await webhook.stop();
    api.close();
    small.api.close();
    webhookAgent.destroy();
    probeAgent.destroy();
    await plane.stop();
    await small.plane.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(path.resolve(process.argv[1]!)).href) await benchScale();
