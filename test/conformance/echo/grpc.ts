/**
 * The echo-basic gRPC server (`GRPC_ECHO_SERVER=1`) on node's `http2`: service
 * `gateway_api_conformance.echo_basic.grpcecho.GrpcEcho` with `Echo` and `EchoTwo` answering an
 * `EchoResponse` (fully-qualified method, request metadata incl. `:authority`, pod context, TLS
 * info on the TLS port) and `EchoThree` — like every other method — `UNIMPLEMENTED` (12).
 */
import * as http2 from 'http2';
import * as tls from 'tls';
import { Listening, listenTcp, PodContext, PodLog } from './context';
import { TlsServerConfig } from './http';
import { encodeEchoResponse, GRPC_SERVICE, grpcFrame, GrpcTls } from './proto';

function tlsInfo(sock: tls.TLSSocket): GrpcTls {
  const peer = sock.getPeerX509Certificate?.();
  return {
    version: sock.getProtocol() ?? '',
    negotiatedProtocol: sock.alpnProtocol || '',
    serverName: typeof sock.servername === 'string' ? sock.servername : '',
    cipherSuite: sock.getCipher()?.standardName ?? '',
    peerCertificates: peer ? [peer.toString()] : [],
  };
}

function onStream(ctx: PodContext, log: PodLog, secure: boolean) {
  return (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on('error', () => undefined);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (stream.destroyed || stream.closed) return;
      const ct = String(headers['content-type'] ?? '');
      if (!ct.startsWith('application/grpc')) {
        stream.respond({ ':status': 415, 'content-type': 'text/plain' });
        stream.end(`invalid gRPC request content-type "${ct}"`);
        return;
      }
      const path = String(headers[':path'] ?? '');
      const method = path.startsWith(`/${GRPC_SERVICE}/`) ? path.slice(GRPC_SERVICE.length + 2) : '';
      if (method !== 'Echo' && method !== 'EchoTwo') {
        const msg = method ? `method ${method} not implemented` : `unknown service ${path.split('/')[1] ?? ''}`;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': encodeURIComponent(msg) }, { endStream: true });
        return;
      }
      log.write(`Received over ${secure ? 'TLS' : 'plaintext'}: ${path}`);
      const md: { key: string; value: string }[] = [];
      for (const [k, v] of Object.entries(headers)) {
        if (k.startsWith(':') && k !== ':authority') continue;
        for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) md.push({ key: k, value: String(x) });
      }
      const sock = stream.session?.socket as tls.TLSSocket | undefined;
      const payload = encodeEchoResponse({
        fullyQualifiedMethod: `/${GRPC_SERVICE}/${method}`,
        headers: md,
        authority: String(headers[':authority'] ?? ''),
        context: { namespace: ctx.namespace, ingress: ctx.ingress, serviceName: ctx.service, pod: ctx.pod },
        ...(secure && sock ? { tlsAssertions: tlsInfo(sock) } : {}),
      });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(grpcFrame(payload));
    });
  };
}

/** Plaintext (h2c) gRPC echo, pod port 3000. */
export async function startGrpcEcho(ctx: PodContext, log: PodLog): Promise<Listening> {
  const server = http2.createServer();
  server.on('stream', onStream(ctx, log, false));
  server.on('sessionError', () => undefined);
  return listenTcp(server);
}

/** TLS gRPC echo, pod port 8443 (only with TLS_SERVER_CERT and TLS_SERVER_PRIV_KEY). */
export async function startGrpcsEcho(ctx: PodContext, log: PodLog, cfg: TlsServerConfig): Promise<Listening> {
  const server = http2.createSecureServer({ cert: cfg.cert, key: cfg.key });
  server.on('stream', onStream(ctx, log, true));
  server.on('sessionError', () => undefined);
  server.on('tlsClientError', () => undefined);
  return listenTcp(server);
}
