// The real KubeClient, on @kubernetes/client-node: its kubeconfig loading, CustomObjectsApi and Watch. Only
// factory.ts's dynamic import loads this module (and with it client-node), when a command needs the cluster.
//
// client-node is imported by module rather than through its index, which also pulls in exec, attach, port-forward
// and copy (ws, tar): loading only these modules makes a command that talks to the cluster start 5-10 ms
// sooner. The version is pinned (~1.4), and the package has no export map that would forbid these paths.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { ConfigurationOptions } from '@kubernetes/client-node/dist/gen/configuration.js';
import type { Middleware as ObservableMiddleware } from '@kubernetes/client-node/dist/gen/middleware.js';
import { Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { ObjectCustomObjectsApi as CustomObjectsApi } from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
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
  readonly #objects: CustomObjectsApi;
  readonly #watcher: Watch;
  // Applied to every call: a bound on the wait (client-node sets none) and a User-Agent for the server's audit log.
  readonly #options: ConfigurationOptions;
  #discovered: Promise<Set<string>> | undefined;
  #connection: { tls: string; agent: HttpsAgent } | undefined;

  constructor(config: KubeConfig) {
    this.defaultNamespace = config.getContextObject(config.getCurrentContext())?.namespace || 'default';
    this.server = (config.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
    this.#objects = config.makeApiClient(CustomObjectsApi);
    this.#watcher = new Watch(config);
    const perRequest: ObservableMiddleware = {
      pre: (context) => {
        const agent = context.getAgent();
        if (agent) context.setAgent(this.#sharedAgent(agent));
        context.setHeaderParam('User-Agent', USER_AGENT);
        context.setSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
        return new Observable(Promise.resolve(context));
      },
      post: (context) => new Observable(Promise.resolve(context)),
    };
    this.#options = { middleware: [perRequest], middlewareMergeStrategy: 'append' };
  }

  /**
   * client-node gives every call a new agent, so every call opened its own connection with a full TLS handshake
   * (describe makes two calls, create three). Calls whose agents have the same TLS settings share one keep-alive
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
    const { plural, name } = ref;
    return this.#call(() =>
      ref.namespace === undefined
        ? this.#objects.getClusterCustomObject(
            { group: GROUP, version: VERSION, plural, name },
            this.#options,
          )
        : this.#objects.getNamespacedCustomObject(
            { group: GROUP, version: VERSION, namespace: ref.namespace, plural, name },
            this.#options,
          ),
    );
  }

  async list(request: ListRequest): Promise<ObjectList> {
    const { plural, namespace, labelSelector, fieldSelector, limit } = request;
    const selectors = { labelSelector, fieldSelector, limit, _continue: request.continue };
    const list: { items?: unknown; metadata?: { resourceVersion?: string; continue?: string } } =
      await this.#call(() =>
        namespace === undefined
          ? // The same path serves a cluster-scoped resource and a namespaced one across all namespaces.
            this.#objects.listClusterCustomObject(
              { group: GROUP, version: VERSION, plural, ...selectors },
              this.#options,
            )
          : this.#objects.listNamespacedCustomObject(
              { group: GROUP, version: VERSION, namespace, plural, ...selectors },
              this.#options,
            ),
      );
    const items = Array.isArray(list.items) ? (list.items as JSONObject[]) : [];
    const next = list.metadata?.continue;
    return { items, resourceVersion: list.metadata?.resourceVersion, ...(next ? { continue: next } : {}) };
  }

  create(request: CreateRequest): Promise<JSONObject> {
    const { plural, namespace, body } = request;
    return this.#call(() =>
      this.#objects.createNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural,
          body,
          ...(request.dryRun ? { dryRun: 'All' } : {}),
        },
        this.#options,
      ),
    );
  }

  resources(): Promise<Set<string>> {
    this.#discovered ??= this.#call(() =>
      this.#objects.getAPIResources({ group: GROUP, version: VERSION }, this.#options),
    ).then(
      (list) =>
        new Set(list.resources.map((resource) => resource.name).filter((name) => !name.includes('/'))),
      (err: unknown) => {
        // The group is not served at all: no OpenChoreo CRDs are installed.
        if (apiErrorCode(err) === 404) return new Set<string>();
        throw err;
      },
    );
    return this.#discovered;
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

  async #call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /** client-node's errors as the plugin's: the server's own Status message, or one line about the connection. */
  #translate(err: unknown): Error {
    if (err instanceof ApiException) return apiError(err.code, err.body);
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
  let status: { kind?: unknown; message?: unknown; reason?: unknown } | undefined;
  try {
    status = typeof body === 'string' ? (JSON.parse(body) as typeof status) : undefined;
  } catch {
    status = undefined;
  }
  if (status?.kind === 'Status' && typeof status.message === 'string' && status.message) {
    return new KubeApiError(status.message, code, typeof status.reason === 'string' ? status.reason : '');
  }
  // client-node drops the body of a 401; kubectl's words for it.
  if (code === 401)
    return new KubeApiError('You must be logged in to the server (Unauthorized)', 401, 'Unauthorized');
  const detail = typeof body === 'string' ? firstLine(body.trim()) : '';
  return new KubeApiError(`the server answered HTTP ${code}${detail ? `: ${detail}` : ''}`, code, '');
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
