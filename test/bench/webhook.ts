// Webhook benchmark (`make bench`), loopback only and bounded in time (about two minutes):
//  1. Throughput and p50/p99 latency over HTTPS keep-alive with 20 connections (autocannon) of a minimal Node HTTPS
//     server answering a constant AdmissionReview (the bare server) and of /validate-workflowrun and
//     /mutate-workflowrun, logging and counting every review as in production. The webhook finds the Workflow
//     through the production lookup (InformerWorkflows), whose informers list and watch a fake API server
//     (test/support/fake-apiserver.ts) before the load starts. Each server runs in its own process so the load
//     generator does not share its event loop. With `BENCH_BASELINE=REV`, the webhook of that commit is started the
//     same way and measured in the same rounds. The machine is shared and noisy, so after a warm-up the targets are
//     measured in several rounds, in an order that alternates from round to round; each round's webhook figures are
//     divided by the same round's bare server, and the medians are reported. Server CPU time per review (from /proc)
//     is printed beside each figure: it varies far less than throughput when other work competes for the cores.
//     Target: webhook >= 0.5 x bare server.
//  2. p99 of each admission path paced at half of its own median maximum (autocannon overallRate), median of 3
//     rounds. Target: < 10 ms.
//  3. `kubectl apply` of a WorkflowRun on a real control plane, median of 20, without and with the webhooks
//     registered. Target: ratio < 1.15.
//
//   node --import tsx test/bench/webhook.ts [--only throughput|apply]     (or `make bench`)
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { JSONObject } from '../../core/index.ts';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { installCrds } from '../../local-cluster/openchoreo.ts';
import { REPO_ROOT, check } from '../../local-cluster/tools.ts';
import { registerWebhooks, waitForWebhooks } from '../../local-cluster/webhooks.ts';
import { startWebhook } from '../e2e/webhook-process.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { httpsCall, writeSelfSignedCertificate } from '../support/webhook-helpers.ts';
import { loadCertificate, type ServingCertificate } from '../../webhook/tls.ts';
import { benchBaseline } from './baseline.ts';
import { median } from './median.ts';
import { INTEGRATION_TEST_REVIEW, INTEGRATION_TESTS_WORKFLOW } from './review.ts';

const CONNECTIONS = 20;
const APPLY_RUNS = 20;
const WORKFLOW_FILE = INTEGRATION_TESTS_WORKFLOW.shorthand;
const REVIEW = INTEGRATION_TEST_REVIEW;

// ---------------------------------------------------------------------------------------------------------------
// Server processes (this file started with `--serve bare <certDir>` or `--serve webhook <certDir> <kubeconfig>
// <root>`, root being this checkout or a baseline commit's extracted tree)

/** The modules a webhook server is built from, as every commit this bench compares with has them. */
interface WebhookModules {
  admissionRoutes: typeof import('../../webhook/handlers.ts').admissionRoutes;
  createLogger: typeof import('../../webhook/log.ts').createLogger;
  createMetrics: typeof import('../../webhook/metrics.ts').createMetrics;
  WebhookServer: typeof import('../../webhook/server.ts').WebhookServer;
  loadCertificate: typeof import('../../webhook/tls.ts').loadCertificate;
  InformerWorkflows: typeof import('../../webhook/informers.ts').InformerWorkflows;
  /** The webhook's own compiled-schema cache; commits from before it used the core's. */
  CompiledSchemaCache: typeof import('../../webhook/compiled-schemas.ts').CompiledSchemaCache;
}

async function webhookModules(root: string): Promise<WebhookModules> {
  const load = (file: string) => import(path.join(root, file)) as Promise<Record<string, unknown>>;
  const [handlers, log, metrics, server, tls, informers, schemaCache] = await Promise.all(
    [
      'webhook/handlers.ts',
      'webhook/log.ts',
      'webhook/metrics.ts',
      'webhook/server.ts',
      'webhook/tls.ts',
      'webhook/informers.ts',
      existsSync(path.join(root, 'webhook/compiled-schemas.ts'))
        ? 'webhook/compiled-schemas.ts'
        : 'core/engine.ts',
    ].map(load),
  );
  return {
    ...handlers,
    ...log,
    ...metrics,
    ...server,
    ...tls,
    ...informers,
    CompiledSchemaCache: schemaCache!.CompiledSchemaCache ?? schemaCache!.CompiledWorkflowCache,
  } as unknown as WebhookModules;
}

async function serveBare(certificate: ServingCertificate): Promise<number> {
  const answer = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true },
  });
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(answer),
      });
      response.end(answer);
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The production webhook, from `root`'s sources, once its informers have synced from the API server. */
async function serveWebhook(certDirectory: string, kubeconfig: string, root: string): Promise<number> {
  const modules = await webhookModules(root);
  const certificate = modules.loadCertificate(
    path.join(certDirectory, 'tls.crt'),
    path.join(certDirectory, 'tls.key'),
  );
  // The production logger, one JSON line per review, written to /dev/null so the disk does not take part.
  const { logger: log } = modules.createLogger('info', openSync('/dev/null', 'w'));
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const workflows = new modules.InformerWorkflows(config, log);
  const server = new modules.WebhookServer({
    routes: modules.admissionRoutes({
      workflows,
      compiledWorkflows: new modules.CompiledSchemaCache(),
      unknownParameters: 'deny',
    }),
    certificate,
    log,
    metrics: modules.createMetrics(() => workflows.states()),
    notReady: () => workflows.notReady(),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  while (workflows.notReady().length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  return port;
}

interface ServerProcess {
  port: number;
  child: ChildProcess;
}

function startServer(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/webhook.ts', '--serve', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ port: Number(line), child }));
    child.once('exit', (code) => reject(new Error(`${args[0]} server exited with ${code}`)));
  });
}

/** A fake API server holding the bench's Workflow, as the informers of every webhook under test list it. */
async function workflowServer(): Promise<FakeApiServer> {
  const api = await new FakeApiServer().start();
  const workflow = parse(readFileSync(WORKFLOW_FILE, 'utf8')) as JSONObject;
  // With the uid the compiled-schema cache is keyed by (the fake sets the resourceVersion).
  workflow.metadata = {
    ...(workflow.metadata as JSONObject),
    namespace: 'default',
    uid: 'b1a5e1f0-0000-4000-8000-000000000001',
  };
  api.put('workflows', workflow);
  return api;
}

// ---------------------------------------------------------------------------------------------------------------
// Load

const ROUNDS = 5;
const ROUND_S = 5;
const WARM_UP_S = 2;
const PACED_ROUNDS = 3;
const PACED_S = 4;

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server's CPU time (user + system, all threads) per answered request, when /proc tells it. */
  cpuUs?: number;
}

// utime + stime of a process, in clock ticks (100 per second on Linux); undefined where there is no /proc.
function cpuTicks(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

async function load(
  server: ServerProcess,
  urlPath: string,
  durationS: number,
  overallRate?: number,
): Promise<Measurement> {
  const ticksBefore = cpuTicks(server.child.pid);
  const result = await autocannon({
    url: `https://127.0.0.1:${server.port}${urlPath}`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: REVIEW,
    connections: CONNECTIONS,
    duration: durationS,
    ...(overallRate ? { overallRate } : {}),
    tlsOptions: { rejectUnauthorized: false },
  } as autocannon.Options);
  const ticksAfter = cpuTicks(server.child.pid);
  const answered = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    ...(ticksBefore !== undefined && ticksAfter !== undefined && answered > 0
      ? { cpuUs: ((ticksAfter - ticksBefore) * 10_000) / answered }
      : {}),
  };
}

/** The webhook must answer the benchmark's review as in production (a plain allow, a patch), not a fast error. */
async function checkAnswers(webhook: ServerProcess): Promise<void> {
  const ask = async (urlPath: string) => {
    const response = await httpsCall(webhook.port, {
      method: 'POST',
      path: urlPath,
      rejectUnauthorized: false,
      headers: { 'Content-Type': 'application/json' },
      body: REVIEW,
    });
    return (JSON.parse(response.body) as { response: { allowed: boolean; patch?: string } }).response;
  };
  const validated = await ask('/validate-workflowrun');
  const mutated = await ask('/mutate-workflowrun');
  if (
    !validated.allowed ||
    validated.patch !== undefined ||
    !mutated.allowed ||
    mutated.patch === undefined
  ) {
    throw new Error(
      `the webhook does not answer the benchmark review as expected: ${JSON.stringify({ validated, mutated })}`,
    );
  }
}

const cpuText = (m: Measurement) =>
  m.cpuUs === undefined ? '' : `   ${m.cpuUs.toFixed(1).padStart(5)} µs CPU/review`;

const row = (label: string, m: Measurement, ratio?: number) =>
  `  ${label.padEnd(36)} ${m.rps.toFixed(0).padStart(7)} req/s   p50 ${m.p50.toFixed(2).padStart(6)} ms   p99 ${m.p99
    .toFixed(2)
    .padStart(6)} ms${cpuText(m)}${ratio === undefined ? '' : `   ratio ${ratio.toFixed(2)}`}${
    m.errors ? `   ${m.errors} errors` : ''
  }`;

interface Target {
  label: string;
  path: string;
  server: 'bare' | 'webhook' | 'baseline';
}

const BARE: Target = {
  label: 'bare Node HTTPS, constant answer',
  path: '/validate-workflowrun',
  server: 'bare',
};
const WEBHOOK_PATHS = ['/validate-workflowrun', '/mutate-workflowrun'] as const;

function medianOf(measurements: Measurement[]): Measurement {
  const cpu = measurements.flatMap((m) => (m.cpuUs === undefined ? [] : [m.cpuUs]));
  return {
    rps: median(measurements.map((m) => m.rps)),
    p50: median(measurements.map((m) => m.p50)),
    p99: median(measurements.map((m) => m.p99)),
    errors: measurements.reduce((sum, m) => sum + m.errors, 0),
    ...(cpu.length > 0 ? { cpuUs: median(cpu) } : {}),
  };
}

async function throughput(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'webhook-bench-'));
  const children: ChildProcess[] = [];
  const api = await workflowServer();
  try {
    writeSelfSignedCertificate(scratch, 'webhook-bench');
    const kubeconfig = api.kubeconfig();
    const baselineCommit = await benchBaseline();
    const servers: Partial<Record<Target['server'], ServerProcess>> = {
      bare: await startServer(['bare', scratch]),
      webhook: await startServer(['webhook', scratch, kubeconfig, REPO_ROOT]),
    };
    if (baselineCommit)
      servers.baseline = await startServer(['webhook', scratch, kubeconfig, baselineCommit.root]);
    for (const server of Object.values(servers)) children.push(server.child);
    const targets: Target[] = [
      BARE,
      ...WEBHOOK_PATHS.map((urlPath) => ({ label: urlPath, path: urlPath, server: 'webhook' as const })),
      ...(baselineCommit
        ? WEBHOOK_PATHS.map((urlPath) => ({
            label: `${urlPath} at ${baselineCommit.revision}`,
            path: urlPath,
            server: 'baseline' as const,
          }))
        : []),
    ];
    for (const server of [servers.webhook!, servers.baseline].filter((s) => s !== undefined))
      await checkAnswers(server);
    console.log(
      `webhook: HTTPS keep-alive, ${CONNECTIONS} connections, loopback, Workflows from informers over a fake API ` +
        `server; ${WARM_UP_S} s warm-up each, then ${ROUNDS} rounds of ${ROUND_S} s each in alternating order`,
    );
    for (const target of targets) await load(servers[target.server]!, target.path, WARM_UP_S);

    const results: Measurement[][] = targets.map(() => []);
    /** Each target's throughput over the bare server's, by round. */
    const ratios: number[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      // Forwards, then backwards: a drift in the machine's load over a round does not always favour the same one.
      const order = targets.map((_target, index) => index);
      if (round % 2 === 1) order.reverse();
      for (const index of order) {
        const target = targets[index]!;
        results[index]!.push(await load(servers[target.server]!, target.path, ROUND_S));
      }
      const bare = results[0]![round]!;
      console.log(`  round ${round + 1}`);
      targets.forEach((target, index) => {
        const measured = results[index]![round]!;
        if (index > 0) ratios[index]!.push(measured.rps / bare.rps);
        console.log(row(target.label, measured, index > 0 ? ratios[index]![round] : undefined));
      });
    }

    const medians = results.map(medianOf);
    const medianRatios = ratios.map((byRound) => (byRound.length > 0 ? median(byRound) : 1));
    console.log(`  median of ${ROUNDS} rounds (ratio: median of the rounds' ratios)`);
    targets.forEach((target, index) =>
      console.log(row(target.label, medians[index]!, index > 0 ? medianRatios[index] : undefined)),
    );
    const cpuRatio = (over: number, under: number) => {
      const [a, b] = [medians[over]!.cpuUs, medians[under]!.cpuUs];
      return a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2);
    };
    // Where the webhook's process, not the load generator or a neighbour, is what limits throughput, the ratio
    // tends to this; it moves much less than throughput when other work competes for the cores.
    console.log(
      `  server CPU per review, bare / webhook: validate ${cpuRatio(0, 1)}, mutate ${cpuRatio(0, 2)}`,
    );
    if (baselineCommit) {
      const commit = `${baselineCommit.revision} (${baselineCommit.commit.slice(0, 12)})`;
      console.log(
        `  this tree / ${commit}: server CPU per review validate ${cpuRatio(1, 3)}, mutate ${cpuRatio(2, 4)};` +
          ` throughput validate ${(medianRatios[1]! / medianRatios[3]!).toFixed(2)},` +
          ` mutate ${(medianRatios[2]! / medianRatios[4]!).toFixed(2)}`,
      );
    }

    const paced = WEBHOOK_PATHS.map((urlPath, index) => ({
      path: urlPath,
      rate: Math.round(medians[index + 1]!.rps / 2),
      results: [] as Measurement[],
    }));
    console.log(`  each path paced at half of its median maximum, ${PACED_ROUNDS} rounds of ${PACED_S} s`);
    for (let round = 0; round < PACED_ROUNDS; round++) {
      for (const target of round % 2 === 0 ? paced : [...paced].reverse()) {
        target.results.push(await load(servers.webhook!, target.path, PACED_S, target.rate));
      }
    }
    for (const target of paced) {
      console.log(
        row(`${target.path} at ${target.rate} req/s`, medianOf(target.results)) +
          `   (p99 by round: ${target.results.map((m) => m.p99.toFixed(0)).join(', ')} ms)`,
      );
    }
    const pacedP99 = Math.max(...paced.map((target) => medianOf(target.results).p99));
    const throughputRatio = Math.min(medianRatios[1]!, medianRatios[2]!);
    console.log(
      `  targets: throughput ratio >= 0.5 (${throughputRatio >= 0.5 ? 'met' : 'MISSED'}),` +
        ` p99 at half load < 10 ms (${pacedP99 < 10 ? 'met' : 'MISSED'})`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await api.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// kubectl apply with and without the webhooks

async function kubectlApply(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'webhook-bench-cluster-'));
  const plane = await ControlPlane.start({ dir: path.join(scratch, 'cluster') });
  let webhook: Awaited<ReturnType<typeof startWebhook>> | undefined;
  try {
    await installCrds(plane, 'v0.17');
    check(await plane.kubectl(['apply', '-f', WORKFLOW_FILE]), 'applying the integration-tests Workflow');
    webhook = await startWebhook(plane);
    const timeApplies = async (prefix: string): Promise<number> => {
      const times: number[] = [];
      for (let index = 0; index < APPLY_RUNS; index++) {
        const run = JSON.parse(REVIEW).request.object as { metadata: { name: string } };
        run.metadata.name = `${prefix}-${index}`;
        const started = performance.now();
        check(await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify(run) }), 'kubectl apply');
        times.push(performance.now() - started);
      }
      return median(times);
    };
    const without = await timeApplies('plain');
    await registerWebhooks(plane, { url: webhook.url, caBundle: plane.webhookCa.certPem });
    await waitForWebhooks(plane);
    const withWebhooks = await timeApplies('admitted');
    console.log(`webhook: kubectl apply of a WorkflowRun, median of ${APPLY_RUNS}`);
    console.log(`  without webhooks ${without.toFixed(0).padStart(5)} ms`);
    console.log(
      `  with webhooks    ${withWebhooks.toFixed(0).padStart(5)} ms   ratio ${(withWebhooks / without).toFixed(2)}` +
        ` (target < 1.15: ${withWebhooks / without < 1.15 ? 'met' : 'MISSED'})`,
    );
  } finally {
    await webhook?.stop();
    await plane.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function bench(only?: string): Promise<void> {
  if (only !== 'apply') await throughput();
  if (only !== 'throughput') await kubectlApply();
}

const serveIndex = process.argv.indexOf('--serve');
const onlyIndex = process.argv.indexOf('--only');
if (serveIndex !== -1) {
  const [kind, certDirectory, kubeconfig, root] = process.argv.slice(serveIndex + 1);
  const port =
    kind === 'bare'
      ? await serveBare(
          loadCertificate(path.join(certDirectory!, 'tls.crt'), path.join(certDirectory!, 'tls.key')),
        )
      : await serveWebhook(certDirectory!, kubeconfig!, root!);
  process.stdout.write(`${port}\n`);
} else if (process.argv[1]?.endsWith(path.join('test', 'bench', 'webhook.ts'))) {
  await bench(onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1]);
}
