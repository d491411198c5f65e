// Rewrites the figures sections of docs/reliability.md from the latest run's results in .cache/reliability/*.json
// (written by the reliability suites, the single-node cluster's suite and `make soak`); a section whose results are
// absent keeps its figures. Run after them:
//   npx mocha 'test/reliability/**/*.test.ts' && make soak && node --import tsx scripts/reliability-report.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, '.cache', 'reliability');
const DOC = join(ROOT, 'docs', 'reliability.md');
const BEGIN = '<!-- figures:begin (scripts/reliability-report.ts) -->';
const END = '<!-- figures:end -->';

type Figures = Record<string, unknown>;

// Names of the results files found, so that a block whose suites did not run here keeps the figures it has.
const found = new Set<string>();

function read(name: string): Figures {
  try {
    const figures = JSON.parse(readFileSync(join(RESULTS, `${name}.json`), 'utf8')) as Figures;
    found.add(name);
    return figures;
  } catch {
    return {};
  }
}

const show = (value: unknown) =>
  value === undefined ? 'not measured' : typeof value === 'object' ? JSON.stringify(value) : String(value);

const hostile = read('hostile-webhook');
const plugin = read('hostile-plugin');
const faults = read('faults');
const security = read('security');
const soak = read('soak');
const soakRss = (soak.rssKiB ?? {}) as Record<string, number | undefined>;
const soakLatency = (soak.latencyMs ?? {}) as Record<string, number | undefined>;
const soakLoop = (soak.eventLoopP99Ms ?? {}) as Record<string, number | undefined>;
const tls = (security.tls ?? {}) as Record<string, string>;

const lines = [
  BEGIN,
  '',
  '### Hostile input (`npx mocha test/reliability/hostile-webhook.test.ts test/reliability/hostile-plugin.test.ts`)',
  '',
  '| What | Result |',
  '| --- | --- |',
  `| Fixed corpus, admission endpoints (in-process server) | ${show(hostile.corpusCases)} cases, ${show(hostile.corpusProblems)} problems |`,
  `| Same corpus ×6 against the webhook program (child process, 128 MiB heap limit) | ${show(hostile.childCorpusRequests)} requests; RSS after each round ${show(hostile.childRssKiBAfterRounds)} KiB ; heap used after each round ${show(hostile.childHeapUsedKiBAfterRounds)} KiB; ${show(hostile.childStderrLines)} lines on stderr |`,
  `| fast-check, handlers called directly (3 endpoints) | ${show(hostile.propertyRuns)} generated requests |`,
  `| fast-check, mutated bodies over HTTPS | ${show(hostile.httpPropertyRuns)} requests |`,
  `| Memory, 3000 hostile requests after warm-up and GC (in-process) | heap ${show(hostile.inProcessHeapGrowthMiB)} MiB, RSS ${show(hostile.inProcessRssGrowthMiB)} MiB |`,
  `| Plugin \`validate\` hostile files and flags | ${show(plugin.pluginCases)} cases, exit codes ${show(plugin.pluginExitCodes)}, ${show(plugin.pluginProblems)} problems; huge file: ${show(plugin.hugeFileProblems)} problems |`,
  '',
  '### Faults on a real control plane (`npx mocha test/reliability/faults.test.ts`)',
  '',
  '| Fault | Measured |',
  '| --- | --- |',
  `| kube-apiserver and etcd stopped | /readyz 503 after ${show(faults.notReadyAfterApiserverStopMs)} ms; /healthz stays 200; cached Workflow still used: ${show(faults.cachedWorkflowUsedDuringOutage)} |`,
  `| Both restarted (outage ${show(faults.outageMs)} ms) | /readyz 200 again ${show(faults.readyAfterApiserverBackMs)} ms after the API server was back |`,
  `| Schema change after the restart (watch resumed) | used after ${show(faults.changedSchemaUsedAfterRestartMs)} ms (limit 2000) |`,
  `| Workflow created after the restart | used after ${show(faults.newWorkflowUsedAfterRestartMs)} ms (limit 5000) |`,
  `| Schema widened / narrowed | used after ${show(faults.changedSchemaUsedMs)} / ${show(faults.narrowedSchemaUsedMs)} ms (limit 2000) |`,
  `| Workflow deleted | runs denied as not found after ${show(faults.deletedWorkflowDeniedMs)} ms |`,
  `| Serving certificate rotated under load | ${show(faults.rotationRequests)} requests, ${show(faults.rotationFailures)} failed; new certificate served after ${show(faults.rotationServedAfterMs)} ms |`,
  `| SIGTERM under load (16 connections) | ${show(faults.sigtermReviewsBeforeSignal)} reviews sent before the signal, ${show(faults.sigtermLost)} lost; exit code ${show(faults.sigtermExitCode)} after ${show(faults.sigtermExitMs)} ms |`,
  '',
  '### Sustained load (`make soak`)',
  '',
  '| What | Measured |',
  '| --- | --- |',
  `| Maximum throughput of /validate-workflowrun (20 connections) | ${show(soak.maxThroughputPerS)} reviews/s |`,
  `| Held | ${show(soak.achievedRatePerS)} reviews/s (target ${show(soak.targetRatePerS)}) for ${show(soak.soakSeconds)} s, ${show(soak.requests)} reviews |`,
  `| Errors | ${show(soak.errors)} ${show(soak.errorBreakdown)} |`,
  `| Latency (load generator side) | p50 ${show(soakLatency.p50)} ms, p99 ${show(soakLatency.p99)} ms, max ${show(soakLatency.max)} ms |`,
  `| Webhook RSS (/proc) | ${show(soakRss.afterWarmUp)} KiB after warm-up → ${show(soakRss.end)} KiB at the end: ${show(soak.rssGrowthPercent)} % (limit 10 %) |`,
  `| Event-loop delay p99 (webhook's own metric, per 10 s window) | median ${show(soakLoop.median)} ms, worst ${show(soakLoop.max)} ms |`,
  '',
  '### Security (`npx mocha test/reliability/security.test.ts`)',
  '',
  '| Check | Result |',
  '| --- | --- |',
  `| Plain HTTP POST to the admission port | ${show(security.plainHttp)} |`,
  ...Object.entries(tls).map(
    ([client, outcome]) => `| TLS, ${client} | ${outcome.split('\n')[0]!.slice(0, 90)} |`,
  ),
  `| Chart Deployment, \`kubectl apply --dry-run=server\` in a restricted namespace | ${show(security.podSecurity)} |`,
  `| Service account grants beyond an unbound account | ${show(security.serviceAccountGrants)} |`,
  `| \`npm audit --omit=dev\` | ${show(security.npmAudit)} |`,
  `| Log lines at the default level during 7 reviews carrying a token | ${show(security.logLines)} |`,
  '',
  `Figures recorded: hostile ${show(hostile.recordedAt)}, faults ${show(faults.recordedAt)}, soak ${show(soak.recordedAt)}, security ${show(security.recordedAt)}.`,
  '',
  END,
];

const suitesFound = ['hostile-webhook', 'hostile-plugin', 'faults', 'security', 'soak'].some((n) =>
  found.has(n),
);

// The single-node cluster's suite needs root, so it has a block of its own (test/e2e/node.test.ts).
const node = read('node');
const NODE_BEGIN = '<!-- node-figures:begin (scripts/reliability-report.ts) -->';
const NODE_END = '<!-- node-figures:end -->';
const load = (value: unknown) => {
  const { sent, perSecond, failed } = (value ?? {}) as Record<string, unknown>;
  return value === undefined
    ? 'not measured'
    : `${show(sent)} admissions at ${show(perSecond)}/s, ${show(failed)} failed or wrong`;
};
const nodeLines = [
  NODE_BEGIN,
  '',
  '| What | Measured |',
  '| --- | --- |',
  `| Webhook image (Dockerfile on a local Node 20 base) | ${show(node.imageSizeMB)} MB, ${show(node.imageCompressedMB)} MB compressed |`,
  `| Single-node cluster started (images built, node Ready, CRDs installed) | ${show(node.nodeReadyMs)} ms |`,
  `| \`helm install --wait\` until both replicas are Ready | ${show(node.installReadyMs)} ms |`,
  `| Rolling upgrade (\`helm upgrade\` of the pod template) | ${load(node.upgrade)} |`,
  `| One replica deleted | ${load(node.podLoss)} |`,
  `| Eviction while the other replica is not Ready | HTTP ${show(node.pdbEvictionRefused)} |`,
  `| Certificate rotation (\`helm upgrade\` renewing it) | ${load(node.certificateRotation)}; both pods serving the new certificate ${show(node.certificateReloadMs)} ms after the upgrade began |`,
  `| Outage, \`failurePolicy: Fail\` | refused in ${show(node.outageFailMs)} ms: ${show(node.outageFailMessage)} |`,
  `| Outage, \`failurePolicy: Ignore\` | stored unchecked in ${show(node.outageIgnoreMs)} ms |`,
  '',
  `Figures recorded: ${show(node.recordedAt)}.`,
  '',
  NODE_END,
];

function replaceBlock(doc: string, begin: string, end: string, block: string[]): string {
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start === -1 || stop === -1) throw new Error(`${DOC} has no ${begin} ... ${end} markers`);
  return `${doc.slice(0, start)}${block.join('\n')}${doc.slice(stop + end.length)}`;
}

let doc = readFileSync(DOC, 'utf8');
if (suitesFound) doc = replaceBlock(doc, BEGIN, END, lines);
if (found.has('node')) doc = replaceBlock(doc, NODE_BEGIN, NODE_END, nodeLines);
writeFileSync(DOC, doc);
console.log(
  `updated ${DOC}${suitesFound ? '' : ' (only the blocks whose results are in .cache/reliability/)'}`,
);
