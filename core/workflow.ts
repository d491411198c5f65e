// A Workflow's parameter schema, compiled once per Workflow version into what admission needs: the resolved JSON
// Schema (printed by `params -o json`), a defaulting plan and a validator.

import { defaulterFor } from './defaulting.ts';
import { SchemaError } from './errors.ts';
import { exceedsDepth, isPlainObject } from './json.ts';
import { openAPIV3ToStructuralAndJSONSchema, resolveRefs, stripVendorExtensions } from './openapi/convert.ts';
import { rejectUnknownFields } from './openapi/v1.ts';
import { compileParameterTree } from './parameter-tree.ts';
import { workflowLabel } from './reference.ts';
import { schemaSource } from './schema-source.ts';
import { shorthandToJSONSchema } from './shorthand/convert.ts';
import type { JSONObject, JSONSchema, JSONValue, UnknownParameterPolicy, WorkflowObject } from './types.ts';
import { compileValidator, pointerTokens, type CompiledChecks, type ValidationResult } from './validation.ts';

export type SchemaFormat = 'shorthand' | 'openapi';

export interface CompiledWorkflow {
  readonly format: SchemaFormat;
  /** The resolved JSON Schema of the parameters (`$ref`s inlined). Frozen: it is shared by every run. */
  readonly schema: JSONSchema;
  /** A defaulted copy of `parameters` (`undefined`/`null` = `{}`); the input is left untouched. */
  applyDefaults(parameters: JSONValue | undefined): JSONValue;
  /** Field errors with paths from `spec.workflow.parameters`, sorted; unknown parameters per `policy` (deny). */
  validate(parameters: JSONValue | undefined, policy?: UnknownParameterPolicy): ValidationResult;
}

/** Raw schemas nesting deeper than this are refused before any converter walks them. */
export const MAX_RAW_SCHEMA_DEPTH = 256;

const SHORTHAND_FIELD = 'spec.schema.parameters';
const OPENAPI_FIELD = 'spec.parameters.openAPIV3Schema';
const EMPTY_SCHEMA: JSONSchema = { type: 'object', properties: {} };

/**
 * Picks the schema format (`spec.schema.parameters` = shorthand, `spec.parameters.openAPIV3Schema` = OpenAPI v3,
 * neither = an empty object schema, reported as `openapi`), converts and compiles it. Throws `SchemaError` whose message names the
 * Workflow and the schema field, e.g. `Workflow "default/docker": spec.schema.parameters.port: ...`.
 */
export function compileWorkflow(
  workflow: WorkflowObject,
  /** Compiled checks to share with other schemas (see CompiledChecks); none: this Workflow's own. */
  checks?: CompiledChecks,
): CompiledWorkflow {
  const label = workflowLabel(workflow);
  const { shorthand, openapi } = schemaSource(workflow);

  if (shorthand && openapi !== undefined) {
    throw new SchemaError(
      `${label}: spec.schema and ${OPENAPI_FIELD} are mutually exclusive; use one format`,
    );
  }
  try {
    if (openapi !== undefined) return compileOpenAPI(openapi, label, checks);
    if (shorthand) return compileShorthand(shorthand, label, checks);
    return build(
      'openapi',
      EMPTY_SCHEMA,
      { structural: EMPTY_SCHEMA, jsonSchema: EMPTY_SCHEMA },
      label,
      OPENAPI_FIELD,
      checks,
    );
  } catch (error) {
    if (error instanceof RangeError) {
      throw new SchemaError(
        `${label}: ${openapi !== undefined ? OPENAPI_FIELD : SHORTHAND_FIELD}: schema is too large or nested too deeply`,
      );
    }
    throw error;
  }
}

function compileShorthand(section: JSONObject, label: string, checks?: CompiledChecks): CompiledWorkflow {
  const { parameters, types } = section;
  for (const [key, value] of [
    ['parameters', parameters],
    ['types', types],
  ] as const) {
    if (value !== undefined && value !== null && !isPlainObject(value)) {
      throw new SchemaError(`${label}: spec.schema.${key}: must be an object`, `spec.schema.${key}`);
    }
    if (exceedsDepth(value, MAX_RAW_SCHEMA_DEPTH)) {
      throw new SchemaError(
        `${label}: spec.schema.${key}: nested more than ${MAX_RAW_SCHEMA_DEPTH} levels deep`,
      );
    }
  }
  let schema: JSONSchema;
  try {
    schema = shorthandToJSONSchema(
      isPlainObject(parameters) ? parameters : undefined,
      isPlainObject(types) ? types : undefined,
    );
  } catch (error) {
    throw rethrowNamed(error, label, SHORTHAND_FIELD);
  }
  return build(
    'shorthand',
    schema,
    { structural: schema, jsonSchema: schema },
    label,
    SHORTHAND_FIELD,
    checks,
  );
}

function compileOpenAPI(raw: JSONValue, label: string, checks?: CompiledChecks): CompiledWorkflow {
  if (!isPlainObject(raw))
    throw new SchemaError(`${label}: ${OPENAPI_FIELD}: must be an object`, OPENAPI_FIELD);
  if (exceedsDepth(raw, MAX_RAW_SCHEMA_DEPTH)) {
    throw new SchemaError(`${label}: ${OPENAPI_FIELD}: nested more than ${MAX_RAW_SCHEMA_DEPTH} levels deep`);
  }
  let resolved: JSONSchema;
  let forms: ReturnType<typeof openAPIV3ToStructuralAndJSONSchema>;
  try {
    // As OpenChoreo: the resolved schema (vendor extensions kept) is what `params` prints; defaulting uses the
    // structural schema, validation the schema's v1 JSONSchemaProps form, and the Workflow webhook refuses a schema
    // whose vendor-stripped form names a field JSONSchemaProps does not have.
    resolved = resolveRefs(raw) ?? EMPTY_SCHEMA;
    forms = openAPIV3ToStructuralAndJSONSchema(raw);
    rejectUnknownFields(stripVendorExtensions(resolved));
  } catch (error) {
    throw rethrowNamed(error, label, OPENAPI_FIELD);
  }
  return build('openapi', resolved, forms, label, OPENAPI_FIELD, checks);
}

function build(
  format: SchemaFormat,
  schema: JSONSchema,
  { structural, jsonSchema }: { structural: JSONSchema; jsonSchema: JSONSchema },
  label: string,
  field: string,
  checks: CompiledChecks | undefined,
): CompiledWorkflow {
  // One tree serves defaulting and the unknown-parameter check; it is the structural schema's, as Kubernetes
  // defaults and prunes with the structural schema.
  const tree = compileParameterTree(structural);
  let validator: ReturnType<typeof compileValidator>;
  try {
    validator = compileValidator(jsonSchema, tree, checks);
  } catch (error) {
    if (error instanceof SchemaError) {
      const at = workflowFieldOf(format, field, error.field);
      throw new SchemaError(`${label}: ${at}: ${error.message}`, at);
    }
    throw error;
  }
  const defaulter = defaulterFor(tree);
  deepFreeze(schema);
  return {
    format,
    schema,
    applyDefaults: (parameters) => defaulter.apply(parameters),
    validate: (parameters, policy) => validator.validate(parameters, policy),
  };
}

function rethrowNamed(error: unknown, label: string, field: string): unknown {
  if (!(error instanceof SchemaError)) return error;
  const at = error.field
    ? error.field.startsWith('spec.')
      ? error.field
      : `${field}.${error.field}`
    : field;
  return new SchemaError(`${label}: ${at}: ${error.message}`, at);
}

// A validator's SchemaError carries a JSON Pointer into the converted schema. For OpenAPI that is the user's own
// schema; for the shorthand it is generated, so only the property names lead back to the user's field.
function workflowFieldOf(format: SchemaFormat, base: string, pointer: string | undefined): string {
  if (!pointer) return base;
  const tokens = pointerTokens(pointer);
  if (format === 'openapi') return [base, ...tokens].join('.');
  const names: string[] = [];
  for (let index = 0; index < tokens.length;) {
    if (tokens[index] === 'properties' && index + 1 < tokens.length) {
      names.push(tokens[index + 1]!);
      index += 2;
    } else if (tokens[index] === 'items' || tokens[index] === 'additionalProperties') {
      index += 1;
    } else {
      break;
    }
  }
  return [base, ...names].join('.');
}

function deepFreeze(value: JSONValue): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Array.isArray(value) ? value : Object.values(value)) deepFreeze(child);
}
