// Prometheus metrics in a registry of our own (so tests can make several servers). Histograms rather than
// summaries, so that latency aggregates across replicas.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CompiledSchemaStats } from './compiled-schemas.ts';
import type { InformerState } from './workflows.ts';

export interface WebhookMetrics {
  readonly registry: Registry;
  observeReview(webhook: string, operation: string, allowed: boolean, dryRun: boolean, seconds: number): void;
}

export function createMetrics(
  informers: () => readonly InformerState[] = () => [],
  compiledSchemas?: () => CompiledSchemaStats,
): WebhookMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'workflowrun_webhook_' });
  const duration = new Histogram({
    name: 'workflowrun_webhook_admission_duration_seconds',
    help: 'Time from the end of the request body to the response, by webhook and operation.',
    labelNames: ['webhook', 'operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'workflowrun_webhook_informer_cache_objects',
    help: 'Objects in each informer cache.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      for (const state of informers()) this.set({ resource: state.resource }, state.size);
    },
  });
  new Gauge({
    name: 'workflowrun_webhook_informer_synced',
    help: '1 while the informer has listed and its watch is open, 0 while it is broken or not yet synced.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      for (const state of informers()) this.set({ resource: state.resource }, state.synced ? 1 : 0);
    },
  });
  if (compiledSchemas !== undefined) {
    new Gauge({
      name: 'workflowrun_webhook_compiled_schemas',
      help: 'Compiled Workflow schemas in the cache (Workflows sharing a schema share one).',
      registers: [registry],
      collect() {
        this.set(compiledSchemas().size);
      },
    });
    new Gauge({
      name: 'workflowrun_webhook_compiled_schemas_max',
      help: 'The bound on compiled schemas kept (--compiled-schema-cache-size).',
      registers: [registry],
      collect() {
        this.set(compiledSchemas().maxEntries);
      },
    });
    // Counters kept by the cache itself, read at each scrape: the hit rate is hits / (hits + misses).
    new Counter({
      name: 'workflowrun_webhook_compiled_schema_lookups_total',
      help: 'Lookups of a compiled schema, by result: hit (cached) or miss (compiled now).',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const { hits, misses } = compiledSchemas();
        this.reset();
        this.inc({ result: 'hit' }, hits);
        this.inc({ result: 'miss' }, misses);
      },
    });
  }
  // prom-client hashes the label values on every inc() and observe(), even through a child from labels(); the
  // combinations are few, so each keeps its histogram child and a plain running count, which the counter takes
  // over when it is collected (at every scrape), rather than hashing labels twice per review.
  interface Child {
    labels: { webhook: string; operation: string; allowed: string; dry_run: string };
    uncounted: number;
    time: ReturnType<typeof duration.labels>;
  }
  const children = new Map<string, Child>();
  new Counter({
    name: 'workflowrun_webhook_admission_requests_total',
    help: 'Admission reviews answered, by webhook, operation, decision and dry run.',
    labelNames: ['webhook', 'operation', 'allowed', 'dry_run'] as const,
    registers: [registry],
    collect() {
      for (const child of children.values()) {
        if (child.uncounted === 0) continue;
        this.inc(child.labels, child.uncounted);
        child.uncounted = 0;
      }
    },
  });
  return {
    registry,
    observeReview(webhook, operation, allowed, dryRun, seconds) {
      const key = `${webhook} ${operation} ${allowed} ${dryRun}`;
      let child = children.get(key);
      if (child === undefined) {
        child = {
          labels: {
            webhook,
            operation,
            allowed: allowed ? 'true' : 'false',
            dry_run: dryRun ? 'true' : 'false',
          },
          uncounted: 0,
          time: duration.labels(webhook, operation),
        };
        children.set(key, child);
      }
      child.uncounted += 1;
      child.time.observe(seconds);
    },
  };
}
