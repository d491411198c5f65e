// Cell values about a WorkflowRun that both `describe` and `list` show, so the two never disagree.
import { type ResourceReference, type WorkflowRunObject } from '../../core/index.ts';
import { NONE, formatAge, parseTime } from './time.ts';
import { cell } from './table.ts';

/**
 * `ClusterWorkflow/name` or `Workflow/name`. A run without `spec.workflow.kind` was written for the v0.17 CRDs,
 * where a run could only refer to a namespaced Workflow.
 */
export function workflowLabel(run: WorkflowRunObject): string {
  const workflow = run.spec?.workflow;
  if (typeof workflow?.name !== 'string' || workflow.name === '') return NONE;
  // Typed as the two known kinds, but the data may hold anything; an empty kind means absent.
  const kind: unknown = workflow.kind;
  const label = `${typeof kind === 'string' && kind !== '' ? kind : 'Workflow'}/${workflow.name}`;
  return cell(label);
}

/** `namespace/name` of a build-plane object (just `name` for cluster-scoped ones). */
export function referenceLabel(reference: ResourceReference | undefined): string {
  if (typeof reference !== 'object' || reference === null) return NONE;
  const { name, namespace } = reference;
  if (typeof name !== 'string' || name === '') return NONE;
  return cell(typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name);
}

/** Age of a time in a table cell: `<none>` when the time was never set. */
export function ageOrNone(time: string | undefined, now: Date): string {
  return time === undefined || time === '' ? NONE : formatAge(time, now);
}

/** A time as stored plus how long ago it was: `2024-01-15T10:30:00Z (5m ago)`. */
export function timestampWithAge(time: string | undefined, now: Date): string {
  if (typeof time !== 'string' || time === '') return NONE;
  const age = parseTime(time) === undefined ? undefined : formatAge(time, now);
  return age === undefined || age === '<invalid>' ? cell(time) : `${cell(time)} (${age} ago)`;
}
