// `kubectl workflowrun wait NAME`: blocks until the run completes, like `argo wait` / `kubectl wait`, watching the
// run (polling when a watch is not possible), showing each change, and ending with one status line.
import { Option, type Command } from 'commander';
import {
  WORKFLOW_COMPLETED,
  WORKFLOW_FAILED,
  findCondition,
  isCompleted,
  isFailed,
  isSucceeded,
  runStatus,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { CommandError, EXIT_FAILURE, EXIT_OK } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { newCommand, setAction } from '../cmdutil/command.ts';
import { qualifiedName } from '../cmdutil/printers.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { POLL_INTERVAL_MS, observeRun } from '../observe-run.ts';
import { parseTimeout } from '../cmdutil/flags.ts';
import type { KubeClient } from '../kube.ts';

const CONDITIONS = ['succeeded', 'completed'] as const;
export type WaitFor = (typeof CONDITIONS)[number];

export interface WaitOptions {
  io: IOStreams;
  clock: () => Date;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  name: string;
  for: WaitFor;
  /** Milliseconds; 0 waits as long as it takes. */
  timeoutMs: number;
  /** Pause between polls when the server refuses a watch. */
  pollIntervalMs: number;
}

interface WaitFlags {
  for: string;
  timeout: string;
}

export function newWaitCommand(factory: Factory, runF?: (opts: WaitOptions) => Promise<number>): Command {
  const command = newCommand('wait', factory)
    .summary('Wait until a WorkflowRun completes')
    .description(
      'Wait until a WorkflowRun completes, then print its final status. Meanwhile the run is redrawn in place on ' +
        'a terminal, and printed a line per change elsewhere.\n\n' +
        'With --for=succeeded (the default) exit 0 when it succeeds and 1 when it fails; with --for=completed ' +
        'exit 0 once it has completed, whatever the outcome. Either way, exit 1 when --timeout passes first.',
    )
    .argument('<name>', 'name of the WorkflowRun')
    .addOption(new Option('--for <condition>', 'what to wait for').choices(CONDITIONS).default('succeeded'))
    .option('--timeout <duration>', 'give up after this long (e.g. 30s, 10m, 1h); 0 waits forever', '0');
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([name], cmd: Command): WaitOptions => {
      const flags = cmd.opts<WaitFlags>();
      const connection = connectionOptions(cmd);
      return {
        ...clusterDependencies(factory, connection),
        name: name!,
        for: flags.for as WaitFor,
        timeoutMs: parseTimeout(flags.timeout),
        pollIntervalMs: POLL_INTERVAL_MS,
      };
    },
    runWait,
    runF,
  );
}

export async function runWait(opts: WaitOptions): Promise<number> {
  const namespace = await resolveNamespace(opts.connection, opts.kube);
  const kube = await opts.kube();
  return waitForRun({ ...opts, kube, namespace });
}

export interface WaitForRunOptions {
  io: IOStreams;
  kube: KubeClient;
  namespace: string;
  name: string;
  for: WaitFor;
  timeoutMs: number;
  pollIntervalMs: number;
  /** For the durations of the live view on a terminal. */
  clock: () => Date;
  /**
   * `create/rerun --wait -o ...`: stdout holds only what -o asked for, so nothing is shown while waiting and no
   * status line follows; the exit code tells the outcome, as `argo submit --wait -o ...` does.
   */
  quiet?: boolean;
}

/**
 * Shared with `create --wait` and `rerun --wait`. While the run goes its progress is shown (render/progress.ts's
 * runProgressView: redrawn in place on a terminal, a line per change elsewhere); then the final status line is
 * printed. Returns the exit code.
 */
export async function waitForRun(opts: WaitForRunOptions): Promise<number> {
  const stop = new AbortController();
  let timedOut = false;
  const timer =
    opts.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          stop.abort();
        }, opts.timeoutMs)
      : undefined;
  let last: WorkflowRunObject | undefined;
  const show = opts.quiet ? undefined : await progressView(opts);
  try {
    for await (const run of observeRun(opts, stop.signal)) {
      last = run;
      show?.(run);
      if (isCompleted(run)) return finish(opts, run);
    }
    if (timedOut) {
      const status = last ? runStatus(last) : 'unknown';
      throw new CommandError(
        `timed out after ${formatTimeout(opts.timeoutMs)} waiting for workflowrun "${opts.name}" (status: ${status})`,
      );
    }
    throw new CommandError(`workflowrun "${opts.name}" was deleted while waiting for it`);
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

async function progressView(opts: WaitForRunOptions): Promise<(run: WorkflowRunObject) => void> {
  const { renderProgress, runProgressView } = await import('../render/progress.ts');
  return runProgressView(opts.io, (run) => renderProgress(run, { now: opts.clock(), color: opts.io.color }));
}

function finish(opts: WaitForRunOptions, run: WorkflowRunObject): number {
  const succeeded = isSucceeded(run);
  if (!opts.quiet) {
    const message = succeeded ? undefined : failureMessage(run);
    opts.io.stdout.write(`${qualifiedName(opts.name)} ${runStatus(run)}${message ? `: ${message}` : ''}\n`);
  }
  if (opts.for === 'completed') return EXIT_OK;
  return succeeded ? EXIT_OK : EXIT_FAILURE;
}

function failureMessage(run: WorkflowRunObject): string | undefined {
  const condition = findCondition(run, isFailed(run) ? WORKFLOW_FAILED : WORKFLOW_COMPLETED);
  const message = condition?.message;
  return typeof message === 'string' && message !== '' ? message.split('\n', 1)[0] : undefined;
}

function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
