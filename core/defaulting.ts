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
import { isGoInt64 } from './go/apimachinery-json.ts';
import { cloneJSON, DepthLimitError, isPlainObject, setOwn } from './json.ts';
import { compileParameterTree, type ParameterNode, type ParameterTree } from './parameter-tree.ts';
import type { JSONObject, JSONSchema, JSONValue } from './types.ts';

// Go holds a default's whole numbers as int64 (core/go/apimachinery-json.ts) and a run's own numbers as float64, and
// kube-openapi judges the two by different rules. A JavaScript number cannot carry that, so the place each one is
// copied to (the object or list, and the key or index) is recorded here, for validation to ask. The places are new
// objects this module made, held weakly: a defaulted run that is dropped takes its entries with it.
const goInt64Places = new WeakMap<object, Set<string>>();

/** Whether `container[key]` holds a whole number a default put there, which Go would hold as an int64. */
export function holdsGoInt64(container: unknown, key: unknown): boolean {
  if (typeof container !== 'object' || container === null) return false;
  return goInt64Places.get(container)?.has(String(key)) === true;
}

function markGoInt64(container: object, key: string | number): void {
  let places = goInt64Places.get(container);
  if (places === undefined) goInt64Places.set(container, (places = new Set()));
  places.add(String(key));
}

/**
 * A copy of a default for `container[key]`, with its whole numbers recorded where they land: all of them when the
 * schema can judge an int64 apart from a float64 (`int64Sensitive`, see core/parameter-tree.ts), else only those
 * beyond 2^53 - 1, which only an int64 can be as an integer (go-openapi/swag). Throws `DepthLimitError` past
 * `depth` levels, as cloneJSON does.
 */
function copyDefault(
  container: object,
  key: string | number,
  value: JSONValue,
  int64Sensitive: boolean,
  depth = MAX_DEFAULTING_DEPTH,
): JSONValue {
  if (typeof value === 'number') {
    if ((int64Sensitive || Math.abs(value) > Number.MAX_SAFE_INTEGER) && isGoInt64(value))
      markGoInt64(container, key);
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth <= 0) throw new DepthLimitError();
  if (Array.isArray(value)) {
    const copy: JSONValue[] = new Array<JSONValue>(value.length);
    for (let index = 0; index < value.length; index++) {
      copy[index] = copyDefault(copy, index, value[index]!, int64Sensitive, depth - 1);
    }
    return copy;
  }
  const copy: JSONObject = {};
  for (const name of Object.keys(value)) {
    setOwn(copy, name, copyDefault(copy, name, value[name] as JSONValue, int64Sensitive, depth - 1));
  }
  return copy;
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
  return defaulterFor(compileParameterTree(schema));
}

/** The defaulter over a tree already compiled (see core/parameter-tree.ts). */
export function defaulterFor({ root, int64Sensitive }: ParameterTree): Defaulter {
  return {
    apply(values) {
      if (values === undefined || values === null) values = {};
      try {
        return root
          ? copyWithDefaults(values, root, int64Sensitive, MAX_DEFAULTING_DEPTH)
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
function copyWithDefaults(
  value: JSONValue,
  node: ParameterNode,
  int64Sensitive: boolean,
  depth: number,
): JSONValue {
  if (typeof value !== 'object' || value === null) return value;
  if (depth <= 0) throw new DepthLimitError();
  if (Array.isArray(value)) {
    const items = node.items;
    const copy: JSONValue[] = new Array<JSONValue>(value.length);
    for (let index = 0; index < value.length; index++) {
      copy[index] = items
        ? copyChild(copy, index, value[index]!, items, int64Sensitive, depth - 1)
        : cloneJSON(value[index]!, depth - 1);
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
      const filled = copyDefault(copy, key, replacement, int64Sensitive);
      if (child) applyNode(filled, child, int64Sensitive);
      setOwn(copy, key, filled);
    } else {
      setOwn(
        copy,
        key,
        child ? copyWithDefaults(given, child, int64Sensitive, depth - 1) : cloneJSON(given, depth - 1),
      );
    }
  }
  for (const fill of node.fills) {
    if (Object.hasOwn(value, fill.key)) continue;
    const filled = fill.value === undefined ? {} : copyDefault(copy, fill.key, fill.value, int64Sensitive);
    const child = node.properties.get(fill.key);
    if (child) applyNode(filled, child, int64Sensitive);
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
  // Most objects have no additionalProperties: one map lookup answers for them (properties holds only declared keys).
  return node.additional && !node.declared.has(key) ? node.additional : node.properties.get(key);
}

function copyChild(
  list: JSONValue[],
  index: number,
  given: JSONValue,
  child: ParameterNode,
  int64Sensitive: boolean,
  depth: number,
): JSONValue {
  if (given !== null || child.nullDefault === undefined) {
    return copyWithDefaults(given, child, int64Sensitive, depth);
  }
  const filled = copyDefault(list, index, child.nullDefault, int64Sensitive);
  applyNode(filled, child, int64Sensitive);
  return filled;
}

// Defaults a freshly copied default value in place (Kubernetes recurses into what it just filled in).
function applyNode(value: JSONValue, node: ParameterNode, int64Sensitive: boolean): void {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items) return;
    for (let index = 0; index < value.length; index++) {
      if (value[index] === null && items.nullDefault !== undefined)
        value[index] = copyDefault(value, index, items.nullDefault, int64Sensitive);
      applyNode(value[index]!, items, int64Sensitive);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const fill of node.fills) {
    if (!Object.hasOwn(value, fill.key)) {
      setOwn(
        value,
        fill.key,
        fill.value === undefined ? {} : copyDefault(value, fill.key, fill.value, int64Sensitive),
      );
    }
  }
  for (const key of Object.keys(value)) {
    const replacement = value[key] === null ? nullReplacement(node, key) : undefined;
    if (replacement !== undefined) setOwn(value, key, copyDefault(value, key, replacement, int64Sensitive));
    const child = childFor(node, key);
    if (child) applyNode(value[key] as JSONValue, child, int64Sensitive);
  }
}
