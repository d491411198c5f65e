// The endpoints for the cluster's operators rather than the API server: liveness, readiness and Prometheus
// metrics, on an express app. They are few and rarely called, so express's per-request cost does not matter here.
import express from 'express';
import type { Registry } from 'prom-client';

export interface OpsEndpointOptions {
  /** Why the webhook is not ready (informers not synced, shutting down, ...); empty when ready. */
  notReady: () => string[];
  registry: Registry;
}

export function opsEndpoints({ notReady, registry }: OpsEndpointOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_request, response) => {
    response.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_request, response) => {
    const problems = notReady();
    if (problems.length === 0) response.type('text/plain').send('ok\n');
    else
      response
        .status(503)
        .type('text/plain')
        .send(`${problems.join('\n')}\n`);
  });
  app.get('/metrics', async (_request, response) => {
    response.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}
