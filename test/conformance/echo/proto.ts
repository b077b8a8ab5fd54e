/**
 * Just enough protobuf (proto3 wire format) for the echo-basic gRPC messages
 * (`gateway_api_conformance.echo_basic.grpcecho`):
 *
 * ```
 * EchoResponse  { Assertions assertions = 1; EchoRequest request = 2; }
 * Assertions    { string fully_qualified_method = 1; repeated Header headers = 2; string authority = 3;
 *                 Context context = 4; TLSAssertions tls_assertions = 5; }
 * Header        { string key = 1; string value = 2; }
 * Context       { string namespace = 1; string ingress = 2; string service_name = 3; string pod = 4; }
 * TLSAssertions { string version = 1; string negotiated_protocol = 2; string server_name = 3;
 *                 string cipher_suite = 4; repeated string peer_certificates = 5; }
 * EchoRequest   {}
 * ```
 * Only length-delimited fields occur, so the codec handles wire type 2 (and skips varint/fixed
 * fields when decoding, for robustness).
 */

export const GRPC_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

export interface GrpcContext {
  namespace: string;
  ingress: string;
  serviceName: string;
  pod: string;
}

export interface GrpcTls {
  version: string;
  negotiatedProtocol: string;
  serverName: string;
  cipherSuite: string;
  peerCertificates: string[];
}

export interface GrpcAssertions {
  fullyQualifiedMethod: string;
  headers: { key: string; value: string }[];
  authority: string;
  context?: GrpcContext;
  tlsAssertions?: GrpcTls;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function field(no: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((no << 3) | 2), varint(payload.length), payload]);
}

function str(no: number, s: string | undefined): Buffer {
  return s ? field(no, Buffer.from(s, 'utf8')) : Buffer.alloc(0);
}

function msg(no: number, b: Buffer | undefined): Buffer {
  return b === undefined ? Buffer.alloc(0) : field(no, b);
}

export function encodeEchoResponse(a: GrpcAssertions): Buffer {
  const ctx = a.context
    ? Buffer.concat([str(1, a.context.namespace), str(2, a.context.ingress), str(3, a.context.serviceName), str(4, a.context.pod)])
    : undefined;
  const tls = a.tlsAssertions
    ? Buffer.concat([
      str(1, a.tlsAssertions.version),
      str(2, a.tlsAssertions.negotiatedProtocol),
      str(3, a.tlsAssertions.serverName),
      str(4, a.tlsAssertions.cipherSuite),
      ...a.tlsAssertions.peerCertificates.map((c) => str(5, c)),
    ])
    : undefined;
  const assertions = Buffer.concat([
    str(1, a.fullyQualifiedMethod),
    ...a.headers.map((h) => field(2, Buffer.concat([str(1, h.key), str(2, h.value)]))),
    str(3, a.authority),
    msg(4, ctx),
    msg(5, tls),
  ]);
  return Buffer.concat([field(1, assertions), field(2, Buffer.alloc(0))]);
}

/** Field number → list of length-delimited payloads. */
function fields(b: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let i = 0;
  const readVarint = (): number => {
    let shift = 0;
    let v = 0;
    for (;;) {
      if (i >= b.length) throw new Error('truncated varint');
      const byte = b[i++];
      v += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return v;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (i < b.length) {
    const tag = readVarint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (wt === 2) {
      const len = readVarint();
      if (i + len > b.length) throw new Error('truncated field');
      const list = out.get(no) ?? [];
      list.push(b.subarray(i, i + len));
      out.set(no, list);
      i += len;
    } else if (wt === 0) readVarint();
    else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else throw new Error(`unsupported wire type ${wt}`);
  }
  return out;
}

const s = (m: Map<number, Buffer[]>, no: number): string => (m.get(no)?.[m.get(no)!.length - 1] ?? Buffer.alloc(0)).toString('utf8');

export function decodeEchoResponse(b: Buffer): GrpcAssertions {
  const top = fields(b);
  const a = fields(top.get(1)?.[0] ?? Buffer.alloc(0));
  const ctxB = a.get(4)?.[0];
  const tlsB = a.get(5)?.[0];
  const ctx = ctxB ? fields(ctxB) : undefined;
  const tls = tlsB ? fields(tlsB) : undefined;
  return {
    fullyQualifiedMethod: s(a, 1),
    headers: (a.get(2) ?? []).map((h) => {
      const f = fields(h);
      return { key: s(f, 1), value: s(f, 2) };
    }),
    authority: s(a, 3),
    ...(ctx ? { context: { namespace: s(ctx, 1), ingress: s(ctx, 2), serviceName: s(ctx, 3), pod: s(ctx, 4) } } : {}),
    ...(tls
      ? {
        tlsAssertions: {
          version: s(tls, 1),
          negotiatedProtocol: s(tls, 2),
          serverName: s(tls, 3),
          cipherSuite: s(tls, 4),
          peerCertificates: (tls.get(5) ?? []).map((x) => x.toString('utf8')),
        },
      }
      : {}),
  };
}

/** gRPC length-prefixed message framing (uncompressed). */
export function grpcFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Splits a gRPC body into its messages; throws on compressed or truncated frames. */
export function grpcUnframe(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    if (i + 5 > body.length) throw new Error('truncated gRPC frame header');
    if (body[i] !== 0) throw new Error('compressed gRPC frame');
    const len = body.readUInt32BE(i + 1);
    if (i + 5 + len > body.length) throw new Error('truncated gRPC frame');
    out.push(body.subarray(i + 5, i + 5 + len));
    i += 5 + len;
  }
  return out;
}
