// Shared helpers for the conformance suites: loading OpenChoreo's transcribed Go test cases and the two partial
// checks their README defines (subset matching and JSON Pointer presence).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { AssertionError } from 'node:assert';

import { isPlainObject, type JSONObject, type JSONValue } from '../../core/index.ts';

/**
 * Where the fixtures live: cases/, the cases transcribed from OpenChoreo's Go unit tests, kept here as test data.
 * `OPENCHOREO_CONFORMANCE_DIR` points elsewhere (e.g. a newer transcription being tried out).
 */
export const CONFORMANCE_DIR =
  process.env.OPENCHOREO_CONFORMANCE_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'cases');

/** Keys every case may carry, whatever the file. Each suite narrows `input`, `options` and the outcome keys. */
export interface ConformanceCase {
  name: string;
  note?: string;
  source?: string;
  expectSchema?: JSONValue;
  expectSubset?: JSONValue;
  expectSuccess?: true;
  expectError?: string | string[];
  expectPresent?: string[];
  expectAbsent?: string[];
  expectInputPresent?: string[];
  [key: string]: unknown;
}

export interface ConformanceFile<C extends ConformanceCase = ConformanceCase> {
  source: JSONObject;
  cases: C[];
  splitCases?: { name: string; input: string; separator: string; expect: string[] }[];
}

/** Reads one fixture file, e.g. `loadConformance('shorthand-cases.json')`. */
export function loadConformance<C extends ConformanceCase = ConformanceCase>(
  fileName: string,
): ConformanceFile<C> {
  const text = readFileSync(path.join(CONFORMANCE_DIR, fileName), 'utf8');
  const parsed = JSON.parse(text) as ConformanceFile<C>;
  if (!Array.isArray(parsed.cases)) {
    throw new Error(`${fileName}: no "cases" array`);
  }
  return parsed;
}

function describeValue(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * The README's partial match: expected object keys must exist and match recursively (extra actual keys allowed),
 * arrays must have the same length and match by index with `{}` as a match-anything placeholder, scalars compare
 * by value. Throws an AssertionError naming the first JSON Pointer that differs.
 */
export function expectSubset(actual: unknown, expected: unknown, at = ''): void {
  const fail = (reason: string): never => {
    throw new AssertionError({
      message: `subset mismatch at "${at || '/'}": ${reason}`,
      actual,
      expected,
      operator: 'expectSubset',
    });
  };
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return fail(`expected an array, got ${describeValue(actual)}`);
    if (actual.length !== expected.length) {
      return fail(`expected ${expected.length} elements, got ${actual.length}`);
    }
    expected.forEach((element, index) => {
      if (isPlainObject(element) && Object.keys(element).length === 0) return;
      expectSubset(actual[index], element, `${at}/${index}`);
    });
    return;
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return fail(`expected an object, got ${describeValue(actual)}`);
    for (const key of Object.keys(expected)) {
      const child = `${at}/${escapePointerToken(key)}`;
      if (!Object.hasOwn(actual, key)) {
        throw new AssertionError({
          message: `subset mismatch at "${child}": key is missing`,
          actual,
          expected,
        });
      }
      expectSubset(actual[key], expected[key], child);
    }
    return;
  }
  if (actual !== expected) fail(`expected ${describeValue(expected)}, got ${describeValue(actual)}`);
}

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Splits an RFC 6901 pointer into unescaped tokens; `""` is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new Error(`invalid JSON Pointer ${JSON.stringify(pointer)}: must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** True when the pointer names an existing value (a present `null` counts as existing). */
export function pointerExists(document: unknown, pointer: string): boolean {
  let current: unknown = document;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= current.length) return false;
      current = current[Number(token)];
    } else if (isPlainObject(current) && Object.hasOwn(current, token)) {
      current = current[token];
    } else {
      return false;
    }
  }
  return true;
}

/** Applies a case's `expectPresent` / `expectAbsent` lists to an output (or `expectInputPresent` to an input). */
export function expectPointers(document: unknown, present: string[] = [], absent: string[] = []): void {
  for (const pointer of present) {
    if (!pointerExists(document, pointer)) {
      throw new AssertionError({ message: `expected "${pointer}" to exist`, actual: document });
    }
  }
  for (const pointer of absent) {
    if (pointerExists(document, pointer)) {
      throw new AssertionError({ message: `expected "${pointer}" to be absent`, actual: document });
    }
  }
}

/** Checks an `expectError` outcome: `""` accepts any message, an array needs every substring. */
export function expectErrorMessage(error: unknown, expected: string | string[]): void {
  const message = error instanceof Error ? error.message : String(error);
  for (const part of Array.isArray(expected) ? expected : [expected]) {
    if (!message.includes(part)) {
      throw new AssertionError({
        message: `expected error containing ${JSON.stringify(part)}, got ${JSON.stringify(message)}`,
        actual: message,
        expected: part,
      });
    }
  }
}
