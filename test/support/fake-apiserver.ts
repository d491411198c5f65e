// A Kubernetes API server in miniature for the client tests: openchoreo.dev/v1alpha1 custom objects over plain HTTP
// on loopback (get, list, create with dry run, watch with resourceVersion replay and 410 Gone, discovery), Status
// errors as the real server writes them, and a restart on the same port. Every request is recorded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { JSONObject } from '../../core/index.ts';

const PREFIX = '/apis/openchoreo.dev/v1alpha1';
const PLURALS = ['workflowruns', 'workflows', 'clusterworkflows'] as const;
const CLUSTER_SCOPED = new Set(['clusterworkflows']);

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body?: JSONObject;
}

interface StoredEvent {
  resourceVersion: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  plural: string;
  object: JSONObject;
}

export function status(code: number, reason: string, message: string): JSONObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export class FakeApiServer {
  readonly calls: RecordedCall[] = [];
  /** Plurals discovery reports; undefined answers discovery with 404 (the group is not served). */
  served: string[] | undefined = [...PLURALS];
  /** Status a create is refused with (an admission webhook's denial). */
  denyCreate: JSONObject | undefined;
  /** Answers every request with this status code and an empty body, before anything else (e.g. 401). */
  failAll: number | undefined;
  /** GETs of one object are never answered, as from an API server that is overloaded. */
  stallGets = false;
  /** Events older than this resourceVersion are forgotten: a watch from before it gets 410 Gone. */
  compactedBefore = 0;
  readonly #objects = new Map<string, JSONObject>();
  readonly #events: StoredEvent[] = [];
  readonly #watches = new Set<{ plural: string; namespace?: string; response: ServerResponse }>();
  readonly #sockets = new Set<Socket>();
  #resourceVersion = 100;
  #server: Server | undefined;
  #port = 0;
  readonly #dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'));

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => void this.#handle(request, response));
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
    return this;
  }

  /** Closes the port and cuts every connection, watches included, as a crashed API server would. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#watches.clear();
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** A kubeconfig for this server: insecure-skip-tls-verify is what lets client-node use plain HTTP. */
  kubeconfig(options: { namespace?: string; token?: string; name?: string } = {}): string {
    const context: JSONObject = { cluster: 'fake', user: 'tester' };
    if (options.namespace) context.namespace = options.namespace;
    const path = join(this.#dir, options.name ?? 'kubeconfig');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'fake',
        clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'tester', user: { token: options.token ?? 'secret-token' } }],
        contexts: [
          { name: 'fake', context },
          { name: 'other', context: { ...context, namespace: 'other-namespace' } },
        ],
      }),
    );
    return path;
  }

  /** Stores an object (ADDED or MODIFIED to watchers) with a new resourceVersion. */
  put(plural: string, object: JSONObject): JSONObject {
    const stored = structuredClone(object);
    const metadata = stored.metadata as { name: string; namespace?: string; resourceVersion?: string };
    const key = this.#key(plural, metadata.namespace, metadata.name);
    const type = this.#objects.has(key) ? 'MODIFIED' : 'ADDED';
    metadata.resourceVersion = String(++this.#resourceVersion);
    this.#objects.set(key, stored);
    this.#emit({ resourceVersion: this.#resourceVersion, type, plural, object: stored });
    return stored;
  }

  remove(plural: string, name: string, namespace?: string): void {
    const key = this.#key(plural, namespace, name);
    const object = this.#objects.get(key);
    if (!object) return;
    this.#objects.delete(key);
    this.#emit({ resourceVersion: ++this.#resourceVersion, type: 'DELETED', plural, object });
  }

  /** Open watch connections on `plural`. */
  watching(plural: string): number {
    return [...this.#watches].filter((watch) => watch.plural === plural).length;
  }

  #key(plural: string, namespace: string | undefined, name: string): string {
    return `${plural}/${CLUSTER_SCOPED.has(plural) ? '' : (namespace ?? '')}/${name}`;
  }

  #emit(event: StoredEvent): void {
    this.#events.push(event);
    for (const watch of this.#watches) {
      if (watch.plural !== event.plural) continue;
      const namespace = (event.object.metadata as { namespace?: string }).namespace;
      if (watch.namespace !== undefined && watch.namespace !== namespace) continue;
      watch.response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const call: RecordedCall = {
      method: request.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
    };
    if (text) call.body = JSON.parse(text) as JSONObject;
    this.calls.push(call);
    const send = (code: number, body: JSONObject) => {
      response.writeHead(code, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (this.failAll !== undefined) {
      response.writeHead(this.failAll);
      response.end();
      return;
    }
    if (url.pathname === PREFIX) {
      if (!this.served)
        return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      const resources = this.served.flatMap((name) => [
        { name, namespaced: !CLUSTER_SCOPED.has(name), kind: name, verbs: ['get', 'list', 'watch'] },
        { name: `${name}/status`, namespaced: !CLUSTER_SCOPED.has(name), kind: name, verbs: ['get'] },
      ]);
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'openchoreo.dev/v1alpha1',
        resources,
      });
    }
    const match = /^\/apis\/openchoreo\.dev\/v1alpha1(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    if (!match || !(PLURALS as readonly string[]).includes(match[2]!)) {
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const [, namespace, plural, name] = match as unknown as [
      string,
      string | undefined,
      string,
      string | undefined,
    ];
    if (request.method === 'GET' && name !== undefined) {
      if (this.stallGets) return;
      const object = this.#objects.get(this.#key(plural, namespace, name));
      if (!object) return send(404, status(404, 'NotFound', `${plural}.openchoreo.dev "${name}" not found`));
      return send(200, object);
    }
    if (request.method === 'GET' && url.searchParams.get('watch') === 'true') {
      return this.#watch(plural, namespace, url.searchParams, response);
    }
    if (request.method === 'GET') {
      const all = [...this.#objects.entries()]
        .filter(([key]) => key.startsWith(`${plural}/${namespace === undefined ? '' : `${namespace}/`}`))
        .map(([, object]) => object);
      // Pages as the real server cuts them: `limit` objects, then a `continue` token (here, the next offset; a token
      // it did not hand out reads as the start).
      const offset = Number(url.searchParams.get('continue')) || 0;
      const limit = Number(url.searchParams.get('limit') ?? 0) || all.length;
      const items = all.slice(offset, offset + limit);
      const metadata: JSONObject = { resourceVersion: String(this.#resourceVersion) };
      if (offset + limit < all.length) metadata.continue = String(offset + limit);
      return send(200, { kind: 'List', apiVersion: 'openchoreo.dev/v1alpha1', metadata, items });
    }
    if (request.method === 'POST') {
      if (this.denyCreate) return send(Number(this.denyCreate.code), this.denyCreate);
      const object = structuredClone(call.body!);
      const metadata = object.metadata as Record<string, string>;
      metadata.namespace = namespace ?? '';
      metadata.name ||= `${metadata.generateName ?? ''}abcde`;
      if (url.searchParams.get('dryRun') === 'All') return send(201, object);
      return send(201, this.put(plural, object));
    }
    return send(405, status(405, 'MethodNotAllowed', 'method not allowed'));
  }

  #watch(
    plural: string,
    namespace: string | undefined,
    query: URLSearchParams,
    response: ServerResponse,
  ): void {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const from = Number(query.get('resourceVersion') || this.#resourceVersion);
    if (from < this.compactedBefore) {
      const gone = status(410, 'Expired', `too old resource version: ${from} (${this.compactedBefore})`);
      response.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    const watch = { plural, ...(namespace === undefined ? {} : { namespace }), response };
    this.#watches.add(watch);
    response.on('close', () => this.#watches.delete(watch));
    for (const event of this.#events) {
      if (event.resourceVersion > from && event.plural === plural) {
        response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
    response.flushHeaders();
  }

  /** Ends every open watch normally, as the server does when a watch's timeout passes. */
  endWatches(): void {
    for (const watch of this.#watches) watch.response.end();
    this.#watches.clear();
  }
}
