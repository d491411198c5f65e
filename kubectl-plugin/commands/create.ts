// `kubectl workflowrun create WORKFLOW [NAME]`: builds a run from flags and files, defaults and validates it with
// the Workflow's own schema, and only then sends it, so every problem is listed at once before anything is stored.
import { Option, type Command } from 'commander';
import {
  type JSONObject,
  type JSONValue,
  type UnknownParameterPolicy,
  type WorkflowKind,
  type WorkflowRunObject,
  API_VERSION,
  DISPLAY_NAME_ANNOTATION,
  isPlainObject,
  setOwn,
  InputError,
  formatFieldErrors,
} from '../../core/index.ts';
import { CommandError, EXIT_FAILURE, EXIT_OK, UsageError } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import { qualifiedName, printObject } from '../cmdutil/printers.ts';
import { readSource } from '../cmdutil/input.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { clusterWorkflowKind, describeWorkflowRef, getWorkflow, workflowRef } from '../objects.ts';
import { collectRepeated, kindOption, parseTimeout, unknownParametersOption } from '../cmdutil/flags.ts';
import type { KubeClient } from '../kube.ts';
import { applySetFlags, deepMerge } from '../set-values.ts';
import { POLL_INTERVAL_MS, waitForRun } from './wait.ts';

const DRY_RUN = ['none', 'client', 'server'] as const;
const OUTPUTS = ['yaml', 'json', 'name'] as const;

export interface CreateOptions {
  io: IOStreams;
  clock: () => Date;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  /** The Workflow to run; may come from `-f` instead. */
  workflow?: string;
  name?: string;
  kind?: WorkflowKind;
  /** `--generate-name`: true for the default prefix `<workflow>-`, or the prefix given. */
  generateName?: string | true;
  set: string[];
  valuesFiles: string[];
  file?: string;
  displayName?: string;
  dryRun: (typeof DRY_RUN)[number];
  output?: (typeof OUTPUTS)[number];
  unknownParameters?: UnknownParameterPolicy;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
}

interface CreateFlags {
  kind?: string;
  generateName?: string | true;
  set?: string[];
  values?: string[];
  filename?: string;
  displayName?: string;
  dryRun: string;
  output?: string;
  unknownParameters?: string;
  wait?: boolean;
  timeout?: string;
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
    )
    .option('-p, --set <path=value>', 'set a parameter (repeatable)', collectRepeated)
    .option('--values <file>', 'YAML/JSON map of parameters (repeatable, later files win)', collectRepeated)
    .option('-f, --filename <file>', 'a WorkflowRun manifest to start from (- for stdin)')
    .option('--display-name <text>', 'human-readable name (annotation openchoreo.dev/display-name)')
    .addOption(
      new Option('--dry-run <strategy>', 'client: check only; server: also run admission, store nothing')
        .choices(DRY_RUN)
        .default('none'),
    )
    .addOption(
      new Option('-o, --output <format>', 'print the run instead of a one-line result').choices(OUTPUTS),
    )
    .addOption(unknownParametersOption())
    .option('--wait', 'wait for the run to complete; exit code as for wait')
    .option('--timeout <duration>', 'with --wait: give up after this long; 0 waits forever', '0');
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([workflow, name], cmd: Command): CreateOptions => {
      const flags = cmd.opts<CreateFlags>();
      const connection = connectionOptions(cmd);
      const options: CreateOptions = {
        ...clusterDependencies(factory, connection),
        set: flags.set ?? [],
        valuesFiles: flags.values ?? [],
        dryRun: flags.dryRun as CreateOptions['dryRun'],
        wait: flags.wait === true,
        timeoutMs: parseTimeout(flags.timeout ?? '0'),
        pollIntervalMs: POLL_INTERVAL_MS,
        ...definedEntries({
          workflow,
          name,
          kind: flags.kind as WorkflowKind | undefined,
          generateName: flags.generateName,
          file: flags.filename,
          displayName: flags.displayName,
          output: flags.output as CreateOptions['output'],
          unknownParameters: flags.unknownParameters as UnknownParameterPolicy | undefined,
        }),
      };
      if (options.name !== undefined && options.generateName !== undefined) {
        throw new UsageError('give NAME or --generate-name, not both');
      }
      if (options.wait && options.dryRun !== 'none')
        throw new UsageError('--wait cannot be used with --dry-run');
      if (flags.timeout !== '0' && !options.wait) throw new UsageError('--timeout only applies with --wait');
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
  const core = import('../../core/engine.ts');
  core.catch(() => undefined);
  const base = opts.file === undefined ? undefined : await readBaseRun(opts.file, opts.io);
  const parameters = await assembleParameters(opts, base);
  const workflowName = opts.workflow ?? base?.spec?.workflow?.name;
  if (!workflowName)
    throw new UsageError(`${opts.file}: spec.workflow.name is missing; give the WORKFLOW to run`);

  const kube = await opts.kube();
  const namespace = opts.connection.namespace ?? base?.metadata?.namespace ?? kube.defaultNamespace;
  const { kind, omitKind } = await clusterWorkflowKind(kube, opts.kind ?? base?.spec?.workflow?.kind);
  const ref = workflowRef(kind, workflowName, namespace);
  const run = buildRun(opts, base, { workflowName, kind, omitKind, namespace, parameters });

  const { compileWorkflow, prepareRun } = await core;
  const workflow = await getWorkflow(kube, ref);
  const compiled = compileWorkflow(workflow);
  const prepared = prepareRun(
    run,
    workflow,
    compiled,
    opts.unknownParameters ? { unknownParameters: opts.unknownParameters } : {},
  );
  for (const warning of prepared.warnings) opts.io.stderr.write(`Warning: ${warning}\n`);
  if (prepared.errors.length > 0) {
    opts.io.stderr.write(
      `error: the parameters do not match ${describeWorkflowRef(ref)}; nothing was sent:\n` +
        `${formatFieldErrors(prepared.errors, '  ')}\n`,
    );
    return EXIT_FAILURE;
  }

  let result: WorkflowRunObject = prepared.object;
  if (opts.dryRun !== 'client') {
    const body = prepared.object as JSONObject;
    result = (await kube.create({
      plural: 'workflowruns',
      namespace,
      body,
      ...(opts.dryRun === 'server' ? { dryRun: true } : {}),
    })) as WorkflowRunObject;
  }
  await report(opts, result);
  if (!opts.wait) return EXIT_OK;
  const createdName = result.metadata?.name;
  if (!createdName) throw new CommandError('the server returned the run without a name; cannot wait for it');
  return waitForRun({
    io: opts.io,
    kube,
    namespace,
    name: createdName,
    for: 'succeeded',
    timeoutMs: opts.timeoutMs,
    pollIntervalMs: opts.pollIntervalMs,
  });
}

async function report(opts: CreateOptions, run: WorkflowRunObject): Promise<void> {
  const name = run.metadata?.name ?? run.metadata?.generateName ?? '';
  if (opts.output === 'yaml' || opts.output === 'json') return printObject(opts.io, run, opts.output);
  if (opts.output === 'name') {
    opts.io.stdout.write(`${qualifiedName(name)}\n`);
    return;
  }
  const suffix =
    opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
  opts.io.stdout.write(`${qualifiedName(name)} created${suffix}\n`);
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

async function assembleParameters(
  opts: CreateOptions,
  base: WorkflowRunObject | undefined,
): Promise<JSONObject> {
  let parameters: JSONObject = base?.spec?.workflow?.parameters ?? {};
  if (opts.valuesFiles.length > 0) {
    const { parseDocuments } = await import('../../core/engine.ts');
    for (const file of opts.valuesFiles) {
      const documents = parseDocuments(await readSource(file, opts.io), file).filter((doc) => doc !== null);
      if (documents.length > 1)
        throw new InputError(`${file}: expected one map of parameters, found ${documents.length} documents`);
      const values: JSONValue = documents[0] ?? {};
      if (!isPlainObject(values))
        throw new InputError(`${file}: expected a map of parameters, found ${typeName(values)}`);
      parameters = deepMerge(parameters, values);
    }
  }
  return applySetFlags(parameters, opts.set);
}

function typeName(value: JSONValue): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
}

/** Server-owned fields of a manifest that must not be sent back on create. */
const IDENTITY_METADATA = ['name', 'generateName', 'namespace'];
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
];

function buildRun(
  opts: CreateOptions,
  base: WorkflowRunObject | undefined,
  target: {
    workflowName: string;
    kind: WorkflowKind;
    omitKind: boolean;
    namespace: string;
    parameters: JSONObject;
  },
): WorkflowRunObject {
  const name = opts.name ?? (opts.generateName === undefined ? base?.metadata?.name : undefined);
  const generateName =
    typeof opts.generateName === 'string'
      ? opts.generateName
      : (base?.metadata?.generateName ?? `${target.workflowName}-`);
  const metadata: JSONObject = name !== undefined ? { name } : { generateName };
  metadata.namespace = target.namespace;
  // The rest of the manifest's metadata (labels, annotations, ...) is kept; what the server owns is not sent.
  for (const [key, value] of Object.entries((base?.metadata ?? {}) as JSONObject)) {
    if (!IDENTITY_METADATA.includes(key) && !SERVER_METADATA.includes(key)) setOwn(metadata, key, value);
  }
  if (opts.displayName !== undefined) {
    metadata.annotations = {
      ...(base?.metadata?.annotations ?? {}),
      [DISPLAY_NAME_ANNOTATION]: opts.displayName,
    };
  }
  const workflow: NonNullable<NonNullable<WorkflowRunObject['spec']>['workflow']> = {
    ...(target.omitKind ? {} : { kind: target.kind }),
    name: target.workflowName,
    parameters: target.parameters,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'WorkflowRun',
    metadata: metadata as WorkflowRunObject['metadata'],
    spec: { ...(base?.spec ?? {}), workflow },
  };
}
