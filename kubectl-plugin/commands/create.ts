// `kubectl workflowrun create WORKFLOW [NAME]`: builds a run from flags and files, defaults and validates it with
// the Workflow's own schema, and only then sends it, so every problem is listed at once before anything is stored.
import type { Command } from 'commander';
import { InputError, isPlainObject, type WorkflowKind, type WorkflowRunObject } from '../../core/index.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import { UsageError } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  clusterDependencies,
  connectionOptions,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { kindOption } from '../cmdutil/flags.ts';
import { readSource } from '../cmdutil/input.ts';
import type { KubeClient } from '../kube.ts';
import { clusterWorkflowKind, workflowRef } from '../objects.ts';
import {
  addStartRunFlags,
  assembleParameters,
  buildRun,
  startRunOptions,
  submitRun,
  type StartRunOptions,
} from '../start-run.ts';

export interface CreateOptions extends StartRunOptions {
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  /** The Workflow to run; may come from `-f` instead. */
  workflow?: string;
  name?: string;
  kind?: WorkflowKind;
  /** `--generate-name`: true for the default prefix `<workflow>-`, or the prefix given. */
  generateName?: string | true;
  file?: string;
}

interface CreateFlags {
  kind?: string;
  generateName?: string | true;
  filename?: string;
}

export function newCreateCommand(factory: Factory, runF?: (opts: CreateOptions) => Promise<number>): Command {
  const command = newCommand('create', factory)
    .summary('Start a WorkflowRun, its parameters checked before anything is sent')
    .description(
      "Start a WorkflowRun of WORKFLOW. The parameters are defaulted and checked against the Workflow's schema " +
        'first; when any is wrong, every problem is listed and nothing is sent.\n\n' +
        'Parameters come in layers, lowest first: -f RUN.yaml, then each --values file, then each --set. ' +
        '--set values are typed as JSON types them: 3 is a number, true a boolean, \'"3"\' the string 3, [1,2] a ' +
        'list, and anything that is not JSON a string. Paths use dots and list indexes ' +
        '(repository.revision.branch=main, tags[0]=x); a backslash escapes a dot inside a key.',
    )
    .argument('[workflow]', 'name of the Workflow or ClusterWorkflow (optional with -f)')
    .argument('[name]', 'name of the new run (default: generated from the Workflow name)')
    .addOption(kindOption())
    .option(
      '--generate-name [prefix]',
      'let the server pick a unique name with this prefix (default when NAME is absent)',
    );
  addStartRunFlags(command, (between) =>
    between.option('-f, --filename <file>', 'a WorkflowRun manifest to start from (- for stdin)'),
  );
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([workflow, name], cmd: Command): CreateOptions => {
      const flags = cmd.opts<CreateFlags>();
      const connection = connectionOptions(cmd);
      const options: CreateOptions = {
        ...clusterDependencies(factory, connection),
        ...startRunOptions(cmd),
        ...definedEntries({
          workflow,
          name,
          kind: flags.kind as WorkflowKind | undefined,
          generateName: flags.generateName,
          file: flags.filename,
        }),
      };
      if (options.name !== undefined && options.generateName !== undefined) {
        throw new UsageError('give NAME or --generate-name, not both');
      }
      if (options.workflow === undefined && options.file === undefined) {
        throw new UsageError('give the WORKFLOW to run, or -f with a WorkflowRun manifest');
      }
      return options;
    },
    runCreate,
    runF,
  );
}

export async function runCreate(opts: CreateOptions): Promise<number> {
  // The core's engine loads while the files are read and the cluster asked.
  import('../../core/engine.ts').catch(() => undefined);
  const base = opts.file === undefined ? undefined : await readBaseRun(opts.file, opts.io);
  const parameters = await assembleParameters(opts, base?.spec?.workflow?.parameters ?? {});
  const workflowName = opts.workflow ?? base?.spec?.workflow?.name;
  if (!workflowName)
    throw new UsageError(`${opts.file}: spec.workflow.name is missing; give the WORKFLOW to run`);

  const kube = await opts.kube();
  const namespace = opts.connection.namespace ?? base?.metadata?.namespace ?? kube.defaultNamespace;
  const { kind, omitKind } = await clusterWorkflowKind(kube, opts.kind ?? base?.spec?.workflow?.kind);
  const run = buildRun(opts, base, {
    workflowName,
    kind,
    omitKind,
    namespace,
    parameters,
    ...definedEntries({
      name: opts.name,
      generateName:
        opts.generateName === true ? (base?.metadata?.generateName ?? `${workflowName}-`) : opts.generateName,
    }),
  });
  return submitRun(opts, kube, workflowRef(kind, workflowName, namespace), run);
}

/** The `-f` manifest: exactly one WorkflowRun. */
async function readBaseRun(file: string, io: IOStreams): Promise<WorkflowRunObject> {
  const { parseDocuments } = await import('../../core/engine.ts');
  const documents = parseDocuments(await readSource(file, io), file).filter((doc) => doc !== null);
  if (documents.length !== 1 || !isPlainObject(documents[0])) {
    throw new InputError(`${file}: expected one WorkflowRun manifest, found ${documents.length} documents`);
  }
  const run = documents[0] as WorkflowRunObject;
  if (run.kind !== undefined && run.kind !== 'WorkflowRun') {
    throw new InputError(`${file}: expected a WorkflowRun, found kind ${JSON.stringify(run.kind)}`);
  }
  const parameters = run.spec?.workflow?.parameters;
  if (parameters !== undefined && !isPlainObject(parameters)) {
    throw new InputError(`${file}: spec.workflow.parameters must be a map`);
  }
  return run;
}
