// The plugin's view of the Kubernetes API: a few custom-object calls on openchoreo.dev/v1alpha1, behind an
// interface so commands can be tested against a fake, and the errors every command reports. The real client
// (kube-client.ts, on @kubernetes/client-node) is loaded by a dynamic import when a command first needs the
// cluster, so `--help`, `validate --workflow-file` and completion scripts never load it.
import { brandedError, type JSONObject } from '../core/index.ts';

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
  /** At most this many objects; the rest are fetched with `continue`. */
  limit?: number;
  /** The `continue` token of the previous page. */
  continue?: string;
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
  /** Absent: across all namespaces. */
  namespace?: string;
  labelSelector?: string;
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
  /** Set when the list was cut at `limit`: the token for the next page. */
  continue?: string;
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

// Branded errors (see the core's brandedError): where this module is loaded twice (a test runner that requires it and
// later imports it), an error from one copy must still be an instance of the other's class.

/** The API server answered with an error status; `message` is the server's own text (a webhook denial included). */
export class KubeApiError extends brandedError('KubeApiError') {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The HTTP status of an API error, else undefined. */
export function apiErrorCode(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.code : undefined;
}

/** No usable configuration, or the server could not be reached at all. */
export class KubeConnectionError extends brandedError('KubeConnectionError') {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConnectionError';
  }
}

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
}
