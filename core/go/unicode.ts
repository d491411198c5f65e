// Go's unicode package, the one predicate the converters need: Go's idea of white space differs from JavaScript's.

/** unicode.IsSpace: ASCII whitespace plus NEL, NBSP and the Unicode space separators; unlike JS, not U+FEFF. */
export function isGoSpace(char: string): boolean {
  const code = char.codePointAt(0) ?? -1;
  if (code <= 0xff) {
    return (code >= 0x09 && code <= 0x0d) || code === 0x20 || code === 0x85 || code === 0xa0;
  }
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}
