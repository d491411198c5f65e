// Go's strings package: TrimSpace (with Go's white space) and Compare, the byte order sort.Strings and Go's map
// encoding use.
import { isGoSpace } from './unicode.ts';

/** strings.TrimSpace. */
export function goTrimSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isGoSpace(value[start]!)) start++;
  while (end > start && isGoSpace(value[end - 1]!)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * strings.Compare, the order of sort.Strings: byte order of the UTF-8 encodings, which is code point order (not
 * UTF-16 unit order).
 */
export function compareGoStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
