/**
 * The echo-basic HTTP behaviour, re-implemented on node's `http`/`http2`:
 *
 * - `GET /health` → 200 `OK`; `/status/NNN` → that status; `/ws` → WebSocket echo (Origin required,
 *   like golang.org/x/net/websocket); `/retry/…?responseCode=&succeedAfter=&uuid=` → per uuid, the
 *   first `succeedAfter` attempts answer `responseCode` (or drop the connection without one), then echo;
 * - everything else → the echo JSON `{path, host, method, proto, headers, namespace, ingress, service,
 *   pod, tls?, sni}` (headers keyed by Go's canonical names, `Host` excluded), after `?delay=<duration>`;
 *   `X-Echo-Set-Header: Name:value,…` sets response headers; each echo logs
 *   `Echoing back request made to <RequestURI> to client (<addr>)`.
 *
 * Servers: HTTP/1.1 (port 3000 in the pod), h2c with prior knowledge (3001; HTTP/1.1 gets 400
 * `Expected h2c request`), HTTPS with HTTP/2 and HTTP/1.1 (8443) optionally verifying client
 * certificates if given (Go's `VerifyClientCertIfGiven`).
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as tls from 'tls';
import { canonicalHeaderKey, Listening, listenTcp, parseGoDuration, PodContext, PodLog } from './context';
import { encodeFrame, FrameParser, OP_CLOSE, OP_PING, OP_PONG, wsAccept } from './ws';

export interface HttpEchoPod {
  readonly ctx: PodContext;
  readonly log: PodLog;
  /** Retry simulator state: uuid → attempts so far. */
  readonly retries: Map<string, number>;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

function tlsSocketOf(req: Req): tls.TLSSocket | undefined {
  const stream = (req as http2.Http2ServerRequest).stream;
  const sock = (stream?.session?.socket ?? req.socket) as tls.TLSSocket | undefined;
  return sock && (sock as any).encrypted ? sock : undefined;
}

/** Go's `TLSAssertions` of echo-basic. */
export function tlsAssertions(sock: tls.TLSSocket): Record<string, unknown> {
  const out: Record<string, unknown> = { version: sock.getProtocol() ?? '' };
  const peer = sock.getPeerX509Certificate?.();
  if (peer) out.peerCertificates = [peer.toString()];
  out.serverName = typeof sock.servername === 'string' ? sock.servername : '';
  if (sock.alpnProtocol) out.negotiatedProtocol = sock.alpnProtocol;
  out.cipherSuite = sock.getCipher()?.standardName ?? '';
  return out;
}

function requestHeaders(req: Req): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.startsWith(':') || name.toLowerCase() === 'host') continue;
    const k = canonicalHeaderKey(name);
    (out[k] = out[k] ?? []).push(raw[i + 1]);
  }
  return out;
}

function hostOf(req: Req): string {
  const h = req.headers as Record<string, string | string[] | undefined>;
  const v = h[':authority'] ?? h.host ?? '';
  return Array.isArray(v) ? v[0] : v;
}

function setEchoHeaders(res: Res, headers: Record<string, string[]>): void {
  const set = new Map<string, string>();
  for (const list of headers['X-Echo-Set-Header'] ?? []) {
    for (const kv of list.split(',')) {
      const t = kv.trim();
      const i = t.indexOf(':');
      const name = i < 0 ? t : t.slice(0, i);
      const value = i < 0 ? '' : t.slice(i + 1);
      if (!name) continue;
      const prev = set.get(name);
      set.set(name, prev === undefined ? value : `${prev},${value.trim()}`);
    }
  }
  for (const [k, v] of set) {
    try {
      res.setHeader(k, v);
    } catch {
      // invalid header name/value from the request: echo-basic would write it raw; skip it
    }
  }
}

function query(url: string): URLSearchParams {
  const i = url.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : url.slice(i + 1));
}

async function echo(pod: HttpEchoPod, req: Req, res: Res): Promise<void> {
  const uri = req.url ?? '/';
  pod.log.write(`Echoing back request made to ${uri} to client (${req.socket?.remoteAddress ?? ''}:${req.socket?.remotePort ?? ''})`);
  const delay = query(uri).get('delay');
  if (delay) {
    const ms = parseGoDuration(delay);
    if (ms === undefined) {
      res.writeHead(500, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      res.end(JSON.stringify({ message: `time: invalid duration "${delay}"` }));
      return;
    }
    await new Promise((r) => setTimeout(r, ms));
    if (req.socket?.destroyed) return;
  }
  const headers = requestHeaders(req);
  const sock = tlsSocketOf(req);
  const body: Record<string, unknown> = {
    path: uri,
    host: hostOf(req),
    method: req.method,
    proto: req.httpVersionMajor === 2 ? 'HTTP/2.0' : `HTTP/${req.httpVersion}`,
    headers,
    namespace: pod.ctx.namespace,
    ingress: pod.ctx.ingress,
    service: pod.ctx.service,
    pod: pod.ctx.pod,
    ...(sock ? { tls: tlsAssertions(sock) } : {}),
    sni: '',
  };
  setEchoHeaders(res, headers);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.writeHead(200);
  res.end(JSON.stringify(body, null, 1));
}

function retry(pod: HttpEchoPod, req: Req, res: Res): boolean {
  const q = query(req.url ?? '');
  const uuid = q.get('uuid');
  const after = Number(q.get('succeedAfter') ?? '0');
  if (!uuid || !Number.isFinite(after)) return false;
  const attempts = pod.retries.get(uuid) ?? 0;
  if (attempts >= after) return false;
  pod.retries.set(uuid, attempts + 1);
  const code = Number(q.get('responseCode') ?? '');
  if (code >= 100 && code <= 599) {
    res.writeHead(code, { 'Content-Type': 'text/plain' });
    res.end(`retry attempt ${attempts + 1} of ${after}: ${code}\n`);
  } else {
    req.socket?.destroy();
  }
  return true;
}

/** The echo-basic mux. */
export function httpHandler(pod: HttpEchoPod): (req: Req, res: Res) => void {
  return (req, res) => {
    const uri = req.url ?? '/';
    const p = uri.split('?')[0].replace(/\/\//g, '/');
    req.on('data', () => undefined);
    req.on('error', () => undefined);
    if (p === '/health') {
      res.writeHead(200);
      res.end('OK');
      return;
    }
    if (p.startsWith('/status/')) {
      const m = /^\/status\/(\d\d\d)$/.exec(uri);
      res.writeHead(m ? Number(m[1]) : 400);
      res.end();
      return;
    }
    if (p.startsWith('/retry/') && retry(pod, req, res)) return;
    echo(pod, req, res).catch(() => {
      try {
        res.writeHead(500);
        res.end();
      } catch {
        // already answered
      }
    });
  };
}

/** WebSocket echo on `/ws` (every data frame comes back with its opcode). */
function wsUpgrade(pod: HttpEchoPod, req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
  const p = (req.url ?? '').split('?')[0];
  const key = req.headers['sec-websocket-key'];
  if (p !== '/ws' || typeof key !== 'string' || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  if (!req.headers.origin) {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  pod.log.write(`established websocket connection ${socket.remoteAddress}:${socket.remotePort}`);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(key)}\r\n\r\n`);
  const parser = new FrameParser();
  const onData = (chunk: Buffer) => {
    for (const f of parser.push(chunk)) {
      if (f.opcode === OP_CLOSE) {
        socket.end(encodeFrame(OP_CLOSE, f.payload.subarray(0, 2), false));
        return;
      }
      if (f.opcode === OP_PING) socket.write(encodeFrame(OP_PONG, f.payload, false));
      else if (f.opcode !== OP_PONG) socket.write(encodeFrame(f.opcode, f.payload, false, f.fin));
    }
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
  if (head.length) onData(head);
}

/** HTTP/1.1 echo (pod port 3000, WebSocket included). */
export async function startHttpEcho(pod: HttpEchoPod): Promise<Listening> {
  const server = http.createServer(httpHandler(pod));
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', (req, socket, head) => wsUpgrade(pod, req, socket as net.Socket, head));
  server.on('clientError', (_e, s) => s.destroy());
  return listenTcp(server);
}

/** h2c echo (pod port 3001): prior-knowledge HTTP/2; HTTP/1.1 gets 400 like Go's h2c handler. */
export async function startH2cEcho(pod: HttpEchoPod): Promise<Listening> {
  const h2 = http2.createServer();
  h2.on('request', httpHandler(pod));
  h2.on('sessionError', () => undefined);
  // HTTP/1.1 (with or without `Upgrade: h2c`, which nginx never sends) is refused like Go's h2c handler
  // refuses a non-upgrade request.
  const h1 = http.createServer((_req, res) => {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Expected h2c request');
  });
  const front = net.createServer((sock) => {
    sock.on('error', () => undefined);
    sock.once('readable', () => {
      const chunk = sock.read() as Buffer | null;
      if (chunk) sock.unshift(chunk);
      if (chunk && chunk.subarray(0, 3).toString('latin1') === 'PRI') h2.emit('connection', sock);
      else h1.emit('connection', sock);
    });
  });
  const l = await listenTcp(front);
  return {
    ...l,
    close: async () => {
      await l.close();
      h2.close();
      h1.close();
    },
  };
}

export interface TlsServerConfig {
  readonly cert: string;
  readonly key: string;
  /** PEM bundle: verify client certificates against it when one is presented. */
  readonly clientCa?: string;
}

/** Makes `secureConnection` enforce Go's `VerifyClientCertIfGiven`. */
export function verifyClientCertIfGiven(server: tls.Server): void {
  server.on('secureConnection', (s: tls.TLSSocket) => {
    const pc = s.getPeerCertificate();
    if (pc && Object.keys(pc).length > 0 && !s.authorized) s.destroy();
  });
}

/** HTTPS echo (pod port 8443): HTTP/2 via ALPN and HTTP/1.1. */
export async function startHttpsEcho(pod: HttpEchoPod, cfg: TlsServerConfig): Promise<Listening> {
  const server = http2.createSecureServer({
    cert: cfg.cert,
    key: cfg.key,
    allowHTTP1: true,
    ...(cfg.clientCa ? { ca: cfg.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
  });
  if (cfg.clientCa) verifyClientCertIfGiven(server);
  server.on('request', httpHandler(pod));
  server.on('tlsClientError', () => undefined);
  server.on('sessionError', () => undefined);
  return listenTcp(server);
}
