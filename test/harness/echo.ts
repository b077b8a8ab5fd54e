/**
 * The simple echo backend of the traffic tests (renderer, CLI, examples, sandbox): an HTTP server
 * answering a JSON description of the request it got, a TCP/TLS echo, and an HTTP/1.1 client that
 * parses the echo. The conformance runner has its own re-implementation of the upstream
 * echo-basic image (test/conformance/echo), whose answers the conformance steps check.
 */
import * as http from 'http';
import * as net from 'net';
import * as tls from 'tls';

/** What the echo backend answers. */
export interface Echo {
  readonly name: string;
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: string;
  readonly remoteAddress: string;
}

/** A running echo backend. */
export interface EchoServer {
  readonly name: string;
  readonly port: number;
  /** `host:port` */
  readonly address: string;
  /** Request URLs received, in order (for mirrors). */
  readonly hits: string[];
  close(): Promise<void>;
}

export interface EchoOptions {
  /** listen address (default 127.0.0.1) */
  readonly host?: string;
  /** listen port (default: any free one) */
  readonly port?: number;
}

/**
 * HTTP echo backend answering JSON {@link Echo}. `?status=N` answers N; `?delay=MS` waits first;
 * `?bytes=N` answers N bytes of body instead of JSON; header `x-echo-set-header: a:b,c:d` sets
 * response headers. An Upgrade request (WebSocket style) gets 101, then raw bytes are echoed
 * prefixed with `<name>:`.
 */
export async function startEcho(name: string, options: EchoOptions = {}): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      hits.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const reply = () => {
        const extra = String(req.headers['x-echo-set-header'] ?? '');
        for (const kv of extra.split(',').filter(Boolean)) {
          const i = kv.indexOf(':');
          res.setHeader(kv.slice(0, i), kv.slice(i + 1));
        }
        res.statusCode = Number(u.searchParams.get('status') ?? 200);
        const bytes = u.searchParams.get('bytes');
        if (bytes) {
          res.setHeader('content-type', 'application/octet-stream');
          res.end(Buffer.alloc(Number(bytes), 'x'));
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ name, path: req.url, host: req.headers.host, method: req.method, headers: req.headers, body, remoteAddress: req.socket.remoteAddress }));
      };
      const delay = Number(u.searchParams.get('delay') ?? 0);
      if (delay) setTimeout(reply, delay);
      else reply();
    });
  });
  server.keepAliveTimeout = 1000;
  const upgraded = new Set<net.Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${String(req.headers.upgrade)}\r\nConnection: Upgrade\r\n\r\n`);
    socket.on('data', (x) => socket.write(`${name}:${String(x)}`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    address: `${host}:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
        server.close(() => r());
      }),
  };
}

/** TCP echo on 127.0.0.1 (TLS with `tlsOptions`): answers `<name>:` + whatever it receives. */
export async function startTcpEcho(name: string, tlsOptions?: { key: string; cert: string }): Promise<EchoServer> {
  const onConn = (s: net.Socket) => {
    s.on('data', (d) => s.write(`${name}:${String(d)}`));
    s.on('error', () => undefined);
  };
  const server = tlsOptions ? tls.createServer(tlsOptions, onConn) : net.createServer(onConn);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    hits: [],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Response of {@link request}. */
export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The parsed body when an echo backend answered. */
  readonly echo?: Echo;
}

/** One HTTP/1.1 request to 127.0.0.1:port (no redirects followed, no connection reuse). */
export function request(port: number, p: string, opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: { host: opts.host ?? 'example.com', ...opts.headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => {
        let echo: Echo | undefined;
        try {
          echo = JSON.parse(body) as Echo;
        } catch {
          echo = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo && echo.name ? { echo } : {}) });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}
