// What the shorthand converter needs of the schema trees it builds (Kubernetes' v1 JSONSchemaProps, the same type
// the openAPIV3Schema path decodes into): copies of a custom type for each use, and the size and height limits that
// keep a hostile type graph from expanding without bound.
import type { JSONValue } from '../types.ts';
import { MAX_JSON_DEPTH } from '../go/encoding-json.ts';
import { copyJSON } from '../openapi/schema-path.ts';
import type { V1Schema } from '../openapi/v1.ts';

/**
 * A deep copy of a JSON value with object keys in Go's encoding order, as decoding puts them on the openAPIV3Schema
 * path. The converter has already bounded the value's nesting (MAX_JSON_DEPTH).
 */
export function canonicalJSON(value: JSONValue): JSONValue {
  return copyJSON(value, { sortKeys: true, maxNesting: MAX_JSON_DEPTH });
}

/** A copy whose lists and child schemas can be changed without touching the original; JSON values are shared. */
export function cloneSchema(schema: V1Schema): V1Schema {
  const copy: V1Schema = { ...schema };
  if (schema.enum) copy.enum = [...schema.enum];
  if (schema.required) copy.required = [...schema.required];
  if (schema.items?.schema) copy.items = { schema: cloneSchema(schema.items.schema) };
  if (schema.properties) {
    copy.properties = new Map([...schema.properties].map(([name, child]) => [name, cloneSchema(child)]));
  }
  const additional = schema.additionalProperties;
  if (additional?.schema)
    copy.additionalProperties = { allows: true, schema: cloneSchema(additional.schema) };
  return copy;
}

/** The schemas directly below this one: property schemas, the item schema and the map value schema. */
function childSchemas(schema: V1Schema): V1Schema[] {
  const children = [...(schema.properties?.values() ?? [])];
  if (schema.items?.schema) children.push(schema.items.schema);
  if (schema.additionalProperties?.schema) children.push(schema.additionalProperties.schema);
  return children;
}

/** How many schema nodes a tree holds (the node itself included). */
export function countNodes(schema: V1Schema): number {
  let count = 1;
  for (const child of childSchemas(schema)) count += countNodes(child);
  return count;
}

/** The longest chain of nested schemas below this one (0 for a leaf). */
export function nestingHeight(schema: V1Schema): number {
  let height = 0;
  for (const child of childSchemas(schema)) height = Math.max(height, 1 + nestingHeight(child));
  return height;
}
