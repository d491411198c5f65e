// Webhook benchmark (`make bench`), loopback only and bounded in time (about two minutes):
//  1. Throughput and p50/p99 latency over HTTPS keep-alive with 20 connections (autocannon) of a minimal Node HTTPS
//     server answering a constant AdmissionReview (the baseline) and of /validate-workflowrun and
//     /mutate-workflowrun with the Workflow served from a preloaded cache, logging and counting every review as in
//     production. Each server runs in its own process so the load generator does not share its event loop. The
//     machine is shared and noisy, so after a warm-up the three are measured in several rounds, in an order that
//     alternates from round to round; each round's webhook figures are divided by the same round's baseline, and
//     the medians are reported. Server CPU time per review (from /proc) is printed beside each figure: it varies
//     far less than throughput when other work competes for the cores. Target: webhook >= 0.5 x baseline.
//  2. p99 of each admission path paced at half of its own median maximum (autocannon overallRate), median of 3
//     rounds. Target: < 10 ms.
//  3. `kubectl apply` of a WorkflowRun on a real control plane, median of 20, without and with the webhooks
//     registered. Target: ratio < 1.15.
//
//   node --import tsx test/bench/webhook.ts [--only throughput|apply]     (or `make bench`)
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import type { WorkflowObject } from '../../core/index.ts';
import { CompiledWorkflowCache } from '../../core/engine.ts';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { installCrds } from '../../local-cluster/openchoreo.ts';
import { REPO_ROOT, check } from '../../local-cluster/tools.ts';
import { registerWebhooks, waitForWebhooks } from '../../local-cluster/webhooks.ts';
import { startWebhook } from '../e2e/webhook-process.ts';
import { admissionRoutes } from '../../webhook/handlers.ts';
import { createLogger } from '../../webhook/log.ts';
import { createMetrics } from '../../webhook/metrics.ts';
import { WebhookServer } from '../../webhook/server.ts';
import { loadCertificate } from '../../webhook/tls.ts';
import { StaticWorkflows } from '../../webhook/workflows.ts';
import { httpsCall, writeSelfSignedCertificate } from '../support/webhook-helpers.ts';
import { median } from './median.ts';
import { INTEGRATION_TEST_REVIEW, INTEGRATION_TESTS_WORKFLOW } from './review.ts';

const CONNECTIONS = 20;
const APPLY_RUNS = 20;
const WORKFLOW_FILE = INTEGRATION_TESTS_WORKFLOW.shorthand;
const REVIEW = INTEGRATION_TEST_REVIEW;

// ---------------------------------------------------------------------------------------------------------------
// Server processes (this file started with `--serve baseline|webhook <certDir>`)

async function serve(kind: string, certDirectory: string): Promise<void> {
  const certificate = loadCertificate(
    path.join(certDirectory, 'tls.crt'),
    path.join(certDirectory, 'tls.key'),
  );
  let port: number;
  if (kind === 'baseline') {
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
    port = (server.address() as { port: number }).port;
  } else {
    const workflow = parse(readFileSync(WORKFLOW_FILE, 'utf8')) as WorkflowObject;
    // As an informer holds it: with the uid and resourceVersion the compiled-schema cache is keyed by.
    workflow.metadata = {
      ...workflow.metadata,
      uid: 'b1a5e1f0-0000-4000-8000-000000000001',
      resourceVersion: '1',
    };
    // The production logger, one JSON line per review, written to /dev/null so the disk does not take part.
    const { logger: log } = createLogger('info', openSync('/dev/null', 'w'));
    const server = new WebhookServer({
      routes: admissionRoutes({
        workflows: new StaticWorkflows([workflow]),
        compiledWorkflows: new CompiledWorkflowCache(),
        unknownParameters: 'deny',
      }),
      certificate,
      log,
      metrics: createMetrics(),
    });
    port = (await server.listen(0, '127.0.0.1')).port;
  }
  process.stdout.write(`${port}\n`);
}

interface ServerProcess {
  port: number;
  child: ChildProcess;
}

function startServer(kind: 'baseline' | 'webhook', certDirectory: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/bench/webhook.ts', '--serve', kind, certDirectory],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ port: Number(line), child }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
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

const TARGETS = [
  { label: 'bare Node HTTPS, constant answer', path: '/validate-workflowrun', server: 'baseline' },
  { label: '/validate-workflowrun', path: '/validate-workflowrun', server: 'webhook' },
  { label: '/mutate-workflowrun', path: '/mutate-workflowrun', server: 'webhook' },
] as const;

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
  try {
    writeSelfSignedCertificate(scratch, 'webhook-bench');
    const servers = {
      baseline: await startServer('baseline', scratch),
      webhook: await startServer('webhook', scratch),
    };
    children.push(servers.baseline.child, servers.webhook.child);
    await checkAnswers(servers.webhook);
    console.log(
      `webhook: HTTPS keep-alive, ${CONNECTIONS} connections, loopback; ${WARM_UP_S} s warm-up each, then ` +
        `${ROUNDS} rounds of ${ROUND_S} s each in alternating order`,
    );
    for (const target of TARGETS) await load(servers[target.server], target.path, WARM_UP_S);

    const results: Measurement[][] = TARGETS.map(() => []);
    const ratios: { validate: number[]; mutate: number[] } = { validate: [], mutate: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Forwards, then backwards: a drift in the machine's load over a round does not always favour the same one.
      const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const index of order) {
        const target = TARGETS[index]!;
        results[index]!.push(await load(servers[target.server], target.path, ROUND_S));
      }
      const [baseline, validate, mutate] = results.map((measurements) => measurements[round]!);
      ratios.validate.push(validate!.rps / baseline!.rps);
      ratios.mutate.push(mutate!.rps / baseline!.rps);
      console.log(`  round ${round + 1}`);
      console.log(row(TARGETS[0].label, baseline!));
      console.log(row(TARGETS[1].label, validate!, ratios.validate[round]));
      console.log(row(TARGETS[2].label, mutate!, ratios.mutate[round]));
    }

    const [baseline, validate, mutate] = results.map(medianOf);
    const validateRatio = median(ratios.validate);
    const mutateRatio = median(ratios.mutate);
    console.log(`  median of ${ROUNDS} rounds (ratio: median of the rounds' ratios)`);
    console.log(row(TARGETS[0].label, baseline!));
    console.log(row(TARGETS[1].label, validate!, validateRatio));
    console.log(row(TARGETS[2].label, mutate!, mutateRatio));

    if (baseline!.cpuUs !== undefined && validate!.cpuUs !== undefined && mutate!.cpuUs !== undefined) {
      // Where the webhook's process, not the load generator or a neighbour, is what limits throughput, the ratio
      // tends to this; it moves much less than throughput when other work competes for the cores.
      console.log(
        `  server CPU per review, baseline / webhook: validate ${(baseline!.cpuUs / validate!.cpuUs).toFixed(2)},` +
          ` mutate ${(baseline!.cpuUs / mutate!.cpuUs).toFixed(2)}`,
      );
    }

    const paced = [
      { path: '/validate-workflowrun', rate: Math.round(validate!.rps / 2), results: [] as Measurement[] },
      { path: '/mutate-workflowrun', rate: Math.round(mutate!.rps / 2), results: [] as Measurement[] },
    ];
    console.log(`  each path paced at half of its median maximum, ${PACED_ROUNDS} rounds of ${PACED_S} s`);
    for (let round = 0; round < PACED_ROUNDS; round++) {
      for (const target of round % 2 === 0 ? paced : [...paced].reverse()) {
        target.results.push(await load(servers.webhook, target.path, PACED_S, target.rate));
      }
    }
    for (const target of paced) {
      console.log(
        row(`${target.path} at ${target.rate} req/s`, medianOf(target.results)) +
          `   (p99 by round: ${target.results.map((m) => m.p99.toFixed(0)).join(', ')} ms)`,
      );
    }
    const pacedP99 = Math.max(...paced.map((target) => medianOf(target.results).p99));
    console.log(
      `  targets: throughput ratio >= 0.5 (${Math.min(validateRatio, mutateRatio) >= 0.5 ? 'met' : 'MISSED'}),` +
        ` p99 at half load < 10 ms (${pacedP99 < 10 ? 'met' : 'MISSED'})`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
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
  await serve(process.argv[serveIndex + 1]!, process.argv[serveIndex + 2]!);
} else if (process.argv[1]?.endsWith(path.join('test', 'bench', 'webhook.ts'))) {
  await bench(onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1]);
}
