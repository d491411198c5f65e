// The plugin's view of the Kubernetes API: a few custom-object calls on openchoreo.dev/v1alpha1, behind an
// interface so commands can be tested against a fake. The real client speaks HTTPS with node:https directly and
// reads kubeconfig files itself: @kubernetes/client-node 2.x pulls in undici 8, which does not load on Node 20,
// and a plugin that is started for every keystroke of a completion cannot afford its start-up cost anyway.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Agent, IncomingMessage } from 'node:http';
import type { JSONObject } from '../core/types.ts';

export const GROUP = 'openchoreo.dev';
export const VERSION = 'v1alpha1';

export type Plural = 'workflowruns' | 'workflows' | 'clusterworkflows';

export interface ObjectRef {
  plural: Plural;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
  name: string;
}

export interface ListRequest {
  plural: Plural;
  /** Absent: across all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface CreateRequest {
  plural: Plural;
  namespace: string;
  body: JSONObject;
  /** Server-side dry run: admission (webhooks included) runs, nothing is stored. */
  dryRun?: boolean;
}

export interface WatchRequest {
  plural: Plural;
  namespace: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** Ends the watch; the iterator then finishes. */
  signal: AbortSignal;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: JSONObject;
}

export interface ObjectList {
  items: JSONObject[];
  resourceVersion?: string;
}

export interface KubeClient {
  /** The namespace of the kubeconfig context (or of the pod when in-cluster), else `default`. */
  readonly defaultNamespace: string;
  /** The API server's URL, for error messages. */
  readonly server: string;
  get(ref: ObjectRef): Promise<JSONObject>;
  list(request: ListRequest): Promise<ObjectList>;
  create(request: CreateRequest): Promise<JSONObject>;
  watch(request: WatchRequest): AsyncIterable<WatchEvent>;
  /** The plural names the server serves under openchoreo.dev/v1alpha1 (discovery), to tell v0.17 CRDs from v1.x. */
  resources(): Promise<Set<string>>;
}

/** The API server answered with an error status; `message` is the server's own text (a webhook denial included). */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The HTTP status of an API error (told apart by name: see reportError in factory.ts), else undefined. */
export function apiErrorCode(err: unknown): number | undefined {
  return err instanceof Error && err.name === 'KubeApiError' ? (err as KubeApiError).code : undefined;
}

/** No usable configuration, or the server could not be reached at all. */
export class KubeConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConnectionError';
  }
}

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// kubeconfig

interface NamedEntry<T> {
  name: string;
  value: T;
}
interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface ExecConfig {
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}
interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string };
}
interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** Everything needed to talk to one API server, resolved from kubeconfig or the pod's service account. */
export interface Connection {
  server: string;
  namespace: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
  serverName?: string;
  /** Produces the Authorization header value (bearer token or basic), if any; may run an exec plugin. */
  authorization?: () => Promise<string | undefined>;
}

interface LoadedFile {
  path: string;
  config: {
    'current-context'?: string;
    clusters?: { name: string; cluster: KubeconfigCluster }[];
    users?: { name: string; user: KubeconfigUser }[];
    contexts?: { name: string; context: KubeconfigContext }[];
  };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Resolves the connection the way kubectl does: `--kubeconfig`, else every file in KUBECONFIG (merged, first
 * wins), else ~/.kube/config, else the pod's service account; then `--context` or the current context.
 */
export async function loadConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  const paths = kubeconfigPaths(flags, env);
  if (paths.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`))
      return inClusterConnection(env);
    throw new KubeConnectionError(
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config',
    );
  }
  const { parse } = await import('./yaml-text.ts');
  const files: LoadedFile[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      // kubectl skips missing files in KUBECONFIG but not an explicit --kubeconfig.
      if (flags.kubeconfig === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new KubeConnectionError(`cannot read kubeconfig ${path}: ${(err as Error).message}`);
    }
    let config: unknown;
    try {
      config = parse(text, { maxAliasCount: 100 });
    } catch (err) {
      throw new KubeConnectionError(
        `kubeconfig ${path} is not valid YAML: ${firstLine((err as Error).message)}`,
      );
    }
    if (config !== null && config !== undefined && typeof config !== 'object') {
      throw new KubeConnectionError(`kubeconfig ${path} is not a mapping`);
    }
    files.push({ path, config: (config ?? {}) as LoadedFile['config'] });
  }
  return connectionFromKubeconfig(files, flags.context);
}

function kubeconfigPaths(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string[] {
  if (flags.kubeconfig) return [flags.kubeconfig];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(process.platform === 'win32' ? ';' : ':').filter(Boolean);
  const home = env.HOME ?? homedir();
  const defaultPath = `${home}/.kube/config`;
  return existsSync(defaultPath) ? [defaultPath] : [];
}

function pick<T>(
  files: LoadedFile[],
  list: (file: LoadedFile) => { name: string; value: T }[] | undefined,
  name: string,
) {
  for (const file of files) {
    const found = list(file)?.find((entry) => entry.name === name);
    if (found) return { value: found.value, file };
  }
  return undefined;
}

function entries<T>(raw: unknown, key: string): NamedEntry<T>[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object')
    .map((entry) => ({ name: String(entry.name), value: (entry[key] ?? {}) as T }));
}

async function connectionFromKubeconfig(
  files: LoadedFile[],
  contextFlag: string | undefined,
): Promise<Connection> {
  const contextName =
    contextFlag ?? files.find((f) => f.config['current-context'])?.config['current-context'];
  if (!contextName) {
    throw new KubeConnectionError(
      'no current context in kubeconfig: pass --context or run kubectl config use-context',
    );
  }
  const context = pick<KubeconfigContext>(files, (f) => entries(f.config.contexts, 'context'), contextName);
  if (!context) throw new KubeConnectionError(`context "${contextName}" not found in kubeconfig`);
  const clusterName = context.value.cluster ?? '';
  const cluster = pick<KubeconfigCluster>(files, (f) => entries(f.config.clusters, 'cluster'), clusterName);
  if (!cluster?.value.server) {
    throw new KubeConnectionError(
      `cluster "${clusterName}" of context "${contextName}" has no server in kubeconfig`,
    );
  }
  const user = context.value.user
    ? pick<KubeconfigUser>(files, (f) => entries(f.config.users, 'user'), context.value.user)
    : undefined;

  const connection: Connection = {
    server: cluster.value.server.replace(/\/+$/, ''),
    namespace: context.value.namespace || 'default',
    insecure: cluster.value['insecure-skip-tls-verify'] === true,
  };
  if (cluster.value['tls-server-name']) connection.serverName = cluster.value['tls-server-name'];
  connection.ca = await material(
    cluster.value['certificate-authority-data'],
    cluster.value['certificate-authority'],
    cluster.file,
  );
  if (user) {
    const u = user.value;
    if (u['auth-provider']) {
      throw new KubeConnectionError(
        `user "${context.value.user}" uses the removed auth-provider "${u['auth-provider'].name ?? ''}"; use an exec credential plugin`,
      );
    }
    connection.cert = await material(u['client-certificate-data'], u['client-certificate'], user.file);
    connection.key = await material(u['client-key-data'], u['client-key'], user.file);
    connection.authorization = authorizationFor(u, user.file);
  }
  return connection;
}

async function material(data: string | undefined, path: string | undefined, file: LoadedFile) {
  if (data) return Buffer.from(data, 'base64');
  if (!path) return undefined;
  const full = resolvePath(dirname(file.path), path);
  try {
    return await readFile(full);
  } catch (err) {
    throw new KubeConnectionError(
      `cannot read ${full} (named in kubeconfig ${file.path}): ${(err as Error).message}`,
    );
  }
}

function authorizationFor(
  user: KubeconfigUser,
  file: LoadedFile,
): (() => Promise<string | undefined>) | undefined {
  if (user.token) return async () => `Bearer ${user.token}`;
  if (user.tokenFile) {
    const path = resolvePath(dirname(file.path), user.tokenFile);
    return async () => `Bearer ${(await readFile(path, 'utf8')).trim()}`;
  }
  if (user.username !== undefined && user.password !== undefined) {
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    return async () => `Basic ${basic}`;
  }
  if (user.exec?.command) {
    const exec = user.exec;
    return async () => `Bearer ${await execCredentialToken(exec)}`;
  }
  return undefined;
}

// client-go's exec credential protocol: run the command, read an ExecCredential with status.token from stdout.
async function execCredentialToken(exec: ExecConfig): Promise<string> {
  const { execFile } = await import('node:child_process');
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const env = { ...process.env };
  for (const { name, value } of exec.env ?? []) env[name] = value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false },
  });
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(exec.command!, exec.args ?? [], { env, maxBuffer: 1 << 20 }, (err, out, errOut) => {
      if (err)
        reject(
          new KubeConnectionError(
            `credential plugin ${exec.command} failed: ${firstLine(errOut || err.message)}`,
          ),
        );
      else resolve(out);
    });
  });
  let token: unknown;
  try {
    token = (JSON.parse(stdout) as { status?: { token?: unknown } }).status?.token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string') {
    throw new KubeConnectionError(`credential plugin ${exec.command} returned no status.token`);
  }
  return token;
}

async function inClusterConnection(env: NodeJS.ProcessEnv): Promise<Connection> {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const namespace = await readFile(`${SERVICE_ACCOUNT_DIR}/namespace`, 'utf8').then(
    (text) => text.trim(),
    () => 'default',
  );
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: namespace || 'default',
    ca: await readFile(`${SERVICE_ACCOUNT_DIR}/ca.crt`).catch(() => undefined),
    // The projected token rotates; read it for every request as client-go does.
    authorization: async () => `Bearer ${(await readFile(`${SERVICE_ACCOUNT_DIR}/token`, 'utf8')).trim()}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

const REQUEST_TIMEOUT_MS = 30_000;

class HttpKubeClient implements KubeClient {
  readonly defaultNamespace: string;
  readonly server: string;
  private discovered: Promise<Set<string>> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly agent: Agent,
    private readonly request: typeof import('node:https').request,
  ) {
    this.defaultNamespace = connection.namespace;
    this.server = connection.server;
  }

  get(ref: ObjectRef): Promise<JSONObject> {
    return this.json('GET', objectPath(ref.plural, ref.namespace, ref.name));
  }

  async list(request: ListRequest): Promise<ObjectList> {
    const query = new URLSearchParams();
    if (request.labelSelector) query.set('labelSelector', request.labelSelector);
    if (request.fieldSelector) query.set('fieldSelector', request.fieldSelector);
    const list = await this.json('GET', objectPath(request.plural, request.namespace), query);
    const items = Array.isArray(list.items) ? (list.items as JSONObject[]) : [];
    const metadata = list.metadata as { resourceVersion?: string } | undefined;
    return { items, resourceVersion: metadata?.resourceVersion };
  }

  create(request: CreateRequest): Promise<JSONObject> {
    const query = new URLSearchParams();
    if (request.dryRun) query.set('dryRun', 'All');
    return this.json('POST', objectPath(request.plural, request.namespace), query, request.body);
  }

  resources(): Promise<Set<string>> {
    this.discovered ??= this.json('GET', `/apis/${GROUP}/${VERSION}`).then(
      (list) =>
        new Set(
          (Array.isArray(list.resources) ? (list.resources as { name?: string }[]) : [])
            .map((resource) => resource.name ?? '')
            .filter((name) => !name.includes('/')),
        ),
      (err: unknown) => {
        // The group is not served at all: no OpenChoreo CRDs are installed.
        if (apiErrorCode(err) === 404) return new Set<string>();
        throw err;
      },
    );
    return this.discovered;
  }

  async *watch(request: WatchRequest): AsyncIterable<WatchEvent> {
    const query = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
    if (request.fieldSelector) query.set('fieldSelector', request.fieldSelector);
    if (request.resourceVersion) query.set('resourceVersion', request.resourceVersion);
    const response = await this.send('GET', objectPath(request.plural, request.namespace), query, undefined, {
      signal: request.signal,
      stream: true,
    });
    let buffered = '';
    try {
      for await (const chunk of response) {
        buffered += (chunk as Buffer).toString('utf8');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) yield JSON.parse(line) as WatchEvent;
        }
      }
    } catch (err) {
      if (request.signal.aborted) return;
      throw err;
    }
  }

  private async json(
    method: string,
    path: string,
    query?: URLSearchParams,
    body?: JSONObject,
  ): Promise<JSONObject> {
    const response = await this.send(method, path, query, body, {});
    const text = await readAll(response);
    try {
      return JSON.parse(text) as JSONObject;
    } catch {
      throw new KubeConnectionError(
        `the server at ${this.server} answered ${method} ${path} with something that is not JSON`,
      );
    }
  }

  private async send(
    method: string,
    path: string,
    query: URLSearchParams | undefined,
    body: JSONObject | undefined,
    options: { signal?: AbortSignal; stream?: boolean },
  ): Promise<IncomingMessage> {
    const url = new URL(this.server + path + (query && [...query].length ? `?${query}` : ''));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'kubectl-workflowrun',
    };
    const authorization = await this.connection.authorization?.();
    if (authorization) headers.Authorization = authorization;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.request(url, {
        method,
        headers,
        agent: this.agent,
        signal: options.signal,
        timeout: options.stream ? undefined : REQUEST_TIMEOUT_MS,
      });
      req.on('response', resolve);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (options.signal?.aborted) reject(err);
        else
          reject(
            new KubeConnectionError(
              `cannot reach the Kubernetes API server at ${this.server}: ${describeNetworkError(err)}`,
            ),
          );
      });
      req.end(payload);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    throw apiError(status, await readAll(response), `${method} ${url.pathname}`);
  }
}

function objectPath(plural: Plural, namespace?: string, name?: string): string {
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `/apis/${GROUP}/${VERSION}${scope}/${plural}${object}`;
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(status: number, text: string, what: string): KubeApiError {
  let parsed: { kind?: string; message?: unknown; reason?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed?.kind === 'Status' && typeof parsed.message === 'string' && parsed.message) {
    return new KubeApiError(parsed.message, status, typeof parsed.reason === 'string' ? parsed.reason : '');
  }
  const detail = firstLine(text.trim()) || `HTTP ${status}`;
  return new KubeApiError(`${what}: ${detail}`, status, status === 401 ? 'Unauthorized' : '');
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${(err as { hostname?: string }).hostname ?? ''} not found`.replace(/ +$/, '');
    case 'ETIMEDOUT':
      return 'connection timed out';
    default:
      return firstLine(err.message);
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** Builds the real client for the given flags. Kept out of module start-up: node:https and yaml load here. */
export async function createKubeClient(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KubeClient> {
  const connection = await loadConnection(flags, env);
  const https = await import('node:https');
  const http = await import('node:http');
  const plain = connection.server.startsWith('http://');
  const agent = plain
    ? new http.Agent({ keepAlive: true })
    : new https.Agent({
        keepAlive: true,
        ca: connection.ca,
        cert: connection.cert,
        key: connection.key,
        rejectUnauthorized: !connection.insecure,
        servername: connection.serverName,
      });
  return new HttpKubeClient(
    connection,
    agent,
    plain ? (http.request as typeof https.request) : https.request,
  );
}
