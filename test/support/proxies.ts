// Two forward proxies on loopback, as a kubeconfig's `proxy-url` names them: an HTTP proxy (CONNECT, what hpagent
// speaks for an https server) and a SOCKS5 proxy (no authentication, CONNECT only, what socks-proxy-agent speaks).
// Each counts the tunnels it opened, so a test can tell the plugin went through it and did not connect directly.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  connect,
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';

export interface LoopbackProxy {
  /** The `proxy-url` for a kubeconfig. */
  readonly url: string;
  /** The `host:port` of every tunnel opened, in order. */
  readonly tunnels: string[];
  close(): Promise<void>;
}

function pipeBoth(client: Socket, upstream: Socket): void {
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
}

async function listening(
  server: Server | HttpServer,
  scheme: string,
  tunnels: string[],
): Promise<LoopbackProxy> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startHttpConnectProxy(): Promise<LoopbackProxy> {
  const tunnels: string[] = [];
  const server = createHttpServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const [host, port] = (request.url ?? '').split(':');
    tunnels.push(request.url ?? '');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      pipeBoth(client, upstream);
    });
    upstream.on('error', () => client.destroy());
  });
  return listening(server, 'http', tunnels);
}

const SOCKS_VERSION = 5;
const NO_AUTHENTICATION = 0;
const CONNECT = 1;
const ADDRESS_IPV4 = 1;
const ADDRESS_DOMAIN = 3;

export function startSocks5Proxy(): Promise<LoopbackProxy> {
  const tunnels: string[] = [];
  const server = createNetServer((client) => {
    client.on('error', () => client.destroy());
    let buffered = Buffer.alloc(0);
    let greeted = false;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!greeted) {
        // VER, NMETHODS, METHODS...
        if (buffered.length < 2 || buffered.length < 2 + buffered[1]!) return;
        buffered = buffered.subarray(2 + buffered[1]!);
        greeted = true;
        client.write(Buffer.from([SOCKS_VERSION, NO_AUTHENTICATION]));
      }
      // VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT
      if (buffered.length < 5) return;
      const [version, command, , addressType] = buffered;
      if (version !== SOCKS_VERSION || command !== CONNECT) return client.destroy();
      let host: string;
      let end: number;
      if (addressType === ADDRESS_IPV4) {
        end = 8;
        if (buffered.length < end + 2) return;
        host = [...buffered.subarray(4, 8)].join('.');
      } else if (addressType === ADDRESS_DOMAIN) {
        end = 5 + buffered[4]!;
        if (buffered.length < end + 2) return;
        host = buffered.subarray(5, end).toString('latin1');
      } else {
        return client.destroy();
      }
      const port = buffered.readUInt16BE(end);
      const rest = buffered.subarray(end + 2);
      client.off('data', onData);
      tunnels.push(`${host}:${port}`);
      const upstream = connect(port, host, () => {
        // Succeeded, bound to 0.0.0.0:0 (the client does not use it).
        client.write(Buffer.from([SOCKS_VERSION, 0, 0, ADDRESS_IPV4, 0, 0, 0, 0, 0, 0]));
        if (rest.length > 0) upstream.write(rest);
        pipeBoth(client, upstream);
      });
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  return listening(server, 'socks5', tunnels);
}
