/**
 * An HTTP/1.1 client for request-body and source-address tests: a body of N bytes sent with
 * Content-Length or chunked, from a chosen loopback source address (127.0.0.2, 127.0.0.3, …).
 */
import * as http from 'http';

/** What {@link send} got back. */
export interface Sent {
  readonly status: number;
  readonly name?: string;
  readonly bodyLength?: number;
  readonly remoteAddress?: string;
  readonly location?: string;
}

/**
 * One request with a body of `size` bytes, with Content-Length or chunked (the body in two
 * chunks), from `from` (a loopback source address). A 413 may arrive before the whole body is
 * written: the answer counts, a write error after it does not.
 */
export function send(port: number, host: string, path: string, opts: { size?: number; chunked?: boolean; from?: string; headers?: Record<string, string> } = {}): Promise<Sent> {
  const size = opts.size ?? 0;
  const body = Buffer.alloc(size, 'x');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, ...opts.headers };
    if (size && !opts.chunked) headers['content-length'] = String(size);
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, path, method: size ? 'POST' : 'GET', headers, agent: false, localAddress: opts.from ?? '127.0.0.1' }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => {
        let echo: { name?: string; body?: string; remoteAddress?: string } = {};
        try {
          echo = JSON.parse(text);
        } catch {
          echo = {};
        }
        resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), ...(echo.name ? { name: echo.name, bodyLength: echo.body?.length ?? 0, remoteAddress: echo.remoteAddress } : {}) });
      });
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    if (size && opts.chunked) {
      const half = Math.floor(size / 2);
      req.write(body.subarray(0, half));
      req.write(body.subarray(half));
    } else if (size) req.write(body);
    req.end();
  });
}

