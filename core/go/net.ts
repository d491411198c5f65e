// Go's net package as the format checks use it: ParseIP, Kubernetes' ParseIPSloppy and ParseCIDRSloppy (IPv4
// parts with leading zeros, as k8s.io/utils/net still reads them) and ParseMAC.
import { isIP } from 'node:net';

/** net.ParseIP: IPv4 dotted quads without leading zeros, or IPv6 (an IPv4 tail allowed) without a zone. */
export function parsesAsIP(value: string): boolean {
  return isIP(value) !== 0 && !value.includes('%');
}

/** k8s.io/utils/net ParseIPSloppy: like net.ParseIP, but IPv4 parts may have leading zeros. */
export function parsesAsSloppyIP(value: string): boolean {
  const quad = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(value);
  if (quad) return quad.slice(1).every((part) => Number(part) <= 255);
  return value.includes(':') && parsesAsIP(value);
}

/** ParseCIDRSloppy: an address, a slash, and a decimal prefix length within the address's width. */
export function parsesAsCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash === -1) return false;
  const [address, prefix] = [value.slice(0, slash), value.slice(slash + 1)];
  if (!/^\d+$/.test(prefix) || !parsesAsSloppyIP(address)) return false;
  const width = /^[\d.]+$/.test(address) ? 32 : 128;
  return Number(prefix) <= width;
}

/** net.ParseMAC: 6, 8 or 20 groups of two hex digits joined by ':' or '-', or of four joined by '.'. */
export function parsesAsMAC(value: string): boolean {
  const pairs = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2})*$/.exec(value);
  if (pairs) return [6, 8, 20].includes((value.length + 1) / 3);
  if (/^[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4})+$/.test(value))
    return [6, 8, 20].includes((2 * (value.length + 1)) / 5);
  return false;
}
