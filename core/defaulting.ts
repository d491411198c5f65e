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
import { compileParameterTree, type ParameterNode, type ParameterTree } from './parameter-tree.ts';
import type { JSONObject, JSONSchema, JSONValue } from './types.ts';

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
  return defaulterFor(compileParameterTree(schema));
}

/** The defaulter over a tree already compiled (see core/parameter-tree.ts). */
export function defaulterFor({ root }: ParameterTree): Defaulter {
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

// One pass that copies the input and fills defaults on the way: the copy of each object gets the given keys first,
// in their order (a null that takes its default keeps its place), then the missing defaults in schema order.
function copyWithDefaults(value: JSONValue, node: ParameterNode, depth: number): JSONValue {
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
function nullReplacement(node: ParameterNode, key: string): JSONValue | undefined {
  return node.declared.has(key) ? node.nullDefaults.get(key) : node.additional?.nullDefault;
}

/** A declared property's node, else the `additionalProperties` node. */
function childFor(node: ParameterNode, key: string): ParameterNode | undefined {
  return node.declared.has(key) ? node.properties.get(key) : node.additional;
}

function copyChild(given: JSONValue, child: ParameterNode, depth: number): JSONValue {
  if (given !== null || child.nullDefault === undefined) return copyWithDefaults(given, child, depth);
  const filled = cloneJSON(child.nullDefault);
  applyNode(filled, child);
  return filled;
}

// Defaults a freshly copied default value in place (Kubernetes recurses into what it just filled in).
function applyNode(value: JSONValue, node: ParameterNode): void {
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
