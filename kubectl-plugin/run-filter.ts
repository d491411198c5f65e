// `--workflow NAME` or `--workflow KIND/NAME` as a filter on runs, for list and rerun --last.
import type { WorkflowKind, WorkflowRunObject } from '../core/index.ts';

export interface WorkflowFilter {
  kind?: WorkflowKind;
  name: string;
}

export function matchesWorkflow(run: WorkflowRunObject, filter: WorkflowFilter | undefined): boolean {
  if (!filter) return true;
  const workflow = run.spec?.workflow;
  if (workflow?.name !== filter.name) return false;
  // A run without a kind (v0.17 CRDs) refers to a namespaced Workflow.
  return filter.kind === undefined || (workflow.kind ?? 'Workflow') === filter.kind;
}
