// Validation of WorkflowRun parameters against a Workflow's resolved parameter schema, with ajv, reported as
// Kubernetes field errors (k8s.io/apimachinery/pkg/util/validation/field wording) whose paths start at
// `spec.workflow.parameters`.
//
// Two checks run over the parameters:
// - ajv, compiled once per schema, for every JSON Schema / OpenAPI v3 constraint. The schema is first rewritten
//   so that ajv judges as Kubernetes' validator (kube-openapi) does: OpenAPI's boolean `exclusiveMinimum`/
//   `exclusiveMaximum`; `type`, `format` and `multipleOf` as keywords of our own with kube-openapi's rules (an
//   integer is a float within 2^53 that go-openapi/swag calls integral, `nullable` and
//   `x-kubernetes-int-or-string` widen the type, only the formats Kubernetes keeps are checked, with its
//   checkers); a null value meets only `type` and `enum` (never an enum, as in Go), not allOf/anyOf/oneOf/not.
//   test/differential holds these rules against Kubernetes' own code.
// - unknown parameters, as Kubernetes' structural pruning sees them: a key an object schema does not declare,
//   where the schema does not admit extra keys (`additionalProperties`, `x-kubernetes-preserve-unknown-fields`).
//   OpenChoreo's schemas never say `additionalProperties: false`, so this is a separate check whose outcome
//   follows the caller's policy. An explicit `additionalProperties: false` is a schema constraint and always an
//   error.
import { _, Ajv, type ErrorObject, type KeywordCxt, type ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';

import { holdsGoInt64 } from './defaulting.ts';
import { SchemaError } from './errors.ts';
import { isGoInt64, toInt64 } from './go/apimachinery-json.ts';
import { isFloat64AJSONInteger } from './go/swag.ts';
import { compileRE2, re2Engine } from './go/regexp.ts';
import { matchesStrfmtFormat, strfmtName } from './go/strfmt.ts';
import { boundedJSON, exceedsDepth, getOwn, isPlainObject } from './json.ts';
import { compareFieldErrors } from './field-errors.ts';
import { LeastRecentlyUsed } from './lru.ts';
import { compileParameterTree, type ParameterNode, type ParameterTree } from './parameter-tree.ts';
import type { FieldError, JSONObject, JSONSchema, JSONValue, UnknownParameterPolicy } from './types.ts';

export const PARAMETERS_FIELD = 'spec.workflow.parameters';
/** Objects and arrays nested deeper than this in parameters are refused before anything walks them. */
export const MAX_PARAMETER_DEPTH = 64;
/** Schemas nested deeper than this (counting every subschema level) are refused at compile time. */
export const MAX_VALIDATED_SCHEMA_DEPTH = 128;
/** Beyond this many errors one summary line stands for the rest, so a response stays readable and small. */
export const MAX_REPORTED_ERRORS = 100;
const MAX_VALUE_TEXT = 80;
const MAX_KEY_TEXT = 100;
const MAX_LISTED_ENUM_VALUES = 20;
const MAX_WARNING_LENGTH = 120;

export interface ValidationResult {
  errors: FieldError[];
  warnings: string[];
}

export interface ParameterValidator {
  validate(parameters: JSONValue | undefined, policy?: UnknownParameterPolicy): ValidationResult;
}

// `enum` as kube-openapi matches it, as set lookups (ajv's own enum compiles in time quadratic in its length). Go
// holds a schema's whole-number enum entries as int64 and converts the value to the entry's type before comparing:
// a number matches a whole entry when its integer part equals it (5.5 matches 5), a null never matches, and a list
// or map entry with a whole number inside never matches a value (float64 against int64).
const KUBE_ENUM = 'x-openchoreo-workflowrun-enum';
/** ajv compiles `enum` in time quadratic in its length (30,000 values take seconds): beyond this, ours. */
const LARGE_ENUM = 64;
// Kubernetes' readings of `type` (with `nullable`, `x-kubernetes-int-or-string` and `format`), `format` and
// `multipleOf`, in place of ajv's.
const KUBE_TYPE = 'x-openchoreo-workflowrun-type';
const KUBE_FORMAT = 'x-openchoreo-workflowrun-format';
const KUBE_MULTIPLE_OF = 'x-openchoreo-workflowrun-multiple-of';
// `minimum` and `maximum` (with OpenAPI's boolean exclusive flags) whose bound is no int64: Go judges an int64 (a
// whole number a default put in place) against the bound converted to one, truncated (5 meets `minimum: 5.5`, -5
// meets `maximum: -5.5`) or, out of range, MinInt64. A bound that is an int64 compares the same either way, and
// keeps ajv's faster keyword.
const KUBE_MINIMUM = 'x-openchoreo-workflowrun-minimum';
const KUBE_MAXIMUM = 'x-openchoreo-workflowrun-maximum';
// ajv's uniqueItems skips items that are not of the type `items` declares (two nulls in a list of strings pass);
// kube-openapi compares every item.
const KUBE_UNIQUE_ITEMS = 'x-openchoreo-workflowrun-unique-items';

// A type alias, not an interface, so that it is a JSONObject and can sit in a prepared schema.
type KubeType = {
  types: string[];
  nullable: boolean;
  /** A format Kubernetes checks, or ''. */
  format: string;
};

type KubeBound = { limit: number; exclusive: boolean };

// Two instances for the process: compiled validators are independent functions, and each schema is removed from
// ajv's cache right after compiling so Workflows that come and go do not pile up there. ajv's `ownProperties`
// makes every property access a hasOwnProperty call (about 4x slower validation), and only matters for property
// names Object.prototype also has (`constructor`, `toString`, ...), which would otherwise count as present; only
// schemas that declare such a name get the careful instance.
function createAjv(ownProperties: boolean): Ajv {
  const instance = new Ajv({
    allErrors: true,
    strict: false,
    ownProperties,
    verbose: true,
    validateFormats: false,
    // Patterns are RE2, matched in linear time (core/go/regexp.ts).
    code: { regExp: re2Engine },
  });
  addInlineKeyword(
    instance,
    KUBE_TYPE,
    'object',
    (type: KubeType) => (data, parent, key) => hasKubeType(data, type, parent, key),
  );
  addInlineKeyword(
    instance,
    KUBE_FORMAT,
    'string',
    (format: string) => (data) => typeof data !== 'string' || matchesStrfmtFormat(format, data),
  );
  addInlineKeyword(
    instance,
    KUBE_MULTIPLE_OF,
    'number',
    (factor: number) => (data, parent, key) =>
      typeof data !== 'number' ||
      (holdsGoInt64(parent, key) ? isInt64MultipleOf(data, factor) : isMultipleOf(data, factor)),
  );
  addInlineKeyword(
    instance,
    KUBE_MINIMUM,
    'object',
    (bound: KubeBound) => (data, parent, key) =>
      typeof data !== 'number' || meetsBound(data, bound, 1, holdsGoInt64(parent, key)),
  );
  addInlineKeyword(
    instance,
    KUBE_MAXIMUM,
    'object',
    (bound: KubeBound) => (data, parent, key) =>
      typeof data !== 'number' || meetsBound(data, bound, -1, holdsGoInt64(parent, key)),
  );
  addInlineKeyword(instance, KUBE_ENUM, 'array', (values: JSONValue[]) => compileEnum(values));
  addInlineKeyword(
    instance,
    KUBE_UNIQUE_ITEMS,
    'boolean',
    () => (data) => !Array.isArray(data) || firstRepeat(data) === -1,
  );
  return instance;
}
/**
 * A keyword whose test, built once per schema node, is called straight from ajv's generated code: a keyword with
 * `compile` would also get a fresh context object on every call, several times slower on schemas with many fields.
 * The test gets the value and where it sits (the object or list holding it, and its key or index; see
 * holdsGoInt64). A failure is ajv's default error for the keyword; translateError words it.
 */
function addInlineKeyword<T>(
  instance: Ajv,
  keyword: string,
  schemaType: 'object' | 'string' | 'number' | 'array' | 'boolean',
  build: (schemaValue: T) => (data: JSONValue, parent: unknown, key: unknown) => boolean,
): void {
  instance.addKeyword({
    keyword,
    schemaType,
    code(cxt: KeywordCxt) {
      const test = cxt.gen.scopeValue('keyword', { ref: build(cxt.schema as T) });
      cxt.fail(_`!${test}(${cxt.data}, ${cxt.it.parentData}, ${cxt.it.parentDataProperty})`);
    },
  });
}

const fastAjv = createAjv(false);
const ownPropertiesAjv = createAjv(true);

/**
 * Whether a string satisfies a format, by the check run values get (the shorthand's default check asks too). A
 * format Kubernetes drops is satisfied by anything.
 */
export function satisfiesFormat(format: string, value: string): boolean {
  return strfmtName(format) === undefined || matchesStrfmtFormat(format, value);
}

/** The JSON type kube-openapi sees in a decoded value (every number is a float64 there). */
function jsonType(value: JSONValue): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** kube-openapi's type validator, for values decoded as encoding/json decodes them. */
function hasKubeType(
  data: JSONValue,
  { types, nullable, format }: KubeType,
  parent: unknown,
  key: unknown,
): boolean {
  if (data === null) return types.length === 0 || nullable || types.includes('null');
  const type = jsonType(data);
  // A float64 is an integer within 2^53 (swag); an int64 a default put in place is one at any size.
  const integral =
    type === 'number' &&
    types.includes('integer') &&
    (isFloat64AJSONInteger(data as number) || (Number.isInteger(data) && holdsGoInt64(parent, key)));
  const matches = types.includes(type) || integral;
  const stringLike = type === 'string' || type === 'array';
  if (format !== '' && !stringLike) return matches;
  if (format !== '' && !types.includes('number') && !types.includes('integer')) return true;
  return matches;
}

/** kube-openapi's MultipleOf: the quotient (for a factor below 1, the value times its inverse) is integral. */
function isMultipleOf(value: number, factor: number): boolean {
  if (factor <= 0) return false;
  return isFloat64AJSONInteger(factor < 1 ? (1 / factor) * value : value / factor);
}

/** kube-openapi's MultipleOfInt, for an int64: the factor truncated to a whole number, which must be positive. */
function isInt64MultipleOf(value: number, factor: number): boolean {
  const whole = toInt64(factor);
  return whole > 0n && BigInt(value) % whole === 0n;
}

/** Minimum (`side` 1) or maximum (-1), for an int64 against the bound truncated, as Go compares them. */
function meetsBound(value: number, { limit, exclusive }: KubeBound, side: 1 | -1, int64: boolean): boolean {
  const difference = int64 ? Number(BigInt(value) - toInt64(limit)) : value - limit;
  return exclusive ? difference * side > 0 : difference * side >= 0;
}

/** The index of the first item equal to an earlier one, or -1. */
function firstRepeat(items: JSONValue[]): number {
  const seen = new Set<unknown>();
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const key = typeof item === 'object' && item !== null ? `\u0000${stableJSON(item)}` : item;
    if (seen.has(key)) return index;
    seen.add(key);
  }
  return -1;
}

function compileEnum(values: JSONValue[]): (data: JSONValue) => boolean {
  const wholeNumbers = new Set<number>();
  const others = new Set<unknown>();
  for (const value of values) {
    if (typeof value === 'number' && isGoInt64(value)) wholeNumbers.add(value);
    else if (typeof value !== 'object') others.add(value);
    else if (value !== null && !containsWholeNumber(value)) others.add(`\u0000${stableJSON(value)}`);
  }
  return (data) => {
    if (typeof data === 'number') return others.has(data) || wholeNumbers.has(Math.trunc(data) + 0);
    if (typeof data !== 'object') return others.has(data);
    return data !== null && others.has(`\u0000${stableJSON(data)}`);
  };
}

function containsWholeNumber(value: JSONValue): boolean {
  if (typeof value === 'number') return isGoInt64(value);
  if (typeof value !== 'object' || value === null) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(containsWholeNumber);
}

function stableJSON(value: JSONValue): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJSON).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJSON(value[key] as JSONValue)}`).join(',')}}`;
}

/** One schema's compiled ajv function. */
export interface CompiledCheck {
  /** The schema as ajv reads it; error messages are worded from it. */
  prepared: JSONObject;
  validateFunction: ValidateFunction;
}

/**
 * ajv's compiled checks, by the schema as ajv reads it: schemas that differ only in what validation never reads
 * (descriptions, titles, defaults, examples) share one. Compiling is most of what a new schema costs (about 1.5 ms
 * for the docker-build sample), and a Workflow whose default changes would otherwise pay it again on the admission
 * path. Bounded; the least recently used goes first.
 */
export class CompiledChecks extends LeastRecentlyUsed<string, CompiledCheck> {}

function compileChecks(schema: JSONObject, reuse: CompiledChecks | undefined): CompiledCheck {
  const preparation: Preparation = { inheritedNames: false };
  const prepared = prepareForAjv(schema, '', 0, preparation);
  // A hash, not the JSON itself, so the cache holds a few bytes per schema for its key.
  const key =
    reuse &&
    createHash('sha256')
      .update(`${preparation.inheritedNames ? 'own' : 'fast'}:${JSON.stringify(prepared)}`)
      .digest('base64');
  const known = key === undefined ? undefined : reuse?.get(key);
  if (known !== undefined) return known;
  const ajv = preparation.inheritedNames ? ownPropertiesAjv : fastAjv;
  if (!ajv.validateSchema(prepared)) {
    throw schemaErrorFromMeta(ajv.errors ?? [], prepared);
  }
  let validateFunction: ValidateFunction;
  try {
    validateFunction = ajv.compile(prepared);
  } catch (error) {
    throw new SchemaError(`schema does not compile: ${(error as Error).message}`);
  } finally {
    ajv.removeSchema(prepared);
  }
  const checks = { prepared, validateFunction };
  if (key !== undefined) reuse?.set(key, checks);
  return checks;
}

/**
 * Compiles a resolved parameter schema (no `$ref`s left) into a validator. Throws `SchemaError` whose `field` is a
 * JSON Pointer into the schema (`/properties/port/pattern`) when the schema cannot be used; a `null` schema is
 * refused with `schema is nil`, as OpenChoreo's ValidateWithJSONSchema does. The unknown-parameter check walks
 * `tree` (the Workflow's one compiled tree, see core/parameter-tree.ts), or else a tree compiled from `schema`.
 */
export function compileValidator(
  schema: JSONSchema | null | undefined,
  tree?: ParameterTree,
  reuse?: CompiledChecks,
): ParameterValidator {
  if (!isPlainObject(schema)) throw new SchemaError('schema is nil');
  const { prepared, validateFunction } = compileChecks(schema, reuse);
  const fields = (tree ?? compileParameterTree(schema)).root;

  return {
    validate(parameters, policy = 'deny') {
      const values = parameters ?? {};
      if (!isPlainObject(values)) {
        return result([fieldError(PARAMETERS_FIELD, `${invalid(values)}must be of type object`)], []);
      }
      if (exceedsDepth(values, MAX_PARAMETER_DEPTH)) {
        return result(
          [
            fieldError(
              PARAMETERS_FIELD,
              `Forbidden: must not be nested more than ${MAX_PARAMETER_DEPTH} levels deep`,
            ),
          ],
          [],
        );
      }
      const errors = validateFunction(values)
        ? []
        : translateErrors(validateFunction.errors ?? [], values, prepared);
      const warnings: string[] = [];
      if (policy !== 'allow' && fields) {
        const unknown: UnknownField[] = [];
        collectUnknownFields(values, fields, PARAMETERS_FIELD, unknown);
        for (const { field, suggestion } of unknown) {
          const hint = suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
          if (policy === 'deny') errors.push(fieldError(field, `Unknown field${hint}`));
          else warnings.push(unknownParameterWarning(field, hint));
        }
      }
      return result(errors, warnings.sort());
    },
  };
}

function result(errors: FieldError[], warnings: string[]): ValidationResult {
  return { errors: sortAndCap(errors), warnings };
}

function fieldError(field: string, message: string): FieldError {
  return { field, message };
}

function unknownParameterWarning(field: string, hint: string): string {
  const prefix = 'unknown parameter ';
  const room = MAX_WARNING_LENGTH - prefix.length - 2;
  const shown = field.length > room ? `${field.slice(0, room - 3)}...` : field;
  const warning = `${prefix}"${shown}"`;
  return warning.length + hint.length <= MAX_WARNING_LENGTH ? warning + hint : warning;
}

/** Sorted by field, then message; duplicates dropped; at most MAX_REPORTED_ERRORS plus one summary line. */
function sortAndCap(errors: FieldError[]): FieldError[] {
  const sorted = [...errors].sort(compareFieldErrors);
  const unique = sorted.filter(
    (error, index) =>
      index === 0 || error.field !== sorted[index - 1]!.field || error.message !== sorted[index - 1]!.message,
  );
  if (unique.length <= MAX_REPORTED_ERRORS) return unique;
  const hidden = unique.length - MAX_REPORTED_ERRORS;
  return [
    ...unique.slice(0, MAX_REPORTED_ERRORS),
    fieldError(PARAMETERS_FIELD, `Too many: ${hidden} more errors not shown`),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Schema preparation

const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_KEYWORDS = [
  'additionalProperties',
  'additionalItems',
  'items',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
];
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf'];

interface Preparation {
  /** Whether the schema names a property Object.prototype also has. */
  inheritedNames: boolean;
}

/** A copy of `schema` in the form ajv validates the way Kubernetes does; values are shared, never mutated. */
function prepareForAjv(
  schema: JSONObject,
  pointer: string,
  depth: number,
  preparation: Preparation,
): JSONObject {
  if (depth > MAX_VALIDATED_SCHEMA_DEPTH) {
    throw new SchemaError(`schema is nested more than ${MAX_VALIDATED_SCHEMA_DEPTH} levels deep`, pointer);
  }
  const out: JSONObject = {};
  for (const key of Object.keys(schema)) {
    const value = schema[key] as JSONValue;
    const at = `${pointer}/${escapePointer(key)}`;
    if (SKIPPED_KEYWORDS.has(key) || isAnnotation(key, value)) continue;
    if (key === 'multipleOf' && typeof value === 'number') {
      out[KUBE_MULTIPLE_OF] = value;
      continue;
    }
    if (key === 'uniqueItems' && value === true) {
      out[KUBE_UNIQUE_ITEMS] = true;
      continue;
    }
    if (key === 'pattern' && typeof value === 'string') checkPattern(value, at);
    if (!preparation.inheritedNames && namesInheritedProperty(key, value)) preparation.inheritedNames = true;
    if (key === 'enum' && Array.isArray(value)) {
      // ajv's own enum is faster for a few strings and booleans, which both compare alike (nulls never match).
      const plain =
        value.length <= LARGE_ENUM &&
        value.every((entry) => typeof entry === 'string' || typeof entry === 'boolean' || entry === null);
      if (plain) out.enum = value.filter((entry) => entry !== null);
      else out[KUBE_ENUM] = value;
      continue;
    }
    if (SCHEMA_MAP_KEYWORDS.includes(key) && isPlainObject(value)) {
      const map: JSONObject = {};
      for (const name of Object.keys(value)) {
        if (name === '__proto__') {
          throw new SchemaError(`property name "__proto__" is not supported`, `${at}/__proto__`);
        }
        const sub = value[name];
        map[name] = isPlainObject(sub)
          ? prepareForAjv(sub, `${at}/${escapePointer(name)}`, depth + 1, preparation)
          : (sub as JSONValue);
      }
      out[key] = map;
    } else if (SCHEMA_KEYWORDS.includes(key) && isPlainObject(value)) {
      out[key] = prepareForAjv(value, at, depth + 1, preparation);
    } else if ((SCHEMA_LIST_KEYWORDS.includes(key) || key === 'items') && Array.isArray(value)) {
      out[key] = value.map((sub, index) =>
        isPlainObject(sub) ? prepareForAjv(sub, `${at}/${index}`, depth + 1, preparation) : sub,
      );
    } else {
      out[key] = value;
    }
  }
  boundsForInt64(out, schema);
  rewriteOpenAPIBounds(out, schema);
  const format =
    typeof schema.format === 'string' && strfmtName(schema.format) !== undefined ? schema.format : '';
  if (format !== '') out[KUBE_FORMAT] = format;
  const types =
    schema['x-kubernetes-int-or-string'] === true
      ? ['integer', 'string']
      : typeof schema.type === 'string' && schema.type !== ''
        ? [schema.type]
        : [];
  const nullable = schema.nullable === true;
  if (format === '' && types.length === 1 && types[0] !== 'integer') {
    // Without an integer or a format, ajv's type check is kube-openapi's, and faster than a keyword of our own.
    out.type = nullable ? [types[0]!, 'null'] : types[0]!;
  } else if (types.length > 0 || format !== '') {
    const kubeType: KubeType = { types, nullable, format };
    out[KUBE_TYPE] = kubeType;
  }
  // A type that is no JSON type (Kubernetes would accept the schema and then deny every value): ajv's meta-schema
  // check refuses the schema and says why.
  if (schema.type !== undefined && !(typeof schema.type === 'string' && JSON_TYPES.has(schema.type))) {
    out.type = schema.type;
  }
  return skipCompositesForNull(out);
}

/**
 * Keywords validation never reads, left out so that schemas differing only there compile to one set of checks
 * (CompiledChecks). Defaults are applied before validation, by the defaulter. A description or title that is not
 * a string stays, for ajv's meta-schema check to refuse.
 */
function isAnnotation(key: string, value: JSONValue): boolean {
  if (key === 'default' || key === 'example') return true;
  return (key === 'description' || key === 'title') && typeof value === 'string';
}

const JSON_TYPES = new Set(['', 'string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

const SKIPPED_KEYWORDS = new Set([
  '$schema',
  '$id',
  'nullable',
  'x-kubernetes-int-or-string',
  'type',
  'format',
]);

/** kube-openapi checks a null against `type` and `enum` alone; the composites go under `else` of "is it null". */
function skipCompositesForNull(out: JSONObject): JSONObject {
  const composites = ['allOf', 'anyOf', 'oneOf', 'not'].filter((keyword) => out[keyword] !== undefined);
  if (composites.length === 0 || out.if !== undefined) return out;
  const otherwise: JSONObject = {};
  for (const keyword of composites) {
    otherwise[keyword] = out[keyword] as JSONValue;
    delete out[keyword];
  }
  out.if = { type: 'null' };
  out.else = otherwise;
  return out;
}

const PROPERTY_NAME_KEYWORDS = new Set(['properties', 'required', 'dependencies', 'dependentRequired']);

function namesInheritedProperty(keyword: string, value: JSONValue): boolean {
  if (!PROPERTY_NAME_KEYWORDS.has(keyword) || typeof value !== 'object' || value === null) return false;
  const names = Array.isArray(value)
    ? value
    : Object.keys(value).concat(...Object.values(value).filter(Array.isArray));
  return names.some((name) => typeof name === 'string' && name in Object.prototype);
}

// OpenAPI v3.0 (and Kubernetes) write an exclusive bound as `minimum: 5, exclusiveMinimum: true`; ajv's draft-07
// wants `exclusiveMinimum: 5`.
function rewriteOpenAPIBounds(out: JSONObject, schema: JSONObject): void {
  for (const [bound, exclusive] of [
    ['minimum', 'exclusiveMinimum'],
    ['maximum', 'exclusiveMaximum'],
  ] as const) {
    const flag = schema[exclusive];
    if (typeof flag !== 'boolean') continue;
    delete out[exclusive];
    if (flag && typeof schema[bound] === 'number') {
      out[exclusive] = schema[bound];
      delete out[bound];
    }
  }
}

/** A `minimum`/`maximum` that is no int64 as a keyword that judges an int64 the way Go does (KUBE_MINIMUM). */
function boundsForInt64(out: JSONObject, schema: JSONObject): void {
  for (const [bound, exclusive, keyword] of [
    ['minimum', 'exclusiveMinimum', KUBE_MINIMUM],
    ['maximum', 'exclusiveMaximum', KUBE_MAXIMUM],
  ] as const) {
    const limit = schema[bound];
    if (typeof limit !== 'number' || isGoInt64(limit)) continue;
    delete out[bound];
    const flag = schema[exclusive];
    if (typeof flag === 'boolean') delete out[exclusive];
    const kubeBound: KubeBound = { limit, exclusive: flag === true };
    out[keyword] = kubeBound;
  }
}

function checkPattern(pattern: string, at: string): void {
  try {
    compileRE2(pattern);
  } catch (error) {
    throw new SchemaError(`invalid pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`, at);
  }
}

function schemaErrorFromMeta(errors: ErrorObject[], schema: JSONObject): SchemaError {
  // The deepest error is the most specific one (an `anyOf` over type forms reports its branches first).
  const chosen = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!chosen) return new SchemaError('schema is invalid');
  const value = pointerValue(schema, chosen.instancePath);
  const shown = value === undefined ? '' : `${invalid(value)}`;
  return new SchemaError(`${shown}${chosen.message ?? 'is invalid'}`, chosen.instancePath);
}

/** Whether the value at `pointer` is a whole number a default put there (see holdsGoInt64). */
function holdsGoInt64Place(root: JSONValue, pointer: string): boolean {
  const cut = pointer.lastIndexOf('/');
  if (cut < 0) return false;
  const [key] = pointerTokens(pointer.slice(cut));
  return holdsGoInt64(pointerValue(root, pointer.slice(0, cut)), key);
}

function pointerValue(root: JSONValue, pointer: string): JSONValue | undefined {
  let current: JSONValue | undefined = root;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isPlainObject(current)) current = getOwn(current, token);
    else return undefined;
  }
  return current;
}

function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The unescaped reference tokens of a JSON Pointer (`/properties/a~1b` gives `properties`, `a/b`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

// ---------------------------------------------------------------------------------------------------------------
// Unknown parameters

interface UnknownField {
  field: string;
  /** A declared name the unknown one is probably a typo of. */
  suggestion?: string;
}

function collectUnknownFields(
  value: JSONValue,
  node: ParameterNode,
  path: string,
  out: UnknownField[],
): void {
  if (Array.isArray(value)) {
    if (node.items)
      value.forEach((item, index) => collectUnknownFields(item, node.items!, `${path}[${index}]`, out));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (node.known.has(key)) {
      const child = node.properties.get(key);
      if (child) collectUnknownFields(value[key] as JSONValue, child, `${path}.${keyText(key)}`, out);
    } else if (node.additional) {
      collectUnknownFields(value[key] as JSONValue, node.additional, `${path}[${keyText(key)}]`, out);
    } else if (node.closed) {
      const suggestion = closestName(key, node.known);
      out.push({ field: `${path}.${keyText(key)}`, ...(suggestion === undefined ? {} : { suggestion }) });
    }
  }
}

/** Typos are a transposition, a missing, extra or wrong letter or two: at most a third of the name's letters. */
function closestName(typed: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - typed.length) > limit) continue;
    const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions, each costing one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

// ---------------------------------------------------------------------------------------------------------------
// ajv errors -> Kubernetes field errors

const COMPOSITE_KEYWORDS = new Set(['anyOf', 'oneOf', 'not', 'contains', 'propertyNames']);

function translateErrors(errors: ErrorObject[], values: JSONObject, schema: JSONObject): FieldError[] {
  // A failed anyOf/oneOf also reports why each branch failed; only the composite's own error is useful.
  const composites = errors
    .filter((error) => COMPOSITE_KEYWORDS.has(error.keyword))
    .map((e) => `${e.schemaPath}/`);
  const out: FieldError[] = [];
  for (const error of errors) {
    if (composites.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const translated = translateError(error, values, schema);
    if (translated) out.push(translated);
  }
  return out;
}

function translateError(error: ErrorObject, values: JSONObject, schema: JSONObject): FieldError | undefined {
  const field = fieldPath(values, schema, pointerTokens(error.instancePath));
  const params = error.params as Record<string, unknown>;
  const data = error.data as JSONValue;
  switch (error.keyword) {
    case 'required':
    case 'dependencies':
    case 'dependentRequired':
      return fieldError(`${field}.${keyText(String(params.missingProperty))}`, 'Required value');
    case 'additionalProperties':
      // Kubernetes names the object, not the key it does not allow.
      return fieldError(
        field,
        `Forbidden: field ${JSON.stringify(keyText(String(params.additionalProperty)))} is not allowed`,
      );
    case 'type':
      return fieldError(field, `${invalid(data)}must be of type ${typeNames(params.type)}`);
    case KUBE_TYPE: {
      const { types, format } = error.schema as KubeType;
      const expected = types.length > 0 ? types.join(' or ') : `string (format ${format})`;
      return fieldError(field, `${invalid(data)}must be of type ${expected}`);
    }
    case KUBE_FORMAT:
      return fieldError(field, `${invalid(data)}must be a valid ${String(error.schema)}`);
    case KUBE_MULTIPLE_OF: {
      // An int64 (holdsGoInt64) is judged against the factor truncated to a whole number.
      const factor = error.schema as number;
      const int64 = holdsGoInt64Place(values, error.instancePath);
      const effective = int64 ? toInt64(factor) : factor;
      if (effective > 0) return fieldError(field, `${invalid(data)}must be a multiple of ${effective}`);
      const truncated =
        int64 && String(effective) !== String(factor) ? ` (${effective} for a whole number)` : '';
      return fieldError(
        field,
        `${invalid(data)}factor multipleOf ${String(factor)}${truncated} must be positive`,
      );
    }
    case KUBE_MINIMUM:
    case KUBE_MAXIMUM: {
      const { limit, exclusive } = error.schema as KubeBound;
      const comparison = `${error.keyword === KUBE_MINIMUM ? '>' : '<'}${exclusive ? '' : '='}`;
      const shown = holdsGoInt64Place(values, error.instancePath) ? String(toInt64(limit)) : String(limit);
      return fieldError(field, `${invalid(data)}must be ${COMPARISONS[comparison]} ${shown}`);
    }
    case 'enum':
    case KUBE_ENUM:
      return fieldError(
        field,
        `Unsupported value: ${formatValue(data)}: supported values: ${listValues(error.schema)}`,
      );
    case 'const':
      return fieldError(
        field,
        `Unsupported value: ${formatValue(data)}: supported values: ${listValues([params.allowedValue as JSONValue])}`,
      );
    case 'pattern':
      return fieldError(field, `${invalid(data)}must match pattern ${JSON.stringify(params.pattern)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return fieldError(
        field,
        `${invalid(data)}must be ${COMPARISONS[String(params.comparison)]} ${String(params.limit)}`,
      );
    case 'maxLength':
      return fieldError(field, `Too long: may not be longer than ${String(params.limit)}`);
    case 'minLength':
      return fieldError(field, `${invalid(data)}must be at least ${plural(params.limit, 'character')} long`);
    case 'maxItems':
      return fieldError(
        field,
        `Too many: ${countOf(data)}: must have at most ${plural(params.limit, 'item')}`,
      );
    case 'minItems':
      return fieldError(field, `${invalid(data)}must have at least ${plural(params.limit, 'item')}`);
    case 'maxProperties':
      return fieldError(
        field,
        `Too many: ${countOf(data)}: must have at most ${plural(params.limit, 'property', 'properties')}`,
      );
    case 'minProperties':
      return fieldError(
        field,
        `${invalid(data)}must have at least ${plural(params.limit, 'property', 'properties')}`,
      );
    case KUBE_UNIQUE_ITEMS: {
      // Kubernetes names the list, not the repeated item.
      const index = Array.isArray(data) ? firstRepeat(data) : -1;
      const item = index === -1 ? null : (data as JSONValue[])[index]!;
      return fieldError(field, `Duplicate value: ${formatValue(item)} (item ${index})`);
    }
    case 'anyOf':
      return fieldError(field, `${invalid(data)}must match at least one of the allowed schemas`);
    case 'oneOf':
      return fieldError(field, `${invalid(data)}must match exactly one of the allowed schemas`);
    case 'not':
      return fieldError(field, `${invalid(data)}must not match the forbidden schema`);
    case 'if':
      return undefined; // the failing `then`/`else` keyword reports itself
    default:
      return fieldError(field, `${invalid(data)}${error.message ?? `fails ${error.keyword}`}`);
  }
}

const COMPARISONS: Record<string, string> = {
  '>=': 'greater than or equal to',
  '>': 'greater than',
  '<=': 'less than or equal to',
  '<': 'less than',
};

/**
 * The Kubernetes field path of a value: `.name` for a declared property, `[key]` for a map entry (a key that
 * `additionalProperties` admits), `[0]` for an array item.
 */
function fieldPath(values: JSONValue, schema: JSONObject, tokens: string[]): string {
  let path = PARAMETERS_FIELD;
  let value: JSONValue | undefined = values;
  let node: JSONObject | undefined = schema;
  for (const token of tokens) {
    if (Array.isArray(value)) {
      path += `[${token}]`;
      value = value[Number(token)];
      node = node && isPlainObject(node.items) ? node.items : undefined;
      continue;
    }
    const properties = node && isPlainObject(node.properties) ? node.properties : undefined;
    const property = properties ? getOwn(properties, token) : undefined;
    if (isPlainObject(property)) {
      path += `.${keyText(token)}`;
      node = property;
    } else if (node && isPlainObject(node.additionalProperties)) {
      path += `[${keyText(token)}]`;
      node = node.additionalProperties;
    } else {
      path += `.${keyText(token)}`;
      node = undefined;
    }
    value = isPlainObject(value) ? getOwn(value, token) : undefined;
  }
  return path;
}

function keyText(key: string): string {
  return key.length > MAX_KEY_TEXT ? `${key.slice(0, MAX_KEY_TEXT)}...` : key;
}

/** `Invalid value: <value>: ` as apimachinery prints it: strings quoted, numbers and booleans bare. */
function invalid(value: JSONValue | undefined): string {
  return `Invalid value: ${formatValue(value ?? null)}: `;
}

function formatValue(value: JSONValue): string {
  if (typeof value === 'string') {
    return value.length > MAX_VALUE_TEXT
      ? `${JSON.stringify(value.slice(0, MAX_VALUE_TEXT))}...`
      : JSON.stringify(value);
  }
  return boundedJSON(value, MAX_VALUE_TEXT);
}

function listValues(values: unknown): string {
  if (!Array.isArray(values)) return formatValue((values ?? null) as JSONValue);
  const shown = values.slice(0, MAX_LISTED_ENUM_VALUES).map((value) => formatValue(value as JSONValue));
  const more = values.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, ... (${more} more)` : shown.join(', ');
}

function typeNames(type: unknown): string {
  const names = String(type)
    .split(',')
    .filter((name) => name !== 'null');
  return names.length === 0 ? 'null' : names.join(' or ');
}

function countOf(value: JSONValue): number {
  if (Array.isArray(value)) return value.length;
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

function plural(count: unknown, singular: string, pluralForm = `${singular}s`): string {
  return `${String(count)} ${Number(count) === 1 ? singular : pluralForm}`;
}
