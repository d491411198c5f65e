// Go's net/url, the parser the `uri` format is checked with.

/** url.ParseRequestURI: an absolute URI (`scheme:...`) or an absolute path, no control characters, valid escapes. */
export function parsesAsRequestURI(value: string): boolean {
  const hasControl = [...value].some((char) => char < ' ' || char === '\x7f');
  if (value === '' || value.startsWith(':') || hasControl || /%(?![0-9a-fA-F]{2})/.test(value)) return false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value);
  const rest = scheme ? value.slice(scheme[0].length) : value;
  if (!scheme) return rest.startsWith('/');
  if (!rest.startsWith('//')) return true;
  const authority = rest.slice(2).split(/[/?#]/, 1)[0]!;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const port = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(host);
  return port !== null && (port[1] === undefined || /^[0-9]*$/.test(port[1]));
}
