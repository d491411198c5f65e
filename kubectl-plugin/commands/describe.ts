// `kubectl workflowrun describe NAME`: one run in the kubectl describe / tkn style, with parameters that came from
// the Workflow's defaults marked when the Workflow can be read.
import type { Command } from 'commander';
import type { JSONSchema, WorkflowObject, WorkflowRunObject } from '../../core/index.ts';
import { EXIT_OK } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { newCommand, setAction } from '../cmdutil/command.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { getRun, storedWorkflowRef } from '../objects.ts';
import { parameterSchema } from '../parameter-schema.ts';
import type { KubeClient } from '../kube.ts';

export interface DescribeOptions {
  io: IOStreams;
  clock: () => Date;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  name: string;
}

export function newDescribeCommand(
  factory: Factory,
  runF?: (opts: DescribeOptions) => Promise<number>,
): Command {
  const command = newCommand('describe', factory)
    .description('Show a WorkflowRun: summary, parameters, conditions, tasks and what it created')
    .argument('<name>', 'name of the WorkflowRun');
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([name], cmd: Command): DescribeOptions => {
      const connection = connectionOptions(cmd);
      return {
        ...clusterDependencies(factory, connection),
        name: name!,
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
  opts.io.stdout.write(renderDescribe(run, { now: opts.clock(), color: opts.io.color, workflow }));
  return EXIT_OK;
}

/**
 * The parameter schema of the run's Workflow, or undefined when it cannot be read (deleted, forbidden, broken
 * schema): describe then shows the parameters without marking defaults rather than failing.
 */
async function readableWorkflowSchema(
  opts: DescribeOptions,
  run: WorkflowRunObject,
): Promise<{ schema: JSONSchema } | undefined> {
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
