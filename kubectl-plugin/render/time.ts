// Times and absent values the way kubectl prints them: `<none>`, ages and durations in kubectl's compact style. Pure
// functions: the clock is always passed in, so output is reproducible.
import { findCondition, isCompleted, WORKFLOW_COMPLETED, type WorkflowRunObject } from '../../core/index.ts';

/** Shown where a value is absent, as kubectl does. */
export const NONE = '<none>';
/** Shown where a time is absent or unreadable, as kubectl's AGE column does. */
export const UNKNOWN = '<unknown>';

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
