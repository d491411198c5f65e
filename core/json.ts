// Small helpers for plain JSON data that came from users. Keys such as `__proto__` must stay ordinary own
// properties: a plain `target[key] = value` with key `__proto__` would replace the target's prototype instead.
import type { JSONObject, JSONValue } from './types.ts';

export function isPlainObject(value: unknown): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own, enumerable data property, even for the key `__proto__`. */
export function setOwn(target: JSONObject, key: string, value: JSONValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * A shallow copy that keeps `__proto__` keys as data. Built key by key rather than spread: V8 gives a spread copy
 * a shape of its own, and adding a key to it then costs ten times the copy.
 */
export function copyOwn(source: JSONObject): JSONObject {
  const copy: JSONObject = {};
  for (const key of Object.keys(source)) setOwn(copy, key, source[key] as JSONValue);
  return copy;
}

/** An own property's value, never one inherited from Object.prototype. */
export function getOwn(target: JSONObject, key: string): JSONValue | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

/** Deep equality of JSON values: arrays item by item, objects key by key in any order (as the API server compares). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => jsonEqual(item, b[index]))
    );
  }
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every(
      (key) =>
        Object.hasOwn(b, key) &&
        jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
    )
  );
}

/** Thrown by `cloneJSON` when a value nests deeper than the limit it was given. */
export class DepthLimitError extends RangeError {
  constructor() {
    super('value is nested too deeply to copy');
    this.name = 'DepthLimitError';
  }
}

/**
 * A deep copy of JSON data that keeps key order and `__proto__` keys as data. Throws `DepthLimitError` past
 * `maxDepth` levels (by default deep enough for anything the core has already checked with `exceedsDepth`).
 */
export function cloneJSON<T extends JSONValue>(value: T, maxDepth = 1000): T {
  if (typeof value !== 'object' || value === null) return value;
  if (maxDepth <= 0) throw new DepthLimitError();
  if (Array.isArray(value)) {
    const copy: JSONValue[] = new Array<JSONValue>(value.length);
    for (let index = 0; index < value.length; index++) copy[index] = cloneJSON(value[index]!, maxDepth - 1);
    return copy as T;
  }
  const copy: JSONObject = {};
  for (const key of Object.keys(value)) setOwn(copy, key, cloneJSON(value[key] as JSONValue, maxDepth - 1));
  return copy as T;
}

/** True when objects and arrays nest more than `limit` levels deep. Stops looking at `limit + 1`. */
export function exceedsDepth(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (exceedsDepth(value[index], limit - 1)) return true;
    return false;
  }
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    if (exceedsDepth((value as Record<string, unknown>)[keys[index]!], limit - 1)) return true;
  }
  return false;
}

/**
 * JSON text of a value, cut to about `maxLength` characters with `...` appended. Never serialises more than it
 * prints, so a huge value costs no more than a small one.
 */
export function boundedJSON(value: unknown, maxLength: number): string {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= maxLength;
  };
  const write = (current: unknown, depth: number): boolean => {
    if (typeof current !== 'object' || current === null) {
      const text =
        typeof current === 'string' && current.length > maxLength
          ? JSON.stringify(current.slice(0, maxLength))
          : (JSON.stringify(current) ?? 'null');
      return push(text);
    }
    if (depth > 32) return push('...');
    if (Array.isArray(current)) {
      if (!push('[')) return false;
      for (let index = 0; index < current.length; index++) {
        if (index > 0 && !push(',')) return false;
        if (!write(current[index], depth + 1)) return false;
      }
      return push(']');
    }
    if (!push('{')) return false;
    let first = true;
    for (const key of Object.keys(current)) {
      if (!first && !push(',')) return false;
      first = false;
      if (!push(`${JSON.stringify(key.length > maxLength ? key.slice(0, maxLength) : key)}:`)) return false;
      if (!write((current as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return push('}');
  };
  const complete = write(value, 0);
  const text = parts.join('');
  return complete && text.length <= maxLength ? text : `${text.slice(0, maxLength)}...`;
}
