// Where the handlers find the Workflow a run names: informers (list+watch) over Workflows in all namespaces and
// ClusterWorkflows, with a direct GET on a cache miss so that a Workflow applied together with its run is found
// before its watch event arrives.
//
// The Kubernetes client is the project's own (kubectl-plugin/kube.ts, node:https): @kubernetes/client-node 2.x
// depends on undici 8, which needs Node 22 and does not load on the Node 20 this project supports.
import type { Logger } from 'pino';
import { KubeApiError, type KubeClient, type Plural } from '../kubectl-plugin/kube.ts';
import type { JSONObject, WorkflowKind, WorkflowObject } from '../core/types.ts';

export interface WorkflowLookup {
  /** The named Workflow (namespace given) or ClusterWorkflow; undefined when it does not exist. Throws when unsure. */
  get(
    kind: WorkflowKind,
    name: string,
    namespace?: string,
  ): WorkflowObject | undefined | Promise<WorkflowObject | undefined>;
}

/** A fixed set of Workflows, for tests and benchmarks. */
export class StaticWorkflows implements WorkflowLookup {
  readonly #objects = new Map<string, WorkflowObject>();

  constructor(workflows: readonly WorkflowObject[] = []) {
    for (const workflow of workflows) this.set(workflow);
  }

  set(workflow: WorkflowObject): void {
    const kind = workflow.kind ?? 'Workflow';
    this.#objects.set(key(kind, workflow.metadata?.name ?? '', workflow.metadata?.namespace), workflow);
  }

  delete(kind: WorkflowKind, name: string, namespace?: string): void {
    this.#objects.delete(key(kind, name, namespace));
  }

  get(kind: WorkflowKind, name: string, namespace?: string): WorkflowObject | undefined {
    return this.#objects.get(key(kind, name, namespace));
  }
}

function key(kind: WorkflowKind, name: string, namespace: string | undefined): string {
  return kind === 'ClusterWorkflow' ? `${kind}/${name}` : `${kind}/${namespace ?? ''}/${name}`;
}

const PLURALS: Record<WorkflowKind, Plural> = { Workflow: 'workflows', ClusterWorkflow: 'clusterworkflows' };
const DIRECT_GET_TIMEOUT_MS = 3000;
const MIN_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 10_000;

export interface InformerState {
  resource: string;
  synced: boolean;
  size: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A list+watch cache of one resource across all namespaces, the way client-go's reflector keeps one: list, then
 * watch from the list's resourceVersion; a watch the server ends normally is resumed from the last version seen;
 * any failure marks the cache unsynced and relists after an exponential backoff. `synced` is what readiness
 * reports: true only after a list succeeded and while no failure has been seen since.
 */
class Informer {
  #objects = new Map<string, WorkflowObject>();
  #synced = false;
  readonly #stop = new AbortController();

  constructor(
    readonly resource: Plural,
    private readonly client: KubeClient,
    private readonly log: Logger,
  ) {}

  get synced(): boolean {
    return this.#synced;
  }

  get size(): number {
    return this.#objects.size;
  }

  get(name: string, namespace?: string): WorkflowObject | undefined {
    return this.#objects.get(`${namespace ?? ''}/${name}`);
  }

  start(): void {
    void this.#run();
  }

  stop(): void {
    this.#synced = false;
    this.#stop.abort();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let delay = MIN_RETRY_DELAY_MS;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) resourceVersion = await this.#list();
        resourceVersion = await this.#watch(resourceVersion, signal);
        delay = MIN_RETRY_DELAY_MS;
      } catch (error) {
        if (signal.aborted) return;
        if (this.#synced) this.log.warn({ resource: this.resource, err: describe(error) }, 'watch broken');
        else this.log.debug({ resource: this.resource, err: describe(error), delayMs: delay }, 'list failed');
        this.#synced = false;
        resourceVersion = undefined;
        await sleep(delay, signal);
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }

  async #list(): Promise<string | undefined> {
    const list = await this.client.list({ plural: this.resource });
    const objects = new Map<string, WorkflowObject>();
    for (const item of list.items) objects.set(keyOf(item), item as WorkflowObject);
    this.#objects = objects;
    if (!this.#synced) this.log.info({ resource: this.resource, objects: objects.size }, 'informer synced');
    this.#synced = true;
    return list.resourceVersion;
  }

  /** Watches until the server ends the watch; returns the version to resume from (undefined: relist). */
  async #watch(resourceVersion: string | undefined, signal: AbortSignal): Promise<string | undefined> {
    // kube.ts types the watch namespace as required; an absent one watches all namespaces, which this needs.
    const events = this.client.watch({
      plural: this.resource,
      namespace: undefined as unknown as string,
      resourceVersion,
      signal,
    });
    let version = resourceVersion;
    for await (const event of events) {
      const metadata = event.object.metadata as { resourceVersion?: string } | undefined;
      switch (event.type) {
        case 'ADDED':
        case 'MODIFIED':
          this.#objects.set(keyOf(event.object), event.object as WorkflowObject);
          break;
        case 'DELETED':
          this.#objects.delete(keyOf(event.object));
          break;
        case 'ERROR':
          // 410 Gone: the version is too old to resume from; anything else is as bad. Relist either way.
          throw new Error(
            `watch error: ${String((event.object as { message?: unknown }).message ?? 'unknown')}`,
          );
        case 'BOOKMARK':
          break;
      }
      version = metadata?.resourceVersion ?? version;
    }
    return version;
  }
}

function keyOf(object: JSONObject): string {
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  return `${metadata.namespace ?? ''}/${metadata.name ?? ''}`;
}

export class InformerWorkflows implements WorkflowLookup {
  readonly #informers = new Map<WorkflowKind, Informer>();
  readonly #stop = new AbortController();
  #discovered = false;

  /**
   * Starts watching at once and returns; readiness (`notReady`) waits for the lists, the process does not, so
   * liveness and metrics answer while the API server is still away. ClusterWorkflows are watched only when their
   * CRD is served (the v0.17 CRDs have none); until that is known, a reference to one is looked up directly, which
   * answers 404 (not found) when the CRD does not exist.
   */
  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
  ) {
    this.#watch('Workflow');
    void this.#discoverClusterWorkflows();
  }

  #watch(kind: WorkflowKind): void {
    const informer = new Informer(PLURALS[kind], this.client, this.log);
    this.#informers.set(kind, informer);
    informer.start();
  }

  async #discoverClusterWorkflows(): Promise<void> {
    const signal = this.#stop.signal;
    for (let delay = MIN_RETRY_DELAY_MS; !signal.aborted; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        const served = (await this.client.resources()).has(PLURALS.ClusterWorkflow);
        if (signal.aborted) return;
        if (served) this.#watch('ClusterWorkflow');
        else
          this.log.info(
            'ClusterWorkflow CRD not installed: runs naming a ClusterWorkflow are denied as not found',
          );
        this.#discovered = true;
        return;
      } catch (error) {
        this.log.debug({ err: describe(error), delayMs: delay }, 'API discovery failed; retrying');
        await sleep(delay, signal);
      }
    }
  }

  /** Why the cache cannot be trusted yet: empty once every informer has listed and is watching. */
  notReady(): string[] {
    const problems = [...this.#informers.values()]
      .filter((informer) => !informer.synced)
      .map((informer) => `informer for ${informer.resource} not synced`);
    if (!this.#discovered) problems.push('API discovery of openchoreo.dev pending');
    return problems;
  }

  states(): InformerState[] {
    return [...this.#informers.values()].map((informer) => ({
      resource: informer.resource,
      synced: informer.synced,
      size: informer.size,
    }));
  }

  async get(kind: WorkflowKind, name: string, namespace?: string): Promise<WorkflowObject | undefined> {
    const cached = this.#informers.get(kind)?.get(name, namespace);
    if (cached !== undefined) return cached;
    return this.#getDirect(kind, name, namespace);
  }

  async #getDirect(
    kind: WorkflowKind,
    name: string,
    namespace?: string,
  ): Promise<WorkflowObject | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${DIRECT_GET_TIMEOUT_MS} ms`)),
        DIRECT_GET_TIMEOUT_MS,
      );
    });
    try {
      const request = this.client.get({
        plural: PLURALS[kind],
        name,
        ...(namespace === undefined ? {} : { namespace }),
      });
      return (await Promise.race([request, timeout])) as WorkflowObject;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) return undefined;
      this.log.warn({ kind, name, namespace, err: describe(error) }, 'direct Workflow lookup failed');
      throw new Error(`looking up ${kind} ${JSON.stringify(name)} failed: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): void {
    this.#stop.abort();
    for (const informer of this.#informers.values()) informer.stop();
  }
}
