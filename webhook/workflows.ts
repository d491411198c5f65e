// Where the handlers find the Workflow a run names: the lookup they are given, a fixed set of Workflows for tests
// and benchmarks, and what the informers behind the real lookup (informers.ts) report to readiness and metrics.
// Nothing here loads the Kubernetes client.
import type { WorkflowKind, WorkflowObject } from '../core/index.ts';
import type { AdmissionContext } from './admission.ts';

export interface WorkflowLookup {
  /**
   * The named Workflow (namespace given) or ClusterWorkflow; undefined when it does not exist. Rejects when unsure,
   * and when the review's signal aborts before it knows. The context is passed whole, not its signal, because
   * reading the signal starts a timer, which a cache hit must not pay for.
   */
  get(
    kind: WorkflowKind,
    name: string,
    namespace: string | undefined,
    context?: AdmissionContext,
  ): Promise<WorkflowObject | undefined>;
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

  async get(
    kind: WorkflowKind,
    name: string,
    namespace: string | undefined,
  ): Promise<WorkflowObject | undefined> {
    return this.#objects.get(key(kind, name, namespace));
  }
}

function key(kind: WorkflowKind, name: string, namespace: string | undefined): string {
  return kind === 'ClusterWorkflow' ? `${kind}/${name}` : `${kind}/${namespace ?? ''}/${name}`;
}

export interface InformerState {
  resource: string;
  synced: boolean;
  size: number;
}
