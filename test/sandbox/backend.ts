/**
 * HTTP stand-ins for the Services a sandboxed pod talks to: echo backends listening on a given
 * address (the host side of the pod's veth), and a small HTTP client for requests to the pod.
 */
import * as http from 'http';
import * as net from 'net';

/** What the echo backend answers (JSON). */
export interface EchoReply {
  readonly name: string;
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: string;
  readonly remoteAddress: string;
}

export interface Backend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** URLs of the requests received, in order. */
  readonly hits: string[];
  close(): Promise<void>;
}

/**
 * An HTTP echo backend on `address:port` answering JSON {@link EchoReply}. `?status=N` answers N;
 * `?delay=MS` waits first; `?bytes=N` answers N bytes of body instead of JSON.
 */
export async function startBackend(name: string, address: string, port: number): Promise<Backend> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      hits.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const reply = () => {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    name,
    address,
    port: (server.address() as net.AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The parsed body when a backend echoed. */
  readonly echo?: EchoReply;
}

/** One HTTP/1.1 request to `ip:port` (no redirects followed, no connection reuse). */
export function httpRequest(
  ip: string,
  port: number,
  p: string,
  opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: ip, port, path: p, method: opts.method ?? 'GET', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += String(d)));
        res.on('end', () => {
          let echo: EchoReply | undefined;
          try {
            const j = JSON.parse(body);
            if (j && typeof j.name === 'string' && typeof j.path === 'string') echo = j as EchoReply;
          } catch {
            echo = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo ? { echo } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(opts.timeoutMs ?? 10000, () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 10000} ms`)));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}
