// Go's strconv as the schema converters meet it: ParseInt, ParseBool and ParseFloat with their accepted literals and
// error texts, Quote (what `%q` prints), Unquote of a double-quoted literal, and FormatFloat's `%g` form. OpenChoreo's
// error texts and accepted inputs come from these, so they are reproduced rather than approximated with their
// JavaScript look-alikes.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote (what `%q` prints). */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (PRINTABLE.test(char)) {
      out += char;
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate cannot occur in a Go string; Go would see the replacement character.
      out += '\\ufffd';
    } else if (code < 0x10000) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** A strconv error, worded as Go words it: `strconv.ParseInt: parsing "x": invalid syntax`. */
export class GoParseError extends Error {}

function syntaxError(fn: string, value: string): GoParseError {
  return new GoParseError(`strconv.${fn}: parsing ${goQuote(value)}: invalid syntax`);
}

function rangeError(fn: string, value: string): GoParseError {
  return new GoParseError(`strconv.${fn}: parsing ${goQuote(value)}: value out of range`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * strconv.ParseInt(value, 10, 64). Values Go accepts but a JS number cannot hold exactly (beyond 2^53) are refused
 * too, because converting them would silently change the number the schema author wrote.
 */
export function parseGoInt64(value: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) throw syntaxError('ParseInt', value);
  const big = BigInt(value);
  if (big < INT64_MIN || big > INT64_MAX) throw rangeError('ParseInt', value);
  if (big < BigInt(Number.MIN_SAFE_INTEGER) || big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GoParseError(
      `parsing ${goQuote(value)}: integers beyond ±${Number.MAX_SAFE_INTEGER} cannot be represented exactly`,
    );
  }
  return Number(big);
}

/** strconv.ParseBool. */
export function parseGoBool(value: string): boolean {
  switch (value) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
  }
  throw syntaxError('ParseBool', value);
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;

/** Go's underscoreOK: an underscore may only sit between digits (or right after a base prefix). */
function underscoresOK(literal: string): boolean {
  let body = literal.replace(/^[+-]/, '');
  let seen: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  let hex = false;
  if (/^0[bBoOxX]/.test(body)) {
    hex = /^0[xX]/.test(body);
    body = body.slice(2);
    seen = 'digit';
  }
  for (const char of body) {
    if (/[0-9]/.test(char) || (hex && /[a-fA-F]/.test(char))) {
      seen = 'digit';
    } else if (char === '_') {
      if (seen !== 'digit') return false;
      seen = 'underscore';
    } else {
      if (seen === 'underscore') return false;
      seen = 'other';
    }
  }
  return seen !== 'underscore';
}

function parseHexFloat(match: RegExpMatchArray): number {
  const [, sign, intDigits = '', fracDigits = '', exponent = '0'] = match;
  const digits = (intDigits + fracDigits).replaceAll('_', '');
  let mantissa = digits === '' ? 0n : BigInt(`0x${digits}`);
  let binaryExponent = Number(exponent.replaceAll('_', '')) - 4 * fracDigits.replaceAll('_', '').length;
  // Keep the mantissa within double range before scaling; dropped bits only matter beyond 2^1100.
  while (mantissa > 2n ** 1100n) {
    mantissa >>= 1n;
    binaryExponent += 1;
  }
  const magnitude = Number(mantissa) * 2 ** binaryExponent;
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * strconv.ParseFloat(value, 64): decimal and hexadecimal literals, digit-separating underscores, Inf/Infinity/NaN.
 * Overflow is a range error, as in Go.
 */
export function parseGoFloat64(value: string): number {
  const special = /^([+-]?)(inf|infinity)$/i.exec(value);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(value)) return NaN;
  const hex = HEX_FLOAT.exec(value);
  let result: number;
  if (hex) {
    if ((hex[2] ?? '') + (hex[3] ?? '') === '' || !underscoresOK(value))
      throw syntaxError('ParseFloat', value);
    result = parseHexFloat(hex);
  } else {
    if (!DECIMAL_FLOAT.test(value) || !/[0-9]/.test(value.replace(/[eE].*$/, '')) || !underscoresOK(value)) {
      throw syntaxError('ParseFloat', value);
    }
    result = Number(value.replaceAll('_', ''));
  }
  if (!Number.isFinite(result)) throw rangeError('ParseFloat', value);
  return result;
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\x07'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['\\', '\\'],
  ['"', '"'],
]);

const utf8Decoder = new TextDecoder('utf-8');

/**
 * strconv.Unquote for a double-quoted literal, or undefined where Go reports an error (and the caller keeps the
 * text as written). `\x` and octal escapes are bytes; invalid UTF-8 they form decodes to U+FFFD, as Go's JSON
 * encoder would print it.
 */
export function goUnquoteDouble(literal: string): string | undefined {
  if (literal.length < 2 || literal[0] !== '"' || literal[literal.length - 1] !== '"') return undefined;
  const body = literal.slice(1, -1);
  if (body.includes('\n')) return undefined;
  if (!body.includes('\\')) return body.includes('"') ? undefined : body;
  let out = '';
  let pendingBytes: number[] = [];
  const flushBytes = () => {
    if (pendingBytes.length > 0) out += utf8Decoder.decode(Uint8Array.from(pendingBytes));
    pendingBytes = [];
  };
  for (let i = 0; i < body.length;) {
    const char = body[i]!;
    if (char === '"') return undefined;
    if (char !== '\\') {
      flushBytes();
      out += char;
      i++;
      continue;
    }
    const escape = body[i + 1];
    if (escape === undefined) return undefined;
    const simple = SIMPLE_ESCAPES.get(escape);
    if (simple !== undefined) {
      flushBytes();
      out += simple;
      i += 2;
    } else if (escape === 'x') {
      const hexDigits = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hexDigits)) return undefined;
      pendingBytes.push(parseInt(hexDigits, 16));
      i += 4;
    } else if (escape === 'u' || escape === 'U') {
      const width = escape === 'u' ? 4 : 8;
      const hexDigits = body.slice(i + 2, i + 2 + width);
      if (hexDigits.length !== width || !/^[0-9a-fA-F]+$/.test(hexDigits)) return undefined;
      const codePoint = parseInt(hexDigits, 16);
      if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
      flushBytes();
      out += String.fromCodePoint(codePoint);
      i += 2 + width;
    } else if (escape >= '0' && escape <= '7') {
      const octal = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(octal) || parseInt(octal, 8) > 255) return undefined;
      pendingBytes.push(parseInt(octal, 8));
      i += 4;
    } else {
      return undefined;
    }
  }
  flushBytes();
  return out;
}

/** strconv.FormatFloat(value, 'g', -1, 64), which is how `%v` prints a float64. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}
