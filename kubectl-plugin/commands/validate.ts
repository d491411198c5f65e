// `kubectl workflowrun validate -f RUN.yaml [--workflow-file WF.yaml ...]`: checks runs against their Workflows'
// schemas without creating anything. With --workflow-file it never contacts a cluster, so CI can run it; without,
// Workflows not found in the given files are read from the cluster.
import { Option, type Command } from 'commander';
import {
  type FieldError,
  type JSONObject,
  type JSONValue,
  type UnknownParameterPolicy,
  type WorkflowKind,
  type WorkflowObject,
  type WorkflowRunObject,
  InputError,
  SchemaError,
  isPlainObject,
  formatFieldErrors,
  workflowReference,
  workflowReferenceErrors,
} from '../../core/index.ts';
import type { CompiledWorkflow } from '../../core/engine.ts';
import { CommandError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import { readSource } from '../cmdutil/input.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { clusterWorkflowKind, describeWorkflowRef, getWorkflow, workflowRef } from '../objects.ts';
import { collectRepeated, unknownParametersOption } from '../cmdutil/flags.ts';
import type { KubeClient } from '../kube.ts';

const OUTPUTS = ['json'] as const;

export interface ValidateOptions {
  io: IOStreams;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  files: string[];
  workflowFiles: string[];
  output?: (typeof OUTPUTS)[number];
  unknownParameters?: UnknownParameterPolicy;
}

interface ValidateFlags {
  filename?: string[];
  workflowFile?: string[];
  output?: string;
  unknownParameters?: string;
}

export function newValidateCommand(
  factory: Factory,
  runF?: (opts: ValidateOptions) => Promise<number>,
): Command {
  const command = newCommand('validate', factory)
    .summary("Check WorkflowRun files against their Workflows' schemas, offline")
    .description(
      "Check WorkflowRuns against their Workflows' parameter schemas, after defaulting, without creating them.\n\n" +
        'Workflows and ClusterWorkflows come from --workflow-file and from the -f files themselves; with ' +
        '--workflow-file nothing is read from a cluster, otherwise the missing ones are. A run without ' +
        'spec.workflow.kind refers to a namespaced Workflow (v0.17), else to the ClusterWorkflow of that name ' +
        '(the v1.x CRD default).\n\n' +
        '-o json prints one JSON object per run, one per line: {"name", "valid", "errors": [{"field", "message"}], ' +
        '"warnings", "object"}, where object is the run after defaulting.\n\n' +
        'Exit 0 when every run is valid, 1 when any is invalid, 2 when the input cannot be used.',
    )
    .option(
      '-f, --filename <file>',
      'file with WorkflowRun documents, - for stdin (repeatable)',
      collectRepeated,
    )
    .option(
      '--workflow-file <file>',
      'file with Workflow / ClusterWorkflow documents (repeatable)',
      collectRepeated,
    )
    .addOption(new Option('-o, --output <format>', 'json: one JSON object per run').choices(OUTPUTS))
    .addOption(unknownParametersOption());
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    (_args, cmd: Command): ValidateOptions => {
      const flags = cmd.opts<ValidateFlags>();
      const connection = connectionOptions(cmd);
      const files = flags.filename ?? [];
      const workflowFiles = flags.workflowFile ?? [];
      if (files.length === 0) throw new UsageError('give the runs to check with -f FILE (- for stdin)');
      if (files.filter((file) => file === '-').length > 1)
        throw new UsageError('-f - (stdin) can be given once');
      if (workflowFiles.includes('-')) throw new UsageError('--workflow-file cannot read stdin; give a file');
      return {
        ...clusterDependencies(factory, connection),
        files,
        workflowFiles,
        ...definedEntries({
          output: flags.output as ValidateOptions['output'],
          unknownParameters: flags.unknownParameters as UnknownParameterPolicy | undefined,
        }),
      };
    },
    runValidate,
    runF,
  );
}

interface Located<T> {
  value: T;
  source: string;
}

interface WorkflowEntry {
  workflow: WorkflowObject;
  source: string;
  compiled?: CompiledWorkflow;
}

export interface RunResult {
  name: string;
  valid: boolean;
  errors: FieldError[];
  warnings: string[];
  object: WorkflowRunObject;
}

export async function runValidate(opts: ValidateOptions): Promise<number> {
  const core = await import('../../core/engine.ts');
  const runs: Located<WorkflowRunObject>[] = [];
  const catalogue = new Map<string, WorkflowEntry>();
  const addWorkflow = (workflow: WorkflowObject, source: string) => {
    const key = `${workflow.kind}/${workflow.metadata?.name ?? ''}`;
    if (!catalogue.has(key)) catalogue.set(key, { workflow, source });
  };

  for (const file of opts.files) {
    const source = sourceName(file);
    let found = 0;
    for (const object of objectsIn(core.parseDocuments(await readSource(file, opts.io), source), source)) {
      if (object.kind === 'WorkflowRun') {
        runs.push({ value: object as WorkflowRunObject, source });
        found++;
      } else if (object.kind === 'Workflow' || object.kind === 'ClusterWorkflow') {
        addWorkflow(object as WorkflowObject, source);
      }
    }
    if (found === 0) throw new InputError(`${source}: no WorkflowRun in it`);
  }
  for (const file of opts.workflowFiles) {
    let found = 0;
    for (const object of objectsIn(core.parseDocuments(await readSource(file, opts.io), file), file)) {
      if (object.kind === 'Workflow' || object.kind === 'ClusterWorkflow') {
        addWorkflow(object as WorkflowObject, file);
        found++;
      }
    }
    if (found === 0) throw new InputError(`${file}: no Workflow or ClusterWorkflow in it`);
  }

  const resolver = new WorkflowResolver(opts, catalogue, core);
  const results: RunResult[] = [];
  // Every run's Workflow is resolved before anything is printed, so unusable input never leaves half a report.
  for (const { value: run, source } of runs) {
    const name = run.metadata?.name ?? run.metadata?.generateName ?? '';
    const referenceErrors = workflowReferenceErrors(run);
    if (referenceErrors.length > 0) {
      results.push({ name, valid: false, errors: referenceErrors, warnings: [], object: run });
      continue;
    }
    const entry = await resolver.resolve(run, source);
    const compiled = compile(entry, core);
    const policy = opts.unknownParameters ? { unknownParameters: opts.unknownParameters } : {};
    const prepared = core.prepareRun(run, entry.workflow, compiled, policy);
    results.push({
      name,
      valid: prepared.errors.length === 0,
      errors: prepared.errors,
      warnings: prepared.warnings,
      object: prepared.object,
    });
  }

  const sources = runs.map((run) => run.source);
  opts.io.stdout.write(
    opts.output === 'json'
      ? results.map((result) => `${JSON.stringify(result)}\n`).join('')
      : results.map((result, index) => humanReport(result, sources[index]!, formatFieldErrors)).join(''),
  );
  return results.every((result) => result.valid) ? EXIT_OK : EXIT_FAILURE;
}

function sourceName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

/** The objects in a file's documents; `kind: List` (what `kubectl get -o yaml` prints) contributes its items. */
export function objectsIn(documents: JSONValue[], source: string): JSONObject[] {
  const objects: JSONObject[] = [];
  documents.forEach((document, index) => {
    if (!isPlainObject(document)) {
      throw new InputError(
        `${source}: document ${index + 1} is not a Kubernetes object (a map with apiVersion and kind)`,
      );
    }
    if (
      typeof document.kind === 'string' &&
      document.kind.endsWith('List') &&
      Array.isArray(document.items)
    ) {
      for (const item of document.items) if (isPlainObject(item)) objects.push(item);
    } else {
      objects.push(document);
    }
  });
  return objects;
}

function compile(entry: WorkflowEntry, core: typeof import('../../core/engine.ts')): CompiledWorkflow {
  try {
    entry.compiled ??= core.compileWorkflow(entry.workflow);
    return entry.compiled;
  } catch (err) {
    if (err instanceof SchemaError) throw new InputError(`${entry.source}: ${err.message}`);
    throw err;
  }
}

class WorkflowResolver {
  private readonly fromCluster = new Map<string, Promise<WorkflowEntry>>();

  constructor(
    private readonly opts: ValidateOptions,
    private readonly catalogue: Map<string, WorkflowEntry>,
    private readonly core: typeof import('../../core/engine.ts'),
  ) {}

  async resolve(run: WorkflowRunObject, source: string): Promise<WorkflowEntry> {
    const reference = workflowReference(run);
    const explicitKind = run.spec?.workflow?.kind !== undefined;
    const local =
      this.catalogue.get(`${reference.kind}/${reference.name}`) ??
      // No kind: the seed's rule says a namespaced Workflow; the v1.x CRD would default it to ClusterWorkflow.
      (explicitKind ? undefined : this.catalogue.get(`ClusterWorkflow/${reference.name}`));
    if (local) return local;
    const runName = `WorkflowRun "${run.metadata?.name ?? run.metadata?.generateName ?? ''}"`;
    if (this.opts.workflowFiles.length > 0) {
      const kinds = explicitKind ? reference.kind : 'Workflow or ClusterWorkflow';
      throw new InputError(
        `${source}: ${runName} refers to ${kinds} "${reference.name}", which is in none of ${this.opts.workflowFiles.join(', ')}`,
      );
    }
    return this.fetch(run, reference.name, explicitKind ? reference.kind : undefined, source, runName);
  }

  private async fetch(
    run: WorkflowRunObject,
    name: string,
    kind: WorkflowKind | undefined,
    source: string,
    runName: string,
  ): Promise<WorkflowEntry> {
    const kube = await this.opts.kube();
    const resolved = await clusterWorkflowKind(kube, kind);
    const namespace = run.metadata?.namespace ?? this.opts.connection.namespace ?? kube.defaultNamespace;
    const ref = workflowRef(resolved.kind, name, namespace);
    const key = `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
    let entry = this.fromCluster.get(key);
    if (!entry) {
      entry = getWorkflow(kube, ref).then(
        (workflow) => ({ workflow, source: describeWorkflowRef(ref) }),
        (err: unknown) => {
          if (err instanceof CommandError && err.message.includes(' not found')) {
            throw new CommandError(
              `${source}: ${runName} refers to ${describeWorkflowRef(ref)}, which does not exist in the cluster`,
              EXIT_USAGE,
            );
          }
          throw err;
        },
      );
      this.fromCluster.set(key, entry);
    }
    return entry;
  }
}

function humanReport(
  result: RunResult,
  source: string,
  formatFieldErrors: (errors: FieldError[], indent: string) => string,
): string {
  const lines = [
    `${source}: WorkflowRun "${result.name}" is ${result.valid ? 'valid' : 'invalid'}${result.valid ? '' : ':'}`,
  ];
  if (!result.valid) lines.push(formatFieldErrors(result.errors, '  '));
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
