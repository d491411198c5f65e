// `kubectl workflowrun params WORKFLOW`: what a Workflow accepts, one parameter per line with the path `--set`
// takes, its type, whether it is required, its default and constraints; `-o json` prints the compiled JSON Schema.
import { Option, type Command } from 'commander';
import {
  boundedJSON,
  getOwn,
  isPlainObject,
  type JSONSchema,
  type JSONValue,
  type WorkflowKind,
} from '../../core/index.ts';
import { EXIT_OK } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { clusterWorkflowKind, describeWorkflowRef, getWorkflow, workflowRef } from '../objects.ts';
import { kindOption } from '../cmdutil/flags.ts';
import { printObject } from '../cmdutil/printers.ts';
import type { KubeClient } from '../kube.ts';
import { setPathKey } from '../set-values.ts';
import { cell, formatColumns } from '../render/table.ts';

const OUTPUTS = ['json', 'yaml'] as const;

export interface ParamsOptions {
  io: IOStreams;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  workflow: string;
  kind?: WorkflowKind;
  output?: (typeof OUTPUTS)[number];
}

interface ParamsFlags {
  kind?: string;
  output?: string;
}

export function newParamsCommand(factory: Factory, runF?: (opts: ParamsOptions) => Promise<number>): Command {
  const command = newCommand('params', factory)
    .description(
      "Show a Workflow's parameters: path (as --set takes it), type, required, default, constraints",
    )
    .argument('<workflow>', 'name of the Workflow or ClusterWorkflow')
    .addOption(kindOption())
    .addOption(
      new Option('-o, --output <format>', 'print the compiled JSON Schema instead').choices(OUTPUTS),
    );
  addConnectionFlags(command);
  return setAction(
    command,
    factory,
    ([workflow], cmd: Command): ParamsOptions => {
      const flags = cmd.opts<ParamsFlags>();
      const connection = connectionOptions(cmd);
      return {
        ...clusterDependencies(factory, connection),
        workflow: workflow!,
        ...definedEntries({
          kind: flags.kind as WorkflowKind | undefined,
          output: flags.output as ParamsOptions['output'],
        }),
      };
    },
    runParams,
    runF,
  );
}

export async function runParams(opts: ParamsOptions): Promise<number> {
  const core = import('../../core/engine.ts');
  core.catch(() => undefined);
  const kube = await opts.kube();
  const { kind } = await clusterWorkflowKind(kube, opts.kind);
  const namespace = kind === 'Workflow' ? await resolveNamespace(opts.connection, opts.kube) : undefined;
  const ref = workflowRef(kind, opts.workflow, namespace);
  const workflow = await getWorkflow(kube, ref);
  const compiled = (await core).compileWorkflow(workflow);
  if (opts.output) {
    await printObject(opts.io, compiled.schema, opts.output);
    return EXIT_OK;
  }
  const rows = parameterRows(compiled.schema);
  if (rows.length === 0) {
    opts.io.stdout.write(`${describeWorkflowRef(ref)} takes no parameters\n`);
    return EXIT_OK;
  }
  opts.io.stdout.write(renderParameters(rows));
  return EXIT_OK;
}

export interface ParameterRow {
  path: string;
  type: string;
  required: boolean;
  default?: JSONValue;
  constraints: string[];
  description?: string;
}

const MAX_DEFAULT_TEXT = 60;
const MAX_DEPTH = 64;

/** The rows of the tree, depth first in the schema's own order: objects, then their fields. */
export function parameterRows(schema: JSONSchema): ParameterRow[] {
  const rows: ParameterRow[] = [];
  walkProperties(schema, '', rows, 0);
  return rows;
}

function walkProperties(schema: JSONSchema, prefix: string, rows: ParameterRow[], depth: number): void {
  const properties = getOwn(schema, 'properties');
  if (!isPlainObject(properties) || depth > MAX_DEPTH) return;
  const required = getOwn(schema, 'required');
  const requiredKeys = new Set(
    Array.isArray(required) ? required.filter((key) => typeof key === 'string') : [],
  );
  for (const key of Object.keys(properties)) {
    const child = properties[key];
    if (!isPlainObject(child)) continue;
    walkNode(child, joinPath(prefix, key), requiredKeys.has(key), rows, depth + 1);
  }
}

function walkNode(
  node: JSONSchema,
  path: string,
  required: boolean,
  rows: ParameterRow[],
  depth: number,
): void {
  const row: ParameterRow = { path, type: typeLabel(node, 0), required, constraints: constraintsOf(node) };
  if (Object.hasOwn(node, 'default')) row.default = node.default as JSONValue;
  const description = getOwn(node, 'description');
  if (typeof description === 'string' && description !== '') row.description = description;
  rows.push(row);
  if (depth > MAX_DEPTH) return;
  walkProperties(node, path, rows, depth);
  const items = getOwn(node, 'items');
  if (isPlainObject(items) && isPlainObject(getOwn(items, 'properties')))
    walkProperties(items, `${path}[]`, rows, depth);
  const additional = getOwn(node, 'additionalProperties');
  if (isPlainObject(additional) && isPlainObject(getOwn(additional, 'properties'))) {
    walkProperties(additional, `${path}.*`, rows, depth);
  }
}

function joinPath(prefix: string, key: string): string {
  const escaped = setPathKey(key);
  return prefix === '' ? escaped : `${prefix}.${escaped}`;
}

function typeLabel(node: JSONSchema, depth: number): string {
  if (getOwn(node, 'x-kubernetes-int-or-string') === true) return 'int-or-string';
  const type = getOwn(node, 'type');
  const items = getOwn(node, 'items');
  const additional = getOwn(node, 'additionalProperties');
  if (depth < 8 && type === 'array' && isPlainObject(items)) return `[]${typeLabel(items, depth + 1)}`;
  if (depth < 8 && (type === 'object' || type === undefined) && isPlainObject(additional)) {
    return `map[string]${typeLabel(additional, depth + 1)}`;
  }
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.filter((t) => typeof t === 'string').join('|');
  return isPlainObject(getOwn(node, 'properties')) ? 'object' : 'any';
}

const CONSTRAINT_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
] as const;

function constraintsOf(node: JSONSchema): string[] {
  const constraints: string[] = [];
  const values = getOwn(node, 'enum');
  if (Array.isArray(values)) {
    constraints.push(
      `enum=${values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(',')}`,
    );
  }
  for (const keyword of CONSTRAINT_KEYWORDS) {
    const value = getOwn(node, keyword);
    if (value === undefined || value === false) continue;
    constraints.push(
      value === true ? keyword : `${keyword}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
    );
  }
  return constraints;
}

/** The parameter table: PARAMETER, TYPE, REQUIRED, DEFAULT, CONSTRAINTS, DESCRIPTION, kubectl get style. */
export function renderParameters(rows: readonly ParameterRow[]): string {
  const table = [
    ['PARAMETER', 'TYPE', 'REQUIRED', 'DEFAULT', 'CONSTRAINTS', 'DESCRIPTION'],
    ...rows.map((row) => [
      cell(row.path),
      cell(row.type),
      row.required ? 'yes' : 'no',
      row.default === undefined ? '<none>' : cell(boundedJSON(row.default, MAX_DEFAULT_TEXT)),
      row.constraints.length === 0 ? '<none>' : cell(row.constraints.join(' ')),
      cell(row.description ?? ''),
    ]),
  ];
  return `${formatColumns(table, 3).join('\n')}\n`;
}
