// What a WorkflowRun's status means to a person: the one-word state OpenChoreo's own CLI shows, and ages and
// durations in kubectl's compact style. Pure functions: the clock is always passed in, so output is reproducible.
import type { Condition, WorkflowRunObject } from './types.ts';

/** Condition types OpenChoreo's WorkflowRun controller sets (see conditions.md). */
export const WORKFLOW_COMPLETED = 'WorkflowCompleted';
export const WORKFLOW_RUNNING = 'WorkflowRunning';
export const WORKFLOW_SUCCEEDED = 'WorkflowSucceeded';
export const WORKFLOW_FAILED = 'WorkflowFailed';

/** Shown where a value is absent, as kubectl does. */
export const NONE = '<none>';
/** Shown where a time is absent or unreadable, as kubectl's AGE column does. */
export const UNKNOWN = '<unknown>';

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

/** Milliseconds since the epoch, or undefined for a missing or unreadable time. */
export function parseTime(time: string | Date | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A duration the way kubectl prints AGE and DURATION columns (apimachinery's `duration.HumanDuration`): exact
 * seconds under 2 minutes, then progressively coarser units (`3m20s`, `15m`, `2h5m`, `10h`, `3d4h`, `20d`, `2y30d`).
 * Up to a second of clock skew counts as `0s`; anything further in the future is `<invalid>`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return UNKNOWN;
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRemainder(minutes, 'm', seconds % 60, 's');
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRemainder(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRemainder(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRemainder(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRemainder(value: number, unit: string, remainder: number, remainderUnit: string): string {
  return remainder === 0 ? `${value}${unit}` : `${value}${unit}${remainder}${remainderUnit}`;
}

/** How long ago `from` was, kubectl style; `<unknown>` when the time is missing or unreadable. */
export function formatAge(from: string | Date | undefined, now: Date): string {
  const start = parseTime(from);
  return start === undefined ? UNKNOWN : formatDuration(now.getTime() - start);
}

/**
 * How long the run took: from `status.startedAt` to `status.completedAt`, or until now while it has not completed.
 * A completed run without `completedAt` ends at its WorkflowCompleted transition. `<none>` before it started.
 */
export function runDuration(run: WorkflowRunObject, now: Date): string {
  const start = parseTime(run.status?.startedAt);
  if (start === undefined) return NONE;
  const end = isCompleted(run)
    ? parseTime(run.status?.completedAt ?? findCondition(run, WORKFLOW_COMPLETED)?.lastTransitionTime)
    : (parseTime(run.status?.completedAt) ?? now.getTime());
  return end === undefined ? UNKNOWN : formatDuration(end - start);
}
