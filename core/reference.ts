// The Workflow a WorkflowRun names in `spec.workflow`, and how messages name a Workflow. Light: no validator, so
// the plugin's describe and the webhook share this rule without loading ajv.
import { isPlainObject } from './json.ts';
import type { FieldError, WorkflowKind, WorkflowObject, WorkflowRunObject } from './types.ts';

/** `Workflow "ns/name"` or `ClusterWorkflow "name"`, as error messages name a Workflow. */
export function workflowLabel(workflow: WorkflowObject): string {
  const name = typeof workflow.metadata?.name === 'string' ? workflow.metadata.name : '';
  if (workflow.kind === 'ClusterWorkflow') return `ClusterWorkflow ${JSON.stringify(name)}`;
  const namespace = workflow.metadata?.namespace;
  return `Workflow ${JSON.stringify(namespace ? `${namespace}/${name}` : name)}`;
}

/**
 * The Workflow a run refers to. A run without `spec.workflow.kind` (v0.17 CRDs) refers to a namespaced Workflow in
 * its own namespace; a ClusterWorkflow has no namespace. Check `workflowReferenceErrors` first: this does not.
 */
export function workflowReference(run: WorkflowRunObject): {
  kind: WorkflowKind;
  name: string;
  namespace?: string;
} {
  const workflow = isPlainObject(run.spec?.workflow) ? run.spec.workflow : undefined;
  const name = typeof workflow?.name === 'string' ? workflow.name : '';
  if (workflow?.kind === 'ClusterWorkflow') return { kind: 'ClusterWorkflow', name };
  const namespace = run.metadata?.namespace;
  return typeof namespace === 'string' && namespace
    ? { kind: 'Workflow', name, namespace }
    : { kind: 'Workflow', name };
}

const WORKFLOW_KINDS: readonly WorkflowKind[] = ['ClusterWorkflow', 'Workflow'];

/** What is wrong with a run's `spec.workflow` reference itself (missing name, unsupported kind), as field errors. */
export function workflowReferenceErrors(run: WorkflowRunObject): FieldError[] {
  const spec = run.spec as unknown;
  if (!isPlainObject(spec)) return [{ field: 'spec', message: 'Required value' }];
  const workflow = spec.workflow;
  if (!isPlainObject(workflow)) return [{ field: 'spec.workflow', message: 'Required value' }];
  const errors: FieldError[] = [];
  const { kind, name } = workflow;
  if (kind !== undefined && !WORKFLOW_KINDS.includes(kind as WorkflowKind)) {
    const shown =
      typeof kind === 'string' ? JSON.stringify(kind.slice(0, 80)) : JSON.stringify(kind)?.slice(0, 80);
    errors.push({
      field: 'spec.workflow.kind',
      message: `Unsupported value: ${shown}: supported values: ${WORKFLOW_KINDS.map((k) => `"${k}"`).join(', ')}`,
    });
  }
  if (name === undefined || name === '')
    errors.push({ field: 'spec.workflow.name', message: 'Required value' });
  else if (typeof name !== 'string') {
    errors.push({ field: 'spec.workflow.name', message: 'Invalid value: must be of type string' });
  }
  return errors;
}
