// The converter's working form of a schema node (the subset of Kubernetes JSONSchemaProps the shorthand can
// produce) and its serialisation to the v1 JSON form: keys in the v1 struct's field order, empty fields left out,
// map keys sorted as Go's encoder sorts them.
import type { JSONObject, JSONSchema, JSONValue } from '../types.ts';
import { compareGoStrings } from '../go/strings.ts';
import { setOwn } from '../json.ts';

/** A JSON value held by a schema keyword; `int64` marks numbers Go holds as integers (parsed by ParseInt). */
export interface TypedValue {
  value: JSONValue;
  int64: boolean;
}

export interface SchemaProps {
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: TypedValue;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  multipleOf?: number;
  enum?: TypedValue[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: SchemaProps;
  /** In Go byte order of the names; the shorthand has no other way to build a property list. */
  properties?: Map<string, SchemaProps>;
  /** A schema for map values, or `false` when extra properties are forbidden. */
  additionalProperties?: SchemaProps | false;
  example?: TypedValue;
}

/** A deep copy of a JSON value with object keys in Go's encoding order, built without prototype side effects. */
function canonicalJSON(value: JSONValue): JSONValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(canonicalJSON);
  const out: JSONObject = {};
  for (const key of Object.keys(value).sort(compareGoStrings)) setOwn(out, key, canonicalJSON(value[key]!));
  return out;
}

export function cloneProps(props: SchemaProps): SchemaProps {
  const copy: SchemaProps = { ...props };
  if (props.default) copy.default = { ...props.default };
  if (props.example) copy.example = { ...props.example };
  if (props.enum) copy.enum = props.enum.map((entry) => ({ ...entry }));
  if (props.required) copy.required = [...props.required];
  if (props.items) copy.items = cloneProps(props.items);
  if (props.properties) {
    copy.properties = new Map([...props.properties].map(([name, child]) => [name, cloneProps(child)]));
  }
  if (props.additionalProperties) copy.additionalProperties = cloneProps(props.additionalProperties);
  return copy;
}

/** How many schema nodes a tree holds (the node itself included). */
export function countNodes(props: SchemaProps): number {
  let count = 1;
  if (props.items) count += countNodes(props.items);
  if (props.additionalProperties) count += countNodes(props.additionalProperties);
  for (const child of props.properties?.values() ?? []) count += countNodes(child);
  return count;
}

/** The longest chain of nested schemas below this one (0 for a leaf). */
export function nestingHeight(props: SchemaProps): number {
  let height = 0;
  const children = [...(props.properties?.values() ?? [])];
  if (props.items) children.push(props.items);
  if (props.additionalProperties) children.push(props.additionalProperties);
  for (const child of children) height = Math.max(height, 1 + nestingHeight(child));
  return height;
}

/** The v1 JSONSchemaProps JSON form, byte-for-byte what Go's encoder prints once passed through JSON.stringify. */
export function toV1JSON(props: SchemaProps): JSONSchema {
  const out: JSONSchema = {};
  const put = (key: string, value: JSONValue | undefined) => {
    if (value !== undefined) setOwn(out, key, value);
  };
  put('description', props.description || undefined);
  put('type', props.type || undefined);
  put('format', props.format || undefined);
  put('title', props.title || undefined);
  // A null default still makes the field optional, but Kubernetes' v1 conversion drops it from the output.
  put('default', props.default?.value == null ? undefined : canonicalJSON(props.default.value));
  put('maximum', props.maximum);
  put('exclusiveMaximum', props.exclusiveMaximum || undefined);
  put('minimum', props.minimum);
  put('exclusiveMinimum', props.exclusiveMinimum || undefined);
  put('maxLength', props.maxLength);
  put('minLength', props.minLength);
  put('pattern', props.pattern || undefined);
  put('maxItems', props.maxItems);
  put('minItems', props.minItems);
  put('multipleOf', props.multipleOf);
  if (props.enum?.length)
    put(
      'enum',
      props.enum.map((entry) => canonicalJSON(entry.value)),
    );
  put('maxProperties', props.maxProperties);
  put('minProperties', props.minProperties);
  if (props.required?.length) put('required', [...props.required]);
  if (props.items) put('items', toV1JSON(props.items));
  if (props.properties?.size) {
    const properties: JSONObject = {};
    for (const [name, child] of props.properties) setOwn(properties, name, toV1JSON(child));
    put('properties', properties);
  }
  if (props.additionalProperties !== undefined) {
    put(
      'additionalProperties',
      props.additionalProperties === false ? false : toV1JSON(props.additionalProperties),
    );
  }
  put('example', props.example && canonicalJSON(props.example.value));
  return out;
}
