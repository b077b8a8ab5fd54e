/**
 * The runner's clients, behaving like the Go conformance suite's: HTTP/1.1, HTTPS (SNI, trusted
 * certificate, optional client certificate, Go's hostname matching where `*.org` is a valid
 * pattern), HTTP/2 over TLS, h2c with prior knowledge, gRPC over h2c, WebSocket, TCP line
 * exchanges (plain or TLS), UDP datagrams, DNS queries, raw TLS handshakes. Every client talks to
 * 127.0.0.1 only and opens a fresh connection per request, like the suite's round tripper.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as dgram from 'dgram';
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import { decodeEchoResponse, grpcFrame, GrpcAssertions, grpcUnframe } from './echo/proto';
import { encodeFrame, FrameParser, OP_BINARY, OP_CLOSE, OP_TEXT, wsAccept } from './echo/ws';

export const LOOPBACK = '127.0.0.1';

/** Go's `matchHostnames` (crypto/x509): `*` only as the whole left-most label, any label count ≥ 1. */
export function goMatchHostname(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p || !h) return false;
  const pp = p.split('.');
  const hp = h.split('.');
  if (pp.length !== hp.length) return false;
  return pp.every((x, i) => (i === 0 && x === '*') || x === hp[i]);
}

/** `checkServerIdentity` with Go's rules (DNS SANs only, CN ignored). */
export function goCheckServerIdentity(host: string, cert: tls.PeerCertificate): Error | undefined {
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  if (net.isIP(host)) {
    const ips = (cert.subjectaltname ?? '').split(/,\s*/).filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11));
    return ips.includes(host) ? undefined : new Error(`x509: certificate is not valid for IP ${host}`);
  }
  if (sans.some((p) => goMatchHostname(p, host))) return undefined;
  return new Error(`x509: certificate is valid for ${sans.join(', ') || '(no DNS names)'}, not ${host}`);
}

export interface TlsClientOptions {
  /** SNI and the name verified against the certificate. */
  readonly serverName?: string;
  /** Trusted CA / self-signed certificate (PEM). When absent, the server certificate is not verified. */
  readonly ca?: string;
  /** Client certificate. */
  readonly cert?: string;
  readonly key?: string;
}

function tlsOptions(o: TlsClientOptions): tls.ConnectionOptions {
  return {
    ...(o.serverName && !net.isIP(o.serverName) ? { servername: o.serverName } : {}),
    ...(o.ca ? { ca: o.ca, rejectUnauthorized: true, checkServerIdentity: (_h: string, c: tls.PeerCertificate) => goCheckServerIdentity(o.serverName ?? LOOPBACK, c) } : { rejectUnauthorized: false }),
    ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}),
    minVersion: 'TLSv1.2',
  };
}

export type HttpProtocol = 'HTTP' | 'HTTPS' | 'H2' | 'H2C';

export interface HttpRequest {
  readonly protocol: HttpProtocol;
  readonly port: number;
  readonly method: string;
  /** Request target as sent (path and query). */
  readonly path: string;
  /** Host header / :authority. */
  readonly host: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls?: TlsClientOptions;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-cased names → values in order. */
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

function collect(raw: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (k.startsWith(':')) continue;
    (out[k] = out[k] ?? []).push(raw[i + 1]);
  }
  return out;
}

function h2Headers(h: http2.IncomingHttpHeaders): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(':') || v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  return out;
}

/** One request on a fresh connection. Rejects on transport errors (refused, reset, TLS, timeout). */
export function httpRoundTrip(r: HttpRequest): Promise<HttpResponse> {
  const timeout = r.timeoutMs ?? 10000;
  if (r.protocol === 'H2' || r.protocol === 'H2C') return h2RoundTrip(r, timeout);
  return new Promise((resolve, reject) => {
    const mod = r.protocol === 'HTTPS' ? https : http;
    const headers: Record<string, string> = { 'User-Agent': 'Go-http-client/1.1', ...r.headers, Host: r.host };
    const req = mod.request(
      {
        host: LOOPBACK,
        port: r.port,
        method: r.method,
        path: r.path,
        headers,
        agent: false,
        setHost: false,
        ...(r.protocol === 'HTTPS' ? tlsOptions(r.tls ?? {}) : {}),
      } as https.RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: collect(res.rawHeaders), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeout, () => req.destroy(new Error(`request timed out after ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function h2RoundTrip(r: HttpRequest, timeout: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const secure = r.protocol === 'H2';
    const session = http2.connect(`${secure ? 'https' : 'http'}://${LOOPBACK}:${r.port}`, secure ? { ...tlsOptions(r.tls ?? {}), ALPNProtocols: ['h2'] } : {});
    let done = false;
    const finish = (e: Error | undefined, v?: HttpResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.close();
      session.destroy();
      if (e) reject(e);
      else resolve(v!);
    };
    const timer = setTimeout(() => finish(new Error(`request timed out after ${timeout} ms`)), timeout);
    session.on('error', (e) => finish(e));
    if (secure) {
      session.on('connect', () => {
        const alpn = (session.socket as tls.TLSSocket).alpnProtocol;
        if (alpn !== 'h2') finish(new Error(`server did not negotiate h2 (ALPN ${alpn || 'none'})`));
      });
    }
    const headers: http2.OutgoingHttpHeaders = {
      ':method': r.method,
      ':path': r.path,
      ':scheme': secure ? 'https' : 'http',
      ':authority': r.host,
      'user-agent': 'Go-http-client/2.0',
    };
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
    const stream = session.request(headers, { endStream: true });
    let status = 0;
    let rh: Record<string, string[]> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      rh = h2Headers(h);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => finish(undefined, { status, headers: rh, body: Buffer.concat(chunks) }));
    stream.on('error', (e) => finish(e));
    stream.on('close', () => {
      if (!done && stream.rstCode) finish(new Error(`stream reset (code ${stream.rstCode})`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// gRPC

export interface GrpcResult {
  readonly code: number;
  readonly message: string;
  readonly httpStatus: number;
  readonly reply?: GrpcAssertions;
}

const HTTP_TO_GRPC: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

/** Unary call with an empty request over h2c (grpc-go insecure credentials). */
export function grpcCall(port: number, fullMethod: string, authority: string, metadata: Record<string, string>, timeoutMs = 10000): Promise<GrpcResult> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${LOOPBACK}:${port}`);
    let done = false;
    const finish = (e: Error | undefined, v?: GrpcResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.close();
      session.destroy();
      if (e) reject(e);
      else resolve(v!);
    };
    const timer = setTimeout(() => finish(new Error(`gRPC call timed out after ${timeoutMs} ms`)), timeoutMs);
    session.on('error', (e) => finish(e));
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': fullMethod,
      ':scheme': 'http',
      ':authority': authority,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'grpc-go/1.70.0',
    };
    for (const [k, v] of Object.entries(metadata)) headers[k.toLowerCase()] = v;
    const stream = session.request(headers);
    let status = 0;
    let ct = '';
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      ct = String(h['content-type'] ?? '');
      if (h['grpc-status'] !== undefined) {
        grpcStatus = String(h['grpc-status']);
        grpcMessage = decodeURIComponent(String(h['grpc-message'] ?? ''));
      }
    });
    stream.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) {
        grpcStatus = String(t['grpc-status']);
        grpcMessage = decodeURIComponent(String(t['grpc-message'] ?? ''));
      }
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (e) => finish(e));
    stream.on('end', () => {
      if (status !== 200 || !ct.startsWith('application/grpc')) {
        finish(undefined, { code: status === 200 ? 2 : HTTP_TO_GRPC[status] ?? 2, message: `unexpected HTTP status ${status} (content-type ${ct || 'none'})`, httpStatus: status });
        return;
      }
      if (grpcStatus === undefined) {
        finish(undefined, { code: 13, message: 'server closed the stream without sending trailers', httpStatus: status });
        return;
      }
      const code = Number(grpcStatus);
      if (code !== 0) {
        finish(undefined, { code, message: grpcMessage, httpStatus: status });
        return;
      }
      try {
        const msgs = grpcUnframe(Buffer.concat(chunks));
        if (msgs.length !== 1) throw new Error(`expected one response message, got ${msgs.length}`);
        finish(undefined, { code, message: grpcMessage, httpStatus: status, reply: decodeEchoResponse(msgs[0]) });
      } catch (e) {
        finish(undefined, { code: 13, message: `cannot decode response: ${(e as Error).message}`, httpStatus: status });
      }
    });
    stream.end(grpcFrame(Buffer.alloc(0)));
  });
}

// ---------------------------------------------------------------------------------------------
// WebSocket

export interface WsMessage {
  readonly text?: string;
  readonly binary?: number[];
}

/** Dials ws://host/path, sends each message and expects it echoed; resolves with the echoes. */
export function wsExchange(port: number, host: string, path: string, origin: string, messages: readonly WsMessage[], timeoutMs = 10000): Promise<WsMessage[]> {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    let done = false;
    let sock: net.Socket | undefined;
    const finish = (e: Error | undefined, v?: WsMessage[]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.destroy();
      if (e) reject(e);
      else resolve(v!);
    };
    const timer = setTimeout(() => finish(new Error(`websocket exchange timed out after ${timeoutMs} ms`)), timeoutMs);
    const req = http.request({
      host: LOOPBACK,
      port,
      path,
      method: 'GET',
      setHost: false,
      agent: false,
      headers: { Host: host, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', Origin: origin },
    });
    req.on('error', (e) => finish(e));
    req.on('response', (res) => {
      res.resume();
      finish(new Error(`websocket upgrade refused: HTTP ${res.statusCode}`));
    });
    req.on('upgrade', (res, socket, head) => {
      sock = socket;
      if (res.headers['sec-websocket-accept'] !== wsAccept(key)) {
        finish(new Error(`bad Sec-WebSocket-Accept ${res.headers['sec-websocket-accept']}`));
        return;
      }
      const parser = new FrameParser();
      const got: WsMessage[] = [];
      let i = 0;
      const sendNext = () => {
        if (i >= messages.length) {
          socket.write(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]), true));
          finish(undefined, got);
          return;
        }
        const m = messages[i++];
        socket.write(m.text !== undefined ? encodeFrame(OP_TEXT, Buffer.from(m.text, 'utf8'), true) : encodeFrame(OP_BINARY, Buffer.from(m.binary ?? []), true));
      };
      const onData = (c: Buffer) => {
        for (const f of parser.push(c)) {
          if (f.opcode === OP_TEXT) got.push({ text: f.payload.toString('utf8') });
          else if (f.opcode === OP_BINARY) got.push({ binary: [...f.payload] });
          else if (f.opcode === OP_CLOSE) {
            finish(new Error('server closed the websocket'));
            return;
          } else continue;
          sendNext();
        }
      };
      socket.on('data', onData);
      socket.on('error', (e) => finish(e));
      socket.on('close', () => finish(new Error(`websocket closed after ${got.length} echoes`)));
      if (head.length) onData(head);
      sendNext();
    });
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// TCP, TLS, UDP, DNS

/** A line-oriented TCP (or TLS) connection. */
export class LineConn {
  private buf = '';
  private waiters: ((line: string | Error) => void)[] = [];
  private lines: string[] = [];
  private error?: Error;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      this.buf += c.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const l = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(l);
        else this.lines.push(l);
      }
    });
    const fail = (e: Error) => {
      this.error = this.error ?? e;
      for (const w of this.waiters.splice(0)) w(this.error);
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('connection closed (EOF)')));
  }

  static open(port: number, tlsOpts: TlsClientOptions | undefined, timeoutMs = 5000): Promise<LineConn> {
    return new Promise((resolve, reject) => {
      const sock = tlsOpts ? tls.connect({ host: LOOPBACK, port, ...tlsOptions(tlsOpts) }) : net.connect({ host: LOOPBACK, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once(tlsOpts ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve(new LineConn(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  readLine(timeoutMs = 5000): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no line within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = (x: string | Error) => {
        clearTimeout(timer);
        if (x instanceof Error) reject(x);
        else resolve(x);
      };
      this.waiters.push(w);
    });
  }

  send(line: string): void {
    this.sock.write(line + '\n');
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Plain TCP connect. */
export function tcpConnect(port: number, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: LOOPBACK, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** Sends one datagram and waits for one reply. */
export function udpRequest(port: number, payload: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP reply within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.on('error', (e) => {
      clearTimeout(t);
      try {
        s.close();
      } catch {
        // closed
      }
      reject(e);
    });
    s.send(payload, port, LOOPBACK);
  });
}

/** A DNS query; resolves with the reply's RCODE when a reply with the same id arrives. */
export async function dnsQuery(port: number, name: string, type: string, timeoutMs = 2000): Promise<number> {
  const id = crypto.randomInt(0, 65536);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const labels = name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  const qtype = ({ A: 1, AAAA: 28, TXT: 16, SRV: 33 } as Record<string, number>)[type] ?? 1;
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(1, 3);
  const reply = await udpRequest(port, Buffer.concat([header, ...labels, tail]), timeoutMs);
  if (reply.length < 12 || reply.readUInt16BE(0) !== id) throw new Error('reply is not a DNS response to the query');
  if (!(reply.readUInt16BE(2) & 0x8000)) throw new Error('reply has QR=0');
  return reply.readUInt16BE(2) & 0x000f;
}

/**
 * A TLS handshake that must be rejected: resolves with how it failed (`eof`/`reset` are what the
 * suite accepts, `alert`/`refused`/`other` are not), or `handshake-ok` when it succeeded.
 */
export function tlsHandshakeOutcome(port: number, sni: string, timeoutMs = 5000): Promise<{ outcome: 'eof' | 'reset' | 'alert' | 'refused' | 'other' | 'handshake-ok'; detail: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: LOOPBACK, port, servername: sni, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const t = setTimeout(() => {
      s.destroy();
      resolve({ outcome: 'other', detail: 'handshake timed out' });
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(t);
      s.destroy();
      resolve({ outcome: 'handshake-ok', detail: `handshake completed (${s.getProtocol()})` });
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      const msg = e.message;
      if (e.code === 'ECONNREFUSED') resolve({ outcome: 'refused', detail: msg });
      else if (/disconnected before secure TLS connection/.test(msg)) resolve({ outcome: 'eof', detail: msg });
      else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve({ outcome: 'reset', detail: msg });
      else if (/alert|SSL/i.test(msg) || /^ERR_SSL/.test(String(e.code))) resolve({ outcome: 'alert', detail: `${e.code ?? ''} ${msg}`.trim() });
      else resolve({ outcome: 'other', detail: `${e.code ?? ''} ${msg}`.trim() });
    });
  });
}

/** Whether the TLS server sends a CertificateRequest (asks for a client certificate), via `openssl s_client`. */
export function serverRequestsClientCert(port: number, sni: string): boolean {
  const r = spawnSync('openssl', ['s_client', '-connect', `${LOOPBACK}:${port}`, '-servername', sni, '-state', '-brief'], {
    input: '',
    encoding: 'utf8',
    timeout: 10000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  return /read server certificate request|Acceptable client certificate CA names|Requested Signature Algorithms|Client Certificate Types/.test(out);
}
