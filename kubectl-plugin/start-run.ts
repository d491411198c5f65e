// Starting a run, as `create` and `rerun` both do: the flags that shape the new run (--set, --values,
// --display-name, --dry-run, -o, --wait), the run built from them, then defaulted and checked with the Workflow's
// own schema and only then sent, so every problem is listed at once before anything is stored.
import { Option, type Command } from 'commander';
import {
  API_VERSION,
  DISPLAY_NAME_ANNOTATION,
  InputError,
  formatFieldErrors,
  isPlainObject,
  setOwn,
  type JSONObject,
  type JSONValue,
  type UnknownParameterPolicy,
  type WorkflowKind,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../core/index.ts';
import { definedEntries } from './cmdutil/command.ts';
import { CommandError, EXIT_FAILURE, EXIT_OK, UsageError } from './cmdutil/errors.ts';
import type { IOStreams } from './cmdutil/factory.ts';
import { collectRepeated, parseTimeout, unknownParametersOption } from './cmdutil/flags.ts';
import { readSource } from './cmdutil/input.ts';
import { printObject, qualifiedName } from './cmdutil/printers.ts';
import type { KubeClient } from './kube.ts';
import { describeWorkflowRef, getWorkflow, type WorkflowRef } from './objects.ts';
import { DEFAULTED_PARAMETERS_ANNOTATION, defaultedPaths } from './parameter-defaults.ts';
import { applySetFlags, deepMerge } from './set-values.ts';
import { waitForRun } from './commands/wait.ts';
import { POLL_INTERVAL_MS } from './observe-run.ts';

const DRY_RUN = ['none', 'client', 'server'] as const;
const OUTPUTS = ['yaml', 'json', 'name'] as const;

/** What the run-shaping flags parse to; the options of create and rerun start with these. */
export interface StartRunOptions {
  io: IOStreams;
  clock: () => Date;
  set: string[];
  valuesFiles: string[];
  displayName?: string;
  dryRun: (typeof DRY_RUN)[number];
  output?: (typeof OUTPUTS)[number];
  unknownParameters?: UnknownParameterPolicy;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  /** `--no-prompt`: never ask, even on a terminal. */
  noPrompt?: true;
  /** `--prompt-all`: on a terminal, also ask for each parameter with a default the user did not set. */
  promptAll?: true;
}

interface StartRunFlags {
  set?: string[];
  values?: string[];
  displayName?: string;
  dryRun: string;
  output?: string;
  unknownParameters?: string;
  wait?: boolean;
  timeout?: string;
  prompt: boolean;
  promptAll?: boolean;
}

/** Adds --set, --values, then `between` (the command's own flags), then --display-name to --timeout. */
export function addStartRunFlags(command: Command, between: (command: Command) => void = () => {}): Command {
  command
    .option('-p, --set <path=value>', 'set a parameter (repeatable)', collectRepeated)
    .option('--values <file>', 'YAML/JSON map of parameters (repeatable, later files win)', collectRepeated);
  between(command);
  return command
    .option('--display-name <text>', `human-readable name (annotation ${DISPLAY_NAME_ANNOTATION})`)
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
    .option('--timeout <duration>', 'with --wait: give up after this long; 0 waits forever', '0')
    .option('--no-prompt', 'never ask for missing parameters, even on a terminal')
    .option('--prompt-all', 'on a terminal, also ask for parameters that have a default, offering it');
}

/** The run-shaping flags as options, refusing combinations that cannot work. */
export function startRunOptions(command: Command): Omit<StartRunOptions, 'io' | 'clock'> {
  const flags = command.opts<StartRunFlags>();
  const options = {
    set: flags.set ?? [],
    valuesFiles: flags.values ?? [],
    dryRun: flags.dryRun as StartRunOptions['dryRun'],
    wait: flags.wait === true,
    timeoutMs: parseTimeout(flags.timeout ?? '0'),
    pollIntervalMs: POLL_INTERVAL_MS,
    ...definedEntries({
      displayName: flags.displayName,
      output: flags.output as StartRunOptions['output'],
      unknownParameters: flags.unknownParameters as UnknownParameterPolicy | undefined,
      noPrompt: flags.prompt === false ? (true as const) : undefined,
      promptAll: flags.promptAll ? (true as const) : undefined,
    }),
  };
  if (options.noPrompt && options.promptAll)
    throw new UsageError('give --no-prompt or --prompt-all, not both');
  if (options.wait && options.dryRun !== 'none') throw new UsageError('--wait cannot be used with --dry-run');
  if (flags.timeout !== '0' && !options.wait) throw new UsageError('--timeout only applies with --wait');
  return options;
}

/** The parameters in layers, lowest first: `base`, each --values file, each --set. */
export async function assembleParameters(opts: StartRunOptions, base: JSONObject): Promise<JSONObject> {
  let parameters = base;
  if (opts.valuesFiles.length > 0) {
    const { parseDocuments } = await import('../core/engine.ts');
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

export interface RunTarget {
  workflowName: string;
  kind: WorkflowKind;
  omitKind: boolean;
  namespace: string;
  parameters: JSONObject;
  /** The new run's name; else `generateName`, else the base's name, else generated from the Workflow's name. */
  name?: string;
  generateName?: string;
}

/** The new run: the base's labels, annotations and spec kept, the Workflow reference and parameters the target's. */
export function buildRun(
  opts: Pick<StartRunOptions, 'displayName'>,
  base: WorkflowRunObject | undefined,
  target: RunTarget,
): WorkflowRunObject {
  const name = target.name ?? (target.generateName === undefined ? base?.metadata?.name : undefined);
  const generateName = target.generateName ?? base?.metadata?.generateName ?? `${target.workflowName}-`;
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

/**
 * Defaults and checks `run` with its Workflow's schema (`known`, else read from the cluster); when every parameter is right, sends it (unless
 * --dry-run=client), prints the result and, with --wait, follows it. Returns the exit code.
 */
export async function submitRun(
  opts: StartRunOptions,
  kube: KubeClient,
  ref: WorkflowRef,
  run: WorkflowRunObject,
  known?: WorkflowObject,
): Promise<number> {
  const { compileWorkflow, prepareRun } = await import('../core/engine.ts');
  const workflow = known ?? (await getWorkflow(kube, ref));
  const compiled = compileWorkflow(workflow);
  const policy = opts.unknownParameters ? { unknownParameters: opts.unknownParameters } : {};
  const check = (candidate: WorkflowRunObject) => prepareRun(candidate, workflow, compiled, policy);
  let prepared = check(run);
  if (opts.io.isTTY && opts.io.stdinIsTTY && !opts.noPrompt) {
    const given = run.spec?.workflow?.parameters ?? {};
    const prompt = await import('./prompt.ts');
    const questions = [
      ...prompt.missingRequired(compiled.schema, prepared.object.spec?.workflow?.parameters ?? {}),
      ...(opts.promptAll ? prompt.defaultedLeaves(compiled.schema, given) : []),
    ];
    if (questions.length > 0) {
      const answered = await prompt.askParameters(
        opts.io,
        questions,
        given,
        (parameters) => check(withParameters(run, parameters)).errors,
      );
      run = withParameters(run, answered);
      prepared = check(run);
    }
  }
  for (const warning of prepared.warnings) opts.io.stderr.write(`Warning: ${warning}\n`);
  if (prepared.errors.length > 0) {
    opts.io.stderr.write(
      `error: the parameters do not match ${describeWorkflowRef(ref)}; nothing was sent:\n` +
        `${formatFieldErrors(prepared.errors, '  ')}\n`,
    );
    return EXIT_FAILURE;
  }

  const namespace = run.metadata!.namespace!;
  const defaulted = defaultedPaths(
    run.spec?.workflow?.parameters,
    prepared.object.spec?.workflow?.parameters,
  );
  const body = defaulted.length === 0 ? prepared.object : recordDefaults(prepared.object, defaulted);
  let result: WorkflowRunObject = body;
  if (opts.dryRun !== 'client') {
    result = (await kube.create({
      plural: 'workflowruns',
      namespace,
      body: body as JSONObject,
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
    clock: opts.clock,
    quiet: opts.output !== undefined,
  });
}

function withParameters(run: WorkflowRunObject, parameters: JSONObject): WorkflowRunObject {
  return { ...run, spec: { ...run.spec, workflow: { ...run.spec!.workflow!, parameters } } };
}

/** `run` with the annotation `rerun` reads back to tell what came from defaults (a copy: `run` is shared). */
function recordDefaults(run: WorkflowRunObject, paths: string[][]): WorkflowRunObject {
  return {
    ...run,
    metadata: {
      ...run.metadata,
      annotations: { ...run.metadata?.annotations, [DEFAULTED_PARAMETERS_ANNOTATION]: JSON.stringify(paths) },
    },
  };
}

async function report(opts: StartRunOptions, run: WorkflowRunObject): Promise<void> {
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
