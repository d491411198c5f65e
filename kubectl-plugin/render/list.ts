// `kubectl workflowrun list`: runs as a `kubectl get` table, newest first.
import { runStatus, type WorkflowRunObject } from '../../core/index.ts';
import { NONE, formatAge, parseTime, runDuration } from './time.ts';
import { paint, statusTone } from './color.ts';
import { ageOrNone, referenceLabel, workflowLabel } from './fields.ts';
import { cell, compareText, formatColumns } from './table.ts';

export interface ListOptions {
  now: Date;
  /** `-o wide`: adds STARTED, DURATION and RUN REFERENCE. */
  wide: boolean;
  /** `-A`: adds the NAMESPACE column first. */
  allNamespaces: boolean;
  color: boolean;
}

/** kubectl get separates columns by three spaces. */
const COLUMN_GAP = 3;

/** The table, one line per run after the header; an empty string for no runs (see `noResourcesMessage`). */
export function renderList(runs: readonly WorkflowRunObject[], opts: ListOptions): string {
  if (runs.length === 0) return '';
  const headers = [
    ...(opts.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'WORKFLOW',
    'STATUS',
    'AGE',
    ...(opts.wide ? ['STARTED', 'DURATION', 'RUN REFERENCE'] : []),
  ];
  const rows = sortNewestFirst(runs).map((run) => {
    const status = runStatus(run);
    return [
      ...(opts.allNamespaces ? [cell(run.metadata?.namespace)] : []),
      cell(run.metadata?.name),
      workflowLabel(run),
      paint(cell(status), statusTone(status), opts.color),
      formatAge(run.metadata?.creationTimestamp, opts.now),
      ...(opts.wide
        ? [
            ageOrNone(run.status?.startedAt, opts.now),
            runDuration(run, opts.now),
            referenceLabel(run.status?.runReference),
          ]
        : []),
    ];
  });
  return formatColumns([headers, ...rows], COLUMN_GAP).join('\n') + '\n';
}

/** What kubectl says on stderr when a list is empty. */
export function noResourcesMessage(namespace: string | undefined, allNamespaces: boolean): string {
  return allNamespaces || namespace === undefined
    ? 'No resources found'
    : `No resources found in ${namespace} namespace.`;
}

/**
 * By creation time, newest first; runs without one last; ties by name, then namespace, so order never varies. The
 * table and `list -o json|yaml|name` share it, so scripts see what people see.
 */
export function sortNewestFirst(runs: readonly WorkflowRunObject[]): WorkflowRunObject[] {
  const keyed = runs.map((run) => ({
    run,
    created: parseTime(run.metadata?.creationTimestamp) ?? -Infinity,
    name: run.metadata?.name ?? NONE,
    namespace: run.metadata?.namespace ?? '',
  }));
  keyed.sort(
    (a, b) =>
      (b.created === a.created ? 0 : b.created > a.created ? 1 : -1) ||
      compareText(a.name, b.name) ||
      compareText(a.namespace, b.namespace),
  );
  return keyed.map(({ run }) => run);
}
