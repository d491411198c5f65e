// Inlining of local `$ref`s, with the rules and error texts of OpenChoreo's resolver (internal/schema/ref_resolver.go).
import type { JSONObject, JSONValue } from '../types.ts';
import { goTypeName } from '../go/fmt.ts';
import { goQuote } from '../go/strconv.ts';
import { getOwn, isPlainObject, setOwn } from '../json.ts';
import { childPath, copyJSON, requireSchemaObject, schemaError, type SchemaPath } from './schema-path.ts';

/** OpenChoreo's limit on how deep the resolver may walk (schema levels plus `$ref` hops). */
export const MAX_REF_DEPTH = 64;

/**
 * Upper bound on the values the resolver may visit and copy. OpenChoreo has none, but definitions that each use the
 * next one twice double the output per level; this stops such a schema long before it exhausts memory, while a real
 * schema (hundreds or a few thousand nodes) stays far below it.
 */
export const MAX_RESOLUTION_WORK = 250_000;

// Keywords whose value is a schema or a list of schemas, walked in this order (it decides which error comes first).
const SUBSCHEMA_KEYWORDS = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'allOf',
  'oneOf',
  'anyOf',
];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties'];

/**
 * Returns a copy of `schema` with every `$ref: "#/$defs/Name"` replaced by a copy of that definition (itself
 * resolved), keys next to the `$ref` merged over it (they win), and a non-empty `$defs` removed. Cycles, depth beyond
 * 64, remote or other non-`$defs` refs, missing definitions and oversized expansions throw a SchemaError whose
 * `field` names the place. The input is never changed. `null` gives `null`.
 */
export function resolveRefs(schema: JSONObject | null): JSONObject | null {
  if (schema === null) return null;
  const copy = copyJSON(requireSchemaObject(schema)) as JSONObject;
  const defsValue = getOwn(copy, '$defs');
  const defs = isPlainObject(defsValue) && Object.keys(defsValue).length > 0 ? defsValue : undefined;
  const resolved = new RefResolver(defs).resolveNode(copy, [], 0, undefined) as JSONObject;
  if (defs !== undefined) delete resolved.$defs;
  return resolved;
}

class RefResolver {
  private work = 0;
  private readonly copyOptions = { onValue: (path: SchemaPath | undefined) => this.spend(path) };

  constructor(private readonly defs: JSONObject | undefined) {}

  // Resolves in place: `node` is always part of a private copy.
  resolveNode(
    node: JSONValue,
    visiting: readonly string[],
    depth: number,
    path: SchemaPath | undefined,
  ): JSONValue {
    if (depth > MAX_REF_DEPTH) {
      throw schemaError(`$ref resolution exceeded maximum depth of ${MAX_REF_DEPTH}`, path);
    }
    this.spend(path);
    if (Array.isArray(node)) {
      return node.map((item, index) => this.resolveNode(item, visiting, depth + 1, childPath(path, index)));
    }
    if (!isPlainObject(node)) return node;

    if (Object.hasOwn(node, '$ref')) {
      const ref = node.$ref;
      if (typeof ref !== 'string') {
        throw schemaError(`$ref must be a string, got ${goTypeName(ref)}`, childPath(path, '$ref'));
      }
      return this.resolveRef(ref, node, visiting, depth, path);
    }

    for (const keyword of SUBSCHEMA_KEYWORDS) {
      if (Object.hasOwn(node, keyword)) {
        node[keyword] = this.resolveNode(
          node[keyword] as JSONValue,
          visiting,
          depth + 1,
          childPath(path, keyword),
        );
      }
    }
    for (const keyword of SUBSCHEMA_MAPS) {
      const schemas = getOwn(node, keyword);
      if (!isPlainObject(schemas)) continue;
      const mapPath = childPath(path, keyword);
      for (const name of Object.keys(schemas)) {
        const resolved = this.resolveNode(
          schemas[name] as JSONValue,
          visiting,
          depth + 1,
          childPath(mapPath, name),
        );
        setOwn(schemas, name, resolved);
      }
    }
    return node;
  }

  private resolveRef(
    ref: string,
    node: JSONObject,
    visiting: readonly string[],
    depth: number,
    path: SchemaPath | undefined,
  ): JSONObject {
    const refPath = childPath(path, '$ref');
    if (ref.startsWith('http://') || ref.startsWith('https://')) {
      throw schemaError(`only local $ref supported, got ${goQuote(ref)}`, refPath);
    }
    const name = definitionName(ref, refPath);
    if (visiting.includes(name)) {
      throw schemaError(`circular $ref: ${[...visiting, name].join(' → ')}`, refPath);
    }
    if (this.defs === undefined) {
      throw schemaError(`$ref ${goQuote(ref)} not found: no definitions available`, refPath);
    }
    if (!Object.hasOwn(this.defs, name)) {
      throw schemaError(`$ref ${goQuote(ref)} not found in definitions`, refPath);
    }
    const definition = this.defs[name];
    if (!isPlainObject(definition)) {
      throw schemaError(`$ref ${goQuote(ref)} resolved to non-object type`, refPath);
    }

    const definitionPath = childPath(childPath(undefined, '$defs'), name);
    const copy = copyJSON(definition, this.copyOptions, definitionPath);
    const resolved = this.resolveNode(copy, [...visiting, name], depth + 1, definitionPath) as JSONObject;

    const siblings = Object.keys(node).filter((key) => key !== '$ref');
    if (siblings.length === 0) return resolved;
    // Siblings may hold refs of their own (e.g. under `properties`), so the merged schema is walked again; the
    // definition is no longer on the cycle stack there, as the siblings are not part of it.
    for (const key of siblings) setOwn(resolved, key, node[key] as JSONValue);
    return this.resolveNode(resolved, visiting, depth + 1, path) as JSONObject;
  }

  private spend(path: SchemaPath | undefined): void {
    if (++this.work > MAX_RESOLUTION_WORK) {
      throw schemaError(
        `$ref resolution exceeded the limit of ${MAX_RESOLUTION_WORK} schema nodes: definitions that use other ` +
          'definitions several times multiply in size when inlined',
        path,
      );
    }
  }
}

// Only `#/$defs/Name` is accepted; the name is taken literally (no JSON Pointer unescaping), as OpenChoreo does.
function definitionName(ref: string, path: SchemaPath): string {
  if (!ref.startsWith('#/')) {
    throw schemaError(`only local $ref supported (must start with #/), got ${goQuote(ref)}`, path);
  }
  const parts = ref.slice(2).split('/');
  if (parts.length !== 2 || parts[0] !== '$defs') {
    throw schemaError(`unsupported $ref path ${goQuote(ref)}: expected #/$defs/Name`, path);
  }
  const name = parts[1] ?? '';
  if (name === '') throw schemaError(`empty definition name in $ref ${goQuote(ref)}`, path);
  return name;
}
