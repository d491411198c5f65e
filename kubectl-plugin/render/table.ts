// Text layout shared by the renderers: safe cell text, display widths that ignore colour codes, kubectl-style
// aligned tables and `Key:  value` blocks. Nothing here knows about WorkflowRuns.
import { NONE } from './time.ts';

// Control characters (C0, DEL, C1) could move the cursor or recolour the terminal, and bidirectional overrides
// can make text read differently from what it is; user data shows them escaped instead.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every control or bidi-override character written as an escape, so it stays on one line. */
export function sanitize(text: string): string {
  return text.replace(
    UNSAFE_CHARACTERS,
    (char) => NAMED_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Any value from a run as one line of cell text: strings sanitized, numbers and booleans as written, `<none>` for
 * missing, null or empty values, anything else (data of the wrong shape) as compact JSON so it is still visible.
 */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return NONE;
  if (typeof value === 'string') return sanitize(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return sanitize(JSON.stringify(value) ?? NONE);
}

/** Orders by UTF-16 code units, as Go and the API server do, so the order never depends on the locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// eslint-disable-next-line no-control-regex
const SGR_SEQUENCE = /\x1b\[[0-9;]*m/g;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
// East Asian Wide and Fullwidth blocks (and the emoji blocks terminals draw two cells wide).
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function charWidth(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0;
  const code = char.codePointAt(0) ?? 0;
  return WIDE_RANGES.some(([from, to]) => code >= from && code <= to) ? 2 : 1;
}

/** `text` without the colour codes `paint` adds: what a pipe or `NO_COLOR` would have shown. */
export function stripColor(text: string): string {
  return text.replace(SGR_SEQUENCE, '');
}

// ASCII holds no wide, combining or format characters: every one of its characters is a column.
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

/** Terminal columns `text` occupies: colour codes take none, wide characters two, combining marks zero. */
export function displayWidth(text: string): number {
  const plain = stripColor(text);
  // Nearly every cell is ASCII; the walk below tests a pattern and searches the wide ranges for each character.
  if (!NON_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const char of plain) width += charWidth(char);
  return width;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * Rows laid out in columns separated by `gap` spaces, as Go's tabwriter does for kubectl: every column but the
 * last is padded to its widest cell, so lines carry no trailing spaces.
 */
export function formatColumns(rows: readonly (readonly string[])[], gap: number, indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((text, column) => {
      if (column < row.length - 1) widths[column] = Math.max(widths[column] ?? 0, displayWidth(text));
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((text, column) => (column < row.length - 1 ? padEnd(text, (widths[column] ?? 0) + gap) : text))
        .join(''),
  );
}

/** A `kubectl describe` table: headers, a dashed rule under each, then the rows; columns two spaces apart. */
export function formatDescribeTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const rule = headers.map((header) => '-'.repeat(displayWidth(header)));
  return formatColumns([headers, rule, ...rows], 2, '  ');
}

/** `Key:  value` lines with the values aligned two spaces after the longest key, as kubectl describe prints them. */
export function formatFields(fields: readonly (readonly [string, string])[], indent = ''): string[] {
  return formatColumns(
    fields.map(([key, value]) => [`${key}:`, value]),
    2,
    indent,
  );
}
