// The HTTPS server: one TLS listener whose requests go to the admission transport (admission-transport.ts) when
// their path is an admission path and to the ops endpoints (ops-endpoints.ts) otherwise, plus certificate reload
// and graceful shutdown. There is no plain-HTTP listener.
import { createServer, type Server } from 'node:https';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AdmissionTransport } from './admission-transport.ts';
import type { AdmissionRoute } from './handlers.ts';
import type { WebhookMetrics } from './metrics.ts';
import { opsEndpoints } from './ops-endpoints.ts';
import { secureContextOptions, type ServingCertificate } from './tls.ts';

// How long idle keep-alive connections stay open after shutdown begins, for requests already on their way.
const IDLE_GRACE_MS = 1000;

export interface WebhookServerOptions {
  /** By request path, e.g. `/validate-workflowrun`. */
  routes: Record<string, AdmissionRoute>;
  certificate: ServingCertificate;
  log: Logger;
  metrics: WebhookMetrics;
  /** Why the webhook is not ready (informers not synced, ...); empty when ready. */
  notReady?: () => string[];
}

export class WebhookServer {
  readonly server: Server;
  readonly #log: Logger;
  #closing = false;

  constructor(private readonly options: WebhookServerOptions) {
    this.#log = options.log;
    const admission = new AdmissionTransport({
      routes: options.routes,
      log: options.log,
      metrics: options.metrics,
      closing: () => this.#closing,
    });
    const ops = opsEndpoints({ notReady: () => this.notReady(), registry: options.metrics.registry });
    this.server = createServer(secureContextOptions(options.certificate), (request, response) => {
      if (!admission.serve(request, response)) ops(request, response);
    });
    // Longer than Go's idle-connection timeout (90 s), so that the API server, not we, closes idle connections:
    // a server-side close racing with a new POST fails that admission request.
    this.server.keepAliveTimeout = 120_000;
    this.server.requestTimeout = 60_000;
    this.server.on('tlsClientError', (error) =>
      this.#log.debug({ err: error.message }, 'TLS handshake failed'),
    );
  }

  notReady(): string[] {
    if (this.#closing) return ['shutting down'];
    return this.options.notReady?.() ?? [];
  }

  setCertificate(certificate: ServingCertificate): void {
    this.server.setSecureContext(secureContextOptions(certificate));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections, lets reviews in flight finish (answering them with `Connection: close`) and
   * resolves once every connection is closed; connections still open after `timeoutMs` are cut.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#closing = true;
    // https.Server#close would also drop idle keep-alive connections at once, racing requests that clients are
    // sending on them right now; closing only the listener lets those arrive and be answered first.
    const closed = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(this.server, () => resolve()),
    );
    const started = Date.now();
    const sweep = setInterval(() => {
      if (Date.now() - started >= Math.min(IDLE_GRACE_MS, timeoutMs)) this.server.closeIdleConnections();
      if (Date.now() - started >= timeoutMs) this.server.closeAllConnections();
    }, 100);
    await closed;
    clearInterval(sweep);
  }
}
