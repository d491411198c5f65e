// `kubectl workflowrun rerun RUN [NAME]`: a new run of RUN's Workflow with RUN's parameters, as `tkn ... start
// --last` and `argo resubmit` do. The parameters RUN got from defaults are left to the current Workflow to fill in
// again (unless --keep-defaults; see parameter-defaults.ts for how they are told); --set, --values and --display-name override; the rest is as `create`.
import type { Command } from 'commander';
import {
  DISPLAY_NAME_ANNOTATION,
  isPlainObject,
  type JSONObject,
  type WorkflowKind,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import { CommandError, UsageError } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  clusterDependencies,
  connectionOptions,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import type { Factory } from '../cmdutil/factory.ts';
import { parseWorkflowFilter } from '../cmdutil/flags.ts';
import type { KubeClient } from '../kube.ts';
import { getRun, getWorkflow, storedWorkflowRef } from '../objects.ts';
import {
  DEFAULTED_PARAMETERS_ANNOTATION,
  recordedDefaults,
  withoutPaths,
  withoutSchemaDefaults,
} from '../parameter-defaults.ts';
import { parameterSchema } from '../parameter-schema.ts';
import { matchesWorkflow, type WorkflowFilter } from '../run-filter.ts';
import {
  addStartRunFlags,
  assembleParameters,
  buildRun,
  startRunOptions,
  submitRun,
  type StartRunOptions,
} from '../start-run.ts';

export interface RerunOptions extends StartRunOptions {
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  /** The run to start again; absent with `last`. */
  run?: string;
  /** `--last`: the newest run (of `workflow`, when given) in the namespace. */
  last: boolean;
  workflow?: WorkflowFilter;
  /** The new run's name; else generated from the Workflow's name. */
  name?: string;
  keepDefaults: boolean;
}

interface RerunFlags {
  last?: boolean;
  workflow?: string;
  keepDefaults?: boolean;
}

/** Annotations that describe the run they are on, not the next one. */
const OLD_RUN_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  DEFAULTED_PARAMETERS_ANNOTATION,
];

export function newRerunCommand(factory: Factory, runF?: (opts: RerunOptions) => Promise<number>): Command {
  const command = newCommand('rerun', factory)
    .summary("Start a WorkflowRun again with another run's parameters")
    .description(
      "Start a new run of RUN's Workflow with RUN's parameters. The parameters RUN got from the Workflow's " +
        'defaults (those describe marks "(default)") are defaulted again from the Workflow as it is now; ' +
        '--keep-defaults copies them instead. --set, --values and --display-name override, and the rest is as ' +
        'for create: checked before anything is sent, --dry-run, -o, --wait.\n\n' +
        'With --last, the newest run in the namespace (of --workflow, when given) is the one started again, and ' +
        'the only argument, if any, is NAME.',
    )
    .argument('[run]', 'name of the WorkflowRun to start again (not with --last)')
    .argument('[name]', 'name of the new run (default: generated from the Workflow name)')
    .option('--last', 'start the newest run again')
    .option('--workflow <name>', 'with --last: the newest run of this Workflow (NAME or KIND/NAME)');
  addStartRunFlags(command, (between) =>
    between.option(
      '--keep-defaults',
      'copy the parameters RUN got from defaults instead of defaulting again',
    ),
  );
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([first, second], cmd: Command): RerunOptions => {
      const flags = cmd.opts<RerunFlags>();
      const last = flags.last === true;
      if (last && second !== undefined) throw new UsageError('with --last, give at most NAME');
      if (!last && first === undefined) throw new UsageError('give the RUN to start again, or --last');
      if (!last && flags.workflow !== undefined) throw new UsageError('--workflow only applies with --last');
      return {
        ...clusterDependencies(factory, connectionOptions(cmd)),
        ...startRunOptions(cmd),
        last,
        keepDefaults: flags.keepDefaults === true,
        ...definedEntries({
          run: last ? undefined : first,
          name: last ? first : second,
          workflow: flags.workflow === undefined ? undefined : parseWorkflowFilter(flags.workflow),
        }),
      };
    },
    runRerun,
    runF,
  );
}

export async function runRerun(opts: RerunOptions): Promise<number> {
  const namespace = await resolveNamespace(opts.connection, opts.kube);
  const kube = await opts.kube();
  const previous = opts.last
    ? await newestRun(opts, kube, namespace)
    : await getRun(kube, namespace, opts.run!);
  const previousName = previous.metadata?.name ?? '';
  const ref = storedWorkflowRef(previous);
  if (!ref)
    throw new CommandError(`workflowrun "${previousName}" names no Workflow; there is nothing to run again`);
  const workflow = await getWorkflow(kube, ref);

  const stored = previous.spec?.workflow?.parameters;
  const given = isPlainObject(stored) ? stored : {};
  const parameters = await assembleParameters(
    opts,
    opts.keepDefaults ? given : await withoutDefaults(previous, given, workflow),
  );
  const { displayNameFor } = await import('../../core/engine.ts');
  const run = buildRun(opts, carriedOver(previous, displayNameFor(previous, workflow)), {
    workflowName: ref.name,
    kind: ref.kind as WorkflowKind,
    omitKind: previous.spec?.workflow?.kind === undefined,
    namespace,
    parameters,
    ...definedEntries({ name: opts.name }),
  });
  return submitRun(opts, kube, ref, run, workflow);
}

/** What of the previous run the new one starts from: its labels, annotations and spec, not its identity. */
function carriedOver(previous: WorkflowRunObject, derivedDisplayName: string): WorkflowRunObject {
  const annotations: Record<string, string> = { ...(previous.metadata?.annotations ?? {}) };
  for (const key of OLD_RUN_ANNOTATIONS) delete annotations[key];
  // A display name the webhook derived names the previous run; the new run gets its own.
  if (annotations[DISPLAY_NAME_ANNOTATION] === derivedDisplayName)
    delete annotations[DISPLAY_NAME_ANNOTATION];
  const metadata: NonNullable<WorkflowRunObject['metadata']> = {};
  if (previous.metadata?.labels) metadata.labels = previous.metadata.labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { metadata, ...(previous.spec ? { spec: previous.spec as JSONObject } : {}) } as WorkflowRunObject;
}

/** The previous run's parameters without those it got from defaults: as recorded, else by the schema's rule. */
async function withoutDefaults(
  previous: WorkflowRunObject,
  parameters: JSONObject,
  workflow: WorkflowObject,
): Promise<JSONObject> {
  const recorded = recordedDefaults(previous);
  if (recorded) return withoutPaths(parameters, recorded);
  const schema = await parameterSchema(workflow);
  return schema ? withoutSchemaDefaults(parameters, schema) : parameters;
}

async function newestRun(
  opts: RerunOptions,
  kube: KubeClient,
  namespace: string,
): Promise<WorkflowRunObject> {
  const { items } = await kube.list({ plural: 'workflowruns', namespace });
  const runs = (items as WorkflowRunObject[]).filter((run) => matchesWorkflow(run, opts.workflow));
  const { sortNewestFirst } = await import('../render/list.ts');
  const newest = sortNewestFirst(runs)[0];
  if (!newest) {
    const of = opts.workflow ? ` of ${opts.workflow.kind ?? 'Workflow'} "${opts.workflow.name}"` : '';
    throw new CommandError(`no workflowrun${of} in namespace "${namespace}" to start again`);
  }
  return newest;
}
