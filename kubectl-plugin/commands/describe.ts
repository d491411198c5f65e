// `kubectl workflowrun describe NAME`: one run in the kubectl describe / tkn style, with parameters that came from
// the Workflow's defaults marked when the Workflow can be read.
import type { Command } from 'commander';
import type { WorkflowObject, WorkflowRunObject } from '../../core/types.ts';
import type { CompiledWorkflow } from '../../core/workflow.ts';
import {
  EXIT_OK,
  addConnectionFlags,
  connectionOptions,
  lazyKube,
  newCommand,
  resolveNamespace,
  setAction,
} from '../factory.ts';
import type { ConnectionOptions, Factory, IOStreams } from '../factory.ts';
import type { KubeClient } from '../kube.ts';
import { getRun, workflowRefOf } from './shared.ts';

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
        io: factory.io,
        clock: factory.clock,
        kube: lazyKube(factory, connection),
        connection,
        name: name!,
      };
    },
    runDescribe,
    runF,
  );
}

export async function runDescribe(opts: DescribeOptions): Promise<number> {
  // The renderer and the core (schema conversion) load while the run is fetched.
  const modules = Promise.all([import('../render/describe.ts'), import('../../core/index.ts')]);
  modules.catch(() => undefined);
  const namespace = await resolveNamespace(opts.connection, opts.kube);
  const run = await getRun(await opts.kube(), namespace, opts.name);
  const [{ renderDescribe }, core] = await modules;
  const workflow = await readableWorkflow(opts, run, core);
  opts.io.stdout.write(renderDescribe(run, { now: opts.clock(), color: opts.io.color, workflow }));
  return EXIT_OK;
}

/**
 * The run's Workflow compiled, or undefined when it cannot be read (deleted, forbidden, broken schema): describe
 * then shows the parameters without marking defaults rather than failing.
 */
async function readableWorkflow(
  opts: DescribeOptions,
  run: WorkflowRunObject,
  core: typeof import('../../core/index.ts'),
): Promise<CompiledWorkflow | undefined> {
  try {
    const reference = workflowRefOf(run, core);
    if (!reference) return undefined;
    const workflow = (await (await opts.kube()).get(reference)) as WorkflowObject;
    return core.compileWorkflow(workflow);
  } catch {
    return undefined;
  }
}
