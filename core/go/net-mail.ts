// Go's net/mail, the address parser the `email` format is checked with.

// RFC 5322 as net/mail.ParseAddress reads it: `local@domain` or `Display Name <local@domain>`.
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const EMAIL = new RegExp(
  `^\\s*(?:${ADDR_SPEC}|(?:(?:${ATOM}|${QUOTED})(?:\\s+(?:${ATOM}|${QUOTED}))*\\s*)?<${ADDR_SPEC}>)\\s*$`,
  'u',
);

/** Whether net/mail.ParseAddress accepts the text (closely, not exhaustively). */
export function parsesAsMailAddress(value: string): boolean {
  return EMAIL.test(value);
}
