// Go's net/url, the parser the `uri` format is checked with.

// url.ParseRequestURI: no control characters; "*"; an absolute path; or scheme ":" and an opaque part or
// "//" authority (valid host characters, a bracketed IPv6 literal closed, a numeric port) and a path; every "%"
// starts an escape. The fragment is not split off, so "#" only counts as a path character.
export function parsesAsRequestURI(value: string): boolean {
  if (value === '' || [...value].some((char) => char < ' ' || char === '\x7f')) return false;
  if (value === '*') return true;
  if (/%(?![0-9a-fA-F]{2})/.test(value)) return false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value);
  if (!scheme) return value.startsWith('/');
  const rest = value.slice(scheme[0].length).split('?', 1)[0]!;
  if (!rest.startsWith('//')) return true;
  const authority = rest.slice(2).split('/', 1)[0]!;
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return false;
  const host = authority.slice(at + 1);
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return false;
    const port = host.slice(close + 1);
    return port === '' || /^:[0-9]*$/.test(port);
  }
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && !/^[0-9]*$/.test(host.slice(colon + 1))) return false;
  return /^[A-Za-z0-9\-._~!$&'()*+,;=:<>"%]*$/.test(colon === -1 ? host : host.slice(0, colon));
}
