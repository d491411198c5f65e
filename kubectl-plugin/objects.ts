// Reading runs and Workflows from the cluster, with the one-line errors users see when they are not there, and
// which kind of Workflow a new run refers to on the cluster's CRDs.
import {
  API_VERSION,
  workflowReference,
  type WorkflowKind,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../core/index.ts';
import { CommandError } from './cmdutil/errors.ts';
import { apiErrorCode } from './kube.ts';
import type { KubeClient, ObjectRef } from './kube.ts';

/** A 404 for the object itself (not for a resource type the server does not serve). */
function isObjectNotFound(err: unknown, name: string): boolean {
  return apiErrorCode(err) === 404 && (err as Error).message.includes(`"${name}" not found`);
}

/** A 404 for the whole resource type: the CRD is not installed. */
function rethrowMissingResource(err: unknown): never {
  if (apiErrorCode(err) === 404) {
    throw new CommandError(`${(err as Error).message} (are OpenChoreo's CRDs installed in this cluster?)`);
  }
  throw err;
}

export async function getRun(kube: KubeClient, namespace: string, name: string): Promise<WorkflowRunObject> {
  try {
    return (await kube.get({ plural: 'workflowruns', namespace, name })) as WorkflowRunObject;
  } catch (err) {
    if (isObjectNotFound(err, name)) {
      throw new CommandError(`workflowrun "${name}" not found in namespace "${namespace}"`);
    }
    return rethrowMissingResource(err);
  }
}

export interface WorkflowRef extends ObjectRef {
  plural: 'workflows' | 'clusterworkflows';
  kind: WorkflowKind;
}

export function workflowRef(kind: WorkflowKind, name: string, namespace: string | undefined): WorkflowRef {
  return kind === 'ClusterWorkflow'
    ? { kind, plural: 'clusterworkflows', name }
    : { kind, plural: 'workflows', name, namespace: namespace ?? 'default' };
}

/** Where a stored run's Workflow lives (the core's `workflowReference`); undefined when the run names none. */
export function storedWorkflowRef(run: WorkflowRunObject): WorkflowRef | undefined {
  const { kind, name, namespace } = workflowReference(run);
  return name === '' ? undefined : workflowRef(kind, name, namespace);
}

/** `clusterworkflow "x"` / `workflow "x" in namespace "y"`, the way kubectl names objects in errors. */
export function describeWorkflowRef(ref: WorkflowRef): string {
  return ref.kind === 'ClusterWorkflow'
    ? `clusterworkflow "${ref.name}"`
    : `workflow "${ref.name}" in namespace "${ref.namespace}"`;
}

export async function getWorkflow(kube: KubeClient, ref: WorkflowRef): Promise<WorkflowObject> {
  try {
    return (await kube.get(ref)) as WorkflowObject;
  } catch (err) {
    if (isObjectNotFound(err, ref.name)) {
      throw new CommandError(
        ref.kind === 'ClusterWorkflow'
          ? `clusterworkflow "${ref.name}" not found`
          : `workflow "${ref.name}" not found in namespace "${ref.namespace}"`,
      );
    }
    return rethrowMissingResource(err);
  }
}

/**
 * Which kind a new run refers to when the user did not say. v1.x CRDs serve ClusterWorkflow and default a run's
 * `spec.workflow.kind` to it; v0.17 CRDs have neither, and a run there names a Workflow in its own namespace with
 * no `kind` field at all (`omitKind`).
 */
export async function clusterWorkflowKind(
  kube: KubeClient,
  requested: WorkflowKind | undefined,
): Promise<{ kind: WorkflowKind; omitKind: boolean }> {
  const served = await kube.resources();
  if (!served.has('workflowruns')) {
    throw new CommandError(
      `the server at ${kube.server} serves no ${API_VERSION} WorkflowRun resource (are OpenChoreo's CRDs installed?)`,
    );
  }
  const hasClusterWorkflows = served.has('clusterworkflows');
  if (requested === 'ClusterWorkflow' && !hasClusterWorkflows) {
    throw new CommandError(
      "this cluster's OpenChoreo CRDs (v0.17) have no ClusterWorkflow; use --kind Workflow",
    );
  }
  if (!hasClusterWorkflows) return { kind: 'Workflow', omitKind: true };
  return { kind: requested ?? 'ClusterWorkflow', omitKind: false };
}
