// `kubectl workflowrun list`: runs as a kubectl get table, newest first, or as objects for scripts.
import { Option, type Command } from 'commander';
import type { JSONObject, WorkflowRunObject } from '../../core/index.ts';
import { EXIT_OK, UsageError } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import { qualifiedName, asList, printObject } from '../cmdutil/printers.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { parseWorkflowFilter } from '../cmdutil/flags.ts';
import type { KubeClient } from '../kube.ts';
import { matchesWorkflow, type WorkflowFilter } from '../run-filter.ts';

const OUTPUTS = ['wide', 'json', 'yaml', 'name'] as const;
type ListOutput = (typeof OUTPUTS)[number];

export interface ListOptions {
  io: IOStreams;
  clock: () => Date;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  labelSelector?: string;
  /** Only runs of this Workflow: `NAME` or `KIND/NAME`. */
  workflow?: WorkflowFilter;
  output?: ListOutput;
}

interface ListFlags {
  selector?: string;
  workflow?: string;
  output?: string;
}

export function newListCommand(factory: Factory, runF?: (opts: ListOptions) => Promise<number>): Command {
  const command = newCommand('list', factory)
    .alias('ls')
    .description('List WorkflowRuns, newest first')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option(
      '--workflow <name>',
      'only runs of this Workflow (NAME, or KIND/NAME such as ClusterWorkflow/docker-build)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUTS));
  addConnectionFlags(command, { allNamespaces: true });
  return setAction(
    command,
    factory,
    (_args, cmd: Command): ListOptions => {
      const flags = cmd.opts<ListFlags>();
      const connection = connectionOptions(cmd);
      if (connection.allNamespaces && connection.namespace !== undefined) {
        throw new UsageError('--namespace and --all-namespaces cannot be used together');
      }
      return {
        ...clusterDependencies(factory, connection),
        ...definedEntries({
          labelSelector: flags.selector,
          workflow: flags.workflow === undefined ? undefined : parseWorkflowFilter(flags.workflow),
          output: flags.output as ListOutput | undefined,
        }),
      };
    },
    runList,
    runF,
  );
}

export async function runList(opts: ListOptions): Promise<number> {
  const allNamespaces = opts.connection.allNamespaces === true;
  const namespace = allNamespaces ? undefined : await resolveNamespace(opts.connection, opts.kube);
  const renderModule = import('../render/list.ts');
  renderModule.catch(() => undefined);
  const kube = await opts.kube();
  const request: Parameters<KubeClient['list']>[0] = { plural: 'workflowruns' };
  if (namespace !== undefined) request.namespace = namespace;
  if (opts.labelSelector !== undefined) request.labelSelector = opts.labelSelector;
  const { items } = await kube.list(request);
  const runs = (items as WorkflowRunObject[]).filter((run) => matchesWorkflow(run, opts.workflow));
  const { renderList, noResourcesMessage, sortNewestFirst } = await renderModule;

  if (opts.output === 'json' || opts.output === 'yaml') {
    await printObject(opts.io, asList(sortNewestFirst(runs) as JSONObject[]), opts.output);
    return EXIT_OK;
  }
  if (opts.output === 'name') {
    opts.io.stdout.write(
      sortNewestFirst(runs)
        .map((run) => `${qualifiedName(run.metadata?.name ?? '')}\n`)
        .join(''),
    );
    return EXIT_OK;
  }
  if (runs.length === 0) {
    opts.io.stderr.write(`${noResourcesMessage(namespace, allNamespaces)}\n`);
    return EXIT_OK;
  }
  opts.io.stdout.write(
    renderList(runs, {
      now: opts.clock(),
      wide: opts.output === 'wide',
      allNamespaces,
      color: opts.io.color,
    }),
  );
  return EXIT_OK;
}
