// Go's net/mail, the address parser the `email` format is checked with.

// net/mail.ParseAddress, one address: `local@domain`, `<local@domain>` or `Display Name <local@domain>`, white
// space around; atoms take RFC 5322 atext and any non-ASCII character, quoted strings their escapes.
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\u{10ffff}]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const WORD = `(?:${ATOM}|${QUOTED})`;
const MAIL_ADDRESS = new RegExp(
  `^[ \\t]*(?:${ADDR_SPEC}|(?:${WORD}(?:(?:[ \\t]+|\\.)${WORD}|\\.)*[ \\t]*)?<${ADDR_SPEC}>)[ \\t]*$`,
  'u',
);

export function parsesAsMailAddress(value: string): boolean {
  return MAIL_ADDRESS.test(value);
}
