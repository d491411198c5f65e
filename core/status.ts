// What a WorkflowRun's status means: its conditions, and the one-word state OpenChoreo's own CLI shows. How a person
// sees times and absent values (ages, durations, `<none>`) is the plugin's (kubectl-plugin/render/time.ts).
import type { Condition, WorkflowRunObject } from './types.ts';

/** Condition types OpenChoreo's WorkflowRun controller sets (see conditions.md). */
export const WORKFLOW_COMPLETED = 'WorkflowCompleted';
export const WORKFLOW_RUNNING = 'WorkflowRunning';
export const WORKFLOW_SUCCEEDED = 'WorkflowSucceeded';
export const WORKFLOW_FAILED = 'WorkflowFailed';

/**
 * The condition of the given type, if the run has one. Status arrives from the cluster or a file, so a malformed
 * `conditions` (not a list, holes, non-objects) reads as "no such condition" rather than throwing.
 */
export function findCondition(run: WorkflowRunObject, type: string): Condition | undefined {
  const conditions: unknown = run.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find(
    (condition): condition is Condition =>
      typeof condition === 'object' && condition !== null && (condition as Condition).type === type,
  );
}

function isTrue(run: WorkflowRunObject, type: string): boolean {
  return findCondition(run, type)?.status === 'True';
}

/**
 * One word for the run's state, by OpenChoreo CLI's rule: Succeeded, Failed or Running from their conditions;
 * otherwise the WorkflowCompleted reason (e.g. WorkflowPending, WorkflowPlaneNotFound); otherwise Pending.
 */
export function runStatus(run: WorkflowRunObject): string {
  if (isTrue(run, WORKFLOW_SUCCEEDED)) return 'Succeeded';
  if (isTrue(run, WORKFLOW_FAILED)) return 'Failed';
  if (isTrue(run, WORKFLOW_RUNNING)) return 'Running';
  const reason = findCondition(run, WORKFLOW_COMPLETED)?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : 'Pending';
}

/** The run reached an end, successful or not (WorkflowCompleted=True). */
export function isCompleted(run: WorkflowRunObject): boolean {
  return isTrue(run, WORKFLOW_COMPLETED);
}

export function isSucceeded(run: WorkflowRunObject): boolean {
  return isTrue(run, WORKFLOW_SUCCEEDED);
}

export function isFailed(run: WorkflowRunObject): boolean {
  return isTrue(run, WORKFLOW_FAILED);
}
