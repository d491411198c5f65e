// The HTTPS server. The three admission paths are answered straight from the request listener: reading the body
// ourselves (bounded, checked as bytes arrive), one JSON.parse, one JSON.stringify. Everything else (health,
// readiness, metrics, 404s) goes to an express app, whose per-request cost would otherwise be the admission path's
// main cost. There is no plain-HTTP listener.
import express from 'express';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  decodeReview,
  errored,
  objectName,
  reviewResponseJSON,
  type AdmissionRequest,
  type AdmissionResponse,
} from './admission.ts';
import type { AdmissionRoute } from './handlers.ts';
import type { WebhookMetrics } from './metrics.ts';
import { secureContextOptions, type ServingCertificate } from './tls.ts';

/** controller-runtime's limit: larger than any object etcd stores (1.5 MiB) with room for old and new object. */
export const ADMISSION_BODY_LIMIT = 7 * 1024 * 1024;

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

type Decision = 'allowed' | 'patched' | 'denied' | 'errored';

function decisionOf(response: AdmissionResponse): Decision {
  if (response.allowed) return response.patch === undefined ? 'allowed' : 'patched';
  const code = response.status?.code ?? 403;
  // 400 is a request the webhook could not decode: its failure, not a decision on the object.
  return code > 400 && code < 500 ? 'denied' : 'errored';
}

function isJSONContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

interface Route extends AdmissionRoute {
  /** Logs this route's reviews: a child logger carries `webhook` already serialised, once instead of per line. */
  reviewLog: Logger;
}

/** A decided review waiting to be sent, with what its log line and metrics need. */
interface Answer {
  response: ServerResponse;
  payload: string;
  route: Route;
  request: AdmissionRequest;
  answer: AdmissionResponse;
  started: number;
}

export class WebhookServer {
  readonly server: Server;
  readonly #routes: Map<string, Route>;
  readonly #log: Logger;
  readonly #metrics: WebhookMetrics;
  #closing = false;
  /** Answers decided in this turn of the event loop, sent together at its end (#send). */
  #unsent: Answer[] = [];

  constructor(private readonly options: WebhookServerOptions) {
    this.#log = options.log;
    this.#routes = new Map(
      Object.entries(options.routes).map(([path, route]) => [
        path,
        { ...route, reviewLog: this.#log.child({ webhook: route.webhook }) },
      ]),
    );
    this.#metrics = options.metrics;
    const app = this.#application();
    this.server = createServer(secureContextOptions(options.certificate), (request, response) => {
      const url = request.url ?? '/';
      const query = url.indexOf('?');
      // The API server appends `?timeout=10s` to the configured URL.
      const route = this.#routes.get(query === -1 ? url : url.slice(0, query));
      if (route === undefined) app(request, response);
      else this.#admit(route, request, response);
    });
    // Longer than Go's idle-connection timeout (90 s), so that the API server, not we, closes idle connections:
    // a server-side close racing with a new POST fails that admission request.
    this.server.keepAliveTimeout = 120_000;
    this.server.requestTimeout = 60_000;
    this.server.on('tlsClientError', (error) =>
      this.#log.debug({ err: error.message }, 'TLS handshake failed'),
    );
  }

  #application(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.get('/healthz', (_request, response) => {
      response.type('text/plain').send('ok\n');
    });
    app.get('/readyz', (_request, response) => {
      const problems = this.notReady();
      if (problems.length === 0) response.type('text/plain').send('ok\n');
      else
        response
          .status(503)
          .type('text/plain')
          .send(`${problems.join('\n')}\n`);
    });
    app.get('/metrics', async (_request, response) => {
      const registry = this.#metrics.registry;
      response.type(registry.contentType).send(await registry.metrics());
    });
    return app;
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

  #admit(route: Route, request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    if (request.method !== 'POST') {
      this.#refuse(response, 405, `${request.method} is not allowed; admission reviews are POSTed`, {
        Allow: 'POST',
      });
      return;
    }
    if (!isJSONContentType(request.headers['content-type'])) {
      this.#refuse(response, 415, 'Content-Type must be application/json');
      return;
    }
    const declaredLength = Number(request.headers['content-length']);
    if (declaredLength > ADMISSION_BODY_LIMIT) {
      this.#refuse(response, 413, `request body exceeds ${ADMISSION_BODY_LIMIT} bytes`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > ADMISSION_BODY_LIMIT) {
        tooLarge = true;
        chunks.length = 0;
        this.#refuse(response, 413, `request body exceeds ${ADMISSION_BODY_LIMIT} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!tooLarge)
        void this.#review(
          route,
          chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
          started,
          response,
        );
    });
    request.on('error', () => undefined);
  }

  async #review(route: Route, body: Buffer, started: number, response: ServerResponse): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.#refuse(response, 400, `request body is not valid JSON: ${(error as Error).message}`);
      return;
    }
    const decoded = decodeReview(parsed);
    if (!decoded.ok) {
      this.#refuse(response, 400, decoded.message);
      return;
    }
    const { request } = decoded;
    let answer: AdmissionResponse;
    try {
      const result = route.handler(request);
      answer = result instanceof Promise ? await result : result;
    } catch (error) {
      this.#log.error(
        { uid: request.uid, webhook: route.webhook, err: (error as Error).message },
        'handler failed',
      );
      answer = errored(500, `internal error: ${(error as Error).message}`);
    }
    const payload = reviewResponseJSON(decoded.apiVersion, request.uid, answer);
    this.#send({ response, payload, route, request, answer, started });
  }

  /**
   * Sends an answer once this turn of the event loop has decided the reviews it read. Answering each review the
   * moment it is decided wakes a waiting client once per answer; when client and webhook share a machine (loopback,
   * a single-node cluster) the sender pays for that wake-up, and under load it cost more CPU than a mutating
   * review's own work. Answering a turn's reviews together lets one wake-up serve them all (`make bench`, 20
   * connections: 36 -> 29 us of server CPU per mutating review). An answer waits for the rest of its turn: the
   * other reviews and I/O callbacks the loop had ready, a fraction of a millisecond under load.
   */
  #send(answer: Answer): void {
    this.#unsent.push(answer);
    if (this.#unsent.length === 1) setImmediate(this.#sendAll);
  }

  readonly #sendAll = (): void => {
    const unsent = this.#unsent;
    this.#unsent = [];
    for (const answer of unsent) {
      // One answer that cannot be written must not keep the others of its turn from going out.
      try {
        this.#write(answer.response, answer.payload);
      } catch (error) {
        this.#log.error({ uid: answer.request.uid, err: (error as Error).message }, 'answer not sent');
      }
    }
    // Logged and measured once sent, so that the latency includes the wait.
    for (const { route, request, answer, started } of unsent) this.#record(route, request, answer, started);
  };

  #write(response: ServerResponse, payload: string): void {
    // Decided now, not when the review was: shutdown may have begun since.
    if (this.#closing) response.setHeader('Connection', 'close');
    // A flat header list skips the per-request walk over a headers object.
    response.writeHead(200, [
      'Content-Type',
      'application/json',
      'Content-Length',
      String(Buffer.byteLength(payload)),
    ]);
    response.end(payload);
  }

  #record(route: Route, request: AdmissionRequest, answer: AdmissionResponse, started: number): void {
    const latencyMs = performance.now() - started;
    const dryRun = request.dryRun === true;
    this.#metrics.observeReview(route.webhook, request.operation, answer.allowed, dryRun, latencyMs / 1000);
    const decision = decisionOf(answer);
    route.reviewLog.info(
      {
        uid: request.uid,
        namespace: request.namespace,
        name: objectName(request),
        operation: request.operation,
        decision,
        code: answer.allowed ? undefined : answer.status?.code,
        latencyMs: Math.round(latencyMs * 1000) / 1000,
        dryRun,
      },
      'review',
    );
  }

  #refuse(
    response: ServerResponse,
    code: number,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    this.#log.warn({ code, reason: message.slice(0, 200) }, 'admission request refused');
    // After a refusal the rest of the body may still be arriving: close rather than reading it.
    response.writeHead(code, {
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      Connection: 'close',
    });
    response.end(`${message}\n`);
  }
}
