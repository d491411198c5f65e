// OpenChoreo's shorthand parameter schema (v0.17 `spec.schema.parameters` / `spec.schema.types`) turned into JSON
// Schema, re-implementing OpenChoreo's ExtractSchema: the same grammar, the same accepted and refused inputs, the
// same error texts, and the same output: the tree is built as the V1Schema the openAPIV3Schema path decodes into and
// written by the same encoder (Kubernetes v1 JSONSchemaProps JSON, keys in its field order).
// Beyond OpenChoreo it bounds hostile input: nesting depth, total schema size and alias chains are limited.
import { SchemaError } from '../errors.ts';
import { exceedsDepth, isPlainObject, setOwn } from '../json.ts';
import type { JSONObject, JSONSchema, JSONValue } from '../types.ts';
import { GoJSONError, MAX_JSON_DEPTH, parseGoJSON } from '../go/encoding-json.ts';
import { goTypeName } from '../go/fmt.ts';
import {
  GoParseError,
  goQuote,
  goUnquoteDouble,
  parseGoBool,
  parseGoFloat64,
  parseGoInt64,
} from '../go/strconv.ts';
import { compareGoStrings, goTrimSpace } from '../go/strings.ts';
import { isGoSpace } from '../go/unicode.ts';
import { encodeV1Schema, type V1Schema } from '../openapi/v1.ts';
import { checkValue } from './default-check.ts';
import { canonicalJSON, cloneSchema, countNodes, nestingHeight } from './schema-tree.ts';

export interface ShorthandOptions {
  /** Forbid properties a field map does not declare (`additionalProperties: false` on every object). */
  setAdditionalPropertiesFalse?: boolean;
  /** Do not check defaults against their own field's constraints. */
  skipDefaultValidation?: boolean;
}

/** Deepest allowed schema nesting (the root object is level 0; each property, item or map value adds one). */
export const MAX_SCHEMA_DEPTH = 64;
/** Most schema nodes one conversion may produce; custom types are copied at every use, so this bounds expansion. */
export const MAX_SCHEMA_NODES = 100_000;
/** Longest chain of custom types resolving through one another (`A: B`, `B: C`, ...). */
export const MAX_TYPE_CHAIN = 256;

const ALLOWED_UNKNOWN_MARKER_PREFIXES = ['oc:'];

// The markers that set one scalar field, by how their value is read: Go's strconv for numbers and booleans, the
// text as written (unquoted if quoted) for the rest.
const FLOAT_MARKERS = ['minimum', 'maximum', 'multipleOf'] as const;
const INT_MARKERS = [
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
] as const;
const BOOL_MARKERS = ['exclusiveMinimum', 'exclusiveMaximum'] as const;
const TEXT_MARKERS = ['pattern', 'title', 'description', 'format'] as const;

function isMarkerOf<const T extends readonly string[]>(markers: T, key: string): key is T[number] {
  return markers.includes(key);
}

function fail(message: string): never {
  throw new SchemaError(message);
}

/** Errors of Go's strconv/json helpers carry Go's text; anything else is a bug and must not be reworded. */
function goMessage(error: unknown): string {
  if (error instanceof GoParseError || error instanceof GoJSONError || error instanceof SchemaError) {
    return error.message;
  }
  throw error;
}

/** Runs `parse`, turning a Go-style parse failure into a SchemaError prefixed like OpenChoreo's wrapping. */
function parseOrFail<T>(prefix: string | (() => string), parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = goMessage(error);
    return fail(`${typeof prefix === 'string' ? prefix : prefix()}: ${message}`);
  }
}

/** Go accepts Inf and NaN here, but JSON cannot carry them, so the schema is refused instead. */
class NonFiniteNumberError extends GoParseError {
  constructor() {
    super('value must be a finite number');
  }
}

function requireFinite(value: number): number {
  if (!Number.isFinite(value)) throw new NonFiniteNumberError();
  return value;
}

/**
 * Splits `input` at `separator` (its first character) except inside double quotes, where a backslash escapes the
 * next character. Parts are trimmed; empty parts are dropped; quotes are kept.
 */
export function splitRespectingQuotes(input: string, separator: string): string[] {
  const sep = separator[0];
  if (sep === undefined) throw new TypeError('splitRespectingQuotes: separator must not be empty');
  const parts: string[] = [];
  let current = '';
  let inQuotes = false;
  let escaped = false;
  const flush = () => {
    const trimmed = goTrimSpace(current);
    if (trimmed !== '') parts.push(trimmed);
    current = '';
  };
  for (const char of input) {
    if (escaped) {
      escaped = false;
    } else if (char === '\\' && inQuotes) {
      escaped = true;
    } else if (char === '"') {
      inQuotes = !inQuotes;
    } else if (char === sep && !inQuotes) {
      flush();
      continue;
    }
    current += char;
  }
  flush();
  return parts;
}

/**
 * Splits a constraint expression at whitespace outside quotes (single or double, backslash-escaped) and outside
 * `{...}`/`[...]`, so JSON values and quoted texts stay whole.
 */
function tokenizeConstraints(expression: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | undefined;
  let escaped = false;
  let bracketDepth = 0;
  for (const char of expression) {
    if (quote !== undefined) {
      current += char;
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === '{' || char === '[') {
      bracketDepth++;
      current += char;
    } else if (char === '}' || char === ']') {
      if (bracketDepth > 0) bracketDepth--;
      current += char;
    } else if (bracketDepth === 0 && isGoSpace(char)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

/** Strips one level of quoting: Go escapes in double quotes, `''` for `'` in single quotes. */
function unquoteIfNeeded(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    const last = value[value.length - 1];
    if (first === '"' && last === '"') return goUnquoteDouble(value) ?? value;
    if (first === "'" && last === "'") return value.slice(1, -1).replaceAll("''", "'");
  }
  return value;
}

/**
 * A marker value as the JSON value a field of `schemaType` holds (object keys in Go's order). Go holds an integer
 * field's value as an int64, every other number as a float64. Throws Go-worded errors.
 */
function parseValueForType(value: string, schemaType: string): JSONValue {
  switch (schemaType) {
    case 'string':
      return unquoteIfNeeded(value);
    case 'integer':
      if (value === '') throw new GoParseError('empty integer value');
      return parseGoInt64(value);
    case 'number':
      if (value === '') throw new GoParseError('empty number value');
      return requireFinite(parseGoFloat64(value));
    case 'boolean':
      return parseGoBool(value);
    case 'array':
    case 'object':
      if (goTrimSpace(value) === '') throw new GoParseError(`empty ${schemaType} value`);
      return canonicalJSON(parseGoJSON(value));
    default:
      throw new GoParseError(`unsupported schema type ${goQuote(schemaType)}`);
  }
}

/** `example=`: JSON for `{`/`[`, else a bool, an integer, a float, or the text as written. */
function parseArbitraryValue(raw: string): JSONValue {
  const value = goTrimSpace(raw);
  if (value === '') return '';
  if (value.startsWith('{') || value.startsWith('[')) return canonicalJSON(parseGoJSON(value));
  const attempts: (() => JSONValue)[] = [
    () => parseGoBool(value),
    () => parseGoInt64(value),
    () => requireFinite(parseGoFloat64(value)),
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (error) {
      if (!(error instanceof GoParseError) || error instanceof NonFiniteNumberError) throw error;
    }
  }
  return value;
}

function describeDefaultErrors(errors: string[]): string {
  return `default value does not satisfy schema constraints: [${errors.join(' ')}]`;
}

class Converter {
  private readonly typeCache = new Map<string, V1Schema>();
  private readonly typeStack: string[] = [];
  private nodes = 0;

  constructor(
    private readonly types: JSONObject,
    private readonly options: ShorthandOptions,
  ) {}

  /** A field map (inline object or custom type definition), with an optional `$default` for the object itself. */
  buildObjectSchema(fields: JSONObject, depth: number): V1Schema {
    this.enter(depth);
    const hasObjectDefault = Object.hasOwn(fields, '$default');
    const names = Object.keys(fields)
      .filter((name) => name !== '$default')
      .sort(compareGoStrings);
    const properties = new Map<string, V1Schema>();
    const required: string[] = [];
    for (const name of names) {
      let schema: V1Schema;
      try {
        schema = this.buildFieldSchema(fields[name]!, depth + 1);
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        const field = error.field === undefined ? name : `${name}.${error.field}`;
        throw new SchemaError(`field ${goQuote(name)}: ${error.message}`, field);
      }
      properties.set(name, schema);
      if (schema.default === undefined) required.push(name);
    }
    const result: V1Schema = { type: 'object', properties };
    if (required.length > 0) result.required = required;
    if (this.options.setAdditionalPropertiesFalse) result.additionalProperties = { allows: false };
    if (hasObjectDefault) {
      try {
        this.applyObjectDefault(result, fields.$default!);
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        fail(`invalid $default: ${error.message}`);
      }
    }
    return result;
  }

  private applyObjectDefault(schema: V1Schema, raw: JSONValue): void {
    let value: JSONObject;
    if (isPlainObject(raw)) {
      if (exceedsDepth(raw, MAX_JSON_DEPTH)) fail(`value nests deeper than ${MAX_JSON_DEPTH} levels`);
      value = raw;
    } else if (typeof raw === 'string') {
      const parsed = parseOrFail('value is not a valid object', () => parseValueForType(raw, 'object'));
      if (!isPlainObject(parsed)) fail(`value must be an object, got ${goTypeName(parsed)}`);
      value = parsed;
    } else {
      fail(`value must be an object or JSON string, got ${goTypeName(raw)}`);
    }
    schema.default = canonicalJSON(value);
    if (!this.options.skipDefaultValidation) {
      const errors = checkValue(schema, value);
      if (errors.length > 0) fail(`default value does not satisfy schema: ${describeDefaultErrors(errors)}`);
    }
  }

  private buildFieldSchema(raw: JSONValue, depth: number): V1Schema {
    if (typeof raw === 'string') return this.schemaFromString(raw, depth);
    if (isPlainObject(raw)) return this.buildObjectSchema(raw, depth);
    return fail(`unsupported field definition of type ${goTypeName(raw)}`);
  }

  /** `type | marker=value ...`: the type part up to the first `|`, constraint markers after it. */
  private schemaFromString(expression: string, depth: number): V1Schema {
    const trimmed = goTrimSpace(expression);
    if (trimmed === '') fail('empty schema expression');
    const pipe = trimmed.indexOf('|');
    const typeExpression = pipe === -1 ? trimmed : goTrimSpace(trimmed.slice(0, pipe));
    const constraints = pipe === -1 ? '' : goTrimSpace(trimmed.slice(pipe + 1));
    const schema = this.schemaFromType(typeExpression, depth);
    this.applyConstraints(schema, constraints, schema.type ?? '');
    return schema;
  }

  private schemaFromType(typeExpression: string, depth: number): V1Schema {
    switch (typeExpression) {
      case 'string':
      case 'integer':
      case 'number':
      case 'boolean':
        this.enter(depth);
        return { type: typeExpression };
      case 'object':
        return fail(
          "'object' type is not allowed; use a map type (e.g., 'map<string>') for free-form objects or define a structured type with explicit properties",
        );
    }
    if (typeExpression.startsWith('[]')) {
      return this.arraySchema(goTrimSpace(typeExpression.slice(2)), depth);
    }
    if (typeExpression.startsWith('array<') && typeExpression.endsWith('>')) {
      return this.arraySchema(goTrimSpace(typeExpression.slice('array<'.length, -1)), depth);
    }
    if (typeExpression.startsWith('map<') && typeExpression.endsWith('>')) {
      return this.mapSchema(goTrimSpace(typeExpression.slice('map<'.length, -1)), depth);
    }
    if (typeExpression.startsWith('map[')) {
      const closing = typeExpression.indexOf(']');
      if (closing === -1) fail(`invalid map type expression ${goQuote(typeExpression)}`);
      const keyType = goTrimSpace(typeExpression.slice('map['.length, closing));
      if (keyType !== 'string') {
        fail(`map key type must be 'string', got ${goQuote(keyType)} in ${goQuote(typeExpression)}`);
      }
      return this.mapSchema(goTrimSpace(typeExpression.slice(closing + 1)), depth);
    }
    return this.schemaFromCustomType(typeExpression, depth);
  }

  private arraySchema(itemType: string, depth: number): V1Schema {
    this.enter(depth);
    return { type: 'array', items: { schema: this.schemaFromType(itemType, depth + 1) } };
  }

  private mapSchema(valueType: string, depth: number): V1Schema {
    this.enter(depth);
    return {
      type: 'object',
      additionalProperties: { allows: true, schema: this.schemaFromType(valueType, depth + 1) },
    };
  }

  /** A named type from `types`, built once and copied at every use; cycles are refused. */
  private schemaFromCustomType(name: string, depth: number): V1Schema {
    const cached = this.typeCache.get(name);
    if (cached !== undefined) {
      if (depth + nestingHeight(cached) > MAX_SCHEMA_DEPTH) this.tooDeep();
      this.count(countNodes(cached));
      return cloneSchema(cached);
    }
    const cycleStart = this.typeStack.indexOf(name);
    if (cycleStart !== -1) {
      const cycle = [...this.typeStack.slice(cycleStart), name].join(' -> ');
      fail(`detected cyclic type reference involving ${goQuote(name)} (cycle: ${cycle})`);
    }
    if (!Object.hasOwn(this.types, name)) fail(`unknown type ${goQuote(name)}`);
    if (this.typeStack.length >= MAX_TYPE_CHAIN) {
      fail(`custom types refer through more than ${MAX_TYPE_CHAIN} other types`);
    }
    const definition = this.types[name]!;
    this.typeStack.push(name);
    let built: V1Schema;
    try {
      if (typeof definition === 'string') built = this.schemaFromString(definition, depth);
      else if (isPlainObject(definition)) built = this.buildObjectSchema(definition, depth);
      else fail(`unsupported custom type definition for ${goQuote(name)} (type ${goTypeName(definition)})`);
    } finally {
      this.typeStack.pop();
    }
    this.typeCache.set(name, built);
    return cloneSchema(built);
  }

  private applyConstraints(schema: V1Schema, expression: string, schemaType: string): void {
    if (goTrimSpace(expression) === '') return;
    for (const token of tokenizeConstraints(expression)) {
      const equals = token.indexOf('=');
      if (equals === -1) {
        const marker = goTrimSpace(token);
        if (marker === '|' || hasAllowedPrefix(marker)) continue;
        fail(`constraint marker ${goQuote(marker)} is missing a value (should be in format 'key=value')`);
      }
      const key = goTrimSpace(token.slice(0, equals));
      const value = goTrimSpace(token.slice(equals + 1));
      if (key === 'required') {
        fail(`marker ${goQuote(key)} is not allowed - use default values to make fields optional`);
      }
      if (!this.applyMarker(schema, key, value, schemaType) && !hasAllowedPrefix(key)) {
        fail(`unknown constraint marker ${goQuote(key)}`);
      }
    }
    if (!this.options.skipDefaultValidation && schema.default !== undefined) {
      const errors = checkValue(schema, schema.default);
      if (errors.length > 0) fail(`invalid default value: ${describeDefaultErrors(errors)}`);
    }
  }

  /** Applies one known marker; false when `key` is not a marker the shorthand knows. */
  private applyMarker(schema: V1Schema, key: string, value: string, schemaType: string): boolean {
    const context = () => `invalid ${key} ${goQuote(value)}`;
    if (isMarkerOf(FLOAT_MARKERS, key))
      schema[key] = parseOrFail(context, () => requireFinite(parseGoFloat64(value)));
    else if (isMarkerOf(INT_MARKERS, key)) schema[key] = parseOrFail(context, () => parseGoInt64(value));
    else if (isMarkerOf(BOOL_MARKERS, key)) schema[key] = parseOrFail(context, () => parseGoBool(value));
    else if (isMarkerOf(TEXT_MARKERS, key)) schema[key] = unquoteIfNeeded(value);
    else return this.applyValueMarker(schema, key, value, schemaType);
    return true;
  }

  /** The markers whose value is a JSON value read for the field's type: `default`, `enum`, `example`. */
  private applyValueMarker(schema: V1Schema, key: string, value: string, schemaType: string): boolean {
    const context = () => `invalid ${key} ${goQuote(value)}`;
    switch (key) {
      case 'default':
        schema.default = parseOrFail(context, () => parseValueForType(value, schemaType));
        break;
      case 'enum':
        schema.enum = splitRespectingQuotes(value, ',').map((entry) =>
          parseOrFail(
            () => `invalid enum value ${goQuote(entry)}`,
            () => parseValueForType(entry, schemaType),
          ),
        );
        break;
      case 'example':
        schema.example = parseOrFail(context, () => parseArbitraryValue(value));
        break;
      default:
        return false;
    }
    return true;
  }

  /** Accounts for one new schema node at `depth`. */
  private enter(depth: number): void {
    if (depth > MAX_SCHEMA_DEPTH) this.tooDeep();
    this.count(1);
  }

  private count(nodes: number): void {
    this.nodes += nodes;
    if (this.nodes > MAX_SCHEMA_NODES) {
      fail(
        `schema is too large: more than ${MAX_SCHEMA_NODES} schema nodes (custom types are expanded at every use)`,
      );
    }
  }

  private tooDeep(): never {
    return fail(`schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  }
}

function hasAllowedPrefix(key: string): boolean {
  return ALLOWED_UNKNOWN_MARKER_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * OpenChoreo's ExtractSchema: a shorthand field map (plus named `types`) as JSON Schema in Kubernetes v1
 * JSONV1Schema JSON form. Every field without a default is required. An inline `$types` map in `parameters` adds
 * types (`types` wins on a name clash). Throws SchemaError with OpenChoreo's texts, e.g.
 * `field "port": invalid default value: ...`; `error.field` is the dotted path of field names.
 */
export function shorthandToJSONSchema(
  parameters: JSONObject | null | undefined,
  types?: JSONObject | null,
  options: ShorthandOptions = {},
): JSONSchema {
  if (parameters !== undefined && parameters !== null && !isPlainObject(parameters)) {
    fail(`parameters must be a map of field definitions, got ${goTypeName(parameters)}`);
  }
  if (types !== undefined && types !== null && !isPlainObject(types)) {
    fail(`types must be a map of type definitions, got ${goTypeName(types)}`);
  }
  let fields: JSONObject = parameters ?? {};
  let allTypes: JSONObject = types ?? {};
  const inlineTypes = fields.$types;
  if (Object.hasOwn(fields, '$types') && isPlainObject(inlineTypes)) {
    const merged: JSONObject = {};
    for (const source of [inlineTypes, allTypes]) {
      for (const name of Object.keys(source)) setOwn(merged, name, source[name]!);
    }
    allTypes = merged;
    const remaining: JSONObject = {};
    for (const name of Object.keys(fields)) if (name !== '$types') setOwn(remaining, name, fields[name]!);
    fields = remaining;
  }
  const converter = new Converter(allTypes, options);
  return encodeV1Schema(converter.buildObjectSchema(fields, 0));
}
