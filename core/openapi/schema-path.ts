// Plain-JSON helpers shared by the openAPIV3Schema conversions. Schemas come from users, so every helper treats keys
// such as `__proto__` as data and refuses nesting deep enough to threaten the call stack.
import { SchemaError } from '../errors.ts';
import { goTypeName } from '../go/fmt.ts';
import { compareGoStrings } from '../go/strings.ts';
import { isPlainObject, setOwn } from '../json.ts';
import type { JSONObject, JSONValue } from '../types.ts';

/** Deeper than any real schema or default value; deep enough that recursion stays far from the stack limit. */
export const MAX_SCHEMA_NESTING = 256;

/**
 * Where in the schema a value sits, as a linked list from the leaf up (cheap to extend, rendered only for errors).
 * `goField` marks a key that Go's JSON decoder knows as a struct field: Go names those, and only those, in its
 * error messages.
 */
export interface SchemaPath {
  readonly parent: SchemaPath | undefined;
  readonly key: string | number;
  readonly goField?: GoFieldInfo;
}

export interface GoFieldInfo {
  /** The field's JSON name (the input key may differ in case). */
  readonly name: string;
  /** The Go struct the field belongs to, as Go prints it in decoding errors. */
  readonly struct: string;
  /** Whether the field's value is decoded by a nested decoder (a type with its own JSON unmarshalling). */
  readonly boundary: boolean;
}

export function childPath(
  parent: SchemaPath | undefined,
  key: string | number,
  goField?: GoFieldInfo,
): SchemaPath {
  return goField === undefined ? { parent, key } : { parent, key, goField };
}

export function pathTokens(path: SchemaPath | undefined): SchemaPath[] {
  const nodes: SchemaPath[] = [];
  for (let node = path; node !== undefined; node = node.parent) nodes.push(node);
  return nodes.reverse();
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Renders a path as `properties.repository.properties[a.b].items`, or `undefined` for the root. */
function formatPath(path: SchemaPath | undefined): string | undefined {
  if (path === undefined) return undefined;
  let text = '';
  for (const { key } of pathTokens(path)) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (SIMPLE_KEY.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${key}]`;
  }
  return text;
}

export function schemaError(message: string, path: SchemaPath | undefined): SchemaError {
  return new SchemaError(message, formatPath(path));
}

/** Callers outside TypeScript's reach (parsed YAML, AdmissionReviews) can hand over anything. */
export function requireSchemaObject(schema: JSONObject): JSONObject {
  if (!isPlainObject(schema)) {
    throw new SchemaError(`openAPIV3Schema must be an object, got ${goTypeName(schema)}`);
  }
  return schema;
}

/** The list, or undefined when it is missing or empty (Go's `omitempty` on a slice). */
export function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list !== undefined && list.length > 0 ? list : undefined;
}

export function sortedKeys(object: JSONObject): string[] {
  return Object.keys(object).sort(compareGoStrings);
}

export interface CopyOptions {
  /** Keys to leave out, at every depth. */
  readonly skipKey?: (key: string) => boolean;
  /** Write object keys in Go's map order (sorted), as Go's JSON encoder does. */
  readonly sortKeys?: boolean;
  /** Called once per copied value, so callers can bound the total work. */
  readonly onValue?: (path: SchemaPath | undefined) => void;
  /** The nesting refused beyond; MAX_SCHEMA_NESTING unless the caller has bounded the value itself. */
  readonly maxNesting?: number;
}

/** A deep copy of plain JSON data, refusing nesting beyond `maxNesting` (counted from `depth`). */
export function copyJSON(
  value: JSONValue,
  options: CopyOptions = {},
  path: SchemaPath | undefined = undefined,
  depth = 0,
): JSONValue {
  const maxNesting = options.maxNesting ?? MAX_SCHEMA_NESTING;
  if (depth > maxNesting) throw schemaError(`schema is nested deeper than ${maxNesting} levels`, path);
  options.onValue?.(path);
  if (Array.isArray(value)) {
    return value.map((item, index) => copyJSON(item, options, childPath(path, index), depth + 1));
  }
  if (!isPlainObject(value)) return value;
  const copy: JSONObject = {};
  const keys = options.sortKeys ? sortedKeys(value) : Object.keys(value);
  for (const key of keys) {
    if (options.skipKey?.(key)) continue;
    setOwn(copy, key, copyJSON(value[key] as JSONValue, options, childPath(path, key), depth + 1));
  }
  return copy;
}
