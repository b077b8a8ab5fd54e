/**
 * HTTP stand-ins for the Services a sandboxed pod talks to: echo backends listening on a given
 * address (the host side of the pod's veth), and a small HTTP client for requests to the pod.
 */
import * as http from 'http';
import { Echo, startEcho } from '../harness/echo';

/** What the echo backend answers (JSON). */
export type EchoReply = Echo;

export interface Backend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** URLs of the requests received, in order. */
  readonly hits: string[];
  close(): Promise<void>;
}

/**
 * An HTTP echo backend (test/harness/echo) on `address:port` answering JSON {@link EchoReply}.
 * `?status=N` answers N; `?delay=MS` waits first; `?bytes=N` answers N bytes of body instead of JSON.
 */
export async function startBackend(name: string, address: string, port: number): Promise<Backend> {
  const echo = await startEcho(name, { host: address, port });
  return { name, address, port: echo.port, hits: echo.hits, close: () => echo.close() };
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
