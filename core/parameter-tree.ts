// A Workflow's parameter schema compiled once into the tree that both walks over parameters use: defaulting (which
// keys to fill, with what) and the unknown-parameter check (which keys an object declares, whether it admits others).
// Both follow a value through the same schema edges (a property, the `additionalProperties` schema, the `items`
// schema), so one tree carries what each needs and subtrees with nothing to do are left out.
import { isGoInt64 } from './go/apimachinery-json.ts';
import { isPlainObject } from './json.ts';
import type { JSONObject, JSONValue } from './types.ts';

export interface Fill {
  readonly key: string;
  /** The default to copy in; `undefined` means "create an empty object and let its own fills complete it". */
  readonly value: JSONValue | undefined;
}

export interface ParameterNode {
  /** Defaults to fill in, in the schema's property order, so added keys appear in the order the Workflow declares. */
  readonly fills: readonly Fill[];
  /** Only the properties below which there is something to do. */
  readonly properties: ReadonlyMap<string, ParameterNode>;
  /** The object's own property names: a declared key never falls back to `additionalProperties`. */
  readonly declared: ReadonlySet<string>;
  /** Names the unknown-parameter check accepts: the declared ones and those repeated in allOf/anyOf/oneOf. */
  readonly known: ReadonlySet<string>;
  /** An object schema that admits no key it does not know: other keys are unknown parameters. */
  readonly closed: boolean;
  readonly additional: ParameterNode | undefined;
  readonly items: ParameterNode | undefined;
  /** What a `null` given for a declared property becomes: its default, when it has one and is not nullable. */
  readonly nullDefaults: ReadonlyMap<string, JSONValue>;
  /** The same for a value of this schema as a map value or list item. */
  readonly nullDefault: JSONValue | undefined;
}

/** A compiled schema; `root` is `undefined` when neither walk has anything to do anywhere in it. */
export interface ParameterTree {
  readonly root: ParameterNode | undefined;
  /**
   * Whether the schema can judge a default's whole number (an int64 in Go) apart from the same number given (a
   * float64): it has a `multipleOf`, or a `minimum`/`maximum` that is no int64 (core/validation.ts). Defaulting
   * records where such numbers land only then: recording costs a run with many defaults about a sixth of its time
   * (the core bench's 500 parameters).
   */
  readonly int64Sensitive: boolean;
}

const CLAUSE_KEYWORDS = ['allOf', 'anyOf', 'oneOf'];

/** Compiles a parameter schema (refs resolved); anything but an object schema gives an empty tree. */
export function compileParameterTree(schema: JSONValue | undefined): ParameterTree {
  return isPlainObject(schema)
    ? { root: compileNode(schema), int64Sensitive: judgesInt64Apart(schema) }
    : { root: undefined, int64Sensitive: false };
}

/** Anywhere in the schema: a `multipleOf`, or a bound that is no int64. Extra hits (a property so named) are harmless. */
function judgesInt64Apart(schema: JSONValue): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  if (Array.isArray(schema)) return schema.some(judgesInt64Apart);
  for (const key of Object.keys(schema)) {
    const value = schema[key] as JSONValue;
    if (key === 'multipleOf' && typeof value === 'number') return true;
    if ((key === 'minimum' || key === 'maximum') && typeof value === 'number' && !isGoInt64(value))
      return true;
    if (judgesInt64Apart(value)) return true;
  }
  return false;
}

// A property's own default for a null is kept in its parent's nullDefaults, so a leaf needs no node of its own.
function compileNode(schema: JSONObject, asProperty = false): ParameterNode | undefined {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const fills: Fill[] = [];
  const nullDefaults = new Map<string, JSONValue>();
  const children = new Map<string, ParameterNode>();
  const declared = new Set<string>();
  for (const key of Object.keys(properties)) {
    declared.add(key);
    const propertySchema = properties[key];
    if (!isPlainObject(propertySchema)) continue;
    const child = compileNode(propertySchema, true);
    if (child) children.set(key, child);
    const nullDefault = nullDefaultOf(propertySchema);
    if (nullDefault !== undefined) nullDefaults.set(key, nullDefault);
    // Go's defaulting skips a nil default, and JSON null is nil there.
    if (Object.hasOwn(propertySchema, 'default') && propertySchema.default !== null) {
      fills.push({ key, value: propertySchema.default });
    } else if (required.has(key) && child && isFillableObject(propertySchema, child)) {
      fills.push({ key, value: undefined });
    }
  }
  const additional = isPlainObject(schema.additionalProperties)
    ? compileNode(schema.additionalProperties)
    : undefined;
  const items = isPlainObject(schema.items) ? compileNode(schema.items) : undefined;
  const isObject = schema.type === 'object' || isPlainObject(schema.properties);
  const closed = isObject && !admitsOtherKeys(schema);
  const nullDefault = asProperty ? undefined : nullDefaultOf(schema);
  if (
    fills.length === 0 &&
    children.size === 0 &&
    !additional &&
    !items &&
    !closed &&
    nullDefault === undefined
  )
    return undefined;
  const known = knownNames(schema, declared);
  return {
    fills,
    properties: children,
    declared,
    known,
    closed,
    additional,
    items,
    nullDefaults,
    nullDefault,
  };
}

// Kubernetes' defaulting gives a non-nullable null its schema's default (Go skips a nil default).
function nullDefaultOf(schema: JSONObject): JSONValue | undefined {
  return schema.nullable !== true && schema.default !== undefined && schema.default !== null
    ? schema.default
    : undefined;
}

// The seed's rule (see core/defaulting.ts): an object all of whose declared properties can be filled.
function isFillableObject(schema: JSONObject, node: ParameterNode): boolean {
  const isObject =
    schema.type === 'object' || (schema.type === undefined && isPlainObject(schema.properties));
  return isObject && node.declared.size > 0 && node.fills.length === node.declared.size;
}

function admitsOtherKeys(schema: JSONObject): boolean {
  return (
    schema.additionalProperties !== undefined ||
    schema['x-kubernetes-preserve-unknown-fields'] === true ||
    schema['x-kubernetes-embedded-resource'] === true
  );
}

// Kubernetes lets a structural schema repeat its properties inside allOf/anyOf/oneOf; count those as known.
function knownNames(schema: JSONObject, declared: ReadonlySet<string>): ReadonlySet<string> {
  let known: Set<string> | undefined;
  for (const keyword of CLAUSE_KEYWORDS) {
    const branches = schema[keyword];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (!isPlainObject(branch) || !isPlainObject(branch.properties)) continue;
      known ??= new Set(declared);
      for (const name of Object.keys(branch.properties)) known.add(name);
    }
  }
  return known ?? declared;
}
