// Scale benchmark (`make bench-scale`, minutes, not part of `make test`): the bundled webhook on a real control
// plane (kube-apiserver + etcd, v1.x CRDs) as Workflows grow to 10,000 over 100 namespaces plus 100
// ClusterWorkflows, created in parallel through the API as kubectl apply leaves them (last-applied annotation).
// Reviews are sent to the webhook straight over HTTPS on loopback (autocannon, paced), so the figures are the
// webhook's own. It prints:
//   - the webhook's RSS once synced at 10 / 1,000 / 10,000 Workflows, against the chart's memory limit;
//   - start to Ready of a second webhook at 10,000 Workflows, and its RSS (a restart lists them all at once);
//   - admission p99 at 10,000 vs 10 Workflows;
//   - admission p99 while 100 Workflows/s are updated for 30 s (by a child process, `--churn`), against idle, with
//     errors and readiness flaps.
//
//   node --import tsx test/bench/scale.ts [--workflows N]     (or `make bench-scale`)
import { CoreV1Api, CustomObjectsApi, KubeConfig, setHeaderOptions } from '@kubernetes/client-node';
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { GROUP, VERSION, type JSONObject } from '../../core/index.ts';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { installCrds } from '../../local-cluster/openchoreo.ts';
import { REPO_ROOT, check, run } from '../../local-cluster/tools.ts';
import { startChildWebhook, type ChildWebhook } from '../reliability/support.ts';
import { httpsCall, writeSelfSignedCertificate } from '../support/webhook-helpers.ts';
import { INTEGRATION_TEST_REVIEW, INTEGRATION_TESTS_WORKFLOW } from './review.ts';

const NAMESPACES = 100;
const CLUSTER_WORKFLOWS = 100;
const CREATE_CONCURRENCY = 32;
const REVIEW_RATE = 300;
const REVIEW_S = 10;
const CHURN_PER_S = 100;
const CHURN_S = 30;

const workflowsIndex = process.argv.indexOf('--workflows');
const WORKFLOWS = workflowsIndex === -1 ? 10_000 : Number(process.argv[workflowsIndex + 1]);
const LEVELS = [...new Set([10, Math.min(1000, WORKFLOWS), WORKFLOWS])];

const namespaceOf = (index: number) => `scale-${String(index % NAMESPACES).padStart(3, '0')}`;

/** Workflow `index` as kubectl apply leaves it: the fixture's schema and runTemplate, a last-applied annotation. */
function workflowObject(index: number, kind: 'Workflow' | 'ClusterWorkflow'): JSONObject {
  const object = parse(readFileSync(INTEGRATION_TESTS_WORKFLOW.openapi, 'utf8')) as JSONObject;
  object.kind = kind;
  object.metadata =
    kind === 'Workflow' ? { name: `wf-${index}`, namespace: namespaceOf(index) } : { name: `cwf-${index}` };
  (object.metadata as JSONObject).annotations = {
    'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(object),
  };
  return object;
}

/** Runs `task(index)` for every index in [from, to), `CREATE_CONCURRENCY` at a time. */
async function inParallel(
  from: number,
  to: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < to) await task(next++);
    }),
  );
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** The chart's memory limit in MiB (values.yaml `resources.limits.memory`, e.g. `256Mi`). */
function chartMemoryLimitMiB(): number {
  const values = parse(
    readFileSync(path.join(REPO_ROOT, 'charts', 'workflowrun-webhook', 'values.yaml'), 'utf8'),
  ) as { resources: { limits: { memory: string } } };
  const match = /^(\d+)(Mi|Gi)$/.exec(values.resources.limits.memory)!;
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

async function metric(webhook: ChildWebhook, name: string): Promise<number | undefined> {
  const response = await httpsCall(webhook.port, {
    method: 'GET',
    path: '/metrics',
    rejectUnauthorized: false,
  });
  const line = response.body.split('\n').find((entry) => entry.startsWith(name));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const REVIEW = (() => {
  const review = JSON.parse(INTEGRATION_TEST_REVIEW) as {
    request: { namespace: string; object: { metadata: JSONObject; spec: { workflow: JSONObject } } };
  };
  review.request.namespace = namespaceOf(0);
  review.request.object.metadata.namespace = namespaceOf(0);
  review.request.object.spec.workflow.name = 'wf-0';
  return JSON.stringify(review);
})();

interface Paced {
  p99: number;
  errors: number;
}

async function pacedReviews(webhook: ChildWebhook, durationS: number): Promise<Paced> {
  const result = await autocannon({
    url: `https://127.0.0.1:${webhook.port}/validate-workflowrun`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: REVIEW,
    connections: 10,
    duration: durationS,
    overallRate: REVIEW_RATE,
    tlsOptions: { rejectUnauthorized: false },
  } as autocannon.Options);
  return { p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'scale-bench-'));
  const plane = await ControlPlane.start({ dir: path.join(scratch, 'cluster') });
  const webhooks: ChildWebhook[] = [];
  try {
    await installCrds(plane, 'v1.x');
    const config = new KubeConfig();
    config.loadFromFile(plane.kubeconfigPath);
    const core = config.makeApiClient(CoreV1Api);
    const objects = config.makeApiClient(CustomObjectsApi);
    await inParallel(0, NAMESPACES, (index) =>
      core.createNamespace({ body: { metadata: { name: namespaceOf(index) } } }),
    );
    const createWorkflows = (from: number, to: number) =>
      inParallel(from, to, (index) =>
        objects.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: namespaceOf(index),
          plural: 'workflows',
          body: workflowObject(index, 'Workflow'),
        }),
      );
    const certificate = writeSelfSignedCertificate(scratch, 'scale-bench');
    const start = () =>
      startChildWebhook({
        certFile: certificate.certFile,
        keyFile: certificate.keyFile,
        kubeconfig: plane.kubeconfigPath,
        waitReady: true,
      });

    let created = 0;
    const rss: number[] = [];
    let idle10: Paced | undefined;
    let webhook: ChildWebhook | undefined;
    for (const level of LEVELS) {
      const started = performance.now();
      await createWorkflows(created, level);
      if (level === WORKFLOWS)
        await inParallel(0, CLUSTER_WORKFLOWS, (index) =>
          objects.createClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural: 'clusterworkflows',
            body: workflowObject(index, 'ClusterWorkflow'),
          }),
        );
      console.log(
        `scale: created Workflows ${created}..${level} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      created = level;
      if (webhook === undefined) webhooks.push((webhook = await start()));
      const synced = webhook;
      await until(`the webhook caching ${level} Workflows`, async () => {
        const cached = await metric(
          synced,
          'workflowrun_webhook_informer_cache_objects{resource="workflows"}',
        );
        return cached === level;
      });
      await pacedReviews(webhook, 2); // the first reviews compile the schema and warm the path up
      rss.push(rssMiB(webhook.pid));
      if (level === LEVELS[0]) idle10 = await pacedReviews(webhook, REVIEW_S);
    }
    const limit = chartMemoryLimitMiB();
    const largest = rss[rss.length - 1]!;
    console.log(
      `scale: webhook RSS at ${LEVELS.map((level) => level.toLocaleString('en')).join(' / ')} Workflows: ` +
        `${rss.map((value) => value.toFixed(0)).join(' / ')} MiB (${largest.toFixed(0)} / chart limit ${limit} ` +
        `MiB: ${(largest / limit).toFixed(2)}; target < 0.60)`,
    );

    const readyStarted = performance.now();
    const restarted = await start();
    webhooks.push(restarted);
    const readyS = (performance.now() - readyStarted) / 1000;
    // A restart lists every Workflow at once, which the one above, grown by watch events, never had to.
    const restartedRss = rssMiB(restarted.pid);
    console.log(
      `scale: start to Ready at ${WORKFLOWS.toLocaleString('en')} Workflows: ${readyS.toFixed(1)} s ` +
        `(bundled webhook, from spawn); its RSS once Ready ${restartedRss.toFixed(0)} MiB ` +
        `(${(restartedRss / limit).toFixed(2)} of the chart limit)`,
    );

    const idle = await pacedReviews(webhook!, REVIEW_S);
    console.log(
      `scale: admission p99, ${WORKFLOWS.toLocaleString('en')} Workflows / 10 Workflows: ` +
        `${(idle.p99 / Math.max(idle10!.p99, 1)).toFixed(2)} (${idle.p99} / ${idle10!.p99} ms at ${REVIEW_RATE} ` +
        `reviews/s; target <= 1.2)`,
    );

    // Churn: 100 Workflow updates a second (a label, so the watch delivers MODIFIED events) while reviews go on,
    // sent from a child process so that the load generator's event loop measures reviews only.
    let flaps = 0;
    let churning = true;
    const churn = run(
      process.execPath,
      ['--import', 'tsx', 'test/bench/scale.ts', '--churn', plane.kubeconfigPath, String(WORKFLOWS)],
      { cwd: REPO_ROOT, timeoutMs: (CHURN_S + 60) * 1000 },
    );
    const readiness = (async () => {
      while (churning) {
        const answer = await httpsCall(webhook!.port, {
          method: 'GET',
          path: '/readyz',
          rejectUnauthorized: false,
        });
        if (answer.status !== 200) flaps++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const churned = await pacedReviews(webhook!, CHURN_S);
    const updateErrors = Number(check(await churn, 'Workflow churn').trim());
    churning = false;
    await readiness;
    console.log(
      `scale: Workflow churn (${CHURN_PER_S} updates/s for ${CHURN_S} s): admission p99 ratio to idle ` +
        `${(churned.p99 / Math.max(idle.p99, 1)).toFixed(2)} (${churned.p99} / ${idle.p99} ms; target <= 1.5), ` +
        `errors ${churned.errors} (update errors ${updateErrors}), readiness not ok ${flaps} times`,
    );
    console.log(
      'scale: list -A of 20,000 runs: not measured here yet (the plugin paging of #14 is the plugin branch part)',
    );
  } finally {
    for (const webhook of webhooks) await webhook.kill();
    await plane.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The churn process: CHURN_PER_S label updates a second for CHURN_S seconds; prints how many failed. */
async function churnWorkflows(kubeconfig: string, workflows: number): Promise<void> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const objects = config.makeApiClient(CustomObjectsApi);
  let updateErrors = 0;
  for (let second = 0; second < CHURN_S; second++) {
    const tick = performance.now();
    await inParallel(second * CHURN_PER_S, (second + 1) * CHURN_PER_S, (index) =>
      objects
        .patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: namespaceOf(index % workflows),
            plural: 'workflows',
            name: `wf-${index % workflows}`,
            body: { metadata: { labels: { churn: String(second) } } },
          },
          setHeaderOptions('Content-Type', 'application/merge-patch+json'),
        )
        .catch(() => updateErrors++),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - tick))));
  }
  process.stdout.write(`${updateErrors}\n`);
}

const churnIndex = process.argv.indexOf('--churn');
if (churnIndex === -1) await main();
else await churnWorkflows(process.argv[churnIndex + 1]!, Number(process.argv[churnIndex + 2]));
