// `--manage-policies`: keeps one ValidatingAdmissionPolicy (and binding) per Workflow and ClusterWorkflow, plus the
// unknown-Workflow policy, in step with the Workflows in the cluster, so runs stay checked by the API server itself
// while the webhook is down. It watches Workflows, and on every change (and every resync) compares what should
// exist with the policies carrying our label: creates the missing, replaces those generated from another schema
// (the source-hash annotation says), deletes those whose Workflow is gone. Only the replica holding the Lease
// writes, so two replicas never fight.
import {
  AdmissionregistrationV1Api,
  ApiException,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1ValidatingAdmissionPolicy,
  type V1ValidatingAdmissionPolicyBinding,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

import {
  GROUP,
  VERSION,
  SchemaError,
  type UnknownParameterPolicy,
  type WorkflowKind,
  type WorkflowObject,
} from '../core/index.ts';
import {
  POLICY_MANAGED_BY,
  POLICY_MANAGED_BY_LABEL,
  POLICY_SOURCE_HASH_ANNOTATION,
  unknownWorkflowsPolicy,
  workflowPolicy,
  type GeneratedPolicy,
} from '../core/engine.ts';
import { LeaseElector } from './policy-lease.ts';

export interface PolicyReconcilerOptions {
  unknownParameters: UnknownParameterPolicy;
  /** Where the Lease lives (the webhook's own namespace in a pod). */
  leaseNamespace: string;
  leaseName?: string;
  identity: string;
  registry: Registry;
  /** A full comparison this often, besides the one after every Workflow change. */
  resyncSeconds?: number;
}

const DEFAULT_LEASE_NAME = 'openchoreo-workflowrun-policies';
const DEFAULT_RESYNC_SECONDS = 60;
/** Workflow events arriving together are handled in one pass. */
const DEBOUNCE_MS = 50;
const RETRY_MS = 2000;
const SELECTOR = `${POLICY_MANAGED_BY_LABEL}=${POLICY_MANAGED_BY}`;
const PLURALS: Record<WorkflowKind, string> = { Workflow: 'workflows', ClusterWorkflow: 'clusterworkflows' };

export class PolicyReconciler {
  readonly #admission: AdmissionregistrationV1Api;
  readonly #objects: CustomObjectsApi;
  readonly #informers = new Map<WorkflowKind, Informer<KubernetesObject> & ObjectCache<KubernetesObject>>();
  readonly #lease: LeaseElector;
  readonly #generated = new Map<string, { hash: string; policy: GeneratedPolicy | undefined }>();
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #inSync = 0;
  #desired = 0;

  readonly #reconciles: Counter<'result'>;

  constructor(
    private readonly config: KubeConfig,
    private readonly options: PolicyReconcilerOptions,
    private readonly log: Logger,
  ) {
    this.#admission = config.makeApiClient(AdmissionregistrationV1Api);
    this.#objects = config.makeApiClient(CustomObjectsApi);
    this.#lease = new LeaseElector(
      config,
      {
        namespace: options.leaseNamespace,
        name: options.leaseName ?? DEFAULT_LEASE_NAME,
        identity: options.identity,
        onChange: (leader) => {
          if (leader) this.schedule();
        },
      },
      log,
    );
    const registers = [options.registry];
    this.#reconciles = new Counter({
      name: 'workflowrun_webhook_policy_reconciles_total',
      help: 'Passes that compared the policies with the Workflows, by result (ok or error).',
      labelNames: ['result'] as const,
      registers,
    });
    const inSync = () => this.#inSync;
    const desired = () => this.#desired;
    const leader = () => this.#lease.leader;
    new Gauge({
      name: 'workflowrun_webhook_policies_in_sync',
      help: 'Of the policies the Workflows call for, those found as generated after the last pass.',
      registers,
      collect() {
        this.set(inSync());
      },
    });
    new Gauge({
      name: 'workflowrun_webhook_policies_desired_total',
      help: 'ValidatingAdmissionPolicies the Workflows call for at the last pass.',
      registers,
      collect() {
        this.set(desired());
      },
    });
    new Gauge({
      name: 'workflowrun_webhook_policy_leader',
      help: '1 while this replica holds the policy Lease and writes the policies.',
      registers,
      collect() {
        this.set(leader() ? 1 : 0);
      },
    });
  }

  async start(): Promise<void> {
    this.#watch('Workflow');
    try {
      const { resources } = await this.#objects.getAPIResources({ group: GROUP, version: VERSION });
      if (resources.some((resource) => resource.name === PLURALS.ClusterWorkflow))
        this.#watch('ClusterWorkflow');
    } catch (error) {
      this.log.warn({ err: oneLine(error) }, 'policy reconciler: discovery failed; watching Workflows only');
    }
    this.#lease.start();
    const every = (this.options.resyncSeconds ?? DEFAULT_RESYNC_SECONDS) * 1000;
    this.#resync = setInterval(() => this.schedule(), every);
  }

  #watch(kind: WorkflowKind): void {
    const plural = PLURALS[kind];
    const list = () =>
      this.#objects.listClusterCustomObject({ group: GROUP, version: VERSION, plural }) as Promise<
        KubernetesListObject<KubernetesObject>
      >;
    const informer = makeInformer(this.config, `/apis/${GROUP}/${VERSION}/${plural}`, list);
    for (const event of ['add', 'update', 'delete'] as const) informer.on(event, () => this.schedule());
    informer.on('connect', () => this.schedule());
    informer.on('error', (error: unknown) => {
      this.log.warn({ resource: plural, err: oneLine(error) }, 'policy reconciler: watch broken; restarting');
      setTimeout(() => {
        if (!this.#stopped) void informer.start();
      }, RETRY_MS);
    });
    this.#informers.set(kind, informer);
    void informer.start();
  }

  /** A pass soon; passes never overlap, and changes during one cause one more. */
  schedule(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) {
        this.#again = true;
        return;
      }
      this.#running = this.#pass().finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.schedule();
        }
      });
    }, DEBOUNCE_MS);
  }

  async #pass(): Promise<void> {
    if (!this.#lease.leader) return;
    try {
      await this.reconcile();
      this.#reconciles.inc({ result: 'ok' });
    } catch (error) {
      this.#reconciles.inc({ result: 'error' });
      this.log.warn({ err: oneLine(error) }, 'policy reconcile failed; retrying');
      setTimeout(() => this.schedule(), RETRY_MS);
    }
  }

  /** One comparison of the policies with the Workflows, writing what differs. */
  async reconcile(): Promise<void> {
    const desired = this.#desiredPolicies();
    const [policies, bindings] = await Promise.all([
      this.#admission.listValidatingAdmissionPolicy({ labelSelector: SELECTOR }),
      this.#admission.listValidatingAdmissionPolicyBinding({ labelSelector: SELECTOR }),
    ]);
    const existing = new Map(policies.items.map((policy) => [policy.metadata?.name ?? '', policy]));
    const existingBindings = new Map(
      bindings.items.map((binding) => [binding.metadata?.name ?? '', binding]),
    );
    let inSync = 0;
    for (const [name, generated] of desired) {
      const current = existing.get(name);
      const policy = generated.policy as unknown as V1ValidatingAdmissionPolicy;
      const binding = generated.binding as unknown as V1ValidatingAdmissionPolicyBinding;
      if (!current) {
        await this.#admission.createValidatingAdmissionPolicy({ body: policy });
        this.log.info({ policy: name }, 'policy created');
      } else if (hashOf(current) !== hashOf(policy)) {
        policy.metadata = { ...policy.metadata, resourceVersion: current.metadata?.resourceVersion };
        await this.#admission.replaceValidatingAdmissionPolicy({ name, body: policy });
        this.log.info({ policy: name }, 'policy updated');
      }
      if (!existingBindings.has(name))
        await this.#admission.createValidatingAdmissionPolicyBinding({ body: binding });
      inSync++;
    }
    for (const name of existingBindings.keys()) {
      if (!desired.has(name))
        await ignoreNotFound(this.#admission.deleteValidatingAdmissionPolicyBinding({ name }));
    }
    for (const name of existing.keys()) {
      if (desired.has(name)) continue;
      await ignoreNotFound(this.#admission.deleteValidatingAdmissionPolicy({ name }));
      this.log.info({ policy: name }, 'policy deleted');
    }
    this.#inSync = inSync;
    this.#desired = desired.size;
  }

  /** Per Workflow its policy, compiled again only when its schema changed; the unknown-Workflow policy last. */
  #desiredPolicies(): Map<string, GeneratedPolicy> {
    const desired = new Map<string, GeneratedPolicy>();
    const usable: WorkflowObject[] = [];
    const seen = new Set<string>();
    for (const [kind, informer] of this.#informers) {
      for (const item of informer.list()) {
        const workflow = { ...(item as WorkflowObject), kind };
        const key = `${kind}/${workflow.metadata?.namespace ?? ''}/${workflow.metadata?.name ?? ''}`;
        seen.add(key);
        const hash = JSON.stringify([
          this.options.unknownParameters,
          workflow.spec?.schema,
          workflow.spec?.parameters,
        ]);
        let entry = this.#generated.get(key);
        if (entry?.hash !== hash) {
          entry = { hash, policy: this.#generate(workflow) };
          this.#generated.set(key, entry);
        }
        if (!entry.policy) continue;
        usable.push(workflow);
        desired.set((entry.policy.policy.metadata as { name: string }).name, entry.policy);
      }
    }
    for (const key of this.#generated.keys()) if (!seen.has(key)) this.#generated.delete(key);
    const unknown = unknownWorkflowsPolicy(usable);
    desired.set((unknown.policy.metadata as { name: string }).name, unknown);
    return desired;
  }

  #generate(workflow: WorkflowObject): GeneratedPolicy | undefined {
    try {
      return workflowPolicy(workflow, { unknownParameters: this.options.unknownParameters });
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      this.log.warn({ err: error.message }, 'no policy for a Workflow whose schema does not compile');
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#resync);
    for (const informer of this.#informers.values()) void informer.stop();
    await this.#lease.stop();
  }
}

function hashOf(object: { metadata?: { annotations?: Record<string, string> } }): string | undefined {
  return object.metadata?.annotations?.[POLICY_SOURCE_HASH_ANNOTATION];
}

async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!;
}
