// Where the handlers find the Workflow a run names: informers (list+watch) over Workflows in all namespaces and
// ClusterWorkflows, with a direct GET on a cache miss so that a Workflow applied together with its run is found
// before its watch event arrives.
import { ApiException, CustomObjectsApi, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubeConfig, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { WorkflowKind, WorkflowObject } from '../core/types.ts';

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

const GROUP = 'openchoreo.dev';
const VERSION = 'v1alpha1';
const PLURALS: Record<WorkflowKind, string> = { Workflow: 'workflows', ClusterWorkflow: 'clusterworkflows' };
const DIRECT_GET_TIMEOUT_MS = 3000;
const MIN_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 10_000;

export interface InformerState {
  resource: string;
  synced: boolean;
  size: number;
}

/**
 * One resource's informer, restarted with exponential backoff whenever its list or watch fails (the client's
 * ListWatch stops for good on an error). `synced` is true only while a list has succeeded and the watch is open,
 * which is what readiness reports.
 */
class WatchedResource {
  readonly informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  #synced = false;
  #failedSinceStart = false;
  #restartDelayMs = MIN_RESTART_DELAY_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    readonly resource: string,
    kubeConfig: KubeConfig,
    api: CustomObjectsApi,
    private readonly log: Logger,
  ) {
    this.informer = makeInformer(kubeConfig, `/apis/${GROUP}/${VERSION}/${resource}`, () =>
      api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: resource }),
    );
    this.informer.on('error', (error: unknown) => this.#onError(error));
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Resolves after the first attempt to list and watch, whether or not it succeeded. */
  async start(): Promise<void> {
    this.#failedSinceStart = false;
    await this.informer.start();
    if (this.#stopped || this.#failedSinceStart) return;
    if (!this.#synced) this.log.info({ resource: this.resource }, 'informer synced');
    this.#synced = true;
    this.#restartDelayMs = MIN_RESTART_DELAY_MS;
  }

  #onError(error: unknown): void {
    this.#failedSinceStart = true;
    if (this.#synced) this.log.warn({ resource: this.resource, err: describe(error) }, 'watch broken');
    this.#synced = false;
    if (this.#stopped || this.#restartTimer !== undefined) return;
    const delay = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.log.debug({ resource: this.resource, delayMs: delay }, 'restarting informer');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void this.start();
    }, delay);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#synced = false;
    clearTimeout(this.#restartTimer);
    await this.informer.stop();
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiException) return `HTTP ${error.code}`;
  return error instanceof Error ? error.message : String(error);
}

export class InformerWorkflows implements WorkflowLookup {
  readonly #api: CustomObjectsApi;
  readonly #resources = new Map<WorkflowKind, WatchedResource>();
  #discovered = false;
  #stopped = false;

  /**
   * Starts watching at once and returns; readiness (`synced`) waits for the lists, the process does not, so
   * liveness and metrics answer while the API server is still away. ClusterWorkflows are watched only when their
   * CRD is served (the v0.17 CRDs have none); until then a reference to one is looked up directly, which answers
   * 404 (not found) when the CRD does not exist.
   */
  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly log: Logger,
  ) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#watch('Workflow');
    void this.#discoverClusterWorkflows();
  }

  #watch(kind: WorkflowKind): void {
    const resource = new WatchedResource(PLURALS[kind], this.kubeConfig, this.#api, this.log);
    this.#resources.set(kind, resource);
    void resource.start();
  }

  async #discoverClusterWorkflows(): Promise<void> {
    const installed = await served(this.#api, PLURALS.ClusterWorkflow, this.log, () => this.#stopped);
    if (this.#stopped) return;
    if (installed) this.#watch('ClusterWorkflow');
    else
      this.log.info(
        'ClusterWorkflow CRD not installed; ClusterWorkflow references will be denied as not found',
      );
    this.#discovered = true;
  }

  /** Why the cache cannot be trusted yet: empty once every informer has listed and is watching. */
  notReady(): string[] {
    const problems = [...this.#resources.values()]
      .filter((resource) => !resource.synced)
      .map((resource) => `informer for ${resource.resource} not synced`);
    if (!this.#discovered) problems.push('ClusterWorkflow CRD discovery pending');
    return problems;
  }

  states(): InformerState[] {
    return [...this.#resources.values()].map((resource) => ({
      resource: resource.resource,
      synced: resource.synced,
      size: resource.informer.list().length,
    }));
  }

  async get(kind: WorkflowKind, name: string, namespace?: string): Promise<WorkflowObject | undefined> {
    const cached = this.#resources.get(kind)?.informer.get(name, namespace);
    if (cached !== undefined) return cached as WorkflowObject;
    return this.#getDirect(kind, name, namespace);
  }

  async #getDirect(
    kind: WorkflowKind,
    name: string,
    namespace?: string,
  ): Promise<WorkflowObject | undefined> {
    const plural = PLURALS[kind];
    const request =
      namespace === undefined
        ? this.#api.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name })
        : this.#api.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${DIRECT_GET_TIMEOUT_MS} ms getting ${kind} ${name}`)),
        DIRECT_GET_TIMEOUT_MS,
      );
    });
    try {
      return (await Promise.race([request, timeout])) as WorkflowObject;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      this.log.warn({ kind, name, namespace, err: describe(error) }, 'direct Workflow lookup failed');
      throw new Error(`looking up ${kind} ${JSON.stringify(name)} failed: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#resources.values()].map((resource) => resource.stop()));
  }
}

async function served(
  api: CustomObjectsApi,
  plural: string,
  log: Logger,
  stopped: () => boolean,
): Promise<boolean> {
  for (
    let attempt = 0, delay = MIN_RESTART_DELAY_MS;
    !stopped();
    attempt++, delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS)
  ) {
    try {
      await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural, limit: 1 });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return false;
      log.warn(
        { resource: plural, err: describe(error), attempt },
        'cannot tell whether the CRD is installed; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
  return false;
}
