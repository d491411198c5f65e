// Webhook benchmark (`make bench`), loopback only and bounded in time:
//  1. Throughput and p50/p99 latency over HTTPS keep-alive with 20 connections (autocannon) of a minimal Node HTTPS
//     server answering a constant AdmissionReview (the baseline) and of /validate-workflowrun and
//     /mutate-workflowrun with the Workflow served from a preloaded cache; each server runs in its own process so
//     the load generator does not share its event loop. Target: webhook >= 0.5 x baseline.
//  2. p99 of /validate-workflowrun at half of its maximum throughput (autocannon overallRate). Target: < 10 ms.
//  3. `kubectl apply` of a WorkflowRun on a real control plane, median of 20, without and with the webhooks
//     registered. Target: ratio < 1.15.
//
//   node --import tsx test/bench/webhook.ts     (or `make bench`)
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { parse } from 'yaml';
import { CompiledWorkflowCache } from '../../core/index.ts';
import type { WorkflowObject } from '../../core/types.ts';
import { ControlPlane } from '../cluster/controlplane.ts';
import { installCrds } from '../cluster/openchoreo.ts';
import { REPO_ROOT, check } from '../cluster/tools.ts';
import { registerWebhooks, waitForWebhooks } from '../cluster/webhooks.ts';
import { startWebhook } from '../e2e/webhook-process.ts';
import { admissionRoutes } from '../../webhook/handlers.ts';
import { createMetrics } from '../../webhook/metrics.ts';
import { WebhookServer } from '../../webhook/server.ts';
import { loadCertificate } from '../../webhook/tls.ts';
import { StaticWorkflows } from '../../webhook/workflows.ts';
import { writeSelfSignedCertificate } from '../unit/webhook-helpers.ts';

const CONNECTIONS = 20;
const DURATION_S = 8;
const APPLY_RUNS = 20;
const WORKFLOW_FILE = path.join(REPO_ROOT, 'test', 'fixtures', 'workflows', 'integration-tests.yaml');

// The seed's integration-test run, as the API server would send it.
const REVIEW = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
    resource: { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'workflowruns' },
    name: 'integration-test-run-01',
    namespace: 'default',
    operation: 'CREATE',
    userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
    object: {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: { name: 'integration-test-run-01', namespace: 'default' },
      spec: {
        workflow: {
          name: 'integration-tests',
          parameters: {
            repository: { url: 'https://github.com/myorg/test-suite', branch: 'main' },
            testCommand: 'npm run test:integration',
          },
        },
      },
    },
    dryRun: false,
  },
});

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
    // One JSON line per review as in production, written to /dev/null so the disk does not take part.
    const log = pino(
      { level: 'info', base: undefined },
      pino.destination({ dest: openSync('/dev/null', 'w'), sync: false }),
    );
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

function startServer(
  kind: 'baseline' | 'webhook',
  certDirectory: string,
): Promise<{ port: number; child: ChildProcess }> {
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

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(port: number, urlPath: string, overallRate?: number): Promise<Measurement> {
  const result = await autocannon({
    url: `https://127.0.0.1:${port}${urlPath}`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: REVIEW,
    connections: CONNECTIONS,
    duration: DURATION_S,
    ...(overallRate ? { overallRate } : {}),
    tlsOptions: { rejectUnauthorized: false },
  } as autocannon.Options);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

const row = (label: string, m: Measurement, ratio?: number) =>
  `  ${label.padEnd(34)} ${m.rps.toFixed(0).padStart(7)} req/s   p50 ${m.p50.toFixed(2).padStart(6)} ms   p99 ${m.p99
    .toFixed(2)
    .padStart(
      6,
    )} ms${m.errors ? `   ${m.errors} errors` : ''}${ratio === undefined ? '' : `   ratio ${ratio.toFixed(2)}`}`;

async function throughput(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'webhook-bench-'));
  const children: ChildProcess[] = [];
  try {
    writeSelfSignedCertificate(scratch, 'webhook-bench');
    console.log(`webhook: HTTPS keep-alive, ${CONNECTIONS} connections, ${DURATION_S} s each, loopback`);
    const baselineServer = await startServer('baseline', scratch);
    children.push(baselineServer.child);
    const baseline = await load(baselineServer.port, '/validate-workflowrun');
    console.log(row('bare Node HTTPS, constant answer', baseline));
    const webhookServer = await startServer('webhook', scratch);
    children.push(webhookServer.child);
    const validate = await load(webhookServer.port, '/validate-workflowrun');
    console.log(row('/validate-workflowrun', validate, validate.rps / baseline.rps));
    const mutate = await load(webhookServer.port, '/mutate-workflowrun');
    console.log(row('/mutate-workflowrun', mutate, mutate.rps / baseline.rps));
    const half = Math.round(Math.min(validate.rps, mutate.rps) / 2);
    const paced = await load(webhookServer.port, '/validate-workflowrun', half);
    console.log(row(`/validate-workflowrun at ${half} req/s`, paced));
    const pacedMutate = await load(webhookServer.port, '/mutate-workflowrun', half);
    console.log(row(`/mutate-workflowrun at ${half} req/s`, pacedMutate));
    console.log(
      `  targets: throughput ratio >= 0.5 (${Math.min(validate.rps, mutate.rps) / baseline.rps >= 0.5 ? 'met' : 'MISSED'}),` +
        ` p99 at half load < 10 ms (${Math.max(paced.p99, pacedMutate.p99) < 10 ? 'met' : 'MISSED'})`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// kubectl apply with and without the webhooks

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

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

export async function bench(): Promise<void> {
  await throughput();
  await kubectlApply();
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex !== -1) {
  await serve(process.argv[serveIndex + 1]!, process.argv[serveIndex + 2]!);
} else if (process.argv[1]?.endsWith(path.join('test', 'bench', 'webhook.ts'))) {
  await bench();
}
