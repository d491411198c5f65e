// The schema as Kubernetes' v1 JSONSchemaProps sees it. OpenChoreo turns a resolved openAPIV3Schema into that Go type
// by marshalling it to JSON and decoding the text, so this module reproduces what Go's decoder keeps, drops and
// rejects, and what Go's encoder writes back (the "v1 JSON form").
//
// What that decoding does, and this module with it:
// - keys the type has no field for are dropped (arbitrary x-*, $defs, const, if/then/else, ...);
// - key matching ignores case (`Type` sets `type`), except below items, additionalProperties, additionalItems and
//   dependencies, whose values Kubernetes decodes with a case-sensitive decoder;
// - keys are seen in Go's map order (sorted), so of two keys for one field the later one wins; maps and nested
//   objects given twice are merged, as Go decodes into the existing value;
// - `null` clears a pointer, slice or map field and leaves any other field as it was;
// - a value of the wrong JSON type is an error naming the Go field path and type.
import type { JSONObject, JSONValue } from '../types.ts';
import {
  decodesAsInt64,
  foldGoFieldName,
  unmarshalTypeMessage,
  unmarshalValueKind,
  unsupportedValueMessage,
} from '../go/encoding-json.ts';
import { compareGoStrings } from '../go/strings.ts';
import { isPlainObject, setOwn } from '../json.ts';
import {
  MAX_SCHEMA_NESTING,
  childPath,
  copyJSON,
  nonEmpty,
  pathTokens,
  schemaError,
  sortedKeys,
  type GoFieldInfo,
  type SchemaPath,
} from './schema-path.ts';

export interface V1SchemaOrArray {
  schema?: V1Schema;
  schemas?: V1Schema[];
}

export interface V1SchemaOrBool {
  allows: boolean;
  schema?: V1Schema;
}

export interface V1SchemaOrStringArray {
  schema?: V1Schema;
  property?: string[];
}

export interface V1ExternalDocs {
  description?: string;
  url?: string;
}

export interface V1ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** Go's JSONSchemaProps. Plain fields hold Go's zero value when unset; pointer, slice and map fields are absent. */
export interface V1Schema {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: JSONValue;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: JSONValue[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: V1SchemaOrArray;
  allOf?: V1Schema[];
  oneOf?: V1Schema[];
  anyOf?: V1Schema[];
  not?: V1Schema;
  properties?: Map<string, V1Schema>;
  additionalProperties?: V1SchemaOrBool;
  patternProperties?: Map<string, V1Schema>;
  dependencies?: Map<string, V1SchemaOrStringArray>;
  additionalItems?: V1SchemaOrBool;
  definitions?: Map<string, V1Schema>;
  externalDocs?: V1ExternalDocs;
  example?: JSONValue;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: V1ValidationRule[];
}

// How each field is decoded and encoded. `*Ptr`, `number`, `integer`, `json` are Go pointers: kept when set, even to
// a zero value. `string` and `bool` are plain Go values: left out when zero.
type FieldKind =
  | 'string'
  | 'stringPtr'
  | 'bool'
  | 'boolPtr'
  | 'number'
  | 'integer'
  | 'json'
  | 'jsonList'
  | 'stringList'
  | 'schema'
  | 'schemaList'
  | 'schemaMap'
  | 'schemaOrArray'
  | 'schemaOrBool'
  | 'dependencies'
  | 'externalDocs'
  | 'validations';

interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  /** The field's Go type as Go's decoder names it in a type error. */
  readonly goType: string;
}

// In the Go struct's order, which is the order Go's encoder writes them in.
const SCHEMA_FIELDS: readonly FieldSpec[] = [
  { name: 'id', kind: 'string', goType: 'string' },
  { name: '$schema', kind: 'string', goType: 'v1.JSONSchemaURL' },
  { name: '$ref', kind: 'stringPtr', goType: 'string' },
  { name: 'description', kind: 'string', goType: 'string' },
  { name: 'type', kind: 'string', goType: 'string' },
  { name: 'format', kind: 'string', goType: 'string' },
  { name: 'title', kind: 'string', goType: 'string' },
  { name: 'default', kind: 'json', goType: 'v1.JSON' },
  { name: 'maximum', kind: 'number', goType: 'float64' },
  { name: 'exclusiveMaximum', kind: 'bool', goType: 'bool' },
  { name: 'minimum', kind: 'number', goType: 'float64' },
  { name: 'exclusiveMinimum', kind: 'bool', goType: 'bool' },
  { name: 'maxLength', kind: 'integer', goType: 'int64' },
  { name: 'minLength', kind: 'integer', goType: 'int64' },
  { name: 'pattern', kind: 'string', goType: 'string' },
  { name: 'maxItems', kind: 'integer', goType: 'int64' },
  { name: 'minItems', kind: 'integer', goType: 'int64' },
  { name: 'uniqueItems', kind: 'bool', goType: 'bool' },
  { name: 'multipleOf', kind: 'number', goType: 'float64' },
  { name: 'enum', kind: 'jsonList', goType: '[]v1.JSON' },
  { name: 'maxProperties', kind: 'integer', goType: 'int64' },
  { name: 'minProperties', kind: 'integer', goType: 'int64' },
  { name: 'required', kind: 'stringList', goType: '[]string' },
  { name: 'items', kind: 'schemaOrArray', goType: 'v1.JSONSchemaPropsOrArray' },
  { name: 'allOf', kind: 'schemaList', goType: '[]v1.JSONSchemaProps' },
  { name: 'oneOf', kind: 'schemaList', goType: '[]v1.JSONSchemaProps' },
  { name: 'anyOf', kind: 'schemaList', goType: '[]v1.JSONSchemaProps' },
  { name: 'not', kind: 'schema', goType: 'v1.JSONSchemaProps' },
  { name: 'properties', kind: 'schemaMap', goType: 'map[string]v1.JSONSchemaProps' },
  { name: 'additionalProperties', kind: 'schemaOrBool', goType: 'v1.JSONSchemaPropsOrBool' },
  { name: 'patternProperties', kind: 'schemaMap', goType: 'map[string]v1.JSONSchemaProps' },
  { name: 'dependencies', kind: 'dependencies', goType: 'v1.JSONSchemaDependencies' },
  { name: 'additionalItems', kind: 'schemaOrBool', goType: 'v1.JSONSchemaPropsOrBool' },
  { name: 'definitions', kind: 'schemaMap', goType: 'v1.JSONSchemaDefinitions' },
  { name: 'externalDocs', kind: 'externalDocs', goType: 'v1.ExternalDocumentation' },
  { name: 'example', kind: 'json', goType: 'v1.JSON' },
  { name: 'nullable', kind: 'bool', goType: 'bool' },
  { name: 'x-kubernetes-preserve-unknown-fields', kind: 'boolPtr', goType: 'bool' },
  { name: 'x-kubernetes-embedded-resource', kind: 'bool', goType: 'bool' },
  { name: 'x-kubernetes-int-or-string', kind: 'bool', goType: 'bool' },
  { name: 'x-kubernetes-list-map-keys', kind: 'stringList', goType: '[]string' },
  { name: 'x-kubernetes-list-type', kind: 'stringPtr', goType: 'string' },
  { name: 'x-kubernetes-map-type', kind: 'stringPtr', goType: 'string' },
  { name: 'x-kubernetes-validations', kind: 'validations', goType: 'v1.ValidationRules' },
];

const EXTERNAL_DOCS_FIELDS: readonly FieldSpec[] = [
  { name: 'description', kind: 'string', goType: 'string' },
  { name: 'url', kind: 'string', goType: 'string' },
];

const VALIDATION_RULE_FIELDS: readonly FieldSpec[] = [
  { name: 'rule', kind: 'string', goType: 'string' },
  { name: 'message', kind: 'string', goType: 'string' },
  { name: 'messageExpression', kind: 'string', goType: 'string' },
  { name: 'reason', kind: 'stringPtr', goType: 'v1.FieldValueErrorReason' },
  { name: 'fieldPath', kind: 'string', goType: 'string' },
  { name: 'optionalOldSelf', kind: 'boolPtr', goType: 'bool' },
];

// Fields whose value Kubernetes decodes with a nested, case-sensitive decoder.
const SCHEMA_BOUNDARY_KINDS: ReadonlySet<FieldKind> = new Set([
  'schemaOrArray',
  'schemaOrBool',
  'dependencies',
]);

interface StructSpec {
  readonly goName: string;
  readonly byName: ReadonlyMap<string, FieldSpec>;
  readonly byFoldedName: ReadonlyMap<string, FieldSpec>;
  readonly goFields: ReadonlyMap<FieldSpec, GoFieldInfo>;
}

function structSpec(goName: string, fields: readonly FieldSpec[]): StructSpec {
  return {
    goName,
    byName: new Map(fields.map((field) => [field.name, field])),
    byFoldedName: new Map(fields.map((field) => [foldGoFieldName(field.name), field])),
    goFields: new Map(
      fields.map((field) => [
        field,
        { name: field.name, struct: goName, boundary: SCHEMA_BOUNDARY_KINDS.has(field.kind) },
      ]),
    ),
  };
}

const SCHEMA_STRUCT = structSpec('JSONSchemaProps', SCHEMA_FIELDS);
const EXTERNAL_DOCS_STRUCT = structSpec('ExternalDocumentation', EXTERNAL_DOCS_FIELDS);
const VALIDATION_RULE_STRUCT = structSpec('ValidationRule', VALIDATION_RULE_FIELDS);

type Target = Record<string, unknown>;

/**
 * Decodes a resolved schema as Go decodes it into a v1 JSONSchemaProps. Throws a SchemaError with Go's message,
 * prefixed `failed to unmarshal schema to JSONSchemaProps: ` (or `failed to marshal schema: ` for values JSON cannot
 * hold, such as infinite numbers).
 */
export function decodeV1Schema(schema: JSONObject): V1Schema {
  assertMarshalable(schema, undefined, 0);
  try {
    return new Decoder(false).decodeRoot(schema, undefined);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw schemaError(`failed to unmarshal schema to JSONSchemaProps: ${error.message}`, error.path);
    }
    throw error;
  }
}

// Go refuses to marshal NaN and infinities, which YAML (`.inf`, `.nan`) can produce.
function assertMarshalable(value: JSONValue, path: SchemaPath | undefined, depth: number): void {
  if (depth > MAX_SCHEMA_NESTING) {
    throw schemaError(`schema is nested deeper than ${MAX_SCHEMA_NESTING} levels`, path);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw schemaError(`failed to marshal schema: ${unsupportedValueMessage(value)}`, path);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => assertMarshalable(item, childPath(path, index), depth + 1));
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      assertMarshalable(value[key] as JSONValue, childPath(path, key), depth + 1);
    }
  }
}

/**
 * Throws what OpenChoreo's Workflow webhook refuses a schema for when it decodes it strictly (Go's
 * DisallowUnknownFields): a key JSONSchemaProps has no field for, even ignoring case. As in Go, keys below `items`,
 * `additionalProperties`, `additionalItems` and `dependencies` are not checked: those types decode their content
 * with a decoder of their own, which knows nothing of the outer one's strictness.
 */
export function rejectUnknownFields(schema: JSONObject): void {
  try {
    new Decoder(false, true).decodeRoot(schema, undefined);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw schemaError(`openAPIV3Schema contains unknown or invalid fields: ${error.message}`, error.path);
    }
    throw error;
  }
}

class DecodeError extends Error {
  constructor(
    message: string,
    readonly path: SchemaPath | undefined,
  ) {
    super(message);
  }
}

// One Go decoder run. Go keeps the first type error and decodes on; an error from a nested decoder (a type with its
// own unmarshalling) or from such a type itself stops everything at once.
class Decoder {
  private firstTypeError: DecodeError | undefined;

  constructor(
    private readonly caseSensitive: boolean,
    private readonly disallowUnknownFields = false,
  ) {}

  decodeRoot(value: JSONObject, path: SchemaPath | undefined): V1Schema {
    const schema = this.decodeStruct(SCHEMA_STRUCT, value, {}, path) as V1Schema;
    this.finish();
    return schema;
  }

  decodeRootList(value: JSONValue[], path: SchemaPath | undefined): V1Schema[] {
    const schemas = this.decodeSchemaList(value, [], path);
    this.finish();
    return schemas;
  }

  decodeRootStringList(value: JSONValue[], path: SchemaPath | undefined): string[] {
    const strings = this.decodeStringList(value, [], path);
    this.finish();
    return strings;
  }

  private finish(): void {
    if (this.firstTypeError !== undefined) throw this.firstTypeError;
  }

  private decodeStruct(
    spec: StructSpec,
    value: JSONObject,
    target: Target,
    path: SchemaPath | undefined,
  ): Target {
    for (const key of sortedKeys(value)) {
      const field =
        spec.byName.get(key) ??
        (this.caseSensitive ? undefined : spec.byFoldedName.get(foldGoFieldName(key)));
      if (field === undefined) {
        if (this.disallowUnknownFields) {
          this.firstTypeError ??= new DecodeError(
            `json: unknown field ${JSON.stringify(key)}`,
            childPath(path, key),
          );
        }
        continue;
      }
      const goField = spec.goFields.get(field);
      this.decodeField(field, value[key] as JSONValue, target, childPath(path, key, goField));
    }
    return target;
  }

  private decodeField(field: FieldSpec, value: JSONValue, target: Target, path: SchemaPath): void {
    const { name, kind, goType } = field;
    if (value === null) {
      // Go leaves plain fields alone and clears pointers, slices and maps.
      if (kind !== 'string' && kind !== 'bool') delete target[name];
      return;
    }
    switch (kind) {
      case 'string':
      case 'stringPtr':
        if (typeof value === 'string') target[name] = value;
        else this.typeError(value, goType, path);
        return;
      case 'bool':
      case 'boolPtr':
        if (typeof value === 'boolean') target[name] = value;
        else this.typeError(value, goType, path);
        return;
      case 'number':
        if (typeof value === 'number') target[name] = value;
        else this.typeError(value, goType, path);
        return;
      case 'integer':
        if (typeof value !== 'number') this.typeError(value, goType, path);
        else if (!decodesAsInt64(value)) this.typeError(value, goType, path, `number ${String(value)}`);
        else target[name] = value;
        return;
      case 'json':
        target[name] = copyJSON(value, { sortKeys: true }, path);
        return;
      case 'jsonList':
        if (Array.isArray(value))
          target[name] = decodeJSONList(value, target[name] as JSONValue[] | undefined, path);
        else this.typeError(value, goType, path);
        return;
      case 'stringList':
        if (Array.isArray(value))
          target[name] = this.decodeStringList(value, target[name] as string[] | undefined, path);
        else this.typeError(value, goType, path);
        return;
      case 'schema':
        if (isPlainObject(value))
          target[name] = this.decodeStruct(SCHEMA_STRUCT, value, asTarget(target[name]), path);
        else this.typeError(value, goType, path);
        return;
      case 'schemaList':
        if (Array.isArray(value)) {
          target[name] = this.decodeSchemaList(value, target[name] as V1Schema[] | undefined, path);
        } else {
          this.typeError(value, goType, path);
        }
        return;
      case 'schemaMap':
        if (isPlainObject(value))
          target[name] = this.decodeSchemaMap(value, target[name] as Map<string, V1Schema>, path);
        else this.typeError(value, goType, path);
        return;
      case 'schemaOrArray':
        target[name] = decodeSchemaOrArray(value, path);
        return;
      case 'schemaOrBool':
        target[name] = decodeSchemaOrBool(value, path);
        return;
      case 'dependencies':
        if (isPlainObject(value))
          target[name] = decodeDependencies(value, target[name] as DependencyMap, path);
        else this.typeError(value, goType, path);
        return;
      case 'externalDocs':
        if (isPlainObject(value)) {
          target[name] = this.decodeStruct(EXTERNAL_DOCS_STRUCT, value, asTarget(target[name]), path);
        } else {
          this.typeError(value, goType, path);
        }
        return;
      case 'validations':
        if (Array.isArray(value))
          target[name] = this.decodeValidations(value, target[name] as Target[], path);
        else this.typeError(value, goType, path);
        return;
    }
  }

  // Go decodes list elements into the elements already there (merging objects), then truncates.
  private decodeSchemaList(
    values: JSONValue[],
    existing: V1Schema[] | undefined,
    path: SchemaPath | undefined,
  ): V1Schema[] {
    return values.map((value, index) => {
      const target = asTarget(existing?.[index]);
      if (value === null) return target as V1Schema;
      if (!isPlainObject(value)) {
        this.typeError(value, 'v1.JSONSchemaProps', childPath(path, index));
        return target as V1Schema;
      }
      return this.decodeStruct(SCHEMA_STRUCT, value, target, childPath(path, index)) as V1Schema;
    });
  }

  private decodeStringList(
    values: JSONValue[],
    existing: string[] | undefined,
    path: SchemaPath | undefined,
  ): string[] {
    return values.map((value, index) => {
      if (typeof value === 'string') return value;
      if (value !== null) this.typeError(value, 'string', childPath(path, index));
      return existing?.[index] ?? '';
    });
  }

  // Map entries are decoded fresh (Go zeroes the element first) into the map already there.
  private decodeSchemaMap(
    value: JSONObject,
    existing: Map<string, V1Schema> | undefined,
    path: SchemaPath,
  ): Map<string, V1Schema> {
    const map = existing ?? new Map<string, V1Schema>();
    for (const key of sortedKeys(value)) {
      const entry = value[key] as JSONValue;
      const entryPath = childPath(path, key);
      if (entry === null) map.set(key, {});
      else if (isPlainObject(entry))
        map.set(key, this.decodeStruct(SCHEMA_STRUCT, entry, {}, entryPath) as V1Schema);
      else this.typeError(entry, 'v1.JSONSchemaProps', entryPath);
    }
    return map;
  }

  private decodeValidations(values: JSONValue[], existing: Target[] | undefined, path: SchemaPath): Target[] {
    return values.map((value, index) => {
      const target = asTarget(existing?.[index]);
      if (value === null) return target;
      if (!isPlainObject(value)) {
        this.typeError(value, 'v1.ValidationRule', childPath(path, index));
        return target;
      }
      return this.decodeStruct(VALIDATION_RULE_STRUCT, value, target, childPath(path, index));
    });
  }

  private typeError(
    value: JSONValue,
    goType: string,
    path: SchemaPath,
    valueText = unmarshalValueKind(value),
  ): void {
    this.firstTypeError ??= new DecodeError(unmarshalTypeMessage(valueText, goLocation(path), goType), path);
  }
}

type DependencyMap = Map<string, V1SchemaOrStringArray> | undefined;

function asTarget(value: unknown): Target {
  return (value as Target | undefined) ?? {};
}

// Go's `[]v1.JSON`: a `null` element leaves the element that was there (or gives a JSON null).
function decodeJSONList(
  values: JSONValue[],
  existing: JSONValue[] | undefined,
  path: SchemaPath,
): JSONValue[] {
  return values.map((value, index) =>
    value === null
      ? (existing?.[index] ?? null)
      : copyJSON(value, { sortKeys: true }, childPath(path, index)),
  );
}

// The three Kubernetes types with their own unmarshalling decode their content with a fresh, case-sensitive decoder.

function decodeSchemaOrArray(value: JSONValue, path: SchemaPath): V1SchemaOrArray {
  if (isPlainObject(value)) return { schema: new Decoder(true).decodeRoot(value, path) };
  if (Array.isArray(value)) return { schemas: new Decoder(true).decodeRootList(value, path) };
  return {};
}

function decodeSchemaOrBool(value: JSONValue, path: SchemaPath): V1SchemaOrBool {
  if (isPlainObject(value)) return { allows: true, schema: new Decoder(true).decodeRoot(value, path) };
  if (typeof value === 'boolean') return { allows: value };
  throw new DecodeError('boolean or JSON schema expected', path);
}

function decodeDependencies(
  value: JSONObject,
  existing: DependencyMap,
  path: SchemaPath,
): Map<string, V1SchemaOrStringArray> {
  const map = existing ?? new Map<string, V1SchemaOrStringArray>();
  for (const key of sortedKeys(value)) {
    const entry = value[key] as JSONValue;
    const entryPath = childPath(path, key);
    if (isPlainObject(entry)) map.set(key, { schema: new Decoder(true).decodeRoot(entry, entryPath) });
    else if (Array.isArray(entry))
      map.set(key, { property: new Decoder(true).decodeRootStringList(entry, entryPath) });
    else map.set(key, {});
  }
  return map;
}

// Go names the struct the error happened in and the JSON names of the struct fields on the way there (map keys and
// list indexes left out). An error that surfaces from a nested decoder is named after the outer struct.
function goLocation(path: SchemaPath): string {
  const fields = pathTokens(path).flatMap((node) => (node.goField === undefined ? [] : [node.goField]));
  if (fields.length === 0) return 'Go value';
  const last = fields[fields.length - 1] as GoFieldInfo;
  const crossedBoundary = fields.slice(0, -1).some((field) => field.boundary);
  const struct = crossedBoundary ? SCHEMA_STRUCT.goName : last.struct;
  return `Go struct field ${struct}.${fields.map((field) => field.name).join('.')}`;
}

/** Sorts every `required` list reachable through properties, items and additionalProperties, as OpenChoreo does. */
export function sortRequiredFields(schema: V1Schema): void {
  schema.required?.sort(compareGoStrings);
  schema.properties?.forEach(sortRequiredFields);
  if (schema.items?.schema !== undefined) sortRequiredFields(schema.items.schema);
  if (schema.additionalProperties?.schema !== undefined)
    sortRequiredFields(schema.additionalProperties.schema);
}

/** The v1 JSON form: Go's field order, zero plain fields and empty lists and maps left out, map keys sorted. */
export function encodeV1Schema(schema: V1Schema): JSONObject {
  return encodeStruct(SCHEMA_FIELDS, schema as Target);
}

function encodeStruct(fields: readonly FieldSpec[], source: Target): JSONObject {
  const out: JSONObject = {};
  for (const { name, kind } of fields) {
    const value = source[name];
    if (value === undefined) continue;
    const encoded = encodeField(kind, value);
    if (encoded !== undefined) out[name] = encoded;
  }
  return out;
}

function encodeField(kind: FieldKind, value: unknown): JSONValue | undefined {
  switch (kind) {
    case 'string':
      return value === '' ? undefined : (value as string);
    case 'bool':
      return value === true ? true : undefined;
    case 'stringPtr':
    case 'boolPtr':
    case 'number':
    case 'integer':
      return value as JSONValue;
    case 'json':
      // Decoding clears a field given null, but the shorthand keeps a null default (it still makes its field
      // optional), which Kubernetes' v1 conversion then leaves out.
      return value === null ? undefined : (value as JSONValue);
    case 'jsonList':
    case 'stringList':
      return nonEmpty(value as JSONValue[]);
    case 'schema':
      return encodeV1Schema(value as V1Schema);
    case 'schemaList':
      return nonEmpty((value as V1Schema[]).map(encodeV1Schema));
    case 'schemaMap':
      return encodeMap(value as Map<string, V1Schema>, encodeV1Schema);
    case 'schemaOrArray': {
      const { schema, schemas } = value as V1SchemaOrArray;
      if (schemas !== undefined && schemas.length > 0) return schemas.map(encodeV1Schema);
      return schema === undefined ? null : encodeV1Schema(schema);
    }
    case 'schemaOrBool': {
      const { schema, allows } = value as V1SchemaOrBool;
      return schema === undefined ? allows : encodeV1Schema(schema);
    }
    case 'dependencies':
      return encodeMap(value as Map<string, V1SchemaOrStringArray>, ({ schema, property }) => {
        if (property !== undefined && property.length > 0) return property;
        return schema === undefined ? null : encodeV1Schema(schema);
      });
    case 'externalDocs':
      return encodeStruct(EXTERNAL_DOCS_FIELDS, value as Target);
    case 'validations':
      return nonEmpty((value as V1ValidationRule[]).map(encodeValidationRule));
  }
}

// `rule` is the one field Go writes even when empty.
export function encodeValidationRule(rule: V1ValidationRule): JSONObject {
  return { rule: rule.rule ?? '', ...encodeStruct(VALIDATION_RULE_FIELDS.slice(1), rule as Target) };
}

function encodeMap<T>(map: Map<string, T>, encode: (value: T) => JSONValue): JSONObject | undefined {
  if (map.size === 0) return undefined;
  const out: JSONObject = {};
  for (const key of [...map.keys()].sort(compareGoStrings)) setOwn(out, key, encode(map.get(key) as T));
  return out;
}
