// Go's encoding/json as the schema converters meet it:
// - json.Unmarshal into Go's `any`, as the shorthand converter uses it for object/array defaults, enums and examples:
//   the same inputs are accepted and refused, with Go's error texts (`invalid character 'x' looking for beginning of
//   value`, `unexpected end of JSON input`, ...). The value itself comes from JSON.parse once the text is valid.
// - the rules and messages of decoding into a Go struct (how keys find fields, which numbers fit an int64, how a type
//   error is worded) and of marshalling a number JSON cannot hold, which core/openapi/v1.ts decodes schemas by.
import type { JSONValue } from '../types.ts';
import { goQuote } from './strconv.ts';

/** Nesting allowed in a JSON literal; Go allows 10000, far more than any schema default needs or JS recursion likes. */
export const MAX_JSON_DEPTH = 1000;

export class GoJSONError extends Error {}

/** Go's scanner reports bytes: a non-ASCII character shows as the first byte of its UTF-8 form, read as a rune. */
function offendingChar(text: string, pos: number): string {
  const char = String.fromCodePoint(text.codePointAt(pos)!);
  return char <= '\x7f' ? char : String.fromCharCode(new TextEncoder().encode(char)[0]!);
}

function quoteChar(char: string): string {
  if (char === "'") return "'\\''";
  if (char === '"') return `'"'`;
  const quoted = goQuote(char);
  return `'${quoted.slice(1, -1)}'`;
}

const isDigit = (char: string | undefined) => char !== undefined && char >= '0' && char <= '9';
const isJSONSpace = (char: string | undefined) =>
  char === ' ' || char === '\t' || char === '\n' || char === '\r';

/** Walks the text with the grammar of Go's encoding/json scanner and throws its message at the first error. */
function scan(text: string): void {
  let pos = 0;
  // The open containers: 'object' (between a key and the end of its value) or 'array'.
  const stack: ('object' | 'array')[] = [];
  const invalid = (context: string): never => {
    throw new GoJSONError(`invalid character ${quoteChar(offendingChar(text, pos))} ${context}`);
  };
  const end = (): never => {
    throw new GoJSONError('unexpected end of JSON input');
  };
  // Go's scanner feeds a space at the end of input, so a token cut short reports that space.
  const endInside = (context: string): never => {
    throw new GoJSONError(`invalid character ' ' ${context}`);
  };
  const skipSpace = () => {
    while (isJSONSpace(text[pos])) pos++;
  };
  const literal = (word: string) => {
    for (let i = 1; i < word.length; i++) {
      pos++;
      const context = `in literal ${word} (expecting ${quoteChar(word[i]!)})`;
      if (pos >= text.length) endInside(context);
      if (text[pos] !== word[i]) invalid(context);
    }
    pos++;
  };
  const string = () => {
    pos++;
    for (;;) {
      if (pos >= text.length) end();
      const char = text[pos]!;
      if (char === '"') {
        pos++;
        return;
      }
      if (char === '\\') {
        pos++;
        if (pos >= text.length) endInside('in string escape code');
        const escape = text[pos]!;
        if (escape === 'u') {
          for (let i = 0; i < 4; i++) {
            pos++;
            if (pos >= text.length) endInside('in \\u hexadecimal character escape');
            if (!/[0-9a-fA-F]/.test(text[pos]!)) invalid('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(escape)) {
          invalid('in string escape code');
        }
      } else if (char < ' ') {
        invalid('in string literal');
      }
      pos++;
    }
  };
  // A key and its colon, from the key's opening quote to just past the colon.
  const objectKey = () => {
    if (text[pos] !== '"') invalid('looking for beginning of object key string');
    string();
    skipSpace();
    if (pos >= text.length) end();
    if (text[pos] !== ':') invalid('after object key');
    pos++;
  };
  const number = () => {
    const start = pos;
    if (text[pos] === '-') {
      pos++;
      if (pos >= text.length) endInside('in numeric literal');
      if (!isDigit(text[pos])) invalid('in numeric literal');
    }
    if (text[pos] === '0') pos++;
    else while (isDigit(text[pos])) pos++;
    if (text[pos] === '.') {
      pos++;
      if (pos >= text.length) endInside('after decimal point in numeric literal');
      if (!isDigit(text[pos])) invalid('after decimal point in numeric literal');
      while (isDigit(text[pos])) pos++;
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      if (pos >= text.length) endInside('in exponent of numeric literal');
      if (!isDigit(text[pos])) invalid('in exponent of numeric literal');
      while (isDigit(text[pos])) pos++;
    }
    const literalText = text.slice(start, pos);
    if (!Number.isFinite(Number(literalText))) {
      throw new GoJSONError(unmarshalTypeMessage(`number ${literalText}`, 'Go value', 'float64'));
    }
  };

  for (;;) {
    // Expecting a value.
    skipSpace();
    if (pos >= text.length) end();
    const char = text[pos]!;
    if (char === '{' || char === '[') {
      if (stack.length >= MAX_JSON_DEPTH) throw new GoJSONError(`exceeded max depth of ${MAX_JSON_DEPTH}`);
      pos++;
      skipSpace();
      if (pos >= text.length) end();
      if (char === '[') {
        if (text[pos] === ']') {
          pos++;
        } else {
          stack.push('array');
          continue;
        }
      } else if (text[pos] === '}') {
        pos++;
      } else {
        objectKey();
        stack.push('object');
        continue;
      }
    } else if (char === '"') {
      string();
    } else if (char === '-' || isDigit(char)) {
      number();
    } else if (char === 't') {
      literal('true');
    } else if (char === 'f') {
      literal('false');
    } else if (char === 'n') {
      literal('null');
    } else {
      invalid('looking for beginning of value');
    }

    // After a value: close containers or move to the next element.
    for (;;) {
      skipSpace();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (pos < text.length) invalid('after top-level value');
        return;
      }
      if (pos >= text.length) end();
      const next = text[pos]!;
      if (top === 'array') {
        if (next === ',') {
          pos++;
          break;
        }
        if (next !== ']') invalid('after array element');
        pos++;
        stack.pop();
        continue;
      }
      if (next === ',') {
        pos++;
        skipSpace();
        if (pos >= text.length) end();
        objectKey();
        break;
      }
      if (next !== '}') invalid('after object key:value pair');
      pos++;
      stack.pop();
    }
  }
}

/** Parses JSON text as Go's json.Unmarshal into `any` would; `__proto__` keys come back as plain own properties. */
export function parseGoJSON(text: string): JSONValue {
  scan(text);
  return JSON.parse(text) as JSONValue;
}

/**
 * The form under which Go's decoder matches a JSON key with a struct field's name: Unicode simple case folding, where
 * the only non-ASCII letters that fold onto ASCII ones are the long s and the Kelvin sign.
 */
export function foldGoFieldName(name: string): string {
  return name.replace(/[a-z\u017f\u212a]/g, (letter) => {
    if (letter === '\u017f') return 'S';
    if (letter === '\u212a') return 'K';
    return letter.toUpperCase();
  });
}

/** Whether Go decodes the number into an int64: its JSON text has no fraction or exponent and is in range. */
export function decodesAsInt64(value: number): boolean {
  const text = String(value);
  if (!/^-?\d+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** The JSON kind an UnmarshalTypeError names for a value. */
export function unmarshalValueKind(value: JSONValue): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

/** An UnmarshalTypeError's text; `location` is `Go value` or `Go struct field T.a.b`. */
export function unmarshalTypeMessage(valueText: string, location: string, goType: string): string {
  return `json: cannot unmarshal ${valueText} into ${location} of type ${goType}`;
}

/** json.Marshal's refusal of NaN and the infinities. */
export function unsupportedValueMessage(value: number): string {
  const text = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  return `json: unsupported value: ${text}`;
}
