// `pattern` constraints as Go's regexp package (RE2) reads them, which is what OpenChoreo and Kubernetes validate
// with. re2js is RE2 in plain JavaScript: the same syntax (so `(?i)`, `\z` and friends mean what the Workflow's
// author meant, and lookarounds are refused as Go refuses them) and matching in linear time, so no pattern a
// Workflow declares can stall the webhook on a hostile parameter value.
import { RE2JS } from 're2js';

export interface Pattern {
  test(text: string): boolean;
}

// Workflows declare few distinct patterns; the bound only keeps a stream of hostile schemas from growing it.
const MAX_CACHED_PATTERNS = 1000;
const cache = new Map<string, Pattern | Error>();

/** Compiles an RE2 pattern (unanchored, like Go's MatchString). Throws an Error with RE2's own parse message. */
export function compileRE2(pattern: string): Pattern {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = RE2JS.compile(pattern);
    } catch (error) {
      compiled = new Error((error as Error).message);
    }
    if (cache.size >= MAX_CACHED_PATTERNS) cache.clear();
    cache.set(pattern, compiled);
  }
  if (compiled instanceof Error) throw compiled;
  return compiled;
}

/** The form ajv's `code.regExp` option takes. */
export const re2Engine = Object.assign((pattern: string) => compileRE2(pattern), { code: 're2js' });
