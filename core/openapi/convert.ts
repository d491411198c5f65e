// OpenChoreo's v1.x parameter schema format (`spec.parameters.openAPIV3Schema`): the conversions of its
// internal/schema/openapiv3.go, with the same results and error texts. Every function copies; no input is changed.
import { SchemaError } from '../errors.ts';
import type { JSONObject, JSONSchema } from '../types.ts';
import { copyJSON, requireSchemaObject } from './schema-path.ts';
import { resolveRefs } from './refs.ts';
import { buildStructural } from './structural.ts';
import { decodeV1Schema, encodeV1Schema, sortRequiredFields } from './v1.ts';

export { resolveRefs, MAX_REF_DEPTH, MAX_RESOLUTION_WORK } from './refs.ts';
export { MAX_SCHEMA_NESTING } from './schema-path.ts';

/** True for the vendor keys OpenChoreo ignores: `x-` plus at least one character, but not `x-kubernetes-*`. */
function isVendorExtension(key: string): boolean {
  return key.length > 2 && key.startsWith('x-') && !key.startsWith('x-kubernetes-');
}

/**
 * A copy without vendor extension keys, removed at every depth and whatever their role: a property or a key inside
 * a `default` named `x-…` goes too, as in OpenChoreo. `null` gives `null`.
 */
export function stripVendorExtensions(schema: JSONObject): JSONObject;
export function stripVendorExtensions(schema: JSONObject | null): JSONObject | null;
export function stripVendorExtensions(schema: JSONObject | null): JSONObject | null {
  if (schema === null) return null;
  return copyJSON(requireSchemaObject(schema), { skipKey: isVendorExtension }) as JSONObject;
}

/** `$ref`s inlined and a non-empty `$defs` removed; vendor extensions kept (what OpenChoreo's API returns). */
export function openAPIV3ToResolvedSchema(schema: JSONObject | null): JSONObject | null {
  return resolveWithPrefix(schema);
}

/**
 * The schema as Kubernetes v1 JSONSchemaProps JSON: refs inlined, keys v1 has no field for dropped (vendor
 * extensions included, `x-kubernetes-*` kept), `required` lists sorted (not under allOf/anyOf/oneOf/not).
 * `null` gives `{}`.
 */
export function openAPIV3ToJSONSchema(schema: JSONObject | null): JSONSchema {
  return toJSONSchema(resolveWithPrefix(schema));
}

/**
 * The Kubernetes structural schema (refs inlined, vendor extensions stripped), written as the JSON Schema Kubernetes
 * converts it to. `required` keeps its order. Throws `failed to build structural schema: …` for what a structural
 * schema refuses: patternProperties, dependencies, additionalItems, definitions, id, $schema, an unresolved $ref, a
 * list-valued `items`, `x-kubernetes-preserve-unknown-fields: false`.
 */
export function openAPIV3ToStructural(schema: JSONObject | null): JSONSchema {
  return toStructural(resolveWithPrefix(schema));
}

/** Both forms from one resolution; each exactly as the single-form function gives it. */
export function openAPIV3ToStructuralAndJSONSchema(schema: JSONObject | null): {
  structural: JSONSchema;
  jsonSchema: JSONSchema;
} {
  const resolved = resolveWithPrefix(schema);
  const structural = toStructural(resolved);
  return { structural, jsonSchema: toJSONSchema(resolved) };
}

function resolveWithPrefix(schema: JSONObject | null): JSONObject | null {
  try {
    return resolveRefs(schema === null ? null : requireSchemaObject(schema));
  } catch (error) {
    if (error instanceof SchemaError) {
      throw new SchemaError(`failed to resolve $ref: ${error.message}`, error.field);
    }
    throw error;
  }
}

// A nil map decodes to an empty JSONSchemaProps in Go.
function toJSONSchema(resolved: JSONObject | null): JSONSchema {
  const decoded = decodeV1Schema(resolved ?? {});
  sortRequiredFields(decoded);
  return encodeV1Schema(decoded);
}

function toStructural(resolved: JSONObject | null): JSONSchema {
  return buildStructural(decodeV1Schema(stripVendorExtensions(resolved ?? {})));
}
