// Soak (`make soak`), loopback only and bounded: the webhook program (the bundle `make build` made) watching a real
// control plane's Workflows, loaded with /validate-workflowrun reviews by autocannon:
//  1. its maximum throughput over HTTPS keep-alive (20 connections, 10 s);
//  2. SOAK_SECONDS (default 300) at half of that rate, sampling every 10 s the webhook's resident memory
//     (/proc/<pid>/status VmRSS) and its event-loop delay p99 (its own /metrics,
//     workflowrun_webhook_nodejs_eventloop_lag_p99_seconds, which resets at each scrape: one value per window).
// Passes with zero errors (non-2xx, timeouts, socket errors, answers other than the expected allowed review) and
// RSS growth under 10 % from the end of the first minute (the warm-up) to the end. Prints its numbers and writes
// them to .cache/reliability/soak.json for docs/reliability.md.
//
//   node --import tsx test/bench/soak.ts     (or `make soak`; SOAK_SECONDS=60 for a short run)
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { installCrds } from '../../local-cluster/openchoreo.ts';
import { exitCleanlyOnSignals } from '../../local-cluster/processes.ts';
import { recordResult } from '../reliability/results.ts';
import {
  residentKiB,
  scratchDirectory,
  scrapeMetrics,
  send,
  startChildWebhook,
  type ChildWebhook,
} from '../reliability/support.ts';
import { INTEGRATION_TEST_REVIEW, INTEGRATION_TESTS_WORKFLOW } from './review.ts';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const MAX_SECONDS = 10;
const CONNECTIONS = 20;
const SAMPLE_EVERY_MS = 10_000;
const WARM_UP_MS = Math.min(60_000, (SOAK_SECONDS * 1000) / 5);
const RSS_GROWTH_LIMIT = 0.1;

const REVIEW = INTEGRATION_TEST_REVIEW;

function load(
  port: number,
  options: { seconds: number; rate?: number; expectBody: string },
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `https://127.0.0.1:${port}/validate-workflowrun`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: REVIEW,
        connections: CONNECTIONS,
        duration: options.seconds,
        expectBody: options.expectBody,
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    process.once('SIGINT', () => instance.stop());
  });
}

function errorsOf(result: autocannon.Result): number {
  return result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0);
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

async function main(): Promise<number> {
  exitCleanlyOnSignals();
  const directory = scratchDirectory('soak');
  let plane: ControlPlane | undefined;
  let webhook: ChildWebhook | undefined;
  try {
    console.log('soak: starting a control plane (etcd + kube-apiserver) and the webhook');
    plane = await ControlPlane.start({ dir: join(directory.path, 'plane'), labels: { suite: 'soak' } });
    await installCrds(plane, 'v1.x');
    const applied = await plane.kubectl(['apply', '-f', INTEGRATION_TESTS_WORKFLOW.openapi]);
    if (applied.code !== 0) throw new Error(`applying the Workflow: ${applied.stderr}`);
    const serving = await plane.issueServingCert(['127.0.0.1'], 'soak');
    webhook = await startChildWebhook({
      certFile: serving.certPath,
      keyFile: serving.keyPath,
      kubeconfig: plane.kubeconfigPath,
      waitReady: true,
    });
    const first = await send({ port: webhook.port, path: '/validate-workflowrun', body: REVIEW });
    const expectBody = first.body.toString('utf8');
    if (!(JSON.parse(expectBody) as { response: { allowed: boolean } }).response.allowed) {
      throw new Error(`the soak review is not allowed: ${expectBody}`);
    }

    console.log(`soak: measuring maximum throughput (${CONNECTIONS} connections, ${MAX_SECONDS} s)`);
    const max = await load(webhook.port, { seconds: MAX_SECONDS, expectBody });
    const maxRate = max.requests.average;
    const rate = Math.max(1, Math.floor(maxRate / 2));
    console.log(
      `soak: maximum ${maxRate.toFixed(0)} reviews/s (p99 ${max.latency.p99} ms, errors ${errorsOf(max)})`,
    );

    console.log(`soak: ${SOAK_SECONDS} s at ${rate} reviews/s, sampling every ${SAMPLE_EVERY_MS / 1000} s`);
    await scrapeMetrics(webhook.port); // resets the event-loop histogram, so the first window is the soak's own
    const samples: { atS: number; rssKiB: number; eventLoopP99Ms: number }[] = [];
    const started = Date.now();
    const pid = webhook.pid;
    const port = webhook.port;
    const sampler = setInterval(() => {
      void (async () => {
        const metrics = await scrapeMetrics(port).catch(() => new Map<string, number>());
        const sample = {
          atS: Math.round((Date.now() - started) / 1000),
          rssKiB: residentKiB(pid),
          eventLoopP99Ms: Number(
            ((metrics.get('workflowrun_webhook_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000).toFixed(2),
          ),
        };
        samples.push(sample);
        console.log(
          `  ${String(sample.atS).padStart(4)} s  RSS ${(sample.rssKiB / 1024).toFixed(1)} MiB  event-loop p99 ${sample.eventLoopP99Ms} ms`,
        );
      })();
    }, SAMPLE_EVERY_MS);
    const soak = await load(webhook.port, { seconds: SOAK_SECONDS, rate, expectBody });
    clearInterval(sampler);
    const stillAlive = webhook.process.exitCode === null;

    const afterWarmUp = samples.find((sample) => sample.atS * 1000 >= WARM_UP_MS) ?? samples[0];
    const last = samples[samples.length - 1];
    const growth = afterWarmUp && last ? (last.rssKiB - afterWarmUp.rssKiB) / afterWarmUp.rssKiB : Number.NaN;
    const loopP99s = samples.map((sample) => sample.eventLoopP99Ms).filter((value) => Number.isFinite(value));
    const figures = {
      maxThroughputPerS: Math.round(maxRate),
      maxP99Ms: max.latency.p99,
      soakSeconds: SOAK_SECONDS,
      targetRatePerS: rate,
      achievedRatePerS: Math.round(soak.requests.average),
      requests: soak.requests.total,
      errors: errorsOf(soak),
      errorBreakdown: {
        errors: soak.errors,
        timeouts: soak.timeouts,
        non2xx: soak.non2xx,
        mismatches: soak.mismatches ?? 0,
      },
      latencyMs: { p50: soak.latency.p50, p99: soak.latency.p99, max: soak.latency.max },
      rssKiB: { start: samples[0]?.rssKiB, afterWarmUp: afterWarmUp?.rssKiB, end: last?.rssKiB },
      rssGrowthPercent: Number((growth * 100).toFixed(2)),
      eventLoopP99Ms: { median: quantile(loopP99s, 0.5), max: Math.max(...loopP99s) },
      webhookAlive: stillAlive,
    };
    recordResult('soak', figures);
    writeFileSync(join(directory.path, 'samples.json'), JSON.stringify(samples));
    console.log('\nsoak results');
    console.log(
      `  maximum throughput        ${figures.maxThroughputPerS} reviews/s (p99 ${figures.maxP99Ms} ms)`,
    );
    console.log(
      `  held                      ${figures.achievedRatePerS} reviews/s for ${SOAK_SECONDS} s (${figures.requests} reviews)`,
    );
    console.log(`  errors                    ${figures.errors} ${JSON.stringify(figures.errorBreakdown)}`);
    console.log(
      `  latency                   p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, max ${figures.latencyMs.max} ms`,
    );
    console.log(
      `  RSS                       ${((figures.rssKiB.afterWarmUp ?? 0) / 1024).toFixed(1)} MiB after warm-up -> ${((figures.rssKiB.end ?? 0) / 1024).toFixed(1)} MiB at the end (${figures.rssGrowthPercent} %)`,
    );
    console.log(
      `  event-loop delay p99      median ${figures.eventLoopP99Ms.median} ms, worst window ${figures.eventLoopP99Ms.max} ms`,
    );
    const failures: string[] = [];
    if (figures.errors !== 0) failures.push(`${figures.errors} errors`);
    if (!(growth < RSS_GROWTH_LIMIT))
      failures.push(`RSS grew ${figures.rssGrowthPercent} % (limit ${RSS_GROWTH_LIMIT * 100} %)`);
    if (!stillAlive) failures.push('the webhook exited');
    console.log(failures.length === 0 ? '\nsoak: PASS' : `\nsoak: FAIL: ${failures.join('; ')}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await webhook?.kill();
    await plane?.stop();
    directory.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${(error as Error).message}`);
    process.exit(2);
  },
);
