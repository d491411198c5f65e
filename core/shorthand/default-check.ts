// Checks a default value against the schema it belongs to the way OpenChoreo does it (Kubernetes' kube-openapi
// validator), so that a schema is accepted or refused exactly when OpenChoreo would, with the same messages:
// validators chosen by the value's kind, paths rooted at "" (`port in body ...`, `.host in body is required`),
// int64 bounds truncated, multipleOf tested with kube-openapi's tolerance.
import type { JSONValue } from '../types.ts';
import { toInt64 } from '../go/apimachinery-json.ts';
import { formatGoValue } from '../go/fmt.ts';
import { compileRE2, type Pattern } from '../go/regexp.ts';
import { formatGoFloat, goQuote } from '../go/strconv.ts';
import { strfmtName } from '../go/strfmt.ts';
import { compareGoStrings } from '../go/strings.ts';
import { isFloat64AJSONInteger } from '../go/swag.ts';
import { jsonEqual } from '../json.ts';
import type { V1Schema } from '../openapi/v1.ts';
import { satisfiesFormat } from '../validation.ts';

const IN = 'body';

/** Kubernetes drops formats it does not know before validating. */
function effectiveFormat(format: string | undefined): string {
  return format !== undefined && strfmtName(format) !== undefined ? format : '';
}

type Kind = 'null' | 'string' | 'boolean' | 'int64' | 'float64' | 'array' | 'object';

function kindOf(value: JSONValue, int64: boolean): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return int64 ? 'int64' : 'float64';
  if (typeof value === 'object') return 'object';
  return typeof value as 'string' | 'boolean';
}

/**
 * The converter holds the values it parsed for an integer field (its default and enum entries) as Go's int64, and
 * every other number, including those inside JSON values, as a float64.
 */
function holdsInt64(schema: V1Schema): boolean {
  return schema.type === 'integer';
}

/** reflect's ConvertibleTo + DeepEqual, as kube-openapi compares a value with an enum entry. */
function enumMatches(value: JSONValue, valueKind: Kind, entry: JSONValue, entryInt64: boolean): boolean {
  const entryKind = kindOf(entry, entryInt64);
  if (entryKind === 'null') return false;
  if (typeof value === 'number' && typeof entry === 'number') {
    return (entryKind === 'int64' ? Math.trunc(value) : value) === entry;
  }
  if (valueKind === 'int64' && entryKind === 'string') {
    const codePoint = value as number;
    const valid = codePoint >= 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    return String.fromCodePoint(valid ? codePoint : 0xfffd) === entry;
  }
  return valueKind === entryKind && jsonEqual(value, entry);
}

function formatEnum(schema: V1Schema): string {
  return `[${(schema.enum ?? []).map((entry) => formatGoValue(entry, holdsInt64(schema))).join(' ')}]`;
}

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/**
 * Every constraint violation, in kube-openapi's validator order; an empty list means the value is valid. `int64`
 * says whether the value is Go's int64 (a default the converter parsed for the field) rather than from JSON.
 */
export function checkValue(
  schema: V1Schema,
  value: JSONValue,
  int64 = holdsInt64(schema),
  path = '',
): string[] {
  const errors: string[] = [];
  const kind = kindOf(value, int64);
  const type = schema.type ?? '';
  const format = effectiveFormat(schema.format);

  // Type.
  if (kind === 'null') {
    if (type !== '') errors.push(`${path} in ${IN} must be of type ${type}: "null"`);
  } else {
    const valueType = kind === 'int64' ? 'integer' : kind === 'float64' ? 'number' : kind;
    const valueFormat = kind === 'int64' ? 'int64' : kind === 'float64' ? 'float64' : '';
    const floatIsInt = kind === 'float64' && type === 'integer' && isFloat64AJSONInteger(value as number);
    const intIsFloat = kind === 'int64' && type === 'number';
    const typeMatches = type === valueType || floatIsInt || intIsFloat;
    if (kind !== 'string' && kind !== 'array' && format !== '' && !(typeMatches || format === valueFormat)) {
      errors.push(`${path} in ${IN} must be of type ${format}: "${valueFormat}"`);
    } else if (!(
      type !== 'number' &&
      type !== 'integer' &&
      format !== '' &&
      (kind === 'string' || kind === 'array')
    )) {
      if (!typeMatches) errors.push(`${path} in ${IN} must be of type ${type}: "${valueType}"`);
    }
  }

  if (kind === 'null') {
    if (schema.enum?.length) errors.push(`${path} in ${IN} should be one of ${formatEnum(schema)}`);
    return errors;
  }

  if (kind === 'string') errors.push(...checkString(schema, value as string, format, path));
  if (kind === 'int64' || kind === 'float64')
    errors.push(...checkNumber(schema, value as number, kind, path));
  if (kind === 'array') {
    const items = value as JSONValue[];
    const itemSchema = schema.items?.schema;
    if (itemSchema)
      items.forEach((item, i) => errors.push(...checkValue(itemSchema, item, false, `${path}[${i}]`)));
    if (schema.minItems !== undefined && items.length < schema.minItems) {
      errors.push(`${path} in ${IN} should have at least ${schema.minItems} items`);
    }
    if (schema.maxItems !== undefined && items.length > schema.maxItems) {
      errors.push(`${path} in ${IN} should have at most ${schema.maxItems} items`);
    }
  }
  if (
    schema.enum?.length &&
    !schema.enum.some((entry) => enumMatches(value, kind, entry, holdsInt64(schema)))
  ) {
    errors.push(`${path} in ${IN} should be one of ${formatEnum(schema)}`);
  }
  if (kind === 'object') errors.push(...checkObject(schema, value as Record<string, JSONValue>, path));
  return errors;
}

/** kube-openapi's string validator reports only its first failure; the format validator runs separately. */
function checkString(schema: V1Schema, value: string, format: string, path: string): string[] {
  const errors: string[] = [];
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push(`${path} in ${IN} should be at most ${schema.maxLength} chars long`);
  } else if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push(`${path} in ${IN} should be at least ${schema.minLength} chars long`);
  } else if (schema.pattern) {
    let regex: Pattern | undefined;
    try {
      regex = compileRE2(schema.pattern);
    } catch (error) {
      const problem = (error as Error).message;
      errors.push(`${path} in ${IN} should match '${schema.pattern}, but pattern is invalid: ${problem}'`);
    }
    if (regex && !regex.test(value)) errors.push(`${path} in ${IN} should match '${schema.pattern}'`);
  }
  // The same format check as run values get, so a default is never refused for what a run may say.
  if (format !== '' && !satisfiesFormat(format, value)) {
    errors.push(`${path} in ${IN} must be of type ${format}: ${goQuote(value)}`);
  }
  return errors;
}

/**
 * kube-openapi's number validator. Its Type/Format are never set, so no range checks happen; an int64 value is
 * compared with bounds converted to int64 (truncated), a float64 value with the bounds as they are.
 */
function checkNumber(schema: V1Schema, value: number, kind: 'int64' | 'float64', path: string): string[] {
  const errors: string[] = [];
  const native = kind === 'int64';
  const data = BigInt(native ? value : 0);
  const shown = (bound: number) => (native ? String(toInt64(bound)) : formatGoFloat(bound));
  if (schema.multipleOf !== undefined) {
    const factor = schema.multipleOf;
    if (native ? toInt64(factor) <= 0n : factor <= 0) {
      errors.push(`factor MultipleOf declared for ${path} must be positive: ${shown(factor)}`);
    } else if (
      native
        ? data % toInt64(factor) !== 0n
        : !isFloat64AJSONInteger(factor < 1 ? (1 / factor) * value : value / factor)
    ) {
      errors.push(`${path} in ${IN} should be a multiple of ${shown(factor)}`);
    }
  }
  if (schema.minimum !== undefined) {
    const exclusive = schema.exclusiveMinimum === true;
    const below = native
      ? exclusive
        ? data <= toInt64(schema.minimum)
        : data < toInt64(schema.minimum)
      : exclusive
        ? value <= schema.minimum
        : value < schema.minimum;
    if (below)
      errors.push(
        `${path} in ${IN} should be greater than ${exclusive ? '' : 'or equal to '}${shown(schema.minimum)}`,
      );
  }
  if (schema.maximum !== undefined) {
    const exclusive = schema.exclusiveMaximum === true;
    const above = native
      ? exclusive
        ? data >= toInt64(schema.maximum)
        : data > toInt64(schema.maximum)
      : exclusive
        ? value >= schema.maximum
        : value > schema.maximum;
    if (above)
      errors.push(
        `${path} in ${IN} should be less than ${exclusive ? '' : 'or equal to '}${shown(schema.maximum)}`,
      );
  }
  return errors;
}

function checkObject(schema: V1Schema, value: Record<string, JSONValue>, path: string): string[] {
  const errors: string[] = [];
  const keys = Object.keys(value).sort(compareGoStrings);
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
    errors.push(`${path} in ${IN} should have at least ${schema.minProperties} properties`);
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    errors.push(`${path} in ${IN} should have at most ${schema.maxProperties} properties`);
  }
  const properties = schema.properties ?? new Map<string, V1Schema>();
  const additional = schema.additionalProperties;
  for (const key of keys) {
    if (properties.has(key)) continue;
    if (additional?.allows === false) errors.push(`${path}.${key} in ${IN} is a forbidden property`);
    else if (additional?.schema)
      errors.push(...checkValue(additional.schema, value[key]!, false, `${path}.${key}`));
  }
  for (const [name, child] of properties) {
    if (Object.hasOwn(value, name))
      errors.push(...checkValue(child, value[name]!, false, childPath(path, name)));
  }
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) errors.push(`${path}.${name} in ${IN} is required`);
  }
  return errors;
}
