// Writing CEL source text: literals for JSON values, field access on the API server's dynamic maps, and the
// value text the webhook's messages show (`"xml"`, `42`, `true`).
import { boundedJSON } from '../json.ts';
import type { JSONValue } from '../types.ts';

/** A CEL string literal, single-quoted; anything outside printable ASCII is a `\u`/`\U` escape. */
export function celString(text: string): string {
  let out = "'";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\' || char === "'") out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/** A CEL literal equal to a JSON value as the API server hands it to CEL (whole numbers are ints there). */
export function celLiteral(value: JSONValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return celString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : doubleLiteral(value);
  if (Array.isArray(value)) return `[${value.map(celLiteral).join(', ')}]`;
  return `{${Object.keys(value)
    .map((key) => `${celString(key)}: ${celLiteral(value[key] as JSONValue)}`)
    .join(', ')}}`;
}

/** A double literal: CEL needs a decimal point or exponent, which JavaScript omits for whole numbers. */
export function doubleLiteral(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** A number as CEL compares it: an int literal when whole and safe, a double otherwise. */
export function numberLiteral(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : doubleLiteral(value);
}

// CEL's reserved words cannot follow a dot; such keys (and any that is not an identifier) are indexed instead.
const RESERVED = new Set(
  'as break const continue else false for function if import in let loop package namespace null return true var void while'.split(
    ' ',
  ),
);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isPlainField(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name);
}

/** `base.name`, or `base['na-me']` for a key that is not a CEL identifier. */
export function celField(base: string, name: string): string {
  return isPlainField(name) ? `${base}.${name}` : `${base}[${celString(name)}]`;
}

/** True when the map `base` has the key: `has(base.name)`, or `'na-me' in base`. */
export function celHas(base: string, name: string): string {
  return isPlainField(name) ? `has(${base}.${name})` : `${celString(name)} in ${base}`;
}

/** The largest string the webhook quotes in full; longer ones are cut there and followed by `...`. */
export const MAX_VALUE_TEXT = 80;

/**
 * A CEL string expression showing a value as the webhook's messages do: strings quoted (cut after 80 characters),
 * numbers and booleans bare, `null`; lists and maps, which CEL cannot print as JSON, as `[...]` and `{...}`.
 */
export function celValueText(value: string): string {
  const v = value;
  return (
    `(type(${v}) == string ? '"' + (size(${v}) > ${MAX_VALUE_TEXT} ? ${v}.substring(0, ${MAX_VALUE_TEXT}) + '"...' : ${v} + '"')` +
    ` : type(${v}) == int || type(${v}) == double || type(${v}) == bool || type(${v}) == uint ? string(${v}) : type(${v}) == list ? '[...]' : type(${v}) == map ? '{...}' : 'null')`
  );
}

/** Values as the webhook lists them after `supported values:`. */
export function jsonText(value: JSONValue): string {
  if (typeof value === 'string' && value.length > MAX_VALUE_TEXT)
    return `${JSON.stringify(value.slice(0, MAX_VALUE_TEXT))}...`;
  return typeof value === 'string' ? JSON.stringify(value) : boundedJSON(value, MAX_VALUE_TEXT);
}
