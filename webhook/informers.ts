// The webhook's real WorkflowLookup: client-node informers (list+watch) over Workflows in all namespaces and over
// ClusterWorkflows, with a direct GET on a cache miss so that a Workflow applied together with its run is found
// before its watch event arrives.
import {
  ApiException,
  CustomObjectsApi,
  ListWatch,
  Observable,
  type ConfigurationOptions,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, VERSION, type JSONObject, type WorkflowKind, type WorkflowObject } from '../core/index.ts';
import { admissionContext, type AdmissionContext } from './admission.ts';
import { LeanWatch, leanWorkflow } from './lean-workflow.ts';
import type { InformerState, WorkflowLookup } from './workflows.ts';

type WorkflowPlural = 'workflows' | 'clusterworkflows';
const PLURALS: Record<WorkflowKind, WorkflowPlural> = {
  Workflow: 'workflows',
  ClusterWorkflow: 'clusterworkflows',
};
/**
 * Objects per list request. Smaller than kubectl's 500: each page's response and parsed objects are garbage once
 * trimmed, and with 100 a webhook started on 10,000 Workflows peaked 14 MiB lower (make bench-scale) for about
 * half a second more to Ready.
 */
const LIST_PAGE_SIZE = 100;
const MIN_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 10_000;

/** One line for a log or an error message: client-node's ApiException text spans several lines with headers. */
function describe(error: unknown): string {
  if (error instanceof ApiException) {
    let status: { message?: unknown } | undefined;
    try {
      status = typeof error.body === 'string' ? (JSON.parse(error.body) as typeof status) : undefined;
    } catch {
      status = undefined;
    }
    return typeof status?.message === 'string'
      ? `HTTP ${error.code}: ${status.message}`
      : `HTTP ${error.code}`;
  }
  const { statusCode, message } = error as { statusCode?: unknown; message?: unknown };
  const line = (typeof message === 'string' ? message : String(error)).split('\n', 1)[0]!;
  // A refused watch: client-node's Watch keeps only the status line and code.
  return typeof statusCode === 'number' ? `HTTP ${statusCode}: ${line}` : line;
}

/**
 * A client-node informer over one resource across all namespaces, kept running: client-node's informer stops at the
 * first error (a failed list, a refused or broken watch) and reports it, so this restarts it after an exponential
 * backoff. A restart resumes the watch from the last version seen when the server still has it, and relists
 * otherwise (410 Gone), as client-go's reflector does; the cache keeps serving meanwhile. `synced` is what
 * readiness and metrics report: true once a list has succeeded or a restarted watch is open again, false from an
 * error until then.
 */
class WorkflowInformer {
  readonly #informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  #synced = false;
  #listing = false;
  #errors = 0;
  #delay = MIN_RETRY_DELAY_MS;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    readonly resource: WorkflowPlural,
    config: KubeConfig,
    objects: CustomObjectsApi,
    private readonly log: Logger,
  ) {
    const list = async () => {
      this.#listing = true;
      try {
        // In pages, each made lean before the next is asked for: an unpaged list of 10,000 Workflows held the whole
        // response and its parsed objects at once and took a restarting webhook to 251 MiB RSS (make bench-scale).
        // A paged list is still one consistent snapshot, at the first page's version.
        const listed: KubernetesListObject<KubernetesObject> = { metadata: {}, items: [] };
        let next: string | undefined;
        do {
          const page = (await objects.listClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural: resource,
            limit: LIST_PAGE_SIZE,
            ...(next === undefined ? {} : { _continue: next }),
          })) as KubernetesListObject<KubernetesObject>;
          for (const item of page.items) listed.items.push(leanWorkflow(item));
          listed.metadata = { resourceVersion: page.metadata?.resourceVersion };
          // Custom objects come back as the server's JSON, not client-node's models: the field is `continue`.
          next = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
        } while (next !== undefined);
        // The informer fills its cache from this list before any other event can run.
        this.#markSynced(`listed ${listed.items.length} objects`);
        return listed;
      } finally {
        this.#listing = false;
      }
    };
    // What makeInformer builds, with a Watch that hands the informer lean objects.
    this.#informer = new ListWatch(
      `/apis/${GROUP}/${VERSION}/${resource}`,
      new LeanWatch(config),
      list,
      false,
    );
    this.#informer.on('error', (error: unknown) => this.#failed(error));
  }

  get synced(): boolean {
    return this.#synced;
  }

  get size(): number {
    return this.#informer.list().length;
  }

  get(name: string, namespace?: string): WorkflowObject | undefined {
    return this.#informer.get(name, namespace) as WorkflowObject | undefined;
  }

  start(): void {
    void this.#start();
  }

  async #start(): Promise<void> {
    const errorsBefore = this.#errors;
    await this.#informer.start();
    // start() returns once the watch request is answered. No error since, and no relist under way (a 410 starts
    // one): the watch resumed where it left off, so the cache is current again.
    if (!this.#stopped && this.#errors === errorsBefore && !this.#listing) this.#markSynced('watch resumed');
  }

  #markSynced(how: string): void {
    this.#delay = MIN_RETRY_DELAY_MS;
    if (this.#synced || this.#stopped) return;
    this.#synced = true;
    this.log.info({ resource: this.resource, how }, 'informer synced');
  }

  #failed(error: unknown): void {
    this.#errors++;
    if (this.#stopped) return;
    if (this.#synced) this.log.warn({ resource: this.resource, err: describe(error) }, 'watch broken');
    else
      this.log.debug(
        { resource: this.resource, err: describe(error), delayMs: this.#delay },
        'informer not synced yet; retrying',
      );
    this.#synced = false;
    if (this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#stopped) this.start();
    }, this.#delay);
    this.#delay = Math.min(this.#delay * 2, MAX_RETRY_DELAY_MS);
  }

  stop(): void {
    this.#stopped = true;
    this.#synced = false;
    clearTimeout(this.#retry);
    void this.#informer.stop();
  }
}

export class InformerWorkflows implements WorkflowLookup {
  readonly #informers = new Map<WorkflowKind, WorkflowInformer>();
  readonly #objects: CustomObjectsApi;
  #discovered = false;
  #stopped = false;

  /**
   * Starts watching and returns at once; readiness (`notReady`) waits for the lists, the process does not, so
   * liveness and metrics answer while the API server is still away. ClusterWorkflows are watched only when their
   * CRD is served (the v0.17 CRDs have none); until that is known, a reference to one is looked up directly, which
   * answers 404 (not found) when the CRD does not exist.
   */
  constructor(
    private readonly config: KubeConfig,
    private readonly log: Logger,
  ) {
    this.#objects = config.makeApiClient(CustomObjectsApi);
    this.#watch('Workflow');
    void this.#discoverClusterWorkflows();
  }

  #watch(kind: WorkflowKind): void {
    const informer = new WorkflowInformer(PLURALS[kind], this.config, this.#objects, this.log);
    this.#informers.set(kind, informer);
    informer.start();
  }

  async #discoverClusterWorkflows(): Promise<void> {
    for (let delay = MIN_RETRY_DELAY_MS; !this.#stopped; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        const { resources } = await this.#objects.getAPIResources({ group: GROUP, version: VERSION });
        if (this.#stopped) return;
        if (resources.some((resource) => resource.name === PLURALS.ClusterWorkflow))
          this.#watch('ClusterWorkflow');
        else
          this.log.info(
            'ClusterWorkflow CRD not installed: runs naming a ClusterWorkflow are denied as not found',
          );
        this.#discovered = true;
        return;
      } catch (error) {
        this.log.debug({ err: describe(error), delayMs: delay }, 'API discovery failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Why the cache cannot be trusted yet: empty once every informer has listed and is watching. */
  notReady(): string[] {
    const problems = [...this.#informers.values()]
      .filter((informer) => !informer.synced)
      .map((informer) => `informer for ${informer.resource} not synced`);
    if (!this.#discovered) problems.push(`API discovery of ${GROUP} pending`);
    return problems;
  }

  states(): InformerState[] {
    return [...this.#informers.values()].map((informer) => ({
      resource: informer.resource,
      synced: informer.synced,
      size: informer.size,
    }));
  }

  async get(
    kind: WorkflowKind,
    name: string,
    namespace: string | undefined,
    context: AdmissionContext = admissionContext(),
  ): Promise<WorkflowObject | undefined> {
    const cached = this.#informers.get(kind)?.get(name, namespace);
    if (cached !== undefined) return cached;
    return this.#getDirect(kind, name, namespace, context.signal);
  }

  /** A GET that gives up when `signal` aborts: the review it answers has a deadline of the API server's. */
  async #getDirect(
    kind: WorkflowKind,
    name: string,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<WorkflowObject | undefined> {
    const plural = PLURALS[kind];
    const bounded: ObservableMiddleware = {
      pre: (context) => {
        context.setSignal(signal);
        return new Observable(Promise.resolve(context));
      },
      post: (context) => new Observable(Promise.resolve(context)),
    };
    const options: ConfigurationOptions = { middleware: [bounded], middlewareMergeStrategy: 'append' };
    try {
      const object: JSONObject =
        namespace === undefined
          ? await this.#objects.getClusterCustomObject(
              { group: GROUP, version: VERSION, plural, name },
              options,
            )
          : await this.#objects.getNamespacedCustomObject(
              { group: GROUP, version: VERSION, namespace, plural, name },
              options,
            );
      return leanWorkflow(object) as WorkflowObject;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      const reason =
        (error as Error).name === 'AbortError' || signal.aborted
          ? "no answer before the review's deadline"
          : describe(error);
      this.log.warn({ kind, name, namespace, err: reason }, 'direct Workflow lookup failed');
      throw new Error(`looking up ${kind} ${JSON.stringify(name)} failed: ${reason}`, { cause: error });
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const informer of this.#informers.values()) informer.stop();
  }
}
