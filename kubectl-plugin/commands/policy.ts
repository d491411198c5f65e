// `kubectl workflowrun policy WORKFLOW | --all`: the ValidatingAdmissionPolicies (and bindings) that make the API
// server itself check runs against a Workflow's parameter schema, printed as YAML for `kubectl apply -f -` or a
// GitOps repository. With --workflow-file nothing is read from a cluster.
import type { Command } from 'commander';
import {
  InputError,
  SchemaError,
  type UnknownParameterPolicy,
  type WorkflowKind,
  type WorkflowObject,
} from '../../core/index.ts';
import { newCommand, setAction } from '../cmdutil/command.ts';
import {
  addConnectionFlags,
  clusterDependencies,
  connectionOptions,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { CommandError, EXIT_OK, UsageError } from '../cmdutil/errors.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { collectRepeated, kindOption, unknownParametersOption } from '../cmdutil/flags.ts';
import { readSource } from '../cmdutil/input.ts';
import { printObject } from '../cmdutil/printers.ts';
import type { KubeClient } from '../kube.ts';
import { clusterWorkflowKind, getWorkflow, workflowRef } from '../objects.ts';
import { objectsIn } from './validate.ts';

export interface PolicyCommandOptions {
  io: IOStreams;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  /** Undefined with --all. */
  workflow?: string;
  kind?: WorkflowKind;
  workflowFiles: string[];
  unknownParameters?: UnknownParameterPolicy;
}

interface PolicyFlags {
  kind?: string;
  all?: boolean;
  workflowFile?: string[];
  unknownParameters?: string;
}

export function newPolicyCommand(
  factory: Factory,
  runF?: (opts: PolicyCommandOptions) => Promise<number>,
): Command {
  const command = newCommand('policy', factory)
    .summary("Print the ValidatingAdmissionPolicy that enforces a Workflow's schema without the webhook")
    .description(
      'Print, as YAML for kubectl apply, the ValidatingAdmissionPolicy and binding with which the API server itself ' +
        "checks WorkflowRuns against a Workflow's parameter schema, so runs stay checked while the webhook is " +
        'down. --all prints them for every Workflow and ClusterWorkflow, plus the policy that denies runs naming ' +
        'a Workflow that does not exist.\n\n' +
        'With --workflow-file the Workflows come from files and no cluster is contacted. What a policy cannot ' +
        'check in CEL is listed on stderr and in its workflowrun.openchoreo.dev/not-enforced annotation.',
    )
    .argument('[workflow]', 'name of the Workflow or ClusterWorkflow')
    .addOption(kindOption())
    .option('--all', 'every Workflow and ClusterWorkflow, and the unknown-Workflow policy')
    .option(
      '--workflow-file <file>',
      'file with Workflow / ClusterWorkflow documents (repeatable); no cluster is read',
      collectRepeated,
    )
    .addOption(unknownParametersOption());
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([workflow], cmd: Command): PolicyCommandOptions => {
      const flags = cmd.opts<PolicyFlags>();
      if (flags.all === true && workflow !== undefined)
        throw new UsageError('give either a Workflow name or --all, not both');
      if (flags.all !== true && workflow === undefined)
        throw new UsageError('give the Workflow whose policy to print, or --all');
      const workflowFiles = flags.workflowFile ?? [];
      if (workflowFiles.includes('-')) throw new UsageError('--workflow-file cannot read stdin; give a file');
      const connection = connectionOptions(cmd);
      const options: PolicyCommandOptions = { ...clusterDependencies(factory, connection), workflowFiles };
      if (workflow !== undefined) options.workflow = workflow;
      if (flags.kind !== undefined) options.kind = flags.kind as WorkflowKind;
      if (flags.unknownParameters !== undefined)
        options.unknownParameters = flags.unknownParameters as UnknownParameterPolicy;
      return options;
    },
    runPolicy,
    runF,
  );
}

export async function runPolicy(opts: PolicyCommandOptions): Promise<number> {
  const core = await import('../../core/engine.ts');
  const workflows =
    opts.workflowFiles.length > 0 ? await workflowsFromFiles(opts) : await workflowsFromCluster(opts);
  const policyOptions = opts.unknownParameters ? { unknownParameters: opts.unknownParameters } : {};
  const objects: object[] = [];
  const enforced: WorkflowObject[] = [];
  for (const workflow of workflows) {
    let generated: ReturnType<typeof core.workflowPolicy>;
    try {
      generated = core.workflowPolicy(workflow, policyOptions);
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      // The webhook denies runs of a Workflow whose schema does not compile; so does the unknown-Workflow policy.
      if (opts.workflow !== undefined) throw new CommandError(error.message);
      opts.io.stderr.write(`warning: ${error.message}; its runs are denied as naming no usable Workflow\n`);
      continue;
    }
    enforced.push(workflow);
    objects.push(generated.policy, generated.binding);
    const name = (generated.policy.metadata as { name: string }).name;
    for (const { field, keyword, reason } of generated.uncovered)
      opts.io.stderr.write(`warning: ${name} does not enforce ${keyword} at ${field}: ${reason}\n`);
  }
  if (opts.workflow === undefined) {
    const unknown = core.unknownWorkflowsPolicy(enforced);
    objects.push(unknown.policy, unknown.binding);
  }
  // Everything is generated before anything is printed, so a failure never leaves half a stream to apply.
  for (const object of objects) {
    opts.io.stdout.write('---\n');
    await printObject(opts.io, object, 'yaml');
  }
  return EXIT_OK;
}

async function workflowsFromFiles(opts: PolicyCommandOptions): Promise<WorkflowObject[]> {
  const { parseDocuments } = await import('../../core/engine.ts');
  const found: WorkflowObject[] = [];
  for (const file of opts.workflowFiles) {
    const before = found.length;
    for (const object of objectsIn(parseDocuments(await readSource(file, opts.io), file), file)) {
      if (object.kind === 'Workflow' || object.kind === 'ClusterWorkflow') {
        const workflow = object as WorkflowObject;
        if (workflow.kind === 'Workflow' && !workflow.metadata?.namespace) {
          workflow.metadata = { ...workflow.metadata, namespace: opts.connection.namespace ?? 'default' };
        }
        found.push(workflow);
      }
    }
    if (found.length === before) throw new InputError(`${file}: no Workflow or ClusterWorkflow in it`);
  }
  if (opts.workflow === undefined) return found;
  const matching = found.filter(
    (workflow) =>
      workflow.metadata?.name === opts.workflow &&
      (opts.kind === undefined || workflow.kind === opts.kind) &&
      (workflow.kind === 'ClusterWorkflow' ||
        opts.connection.namespace === undefined ||
        workflow.metadata?.namespace === opts.connection.namespace),
  );
  if (matching.length === 0) {
    throw new InputError(
      `no Workflow or ClusterWorkflow "${opts.workflow}" in ${opts.workflowFiles.join(', ')}`,
    );
  }
  if (matching.length > 1) {
    throw new UsageError(
      `"${opts.workflow}" names ${matching.length} Workflows in the files; say which with --kind and -n`,
    );
  }
  return matching;
}

async function workflowsFromCluster(opts: PolicyCommandOptions): Promise<WorkflowObject[]> {
  const kube = await opts.kube();
  if (opts.workflow !== undefined) {
    const { kind } = await clusterWorkflowKind(kube, opts.kind);
    const namespace = kind === 'Workflow' ? await resolveNamespace(opts.connection, opts.kube) : undefined;
    return [await getWorkflow(kube, workflowRef(kind, opts.workflow, namespace))];
  }
  const served = await kube.resources();
  const workflows: WorkflowObject[] = [];
  const plurals = served.has('clusterworkflows')
    ? (['workflows', 'clusterworkflows'] as const)
    : (['workflows'] as const);
  for (const plural of plurals) {
    const list = await kube.list({ plural });
    for (const item of list.items) {
      const workflow = item as WorkflowObject;
      // List items carry no kind; the resource says which.
      workflows.push({ ...workflow, kind: plural === 'workflows' ? 'Workflow' : 'ClusterWorkflow' });
    }
  }
  return workflows;
}
