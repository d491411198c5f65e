// A run while it goes: on a terminal the part of describe that changes (status, conditions, tasks with phase and
// duration), redrawn in place; elsewhere one line per change.
import { runStatus, type WorkflowRunObject } from '../../core/index.ts';
import type { IOStreams } from '../cmdutil/factory.ts';
import { paint, statusTone } from './color.ts';
import { conditionsSection, tasksSection } from './describe.ts';
import { cell, displayWidth, formatFields } from './table.ts';
import { runDuration } from './time.ts';

export interface ProgressOptions {
  now: Date;
  color: boolean;
}

/** Name, status and duration, then the conditions and tasks as describe shows them. */
export function renderProgress(run: WorkflowRunObject, opts: ProgressOptions): string {
  const status = runStatus(run);
  const sections = [
    formatFields([
      ['Name', cell(run.metadata?.name)],
      ['Status', paint(cell(status), statusTone(status), opts.color)],
      ['Duration', runDuration(run, opts.now)],
    ]),
    conditionsSection(run, opts.now),
    tasksSection(run, { ...opts }),
  ];
  return sections.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

/**
 * `NAME STATUS TYPE=STATUS ...` and each task as `task:PHASE`: one line that changes whenever a condition or a task
 * does, so printing it when it differs from the last one prints each change once.
 */
export function progressLine(run: WorkflowRunObject): string {
  const conditions = (Array.isArray(run.status?.conditions) ? run.status.conditions : []).map(
    (condition) => `${cell(condition.type)}=${cell(condition.status)}`,
  );
  const tasks = (Array.isArray(run.status?.tasks) ? run.status.tasks : []).map(
    (task) => `${cell(task.name)}:${cell(task.phase)}`,
  );
  return [cell(run.metadata?.name), runStatus(run), ...conditions, ...tasks].join(' ');
}

/**
 * Shows each state of a followed run (describe --watch, wait, create/rerun --wait): on a terminal `redraw(run)` drawn
 * in place; elsewhere its progressLine, printed only when it differs from the last one, since a watch also reports
 * updates that change nothing shown (resourceVersion, managed fields).
 */
export function runProgressView(
  io: Pick<IOStreams, 'stdout' | 'isTTY' | 'columns'>,
  redraw: (run: WorkflowRunObject) => string,
): (run: WorkflowRunObject) => void {
  if (io.isTTY) {
    const live = new LiveArea(io.stdout, io.columns);
    return (run) => live.draw(redraw(run));
  }
  let lastLine: string | undefined;
  return (run) => {
    const line = progressLine(run);
    if (line !== lastLine) io.stdout.write(`${line}\n`);
    lastLine = line;
  };
}

/** Text drawn over the text it drew last: the cursor goes back up over it and the screen below is cleared. */
export class LiveArea {
  private drawnLines = 0;

  /** `columns`: the terminal's width, so lines it wraps are counted as the rows they take. */
  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly columns = 0,
  ) {}

  draw(text: string): void {
    const back = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : '';
    this.out.write(back + text);
    const lines = text.split('\n').slice(0, -1);
    this.drawnLines = lines.reduce(
      (rows, line) =>
        rows + (this.columns > 0 ? Math.max(1, Math.ceil(displayWidth(line) / this.columns)) : 1),
      0,
    );
  }
}
