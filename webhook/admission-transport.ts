// The admission endpoints' HTTP layer, answered straight from the HTTPS request listener: reading the body ourselves
// (bounded, checked as bytes arrive), one JSON.parse, the handler, one JSON.stringify, then logging and metrics by
// the answer's outcome. Kept apart from express (ops-endpoints.ts): the same handlers behind express.json() cost
// 4-5x the server CPU per review (`make bench` with the informer lookup: 195 vs 36 us validating, 175 vs 41 us
// mutating), so express's per-request cost would be the admission path's main cost.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  admissionContext,
  decodeReview,
  errored,
  objectName,
  reviewResponseJSON,
  reviewTimeoutMs,
  DEFAULT_REVIEW_TIMEOUT_MS,
  type AdmissionContext,
  type AdmissionRequest,
  type AdmissionResponse,
} from './admission.ts';
import type { AdmissionRoute } from './handlers.ts';
import type { WebhookMetrics } from './metrics.ts';

/** controller-runtime's limit: larger than any object etcd stores (1.5 MiB) with room for old and new object. */
export const ADMISSION_BODY_LIMIT = 7 * 1024 * 1024;

export interface AdmissionTransportOptions {
  /** By request path, e.g. `/validate-workflowrun`. */
  routes: Record<string, AdmissionRoute>;
  log: Logger;
  metrics: WebhookMetrics;
  /** True once shutdown has begun: answers then ask the client to close the connection. */
  closing: () => boolean;
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

export class AdmissionTransport {
  readonly #routes: Map<string, Route>;
  readonly #log: Logger;
  readonly #metrics: WebhookMetrics;
  readonly #closing: () => boolean;
  /** Answers decided in this turn of the event loop, sent together at its end (#send). */
  #unsent: Answer[] = [];

  constructor(options: AdmissionTransportOptions) {
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#closing = options.closing;
    this.#routes = new Map(
      Object.entries(options.routes).map(([path, route]) => [
        path,
        { ...route, reviewLog: this.#log.child({ webhook: route.webhook }) },
      ]),
    );
  }

  /** Answers the request when its path is an admission path; false (nothing done) for any other path. */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const route = this.#routes.get(query === -1 ? url : url.slice(0, query));
    if (route === undefined) return false;
    // The API server appends its own time limit to the configured URL: `?timeout=10s`.
    const timeoutMs = query === -1 ? DEFAULT_REVIEW_TIMEOUT_MS : reviewTimeoutMs(url.slice(query + 1));
    this.#admit(route, request, response, admissionContext(timeoutMs));
    return true;
  }

  #admit(route: Route, request: IncomingMessage, response: ServerResponse, context: AdmissionContext): void {
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
          context,
          started,
          response,
        );
    });
    request.on('error', () => undefined);
  }

  async #review(
    route: Route,
    body: Buffer,
    context: AdmissionContext,
    started: number,
    response: ServerResponse,
  ): Promise<void> {
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
      answer = await route.handler(request, context);
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
    if (this.#closing()) response.setHeader('Connection', 'close');
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
    route.reviewLog.info(
      {
        uid: request.uid,
        namespace: request.namespace,
        name: objectName(request),
        operation: request.operation,
        decision: answer.outcome,
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
