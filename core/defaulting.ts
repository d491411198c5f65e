// Parameter defaulting: Kubernetes structural defaulting (k8s.io/apiextensions-apiserver .../schema/defaulting),
// the algorithm OpenChoreo's controller runs when it renders a WorkflowRun, plus one rule the seed API reference
// promises ("Minimal WorkflowRun Using Defaults").
//
// Kubernetes semantics: a missing property that has a `default` gets a deep copy of it; existing values are never
// overwritten; then every key of the object is recursed into (also the values just filled in) with the property's
// schema or else the `additionalProperties` schema; array items are recursed into with `items`; arrays and objects
// are never invented. A `null` given where the schema is not nullable and has a default is replaced by the default
// (Kubernetes prunes such nulls or defaults them); any other `null` is left as it is.
//
// The seed's rule: a *required* property without a default whose schema is an object, all of whose declared
// properties can be filled (each has a default or is itself such an object), is created as `{}` and then filled.
// That is how the seed's minimal docker-build run (shorthand objects `repository.revision` and `docker` without
// `$default`, every leaf with a default) comes back complete. Restricting it to required properties keeps the
// OpenAPI rule that optional intermediate objects without `default: {}` are not created; an object with a field
// that nothing can fill is not created either, so validation reports that object as a missing required value.
import { cloneJSON, DepthLimitError, isPlainObject, setOwn } from './json.ts';
import type { JSONObject, JSONSchema, JSONValue } from './types.ts';

interface Fill {
  readonly key: string;
  /** The default to copy in; `undefined` means "create an empty object and let its own fills complete it". */
  readonly value: JSONValue | undefined;
}

interface DefaultingNode {
  /** In the schema's property order, so added keys appear in the order the Workflow declares them. */
  readonly fills: readonly Fill[];
  /** Only the properties below which there is something to do. */
  readonly properties: ReadonlyMap<string, DefaultingNode>;
  /** Every declared property name: a declared key never falls back to `additionalProperties`. */
  readonly declared: ReadonlySet<string>;
  readonly additional: DefaultingNode | undefined;
  readonly items: DefaultingNode | undefined;
  /** What a `null` given for a declared property becomes: its default, when it has one and is not nullable. */
  readonly nullDefaults: ReadonlyMap<string, JSONValue>;
  /** The same for a value of this schema as a map value or list item. */
  readonly nullDefault: JSONValue | undefined;
}

/** A schema compiled into a defaulting plan; `apply` returns a defaulted copy and leaves its input untouched. */
export interface Defaulter {
  apply(values: JSONValue | undefined): JSONValue;
}

/**
 * Parameters deeper than this are returned as given, undefaulted: validation refuses them anyway (its limit is
 * lower), and copying them could exhaust the stack.
 */
export const MAX_DEFAULTING_DEPTH = 1000;

export function compileDefaulter(schema: JSONSchema | null | undefined): Defaulter {
  const root = isPlainObject(schema) ? compileNode(schema) : undefined;
  return {
    apply(values) {
      if (values === undefined || values === null) values = {};
      try {
        return root
          ? copyWithDefaults(values, root, MAX_DEFAULTING_DEPTH)
          : cloneJSON(values, MAX_DEFAULTING_DEPTH);
      } catch (error) {
        if (error instanceof DepthLimitError) return values;
        throw error;
      }
    },
  };
}

const compiledBySchema = new WeakMap<object, Defaulter>();

/**
 * Defaults `values` (null or undefined = `{}`) against a JSON Schema and returns the result as a new value.
 * The plan is compiled once per schema object and reused while that object lives.
 */
export function applyDefaults(
  schema: JSONSchema | null | undefined,
  values: JSONValue | undefined,
): JSONValue {
  if (!isPlainObject(schema)) return compileDefaulter(undefined).apply(values);
  let defaulter = compiledBySchema.get(schema);
  if (!defaulter) {
    defaulter = compileDefaulter(schema);
    compiledBySchema.set(schema, defaulter);
  }
  return defaulter.apply(values);
}

// A property's own default for a null is kept in its parent's nullDefaults, so a leaf needs no node of its own.
function compileNode(schema: JSONObject, asProperty = false): DefaultingNode | undefined {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const fills: Fill[] = [];
  const nullDefaults = new Map<string, JSONValue>();
  const children = new Map<string, DefaultingNode>();
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
  const nullDefault = asProperty ? undefined : nullDefaultOf(schema);
  if (fills.length === 0 && children.size === 0 && !additional && !items && nullDefault === undefined)
    return undefined;
  return { fills, properties: children, declared, additional, items, nullDefaults, nullDefault };
}

function nullDefaultOf(schema: JSONObject): JSONValue | undefined {
  return schema.nullable !== true && schema.default !== undefined && schema.default !== null
    ? schema.default
    : undefined;
}

function isFillableObject(schema: JSONObject, node: DefaultingNode): boolean {
  const isObject =
    schema.type === 'object' || (schema.type === undefined && isPlainObject(schema.properties));
  return isObject && node.declared.size > 0 && node.fills.length === node.declared.size;
}

// One pass that copies the input and fills defaults on the way: the copy of each object gets the given keys first,
// in their order (a null that takes its default keeps its place), then the missing defaults in schema order.
function copyWithDefaults(value: JSONValue, node: DefaultingNode, depth: number): JSONValue {
  if (typeof value !== 'object' || value === null) return value;
  if (depth <= 0) throw new DepthLimitError();
  if (Array.isArray(value)) {
    const items = node.items;
    const copy: JSONValue[] = new Array<JSONValue>(value.length);
    for (let index = 0; index < value.length; index++) {
      copy[index] = items ? copyChild(value[index]!, items, depth - 1) : cloneJSON(value[index]!, depth - 1);
    }
    return copy;
  }
  const copy: JSONObject = {};
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const child = childFor(node, key);
    const given = value[key] as JSONValue;
    const replacement = given === null ? nullReplacement(node, key) : undefined;
    if (replacement !== undefined) {
      const filled = cloneJSON(replacement);
      if (child) applyNode(filled, child);
      setOwn(copy, key, filled);
    } else {
      setOwn(copy, key, child ? copyWithDefaults(given, child, depth - 1) : cloneJSON(given, depth - 1));
    }
  }
  for (const fill of node.fills) {
    if (Object.hasOwn(value, fill.key)) continue;
    const filled = fill.value === undefined ? {} : cloneJSON(fill.value);
    const child = node.properties.get(fill.key);
    if (child) applyNode(filled, child);
    setOwn(copy, fill.key, filled);
  }
  return copy;
}

/** What a null at `key` of an object of this node becomes, if anything. */
function nullReplacement(node: DefaultingNode, key: string): JSONValue | undefined {
  return node.declared.has(key) ? node.nullDefaults.get(key) : node.additional?.nullDefault;
}

/** A declared property's node, else the `additionalProperties` node. */
function childFor(node: DefaultingNode, key: string): DefaultingNode | undefined {
  return node.declared.has(key) ? node.properties.get(key) : node.additional;
}

function copyChild(given: JSONValue, child: DefaultingNode, depth: number): JSONValue {
  if (given !== null || child.nullDefault === undefined) return copyWithDefaults(given, child, depth);
  const filled = cloneJSON(child.nullDefault);
  applyNode(filled, child);
  return filled;
}

// Defaults a freshly copied default value in place (Kubernetes recurses into what it just filled in).
function applyNode(value: JSONValue, node: DefaultingNode): void {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items) return;
    for (let index = 0; index < value.length; index++) {
      if (value[index] === null && items.nullDefault !== undefined)
        value[index] = cloneJSON(items.nullDefault);
      applyNode(value[index]!, items);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const fill of node.fills) {
    if (!Object.hasOwn(value, fill.key)) {
      setOwn(value, fill.key, fill.value === undefined ? {} : cloneJSON(fill.value));
    }
  }
  for (const key of Object.keys(value)) {
    const replacement = value[key] === null ? nullReplacement(node, key) : undefined;
    if (replacement !== undefined) setOwn(value, key, cloneJSON(replacement));
    const child = childFor(node, key);
    if (child) applyNode(value[key] as JSONValue, child);
  }
}
