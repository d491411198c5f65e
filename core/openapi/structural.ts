// Kubernetes' structural schema (apiextensions-apiserver's NewStructural), built from the decoded v1 schema, and
// written in the JSON Schema form Kubernetes converts it back to (ToKubeOpenAPI). The checks run in Kubernetes'
// order, so a schema with several problems reports the one Kubernetes reports (properties in sorted order, where Go
// visits them in random order).
import type { JSONObject, JSONValue } from '../types.ts';
import { compareGoStrings } from '../go/strings.ts';
import { setOwn } from '../json.ts';
import { childPath, nonEmpty, schemaError, type SchemaPath } from './schema-path.ts';
import { encodeValidationRule, type V1Schema } from './v1.ts';

/** Builds the structural schema; throws a SchemaError prefixed `failed to build structural schema: `. */
export function buildStructural(schema: V1Schema): JSONObject {
  return structural(schema, false, undefined);
}

// `nested` is a schema under allOf/anyOf/oneOf/not: Kubernetes keeps only its value validations and drops its
// additionalProperties when converting back to JSON.
function structural(schema: V1Schema, nested: boolean, path: SchemaPath | undefined): JSONObject {
  rejectUnsupportedFields(schema, path);

  const not = schema.not === undefined ? undefined : structural(schema.not, true, childPath(path, 'not'));
  const clauses = (keyword: 'allOf' | 'anyOf' | 'oneOf'): JSONObject[] | undefined => {
    const list = schema[keyword];
    if (list === undefined || list.length === 0) return undefined;
    const listPath = childPath(path, keyword);
    return list.map((clause, index) => structural(clause, true, childPath(listPath, index)));
  };
  const allOf = clauses('allOf');
  const anyOf = clauses('anyOf');
  const oneOf = clauses('oneOf');

  if (schema['x-kubernetes-preserve-unknown-fields'] === false) {
    fail(
      "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined",
      childPath(path, 'x-kubernetes-preserve-unknown-fields'),
    );
  }

  let items: JSONObject | undefined;
  if (schema.items !== undefined) {
    if (schema.items.schemas !== undefined && schema.items.schemas.length > 0) {
      fail("OpenAPIV3Schema 'items' must be a schema, but is an array", childPath(path, 'items'));
    }
    if (schema.items.schema !== undefined)
      items = structural(schema.items.schema, nested, childPath(path, 'items'));
  }

  let properties: JSONObject | undefined;
  if (schema.properties !== undefined && schema.properties.size > 0) {
    properties = {};
    const propertiesPath = childPath(path, 'properties');
    for (const name of [...schema.properties.keys()].sort(compareGoStrings)) {
      const property = schema.properties.get(name) as V1Schema;
      setOwn(properties, name, structural(property, nested, childPath(propertiesPath, name)));
    }
  }

  let additionalProperties: JSONValue | undefined;
  if (schema.additionalProperties !== undefined) {
    const { schema: valueSchema, allows } = schema.additionalProperties;
    additionalProperties =
      valueSchema === undefined
        ? allows
        : structural(valueSchema, nested, childPath(path, 'additionalProperties'));
    if (nested) additionalProperties = undefined;
  }

  return withoutUndefined({
    description: schema.description || undefined,
    type: schema.type || undefined,
    nullable: schema.nullable || undefined,
    format: schema.format || undefined,
    title: schema.title || undefined,
    default: schema.default,
    maximum: schema.maximum,
    exclusiveMaximum: schema.exclusiveMaximum || undefined,
    minimum: schema.minimum,
    exclusiveMinimum: schema.exclusiveMinimum || undefined,
    maxLength: schema.maxLength,
    minLength: schema.minLength,
    pattern: schema.pattern || undefined,
    maxItems: schema.maxItems,
    minItems: schema.minItems,
    uniqueItems: schema.uniqueItems || undefined,
    multipleOf: schema.multipleOf,
    enum: nonEmpty(schema.enum),
    maxProperties: schema.maxProperties,
    minProperties: schema.minProperties,
    required: nonEmpty(schema.required),
    items,
    allOf,
    oneOf,
    anyOf,
    not,
    properties,
    additionalProperties,
    'x-kubernetes-embedded-resource': schema['x-kubernetes-embedded-resource'] || undefined,
    'x-kubernetes-int-or-string': schema['x-kubernetes-int-or-string'] || undefined,
    'x-kubernetes-list-map-keys': nonEmpty(schema['x-kubernetes-list-map-keys']),
    'x-kubernetes-list-type': schema['x-kubernetes-list-type'],
    'x-kubernetes-map-type': schema['x-kubernetes-map-type'],
    'x-kubernetes-preserve-unknown-fields': schema['x-kubernetes-preserve-unknown-fields'],
    'x-kubernetes-validations': nonEmpty(
      schema['x-kubernetes-validations']?.map((rule) => encodeValidationRule(rule)),
    ),
    externalDocs:
      schema.externalDocs === undefined
        ? undefined
        : withoutUndefined({
            description: schema.externalDocs.description || undefined,
            url: schema.externalDocs.url || undefined,
          }),
    example: schema.example,
  });
}

// Fields a structural schema cannot hold; Kubernetes' CRD validation would have rejected them earlier.
function rejectUnsupportedFields(schema: V1Schema, path: SchemaPath | undefined): void {
  const unsupported = (name: string): never =>
    fail(`OpenAPIV3Schema '${name === '$schema' ? 'schema' : name}' is not supported`, childPath(path, name));
  if (schema.id) unsupported('id');
  if (schema.$schema) unsupported('$schema');
  if (schema.$ref) unsupported('$ref');
  if (schema.patternProperties !== undefined && schema.patternProperties.size > 0)
    unsupported('patternProperties');
  if (schema.dependencies !== undefined && schema.dependencies.size > 0) unsupported('dependencies');
  if (schema.additionalItems !== undefined) unsupported('additionalItems');
  if (schema.definitions !== undefined && schema.definitions.size > 0) unsupported('definitions');
}

function fail(message: string, path: SchemaPath | undefined): never {
  throw schemaError(`failed to build structural schema: ${message}`, path);
}

function withoutUndefined(fields: Record<string, JSONValue | undefined>): JSONObject {
  const out: JSONObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}
