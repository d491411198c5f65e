// Checks a default value against the schema it belongs to the way OpenChoreo does it (Kubernetes' kube-openapi
// validator), so that a schema is accepted or refused exactly when OpenChoreo would, with the same messages:
// validators chosen by the value's kind, paths rooted at "" (`port in body ...`, `.host in body is required`),
// int64 bounds truncated, multipleOf tested with kube-openapi's tolerance.
import { isIP } from 'node:net';

import { compileRE2, type Pattern } from '../regexp.ts';
import type { JSONValue } from '../types.ts';
import { compareGoStrings, formatGoFloat, formatGoValue, goQuote } from '../go.ts';
import { jsonEqual } from '../json.ts';
import type { SchemaProps, TypedValue } from './props.ts';

const IN = 'body';

// Formats kube-openapi checks, after Kubernetes strips the ones it does not support. email and uri follow Go's
// net/mail and net/url closely but not exhaustively; isbn*, creditcard and duration are accepted unchecked.
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_VERSIONED = (version: string, variant: string) =>
  new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${version}[0-9a-f]{3}-?${variant}[0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');
const HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const RGB_CHANNEL = '\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*';
const FORMAT_CHECKS: Record<string, (value: string) => boolean> = {
  uuid: (value) => UUID.test(value),
  uuid3: (value) => UUID_VERSIONED('3', '[0-9a-f]').test(value),
  uuid4: (value) => UUID_VERSIONED('4', '[89ab]').test(value),
  uuid5: (value) => UUID_VERSIONED('5', '[89ab]').test(value),
  hexcolor: (value) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value),
  rgbcolor: (value) => new RegExp(`^rgb\\(${RGB_CHANNEL},${RGB_CHANNEL},${RGB_CHANNEL}\\)$`).test(value),
  byte: (value) =>
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(value),
  ssn: (value) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(value),
  password: () => true,
  bsonobjectid: (value) => /^[0-9a-fA-F]{24}$/.test(value),
  date: isFullDate,
  datetime: isDateTime,
  hostname: (value) =>
    HOSTNAME.test(value) && value.length <= 255 && value.split('.').every((p) => p.length <= 63),
  ipv4: (value) => value.includes('.') && parsesAsIP(value),
  ipv6: (value) => value.includes(':') && parsesAsIP(value),
  cidr: isCIDR,
  mac: (value) =>
    /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}((\1[0-9a-fA-F]{2}){2}|(\1[0-9a-fA-F]{2}){14})?$/.test(
      value,
    ) ||
    /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}((\.[0-9a-fA-F]{4}){1}|(\.[0-9a-fA-F]{4}){7})?$/.test(
      value,
    ),
  uri: isRequestURI,
  email: isEmailAddress,
  k8sshortname: (value) => value.length <= 63 && new RegExp(`^${K8S_NAME}$`).test(value),
  k8slongname: (value) => value.length <= 253 && new RegExp(`^${K8S_NAME}(\\.${K8S_NAME})*$`).test(value),
  isbn: () => true,
  isbn10: () => true,
  isbn13: () => true,
  creditcard: () => true,
  duration: () => true,
};

const K8S_NAME = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

// RFC 5322 as net/mail.ParseAddress reads it: `local@domain` or `Display Name <local@domain>`.
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const EMAIL = new RegExp(
  `^\\s*(?:${ADDR_SPEC}|(?:(?:${ATOM}|${QUOTED})(?:\\s+(?:${ATOM}|${QUOTED}))*\\s*)?<${ADDR_SPEC}>)\\s*$`,
  'u',
);

function isEmailAddress(value: string): boolean {
  return EMAIL.test(value);
}

/** url.ParseRequestURI: an absolute URI (`scheme:...`) or an absolute path, no control characters, valid escapes. */
function isRequestURI(value: string): boolean {
  const hasControl = [...value].some((char) => char < ' ' || char === '\x7f');
  if (value === '' || value.startsWith(':') || hasControl || /%(?![0-9a-fA-F]{2})/.test(value)) return false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value);
  const rest = scheme ? value.slice(scheme[0].length) : value;
  if (!scheme) return rest.startsWith('/');
  if (!rest.startsWith('//')) return true;
  const authority = rest.slice(2).split(/[/?#]/, 1)[0]!;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const port = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(host);
  return port !== null && (port[1] === undefined || /^[0-9]*$/.test(port[1]));
}

function isFullDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isDateTime(value: string): boolean {
  if (value.length < 4) return false;
  const [date = '', time, ...rest] = value.toLowerCase().split('t');
  if (time === undefined || rest.length > 0 || !isFullDate(date)) return false;
  const match = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(time);
  return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60 && Number(match[3]) < 60;
}

/** net.ParseIP with Kubernetes' "sloppy" leading zeros in IPv4 parts. */
function parsesAsIP(value: string): boolean {
  const sloppyV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (sloppyV4) return sloppyV4.slice(1).every((part) => Number(part) <= 255);
  return isIP(value) !== 0 && !value.includes('%');
}

function isCIDR(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  if (prefix === undefined || rest.length > 0 || !/^\d+$/.test(prefix) || !parsesAsIP(address)) return false;
  const isV4 = /^[\d.]+$/.test(address);
  return Number(prefix) <= (isV4 ? 32 : 128);
}

const SUPPORTED_FORMATS = new Set(Object.keys(FORMAT_CHECKS));

/** Kubernetes drops formats it does not know before validating (names compare without dashes). */
function effectiveFormat(format: string | undefined): string {
  return SUPPORTED_FORMATS.has(normalizeFormat(format ?? '')) ? (format ?? '') : '';
}

function normalizeFormat(format: string): string {
  return format.replaceAll('-', '');
}

/** swag.IsFloat64AJSONInteger, including its truncate-then-compare tolerance. */
function isJSONInteger(value: number): boolean {
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) return false;
  if (Number.isInteger(value)) return true;
  if (value < 1) return false;
  const truncated = Math.trunc(value);
  return (value - truncated) / (value + truncated) < 1e-9;
}

type Kind = 'null' | 'string' | 'boolean' | 'int64' | 'float64' | 'array' | 'object';

function kindOf(value: JSONValue, int64: boolean): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return int64 ? 'int64' : 'float64';
  if (typeof value === 'object') return 'object';
  return typeof value as 'string' | 'boolean';
}

/** reflect's ConvertibleTo + DeepEqual, as kube-openapi compares a value with an enum entry. */
function enumMatches(value: JSONValue, valueKind: Kind, entry: TypedValue): boolean {
  const entryKind = kindOf(entry.value, entry.int64);
  if (entryKind === 'null') return false;
  if (typeof value === 'number' && typeof entry.value === 'number') {
    return (entryKind === 'int64' ? Math.trunc(value) : value) === entry.value;
  }
  if (valueKind === 'int64' && entryKind === 'string') {
    const codePoint = value as number;
    const valid = codePoint >= 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    return String.fromCodePoint(valid ? codePoint : 0xfffd) === entry.value;
  }
  return valueKind === entryKind && jsonEqual(value, entry.value);
}

function formatEnum(entries: TypedValue[]): string {
  return `[${entries.map((entry) => formatGoValue(entry.value, entry.int64)).join(' ')}]`;
}

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Every constraint violation, in kube-openapi's validator order; an empty list means the value is valid. */
export function checkValue(schema: SchemaProps, value: JSONValue, int64: boolean, path = ''): string[] {
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
    const floatIsInt = kind === 'float64' && type === 'integer' && isJSONInteger(value as number);
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
    if (schema.enum?.length) errors.push(`${path} in ${IN} should be one of ${formatEnum(schema.enum)}`);
    return errors;
  }

  if (kind === 'string') errors.push(...checkString(schema, value as string, format, path));
  if (kind === 'int64' || kind === 'float64')
    errors.push(...checkNumber(schema, value as number, kind, path));
  if (kind === 'array') {
    const items = value as JSONValue[];
    if (schema.items)
      items.forEach((item, i) => errors.push(...checkValue(schema.items!, item, false, `${path}[${i}]`)));
    if (schema.minItems !== undefined && items.length < schema.minItems) {
      errors.push(`${path} in ${IN} should have at least ${schema.minItems} items`);
    }
    if (schema.maxItems !== undefined && items.length > schema.maxItems) {
      errors.push(`${path} in ${IN} should have at most ${schema.maxItems} items`);
    }
  }
  if (schema.enum?.length && !schema.enum.some((entry) => enumMatches(value, kind, entry))) {
    errors.push(`${path} in ${IN} should be one of ${formatEnum(schema.enum)}`);
  }
  if (kind === 'object') errors.push(...checkObject(schema, value as Record<string, JSONValue>, path));
  return errors;
}

/** kube-openapi's string validator reports only its first failure; the format validator runs separately. */
function checkString(schema: SchemaProps, value: string, format: string, path: string): string[] {
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
  if (format !== '' && !FORMAT_CHECKS[normalizeFormat(format)]!(value)) {
    errors.push(`${path} in ${IN} must be of type ${format}: ${goQuote(value)}`);
  }
  return errors;
}

/** Go's float64-to-int64 conversion on amd64: truncation, with out-of-range values becoming MinInt64. */
function toInt64(value: number): bigint {
  return Number.isFinite(value) && value >= -(2 ** 63) && value < 2 ** 63
    ? BigInt(Math.trunc(value))
    : -(2n ** 63n);
}

/**
 * kube-openapi's number validator. Its Type/Format are never set, so no range checks happen; an int64 value is
 * compared with bounds converted to int64 (truncated), a float64 value with the bounds as they are.
 */
function checkNumber(schema: SchemaProps, value: number, kind: 'int64' | 'float64', path: string): string[] {
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
        : !isJSONInteger(factor < 1 ? (1 / factor) * value : value / factor)
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

function checkObject(schema: SchemaProps, value: Record<string, JSONValue>, path: string): string[] {
  const errors: string[] = [];
  const keys = Object.keys(value).sort(compareGoStrings);
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
    errors.push(`${path} in ${IN} should have at least ${schema.minProperties} properties`);
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    errors.push(`${path} in ${IN} should have at most ${schema.maxProperties} properties`);
  }
  const properties = schema.properties ?? new Map<string, SchemaProps>();
  const additional = schema.additionalProperties;
  for (const key of keys) {
    if (properties.has(key)) continue;
    if (additional === false) errors.push(`${path}.${key} in ${IN} is a forbidden property`);
    else if (additional) errors.push(...checkValue(additional, value[key]!, false, `${path}.${key}`));
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
