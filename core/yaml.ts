// Reading the YAML (or JSON) files users hand the CLI: every document, YAML 1.2 core schema (so `on`, `yes` and
// `0755` stay what YAML 1.2 says they are), duplicate keys refused, aliases bounded so an alias bomb is an error
// rather than gigabytes of memory. The `yaml` package defines a `__proto__` key as an own property, so such a key
// stays plain data.
import { isScalar, parseAllDocuments, visit, YAMLError, YAMLParseError, type Document } from 'yaml';

import { InputError } from './errors.ts';
import type { JSONValue } from './types.ts';

/** Alias expansions allowed per document; real manifests use a handful. */
export const MAX_ALIAS_COUNT = 100;
/**
 * Nesting the parser is allowed to see. The `yaml` package recurses per level and overflows the stack somewhere
 * between 500 and 1000 levels; near that point V8 can abort the whole process (a regular expression compiled with
 * no stack left is a fatal out-of-memory error), so deeper input is refused before it reaches the parser.
 */
export const MAX_NESTING_DEPTH = 200;

/**
 * Every non-empty (non-null) document in `text`, as plain JSON values. Throws `InputError` with `<source>: <problem>`
 * (with line and column when known) for anything that is not clean YAML.
 */
export function parseDocuments(text: string, source: string): JSONValue[] {
  const values: JSONValue[] = [];
  if (estimateNestingDepth(text) > MAX_NESTING_DEPTH) {
    throw new InputError(`${source}: nested more than ${MAX_NESTING_DEPTH} levels deep`);
  }
  try {
    // The parser's own `uniqueKeys` check compares every pair of keys (a 40,000-key mapping takes seconds);
    // firstDuplicateKey does the same job with a set.
    const documents = parseAllDocuments(text, { schema: 'core', uniqueKeys: false, prettyErrors: false });
    for (const document of documents) {
      const [problem] = document.errors;
      if (problem) throw new InputError(`${source}: ${describe(problem, text)}`);
      const duplicate = firstDuplicateKey(document);
      if (duplicate) throw new InputError(`${source}: ${describe(duplicate, text)}`);
      // An empty document (`---` then nothing, or only comments) is null, and kubectl skips it too.
      const value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JSONValue;
      if (value !== null) values.push(value);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (error instanceof YAMLError) throw new InputError(`${source}: ${describe(error, text)}`);
    if (error instanceof RangeError) throw new InputError(`${source}: nested too deeply`);
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new InputError(
        `${source}: too many alias expansions (more than ${MAX_ALIAS_COUNT}); is it an alias bomb?`,
      );
    }
    throw new InputError(`${source}: ${(error as Error).message}`);
  }
  for (const value of values) assertJSONCompatible(value, source);
  return values;
}

/** The first repeated key of any mapping, as the error the parser itself would have raised for it. */
function firstDuplicateKey(document: Document.Parsed): YAMLError | undefined {
  let duplicate: YAMLError | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        // Keys become JSON property names, so `1` and `"1"` collide just as two `a`s do.
        const name = isScalar(key) ? String(key.value) : undefined;
        if (name === undefined) continue;
        if (seen.has(name)) {
          const offset = isScalar(key) ? (key.range?.[0] ?? 0) : 0;
          const shown = name.length > 60 ? `${name.slice(0, 60)}...` : name;
          duplicate = new YAMLParseError(
            [offset, offset + 1],
            'DUPLICATE_KEY',
            `duplicate key ${JSON.stringify(shown)}`,
          );
          return visit.BREAK;
        }
        seen.add(name);
      }
      return undefined;
    },
  });
  return duplicate;
}

// The parser's own pretty messages quote the offending source, which may be huge or hostile: print the
// position and the first line of the problem only.
function describe(error: YAMLError, text: string): string {
  const problem = error.message.split('\n')[0] ?? error.message;
  const offset = error.pos?.[0];
  if (offset === undefined || offset < 0 || offset > text.length) return problem;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1))
    line++;
  return `line ${line}, column ${offset - lineStart + 1}: ${problem}`;
}

// The core schema can still produce values JSON has no form for (e.g. `.inf`, `.nan`); Kubernetes would refuse
// them, so refuse them here with a position-free but clear message. Iterative, so a deep document cannot overflow.
function assertJSONCompatible(root: JSONValue, source: string): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new InputError(`${source}: ${String(value)} is not a JSON number`);
    }
    if (typeof value === 'object' && value !== null) {
      if (
        value instanceof Map ||
        value instanceof Set ||
        value instanceof Date ||
        value instanceof Uint8Array
      ) {
        throw new InputError(`${source}: unsupported YAML value (${value.constructor.name})`);
      }
      for (const child of Array.isArray(value) ? value : Object.values(value)) pending.push(child);
    }
  }
}

/**
 * An upper-bound estimate of how deeply `text` nests, in one linear pass: indentation levels of block collections,
 * `- ` entries opened on one line, and flow brackets outside quotes and comments. Block scalars (`|`, `>`) are
 * skipped. It may overestimate (a `[` inside a plain scalar counts); real manifests stay far below the limit.
 */
function estimateNestingDepth(text: string): number {
  const indents: number[] = [];
  let flowDepth = 0;
  let quote: '"' | "'" | undefined;
  let blockScalarIndent: number | undefined;
  let deepest = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const content = line.slice(indent);
    if (blockScalarIndent !== undefined) {
      if (content === '' || indent > blockScalarIndent) continue;
      blockScalarIndent = undefined;
    }
    if (content === '' || (content.startsWith('#') && !quote)) continue;
    if (flowDepth === 0 && !quote) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    let entries = 0;
    let position = 0;
    if (!quote && flowDepth === 0) {
      while (/^[-?:](\s|$)/.test(content.slice(position))) {
        entries++;
        position += 2;
        while (content[position] === ' ') position++;
      }
    }
    let lineFlowDepth = flowDepth;
    for (let index = position; index < content.length; index++) {
      const char = content[index];
      if (quote) {
        if (quote === '"' && char === '\\') index++;
        else if (char === quote) quote = undefined;
        continue;
      }
      if (char === '#' && (index === 0 || /\s/.test(content[index - 1]!))) break;
      if (char === '"' || char === "'") quote = char;
      else if (char === '[' || char === '{') lineFlowDepth = Math.max(lineFlowDepth, ++flowDepth);
      else if ((char === ']' || char === '}') && flowDepth > 0) flowDepth--;
    }
    deepest = Math.max(deepest, indents.length + entries + lineFlowDepth);
    if (!quote && flowDepth === 0 && /(^|[\s:])[|>][-+0-9]*\s*(#.*)?$/.test(content))
      blockScalarIndent = indent;
  }
  return deepest;
}
