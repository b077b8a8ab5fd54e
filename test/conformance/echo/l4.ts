/**
 * Layer-4 backends:
 *
 * - echo-basic's TCP server (`TCP_ECHO_SERVER=1`): writes `Gateway API Test TCP Server\n` on
 *   connect (after the handshake on the TLS port), then per line `PING` → `PONG`, `IS_TLS` →
 *   `true`/`false`, `TEST` → one JSON line `{namespace, ingress, service, pod, tcpport, tlsport,
 *   isTLS, tls?}`;
 * - echo-basic's UDP server (`UDP_ECHO_SERVER=1`): answers every datagram with
 *   `{"request": <payload>, namespace, ingress, service, pod}`;
 * - a DNS responder standing in for the base manifests' coredns (`whoami`-like: every A/AAAA
 *   question gets 127.0.0.1 / an empty answer, NOERROR);
 * - black holes for Services without endpoints (TCP: reset on accept; UDP: never answers).
 */
import * as dgram from 'dgram';
import * as net from 'net';
import * as tls from 'tls';
import { Listening, listenTcp, PodContext, PodLog } from './context';
import { TlsServerConfig } from './http';

/** Go's `tls.VersionName`. */
function versionName(p: string | null): string {
  return ({ 'TLSv1.3': 'TLS 1.3', 'TLSv1.2': 'TLS 1.2', 'TLSv1.1': 'TLS 1.1', TLSv1: 'TLS 1.0' } as Record<string, string>)[p ?? ''] ?? (p ?? '');
}

function tcpSession(ctx: PodContext, log: PodLog, conn: net.Socket, isTLS: boolean, tcpPort: string, tlsPort: string): void {
  conn.on('error', () => undefined);
  const assertions: Record<string, unknown> = { ...ctx, tcpport: tcpPort, ...(tlsPort ? { tlsport: tlsPort } : {}), isTLS };
  if (isTLS) {
    const t = conn as tls.TLSSocket;
    assertions.tls = {
      version: versionName(t.getProtocol()),
      serverName: typeof t.servername === 'string' ? t.servername : '',
      ...(t.alpnProtocol ? { negotiatedProtocol: t.alpnProtocol } : {}),
      cipherSuite: t.getCipher()?.standardName ?? '',
    };
  }
  log.write(`tcp connection from ${conn.remoteAddress}:${conn.remotePort} (tls=${isTLS})`);
  conn.write('Gateway API Test TCP Server\n');
  const payload = JSON.stringify(assertions);
  let buf = '';
  conn.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (line === 'TEST') conn.write(payload + '\n');
      else if (line === 'IS_TLS') conn.write(`${isTLS}\n`);
      else if (line === 'PING') conn.write('PONG\n');
    }
  });
}

/** Plain TCP echo (pod port 3000). */
export async function startTcpEcho(ctx: PodContext, log: PodLog): Promise<Listening> {
  const server = net.createServer((c) => tcpSession(ctx, log, c, false, '3000', '8443'));
  return listenTcp(server);
}

/** TLS TCP echo (pod port 8443). */
export async function startTlsTcpEcho(ctx: PodContext, log: PodLog, cfg: TlsServerConfig): Promise<Listening> {
  const server = tls.createServer({ cert: cfg.cert, key: cfg.key, minVersion: 'TLSv1.2' }, (c) => tcpSession(ctx, log, c, true, '3000', '8443'));
  server.on('tlsClientError', () => undefined);
  return listenTcp(server);
}

async function bindUdp(onMessage: (sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<Listening> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m, r) => onMessage(sock, m, r));
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return {
    port: sock.address().port,
    protocol: 'udp',
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

/** UDP echo (pod port 8080). */
export function startUdpEcho(ctx: PodContext, log: PodLog): Promise<Listening> {
  return bindUdp((sock, msg, r) => {
    log.write(`Received UDP ${msg.toString('utf8')} from ${r.address}:${r.port}`);
    const reply = Buffer.from(JSON.stringify({ request: msg.toString('utf8'), ...ctx }));
    sock.send(reply, r.port, r.address);
  });
}

/** Minimal DNS answerer (coredns stand-in, pod port 53/udp). */
export function startDns(log: PodLog): Promise<Listening> {
  return bindUdp((sock, msg, r) => {
    if (msg.length < 12) return;
    // Header: id, flags, qdcount, ancount, nscount, arcount; copy the first question.
    let i = 12;
    while (i < msg.length && msg[i] !== 0) i += msg[i] + 1;
    const qEnd = i + 5;
    if (qEnd > msg.length) return;
    const question = msg.subarray(12, qEnd);
    const qtype = msg.readUInt16BE(i + 1);
    log.write(`dns query type ${qtype} from ${r.address}:${r.port}`);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100), 2); // QR, AA, RD copied, NOERROR
    header.writeUInt16BE(1, 4);
    const answers: Buffer[] = [];
    if (qtype === 1) {
      const a = Buffer.alloc(16);
      a.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      a.writeUInt16BE(1, 2);
      a.writeUInt16BE(1, 4);
      a.writeUInt32BE(30, 6);
      a.writeUInt16BE(4, 10);
      Buffer.from([127, 0, 0, 1]).copy(a, 12);
      answers.push(a);
    }
    header.writeUInt16BE(answers.length, 6);
    sock.send(Buffer.concat([header, question, ...answers]), r.port, r.address);
  });
}

/** A TCP port that accepts and resets every connection (a Service without endpoints). */
export async function startTcpBlackhole(): Promise<Listening> {
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    c.resetAndDestroy();
  });
  return listenTcp(server);
}

/** A UDP port that never answers. */
export function startUdpBlackhole(): Promise<Listening> {
  return bindUdp(() => undefined);
}
