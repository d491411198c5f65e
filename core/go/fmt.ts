// Go's fmt verbs as error messages print values: `%T` of a decoded JSON value and `%v` of values and collections.
import type { JSONValue } from '../types.ts';
import { formatGoFloat } from './strconv.ts';
import { compareGoStrings } from './strings.ts';

/** The name `%T` prints for a value decoded from JSON/YAML into Go's `any`. */
export function goTypeName(value: JSONValue | undefined): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return '[]interface {}';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    default:
      return 'map[string]interface {}';
  }
}

/**
 * `%v` of a value: int64 numbers (parsed by ParseInt) print as integers, float64 as `%g`, slices as `[a b]`,
 * maps as `map[k:v]` with sorted keys.
 */
export function formatGoValue(value: JSONValue | undefined, isInt64 = false): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return isInt64 ? String(value) : formatGoFloat(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => formatGoValue(item)).join(' ')}]`;
  const keys = Object.keys(value).sort(compareGoStrings);
  return `map[${keys.map((key) => `${key}:${formatGoValue(value[key])}`).join(' ')}]`;
}
