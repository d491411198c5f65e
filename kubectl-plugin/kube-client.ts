// The real KubeClient: client-node's KubeConfig (kubeconfig files, contexts, exec and auth-provider credentials,
// in-cluster service accounts, TLS and proxy options, all as client-node applies them) and its Watch, and the few
// REST calls the plugin makes sent with what KubeConfig applies to a request. Only cmdutil/factory.ts's dynamic
// import loads this module (and with it client-node), when a command needs the cluster.
//
// client-node's generated API (every Kubernetes type and its serializer) is left out: it was two thirds of this
// bundle, for calls on custom objects that need none of it. The bundle also points config.js's import of the
// generated index at the two names it uses (scripts/build.mjs). Modules are imported by path rather than through
// the package index, which also pulls in exec, attach, port-forward and copy (ws, tar). The version is pinned
// (~1.4), and the package has no export map that would forbid these paths.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import fetch from 'node-fetch';
import { GROUP, VERSION, type JSONObject } from '../core/index.ts';
import {
  KubeApiError,
  KubeConnectionError,
  apiErrorCode,
  type ConnectionFlags,
  type CreateRequest,
  type KubeClient,
  type ListRequest,
  type ObjectList,
  type ObjectRef,
  type WatchEvent,
  type WatchRequest,
} from './kube.ts';

/** Builds the real client for the given flags, reading kubeconfig the way kubectl does (see loadKubeConfig). */
export function createKubeClient(flags: ConnectionFlags): KubeClient {
  return new ClientNodeKubeClient(loadKubeConfig(flags));
}

// What KubeConfig.loadFromDefault() settles for when it finds no kubeconfig and no service account: a context of
// this name pointing at http://localhost:8080. kubectl reports "no configuration" there instead; so does the plugin.
const NO_CONFIGURATION_CONTEXT = 'loaded-context';

/**
 * `--kubeconfig`, else client-node's defaults: the files in KUBECONFIG merged (the first file's current-context
 * kept, as kubectl keeps it), ~/.kube/config, the pod's service account. Then `--context` or the current context.
 * Every way this can fail ends as one KubeConnectionError line.
 */
function loadKubeConfig(flags: ConnectionFlags): KubeConfig {
  const config = new KubeConfig();
  const source = flags.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
  try {
    if (flags.kubeconfig !== undefined) config.loadFromFile(flags.kubeconfig);
    else config.loadFromDefault(undefined, true);
  } catch (err) {
    throw new KubeConnectionError(kubeconfigProblem(err, source));
  }
  if (flags.kubeconfig === undefined && config.getCurrentContext() === NO_CONFIGURATION_CONTEXT) {
    throw new KubeConnectionError(
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config',
    );
  }
  if (flags.context !== undefined) config.setCurrentContext(flags.context);
  const contextName = config.getCurrentContext();
  if (!contextName) {
    throw new KubeConnectionError(
      'no current context in kubeconfig: pass --context or run kubectl config use-context',
    );
  }
  const context = config.getContextObject(contextName);
  if (!context) throw new KubeConnectionError(`context "${contextName}" not found in kubeconfig`);
  if (!config.getCurrentCluster()) {
    throw new KubeConnectionError(
      `cluster "${context.cluster}" of context "${contextName}" not found in kubeconfig`,
    );
  }
  return config;
}

function kubeconfigProblem(err: unknown, source: string): string {
  const error = err as NodeJS.ErrnoException;
  if (typeof error.code === 'string' && error.path !== undefined) {
    const reason = error.code === 'ENOENT' ? 'no such file' : firstLine(error.message);
    return `cannot read kubeconfig ${error.path}: ${reason}`;
  }
  if (error.name === 'YAMLException')
    return `kubeconfig ${source} is not valid YAML: ${firstLine(error.message)}`;
  return `kubeconfig ${source} is not usable: ${firstLine(String(error.message ?? error))}`;
}

const REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = 'kubectl-workflowrun';

class ClientNodeKubeClient implements KubeClient {
  readonly defaultNamespace: string;
  readonly server: string;
  readonly #config: KubeConfig;
  readonly #watcher: Watch;
  #discovered: Promise<Set<string>> | undefined;
  #connection: { tls: string; agent: HttpsAgent } | undefined;

  constructor(config: KubeConfig) {
    this.defaultNamespace = config.getContextObject(config.getCurrentContext())?.namespace || 'default';
    this.server = (config.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
    this.#config = config;
    this.#watcher = new Watch(config);
  }

  /**
   * KubeConfig makes a new agent for every request, so every call would open its own connection with a full TLS
   * handshake (describe makes two calls, create three). Calls whose agents have the same TLS settings share one keep-alive
   * agent instead; new settings (credentials an exec plugin renewed) get a new one. Proxy agents stay as made.
   */
  #sharedAgent(made: HttpAgent | HttpsAgent): HttpAgent | HttpsAgent {
    if (!(made instanceof HttpsAgent) || made.constructor !== HttpsAgent) return made;
    // What Node itself keys TLS sessions and pooled sockets by: CA, client certificate and key, server name, ...
    const tls = made.getName(made.options);
    // The agent replaced is left to finish what it has in flight; its idle sockets do not keep the process alive.
    if (this.#connection?.tls !== tls) {
      this.#connection = { tls, agent: new HttpsAgent({ ...made.options, keepAlive: true }) };
    }
    return this.#connection.agent;
  }

  get(ref: ObjectRef): Promise<JSONObject> {
    return this.#request('GET', objectsPath(ref.plural, ref.namespace, ref.name)) as Promise<JSONObject>;
  }

  async list(request: ListRequest): Promise<ObjectList> {
    const list = (await this.#request('GET', objectsPath(request.plural, request.namespace), {
      labelSelector: request.labelSelector,
      fieldSelector: request.fieldSelector,
      limit: request.limit === undefined ? undefined : String(request.limit),
      continue: request.continue,
    })) as { items?: unknown; metadata?: { resourceVersion?: string; continue?: string } };
    const items = Array.isArray(list.items) ? (list.items as JSONObject[]) : [];
    const next = list.metadata?.continue;
    return { items, resourceVersion: list.metadata?.resourceVersion, ...(next ? { continue: next } : {}) };
  }

  create(request: CreateRequest): Promise<JSONObject> {
    return this.#request(
      'POST',
      objectsPath(request.plural, request.namespace),
      { dryRun: request.dryRun ? 'All' : undefined },
      request.body,
    ) as Promise<JSONObject>;
  }

  resources(): Promise<Set<string>> {
    this.#discovered ??= (
      this.#request('GET', `/apis/${GROUP}/${VERSION}`) as Promise<{ resources?: unknown }>
    ).then(
      (list) =>
        new Set(
          (Array.isArray(list.resources) ? (list.resources as { name?: unknown }[]) : [])
            .map((resource) => resource.name)
            .filter((name): name is string => typeof name === 'string' && !name.includes('/')),
        ),
      (err: unknown) => {
        // The group is not served at all: no OpenChoreo CRDs are installed.
        if (apiErrorCode(err) === 404) return new Set<string>();
        throw err;
      },
    );
    return this.#discovered;
  }

  /** One REST call with what KubeConfig applies (credentials, TLS, proxy), a bound on the wait and our User-Agent. */
  async #request(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | undefined> = {},
    body?: JSONObject,
  ): Promise<unknown> {
    const url = new URL(`${this.server}${path}`);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, value);
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      const options = await this.#config.applyToFetchOptions({ method });
      if (options.agent) options.agent = this.#sharedAgent(options.agent as HttpAgent | HttpsAgent);
      const headers = options.headers as unknown as { set(name: string, value: string): void };
      headers.set('User-Agent', USER_AGENT);
      headers.set('Accept', 'application/json');
      if (body !== undefined) headers.set('Content-Type', 'application/json');
      response = await fetch(url.href, {
        ...options,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) as NonNullable<Parameters<typeof fetch>[1]>['signal'],
      });
    } catch (err) {
      throw this.#translate(err);
    }
    const text = await response.text();
    if (!response.ok) throw apiError(response.status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new KubeConnectionError(
        `the Kubernetes API server at ${this.server} answered with something not JSON`,
      );
    }
  }

  /** client-node's Watch reports through callbacks; this turns them into an iterator that ends with the watch. */
  async *watch(request: WatchRequest): AsyncIterable<WatchEvent> {
    const pending: WatchEvent[] = [];
    let ended = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const query = {
      allowWatchBookmarks: true,
      labelSelector: request.labelSelector,
      fieldSelector: request.fieldSelector,
      resourceVersion: request.resourceVersion,
    };
    let controller: AbortController;
    try {
      controller = await this.#watcher.watch(
        request.namespace === undefined
          ? `/apis/${GROUP}/${VERSION}/${request.plural}`
          : `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(request.namespace)}/${request.plural}`,
        query,
        (type, object) => {
          pending.push({ type: type as WatchEvent['type'], object: object as JSONObject });
          notify();
        },
        (err: unknown) => {
          ended = true;
          failure = err;
          notify();
        },
      );
    } catch (err) {
      throw this.#translate(err);
    }
    const stop = () => controller.abort();
    request.signal.addEventListener('abort', stop, { once: true });
    if (request.signal.aborted) stop();
    try {
      for (;;) {
        const event = pending.shift();
        if (event) yield event;
        else if (ended) break;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
      if (failure && !request.signal.aborted) throw this.#translate(failure);
    } finally {
      request.signal.removeEventListener('abort', stop);
      controller.abort();
    }
  }

  /** client-node's errors as the plugin's: the server's own Status message, or one line about the connection. */
  #translate(err: unknown): Error {
    const error = err as Error & { code?: unknown; statusCode?: unknown };
    // A watch the server refused: client-node's Watch keeps only the status line.
    if (typeof error.statusCode === 'number') {
      return new KubeApiError(
        `the server refused the watch: ${error.message}`,
        error.statusCode,
        error.message,
      );
    }
    if (error.name === 'AbortError') {
      return new KubeConnectionError(
        `the Kubernetes API server at ${this.server} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`,
      );
    }
    if (error.name === 'FetchError' || typeof error.code === 'string') {
      return new KubeConnectionError(
        `cannot reach the Kubernetes API server at ${this.server}: ${this.#networkProblem(error)}`,
      );
    }
    return new KubeConnectionError(
      `cannot talk to the Kubernetes API server at ${this.server}: ${firstLine(String(error.message ?? error))}`,
    );
  }

  #networkProblem(error: Error & { code?: unknown }): string {
    switch (error.code) {
      case 'ECONNREFUSED':
        return 'connection refused';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `host ${hostOf(this.server)} not found`;
      case 'ETIMEDOUT':
        return 'connection timed out';
      case 'ECONNRESET':
        return 'connection reset';
      default:
        // node-fetch wraps the cause as "request to URL failed, reason: <cause>"; the URL is already said.
        return firstLine(error.message.replace(/^request to \S+ failed, reason: /, ''));
    }
  }
}

function apiError(code: number, body: unknown): KubeApiError {
  // kubectl's words for a 401, whatever the body says.
  if (code === 401)
    return new KubeApiError('You must be logged in to the server (Unauthorized)', 401, 'Unauthorized');
  let status: { kind?: unknown; message?: unknown; reason?: unknown } | undefined;
  try {
    status = typeof body === 'string' ? (JSON.parse(body) as typeof status) : undefined;
  } catch {
    status = undefined;
  }
  if (status?.kind === 'Status' && typeof status.message === 'string' && status.message) {
    return new KubeApiError(status.message, code, typeof status.reason === 'string' ? status.reason : '');
  }
  const detail = typeof body === 'string' ? firstLine(body.trim()) : '';
  return new KubeApiError(`the server answered HTTP ${code}${detail ? `: ${detail}` : ''}`, code, '');
}

/** The REST path of a resource's objects, or of one of them: cluster-wide when there is no namespace. */
function objectsPath(plural: string, namespace: string | undefined, name?: string): string {
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `/apis/${GROUP}/${VERSION}${scope}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

function hostOf(server: string): string {
  try {
    return new URL(server).hostname;
  } catch {
    return server;
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
