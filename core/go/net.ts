// Go's net package as format checks use it: ParseIP (with the leading zeros Kubernetes' fork still accepts in IPv4
// parts) and ParseCIDR.
import { isIP } from 'node:net';

/** net.ParseIP with Kubernetes' "sloppy" leading zeros in IPv4 parts. */
export function parsesAsIP(value: string): boolean {
  const sloppyV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (sloppyV4) return sloppyV4.slice(1).every((part) => Number(part) <= 255);
  return isIP(value) !== 0 && !value.includes('%');
}

/** net.ParseCIDR: an address ParseIP accepts, a slash, and a prefix length within the address family's width. */
export function parsesAsCIDR(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  if (prefix === undefined || rest.length > 0 || !/^\d+$/.test(prefix) || !parsesAsIP(address)) return false;
  const isV4 = /^[\d.]+$/.test(address);
  return Number(prefix) <= (isV4 ? 32 : 128);
}
