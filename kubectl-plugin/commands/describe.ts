// `kubectl workflowrun describe NAME`: one run in the kubectl describe / tkn style, with parameters that came from
// the Workflow's defaults marked when the Workflow can be read. With --watch it follows the run until it completes,
// as `argo watch` does: redrawn in place on a terminal, one line per change elsewhere.
import type { Command } from 'commander';
import {
  isCompleted,
  isPlainObject,
  type JSONSchema,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { CommandError, EXIT_OK } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { getRun, storedWorkflowRef } from '../objects.ts';
import { recordedDefaults, recordedDefaultsSchema } from '../parameter-defaults.ts';
import { parameterSchema } from '../parameter-schema.ts';
import type { KubeClient } from '../kube.ts';
import { POLL_INTERVAL_MS, observeRun } from '../observe-run.ts';

export interface DescribeOptions {
  io: IOStreams;
  clock: () => Date;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  name: string;
  /** `--watch`: follow the run until it completes. */
  watch?: true;
  pollIntervalMs?: number;
}

export function newDescribeCommand(
  factory: Factory,
  runF?: (opts: DescribeOptions) => Promise<number>,
): Command {
  const command = newCommand('describe', factory)
    .description('Show a WorkflowRun: summary, parameters, conditions, tasks and what it created')
    .argument('<name>', 'name of the WorkflowRun')
    .option(
      '-w, --watch',
      'follow the run until it completes (redrawn on a terminal, a line per change otherwise)',
    );
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([name], cmd: Command): DescribeOptions => {
      const connection = connectionOptions(cmd);
      return {
        ...clusterDependencies(factory, connection),
        name: name!,
        ...definedEntries({ watch: cmd.opts<{ watch?: boolean }>().watch ? (true as const) : undefined }),
      };
    },
    runDescribe,
    runF,
  );
}

export async function runDescribe(opts: DescribeOptions): Promise<number> {
  // The renderer loads while the run is fetched. The core's validator (ajv) is never loaded: describe only needs
  // the Workflow's schema, to mark defaults, and start-up time is what this command is measured on.
  const renderer = import('../render/describe.ts');
  renderer.catch(() => undefined);
  const namespace = await resolveNamespace(opts.connection, opts.kube);
  const run = await getRun(await opts.kube(), namespace, opts.name);
  const workflow = await readableWorkflowSchema(opts, run);
  const { renderDescribe } = await renderer;
  const render = (state: WorkflowRunObject) =>
    renderDescribe(state, { now: opts.clock(), color: opts.io.color, workflow });
  if (!opts.watch) {
    opts.io.stdout.write(render(run));
    return EXIT_OK;
  }
  return watchRun(opts, namespace, render);
}

/** Redraws (terminal) or prints a line per change (elsewhere) until the run completes; exit 0 then. */
async function watchRun(
  opts: DescribeOptions,
  namespace: string,
  render: (run: WorkflowRunObject) => string,
): Promise<number> {
  const { runProgressView } = await import('../render/progress.ts');
  const show = runProgressView(opts.io, render);
  const stop = new AbortController();
  try {
    const observed = { kube: await opts.kube(), namespace, name: opts.name };
    for await (const run of observeRun(
      { ...observed, pollIntervalMs: opts.pollIntervalMs ?? POLL_INTERVAL_MS },
      stop.signal,
    )) {
      show(run);
      if (isCompleted(run)) return EXIT_OK;
    }
    throw new CommandError(`workflowrun "${opts.name}" was deleted while watching it`);
  } finally {
    stop.abort();
  }
}

/**
 * What marks the defaulted parameters: for a run the plugin started, the paths it recorded (no Workflow read, no
 * schema converted: describe's start-up is what it is measured on); otherwise the parameter schema of the run's
 * Workflow, or undefined when it cannot be read (deleted, forbidden, broken schema): describe then shows the
 * parameters without marking defaults rather than failing.
 */
async function readableWorkflowSchema(
  opts: DescribeOptions,
  run: WorkflowRunObject,
): Promise<{ schema: JSONSchema } | undefined> {
  const recorded = recordedDefaults(run);
  const parameters = run.spec?.workflow?.parameters;
  if (recorded && isPlainObject(parameters)) return { schema: recordedDefaultsSchema(parameters, recorded) };
  try {
    const reference = storedWorkflowRef(run);
    if (!reference) return undefined;
    const workflow = (await (await opts.kube()).get(reference)) as WorkflowObject;
    const schema = await parameterSchema(workflow);
    return schema ? { schema } : undefined;
  } catch {
    return undefined;
  }
}
