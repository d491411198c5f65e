// `kubectl workflowrun describe`: one run as kubectl describe / tkn describe print theirs. Sections are separated
// by a blank line; a section with nothing to show says `<none>` on its header line.
import {
  boundedJSON,
  getOwn,
  isPlainObject,
  jsonEqual,
  isCompleted,
  runStatus,
  type JSONObject,
  type JSONValue,
  type ResourceReference,
  type TaskStatus,
  type WorkflowRunObject,
  DESCRIPTION_ANNOTATION,
  DISPLAY_NAME_ANNOTATION,
} from '../../core/index.ts';
import { NONE, formatDuration, parseTime, runDuration } from './time.ts';
import type { CompiledWorkflow } from '../../core/engine.ts';
import { paint, phaseTone, statusTone } from './color.ts';
import { ageOrNone, timestampWithAge, workflowLabel } from './fields.ts';
import { setPathKey } from '../set-values.ts';
import { cell, compareText, displayWidth, formatDescribeTable, formatFields, sanitize } from './table.ts';

export interface DescribeOptions {
  now: Date;
  color: boolean;
  /** The run's Workflow, when it could be read: parameters equal to a schema default are marked `(default)`. */
  workflow?: Pick<CompiledWorkflow, 'schema'>;
}

export function renderDescribe(run: WorkflowRunObject, opts: DescribeOptions): string {
  const sections = [
    summarySection(run, opts),
    parametersSection(run.spec?.workflow?.parameters, opts.workflow?.schema),
    conditionsSection(run, opts.now),
    ...(run.status?.tasks === undefined ? [] : [tasksSection(run, opts)]),
    runReferenceSection(run.status?.runReference),
    resourcesSection(run.status?.resources),
  ];
  return sections.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

function summarySection(run: WorkflowRunObject, { now, color }: DescribeOptions): string[] {
  const annotations = objectOrEmpty(run.metadata?.annotations);
  const status = runStatus(run);
  return formatFields([
    ['Name', cell(run.metadata?.name)],
    ['Namespace', cell(run.metadata?.namespace)],
    ['Display Name', cell(getOwn(annotations, DISPLAY_NAME_ANNOTATION))],
    ['Description', cell(getOwn(annotations, DESCRIPTION_ANNOTATION))],
    ['Workflow', workflowLabel(run)],
    ['Created', timestampWithAge(run.metadata?.creationTimestamp, now)],
    ['Status', paint(cell(status), statusTone(status), color)],
    ['Started', timestampWithAge(run.status?.startedAt, now)],
    ['Completed', timestampWithAge(run.status?.completedAt, now)],
    ['Duration', runDuration(run, now)],
  ]);
}

/** An empty section: the header with `<none>`, as kubectl prints `Events:  <none>`. */
function emptySection(title: string): string[] {
  return [`${title}:  ${NONE}`];
}

function parametersSection(parameters: JSONValue | undefined, schema: JSONValue | undefined): string[] {
  const lines: ParameterLine[] = [];
  if (isPlainObject(parameters) && Object.keys(parameters).length > 0) {
    flattenParameters(parameters, '', schema, false, lines);
  }
  if (lines.length === 0) return emptySection('Parameters');
  const pathWidth = Math.max(...lines.map((line) => displayWidth(line.path)));
  return [
    'Parameters:',
    ...lines.map(
      ({ path, value, fromDefault }) =>
        `  ${path}${' '.repeat(pathWidth - displayWidth(path))} = ${value}${fromDefault ? '  (default)' : ''}`,
    ),
  ];
}

interface ParameterLine {
  path: string;
  value: string;
  fromDefault: boolean;
}

/** Deeper parameters print as JSON on one line: keeps the recursion bounded whatever the run holds. */
const MAX_PARAMETER_DEPTH = 32;
const MAX_JSON_VALUE_LENGTH = 200;

/**
 * One line per leaf value, keys in sorted order (what the API server returns), walking the Workflow's schema
 * alongside. A value counts as defaulted when the schema node at its path, or at an enclosing object or array,
 * declares a default equal to what the run holds there. Only `properties`, `additionalProperties` and `items` are
 * followed: Kubernetes structural schemas allow defaults nowhere else.
 */
function flattenParameters(
  value: JSONValue,
  path: string,
  schema: JSONValue | undefined,
  fromDefault: boolean,
  out: ParameterLine[],
  depth = 0,
): void {
  const schemaNode = isPlainObject(schema) ? schema : undefined;
  const defaulted =
    fromDefault ||
    (schemaNode !== undefined &&
      Object.hasOwn(schemaNode, 'default') &&
      jsonEqual(schemaNode.default, value));
  if (depth >= MAX_PARAMETER_DEPTH) {
    out.push({ path, value: sanitize(boundedJSON(value, MAX_JSON_VALUE_LENGTH)), fromDefault: defaulted });
    return;
  }
  const children: [string, JSONValue, JSONValue | undefined][] = Array.isArray(value)
    ? value.map((item, index) => [`[${index}]`, item, schemaNode && getOwn(schemaNode, 'items')])
    : isPlainObject(value)
      ? Object.keys(value)
          .sort(compareText)
          .map((key) => [
            keySegment(key, path === ''),
            value[key] as JSONValue,
            propertySchema(schemaNode, key),
          ])
      : [];
  if (children.length === 0) {
    out.push({ path, value: formatScalar(value), fromDefault: defaulted });
    return;
  }
  for (const [segment, child, childSchema] of children) {
    flattenParameters(child, path + segment, childSchema, defaulted, out, depth + 1);
  }
}

function propertySchema(schema: JSONObject | undefined, key: string): JSONValue | undefined {
  if (schema === undefined) return undefined;
  const properties = getOwn(schema, 'properties');
  if (isPlainObject(properties) && Object.hasOwn(properties, key)) return properties[key];
  const additional = getOwn(schema, 'additionalProperties');
  return isPlainObject(additional) ? additional : undefined;
}

/**
 * `.key` (or `key` at the top) escaped as `--set` reads it back (`buildArgs.app\.kubernetes\.io/name`), or
 * `["key"]` for a key `--set` cannot name (empty) or that would not print as itself (control characters).
 */
function keySegment(key: string, first: boolean): string {
  if (key === '' || sanitize(key) !== key) return `[${sanitize(JSON.stringify(key))}]`;
  const escaped = setPathKey(key);
  return first ? escaped : `.${escaped}`;
}

/**
 * A leaf as `--set` would take it back: strings bare unless they would be read as another type, lose
 * whitespace or need escapes, in which case they are quoted as JSON (so a bare string is always literal).
 */
function formatScalar(value: JSONValue): string {
  if (typeof value === 'string') {
    const plain = value !== '' && value.trim() === value && sanitize(value) === value && !parsesAsJSON(value);
    return sanitize(plain ? value : JSON.stringify(value));
  }
  return sanitize(JSON.stringify(value));
}

function parsesAsJSON(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function conditionsSection(run: WorkflowRunObject, now: Date): string[] {
  const conditions = objectsIn(run.status?.conditions);
  if (conditions.length === 0) return emptySection('Conditions');
  return [
    'Conditions:',
    ...formatDescribeTable(
      ['Type', 'Status', 'Reason', 'Age', 'Message'],
      conditions.map((condition) => [
        cell(condition.type),
        cell(condition.status),
        cell(condition.reason),
        ageOrNone(stringOrUndefined(condition.lastTransitionTime), now),
        cell(condition.message),
      ]),
    ),
  ];
}

export function tasksSection(run: WorkflowRunObject, { now, color }: DescribeOptions): string[] {
  const tasks = objectsIn<TaskStatus>(run.status?.tasks);
  if (tasks.length === 0) return emptySection('Tasks');
  const runCompleted = isCompleted(run);
  return [
    'Tasks:',
    ...formatDescribeTable(
      ['Name', 'Phase', 'Started', 'Duration', 'Message'],
      tasks.map((task) => {
        const phase = cell(task.phase);
        return [
          cell(task.name),
          paint(phase, phaseTone(phase), color),
          ageOrNone(stringOrUndefined(task.startedAt), now),
          taskDuration(task, runCompleted, now),
          cell(task.message),
        ];
      }),
    ),
  ];
}

/** A task without `completedAt` is still going while its run is; once the run completed, its end is unknown. */
function taskDuration(task: TaskStatus, runCompleted: boolean, now: Date): string {
  const start = parseTime(stringOrUndefined(task.startedAt));
  if (start === undefined) return NONE;
  const end = parseTime(stringOrUndefined(task.completedAt)) ?? (runCompleted ? undefined : now.getTime());
  return end === undefined ? NONE : formatDuration(end - start);
}

function runReferenceSection(reference: ResourceReference | undefined): string[] {
  if (!isPlainObject(reference)) return emptySection('Run Reference');
  return [
    'Run Reference:',
    ...formatFields(
      [
        ['API Version', cell(reference.apiVersion)],
        ['Kind', cell(reference.kind)],
        ['Name', cell(reference.name)],
        ['Namespace', cell(reference.namespace)],
      ],
      '  ',
    ),
  ];
}

function resourcesSection(resources: ResourceReference[] | undefined): string[] {
  const references = objectsIn<ResourceReference>(resources);
  if (references.length === 0) return emptySection('Resources');
  return [
    'Resources:',
    ...formatDescribeTable(
      ['API Version', 'Kind', 'Name', 'Namespace'],
      references.map((reference) => [
        cell(reference.apiVersion),
        cell(reference.kind),
        cell(reference.name),
        cell(reference.namespace),
      ]),
    ),
  ];
}

// Status and metadata come from the cluster or a file and are only as well-formed as their writer made them;
// these keep a wrong shape from crashing the renderer (it shows as <none> or as JSON text instead).

function objectOrEmpty(value: unknown): JSONObject {
  return isPlainObject(value) ? value : {};
}

function objectsIn<T = JSONObject>(list: unknown): T[] {
  return Array.isArray(list) ? (list.filter(isPlainObject) as T[]) : [];
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
