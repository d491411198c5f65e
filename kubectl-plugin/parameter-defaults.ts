// Which of a stored run's parameters came from its Workflow's defaults, so `rerun` can leave them to the Workflow
// as it is now. A run the plugin started says so itself: the plugin records the paths it defaulted in an
// annotation. Any other run is judged by the rule describe marks `(default)` with: the schema node at a value's
// path declares a default equal to it (which cannot see a default the Workflow has changed since).
import {
  getOwn,
  isPlainObject,
  jsonEqual,
  setOwn,
  type JSONObject,
  type JSONSchema,
  type JSONValue,
  type WorkflowRunObject,
} from '../core/index.ts';

/** A JSON list of key lists, each the path of a parameter the plugin filled in from the Workflow's defaults. */
export const DEFAULTED_PARAMETERS_ANNOTATION = 'kubectl-workflowrun/defaulted-parameters';

const MAX_DEPTH = 64;

/** The paths present in `defaulted` and absent from `given`: what defaulting added. */
export function defaultedPaths(given: JSONValue | undefined, defaulted: JSONValue | undefined): string[][] {
  const paths: string[][] = [];
  const walk = (before: JSONValue | undefined, after: JSONValue | undefined, path: string[]) => {
    if (!isPlainObject(after) || path.length > MAX_DEPTH) return;
    const existing = isPlainObject(before) ? before : undefined;
    for (const key of Object.keys(after)) {
      const previous = existing && getOwn(existing, key);
      if (previous === undefined) paths.push([...path, key]);
      else walk(previous, after[key], [...path, key]);
    }
  };
  walk(given, defaulted, []);
  return paths;
}

/** The paths a run's annotation records, or undefined when it records none that can be read. */
export function recordedDefaults(run: WorkflowRunObject): string[][] | undefined {
  const text = run.metadata?.annotations?.[DEFAULTED_PARAMETERS_ANNOTATION];
  if (typeof text !== 'string') return undefined;
  try {
    const paths: unknown = JSON.parse(text);
    const valid =
      Array.isArray(paths) &&
      paths.every((path) => Array.isArray(path) && path.every((key) => typeof key === 'string'));
    return valid ? (paths as string[][]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A schema that declares, at each recorded path, the run's own value there as the default: what describe's rule
 * marks `(default)` with, so a run the plugin started is shown without reading its Workflow or converting its
 * schema.
 */
export function recordedDefaultsSchema(parameters: JSONObject, paths: readonly string[][]): JSONSchema {
  const root: JSONSchema = {};
  for (const path of paths) {
    let node = root;
    let value: JSONValue | undefined = parameters;
    for (const key of path) {
      value = isPlainObject(value) ? getOwn(value, key) : undefined;
      const properties = isPlainObject(node.properties) ? node.properties : (node.properties = {});
      const child = getOwn(properties, key);
      node = isPlainObject(child) ? child : {};
      setOwn(properties, key, node);
    }
    if (value !== undefined) node.default = value;
  }
  return root;
}

/** `parameters` without the recorded paths (an object left empty by that is dropped too). */
export function withoutPaths(parameters: JSONObject, paths: readonly string[][]): JSONObject {
  const nested = new Map<string, string[][]>();
  const dropped = new Set<string>();
  for (const [key, ...rest] of paths) {
    if (key === undefined) continue;
    if (rest.length === 0) dropped.add(key);
    else nested.set(key, [...(nested.get(key) ?? []), rest]);
  }
  const kept: JSONObject = {};
  for (const key of Object.keys(parameters)) {
    if (dropped.has(key)) continue;
    const value = parameters[key] as JSONValue;
    const inner = nested.get(key);
    if (inner && isPlainObject(value)) {
      const rest = withoutPaths(value, inner);
      if (Object.keys(rest).length > 0 || Object.keys(value).length === 0) setOwn(kept, key, rest);
    } else {
      setOwn(kept, key, value);
    }
  }
  return kept;
}

/** Kubernetes structural schemas allow defaults under `properties` and `additionalProperties` of objects only. */
function propertySchema(schema: JSONSchema, key: string): JSONSchema | undefined {
  const properties = getOwn(schema, 'properties');
  const declared = isPlainObject(properties) ? getOwn(properties, key) : undefined;
  if (isPlainObject(declared)) return declared;
  const additional = getOwn(schema, 'additionalProperties');
  return isPlainObject(additional) ? additional : undefined;
}

/**
 * `parameters` without the fields whose value equals the default their schema declares (an object left empty by
 * that is dropped too). Lists are kept whole: an item cannot be left out without moving the ones after it.
 */
export function withoutSchemaDefaults(parameters: JSONObject, schema: JSONSchema, depth = 0): JSONObject {
  const kept: JSONObject = {};
  for (const key of Object.keys(parameters)) {
    const value = parameters[key] as JSONValue;
    const node = propertySchema(schema, key);
    if (node !== undefined && Object.hasOwn(node, 'default') && jsonEqual(getOwn(node, 'default'), value)) {
      continue;
    }
    if (isPlainObject(value) && node !== undefined && depth < MAX_DEPTH) {
      const inner = withoutSchemaDefaults(value, node, depth + 1);
      if (Object.keys(inner).length > 0 || Object.keys(value).length === 0) setOwn(kept, key, inner);
      continue;
    }
    setOwn(kept, key, value);
  }
  return kept;
}
