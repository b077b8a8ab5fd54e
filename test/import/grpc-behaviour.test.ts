/**
 * `backend-protocol: GRPC` / `GRPCS` proven on real nginx with real gRPC backends (the conformance
 * suite's echo-basic gRPC server, h2c and TLS): Ingresses → import → check → render → nginx → gRPC
 * calls. ingress-nginx served these hosts over TLS on 443 with ALPN h2 and `grpc_pass`; the calls
 * here go the same way (and, for the host without TLS, over h2c on port 80, where the import says
 * how that differs).
 */
import * as fs from 'fs';
import * as http2 from 'http2';
import * as os from 'os';
import * as path from 'path';
import { generateSuiteCerts, opensslAvailable, SuiteCerts } from '../conformance/certs';
import { grpcCall, GrpcResult } from '../conformance/client';
import { Listening, PodLog } from '../conformance/echo/context';
import { startGrpcEcho, startGrpcsEcho } from '../conformance/echo/grpc';
import { decodeEchoResponse, GRPC_SERVICE, grpcFrame, grpcUnframe } from '../conformance/echo/proto';
import { request } from '../harness/echo';
import { describeNginx } from '../harness/nginx';
import { importAndServe, Served } from './helpers';

const A = 'nginx.ingress.kubernetes.io/';
const ECHO = `/${GRPC_SERVICE}/Echo`;
const ECHO_TWO = `/${GRPC_SERVICE}/EchoTwo`;
const ECHO_THREE = `/${GRPC_SERVICE}/EchoThree`;

const ing = (name: string, host: string, annotations: Record<string, string>, paths: [string, string, string, number][], tls: boolean) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web
  annotations:
${Object.entries(annotations).map(([k, v]) => `    ${A}${k}: ${JSON.stringify(v)}`).join('\n') || '    {}'}
spec:
  ingressClassName: nginx
${tls ? `  tls:\n    - hosts: [${host}]\n      secretName: listener-tls\n` : ''}  rules:
    - host: ${host}
      http:
        paths:
${paths.map(([p, t, svc, port]) => `          - path: ${p}\n            pathType: ${t}\n            backend: { service: { name: ${svc}, port: { number: ${port} } } }`).join('\n')}
`;
const svc = (name: string, port: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: web\nspec:\n  ports:\n    - port: ${port}\n`;
const b64 = (v: string) => Buffer.from(v).toString('base64');

/** A gRPC echo backend that answers with its Service name (`reply.context.serviceName`). */
function echo(service: string, tls?: { cert: string; key: string }): Promise<Listening> {
  const ctx = { namespace: 'web', ingress: '', service, pod: `${service}-pod` };
  return tls ? startGrpcsEcho(ctx, new PodLog(), tls) : startGrpcEcho(ctx, new PodLog());
}

/** A unary gRPC call over TLS (ALPN h2, SNI and :authority `host`; the listener's certificate is not verified). */
function grpcsCall(port: number, host: string, method: string, metadata: Record<string, string> = {}): Promise<GrpcResult & { headers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: host, rejectUnauthorized: false });
    const timer = setTimeout(() => finish(new Error('gRPC call timed out')), 10000);
    let done = false;
    function finish(e: Error | undefined, v?: GrpcResult & { headers: http2.IncomingHttpHeaders }) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      if (e) reject(e);
      else resolve(v!);
    }
    session.on('error', (e) => finish(e));
    const stream = session.request({ ':method': 'POST', ':path': method, ':scheme': 'https', ':authority': host, 'content-type': 'application/grpc', te: 'trailers', ...metadata });
    let status = 0;
    let headers: http2.IncomingHttpHeaders = {};
    let grpcStatus: string | undefined;
    let message = '';
    const chunks: Buffer[] = [];
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) {
        grpcStatus = String(h['grpc-status']);
        message = decodeURIComponent(String(h['grpc-message'] ?? ''));
      }
    };
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
      take(h);
    });
    stream.on('trailers', take);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (e) => finish(e));
    stream.on('end', () => {
      if (status !== 200) return finish(undefined, { code: ({ 404: 12, 502: 14, 503: 14 } as Record<number, number>)[status] ?? 2, message: `HTTP ${status}`, httpStatus: status, headers });
      const code = Number(grpcStatus ?? 13);
      const msgs = code === 0 ? grpcUnframe(Buffer.concat(chunks)) : [];
      finish(undefined, { code, message, httpStatus: status, headers, ...(msgs.length === 1 ? { reply: decodeEchoResponse(msgs[0]) } : {}) });
    });
    stream.end(grpcFrame(Buffer.alloc(0)));
  });
}

describeNginx('import: backend-protocol GRPC / GRPCS on nginx with gRPC backends', () => {
  let s: Served;
  let certs: SuiteCerts;
  let https: number;
  const own: Listening[] = [];
  beforeAll(async () => {
    if (!opensslAvailable()) throw new Error('openssl is needed for the certificates');
    certs = generateSuiteCerts(fs.mkdtempSync(path.join(os.tmpdir(), 'import-grpc-certs-')));
    const backends: Record<string, string> = {};
    const start = async (name: string, port: number, tls?: { cert: string; key: string }) => {
      const l = await echo(name, tls);
      own.push(l);
      backends[`web/${name}:${port}`] = `127.0.0.1:${l.port}`;
    };
    await start('hello', 50051);
    await start('one', 50051);
    await start('two', 50051);
    // a TLS gRPC backend with a certificate for abc.example.com from checksCa (the CA of proxy-ssl-secret)
    await start('secure', 8443, certs.checks);
    // a TLS gRPC backend whose self-signed certificate does not chain to that CA
    await start('stranger', 8443, certs.validity);
    const ingresses = [
      // every call of the host, over TLS on 443 (HTTP redirects with 308)
      ing('hello', 'grpc.test', { 'backend-protocol': 'GRPC', 'x-forwarded-prefix': '/api', 'custom-headers': 'web/resp-headers' }, [['/', 'Prefix', 'hello', 50051]], true),
      // one method only, with a canary by header
      ing('methods', 'm.test', { 'backend-protocol': 'GRPC' }, [[ECHO, 'Exact', 'one', 50051]], true),
      ing('methods-canary', 'm.test', { canary: 'true', 'canary-by-header': 'X-Canary' }, [[ECHO, 'Exact', 'two', 50051]], false),
      // GRPCS verified with the CA of proxy-ssl-secret, hostname and SNI from proxy-ssl-name
      ing('secure', 's.test', { 'backend-protocol': 'GRPCS', 'proxy-ssl-secret': 'web/backend-ca', 'proxy-ssl-verify': 'on', 'proxy-ssl-name': 'abc.example.com' }, [['/', 'Prefix', 'secure', 8443]], true),
      ing('stranger', 'x.test', { 'backend-protocol': 'GRPCS', 'proxy-ssl-secret': 'web/backend-ca', 'proxy-ssl-verify': 'on', 'proxy-ssl-name': 'abc.example.com' }, [['/', 'Prefix', 'stranger', 8443]], true),
      // an HTTP Ingress next to them
      ing('site', 'site.test', {}, [['/', 'Prefix', 'site', 80]], false),
    ];
    const files = {
      'ingresses.yaml': ingresses.join('---\n'),
      'services.yaml': [svc('hello', 50051), svc('one', 50051), svc('two', 50051), svc('secure', 8443), svc('stranger', 8443), svc('site', 80)].join('---\n'),
      'headers.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: resp-headers\n  namespace: web\ndata:\n  X-Team: payments\n',
      'secrets.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: backend-ca\n  namespace: web\ntype: Opaque\ndata:\n  ca.crt: ${b64(certs.checksCa.cert)}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: listener-tls\n  namespace: web\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64(certs.terminate.cert)}\n  tls.key: ${b64(certs.terminate.key)}\n`,
    };
    s = await importAndServe(files, ['web/site:80'], { backends });
    https = 443 + s.offset;
  }, 60000);
  afterAll(async () => {
    await s?.stop();
    for (const l of own) await l.close();
  });
  const result = (ingress: string, annotation: string) => s.report.items.filter((i) => i.ingress === `web/${ingress}` && i.annotation === annotation).map((i) => i.result);
  const who = (r: GrpcResult) => r.reply?.context?.serviceName;

  test('the report: GRPC converted on TLS hosts, the method path converted, GRPCS approximated (ingress-nginx never verified it)', () => {
    expect(s.importCode).toBe(1);
    expect(result('hello', `${A}backend-protocol`)).toEqual(['converted']);
    expect(result('hello', `${A}x-forwarded-prefix`)).toEqual(['converted']);
    expect(result('hello', `${A}custom-headers`)).toEqual(['converted']);
    expect(result('methods', `${A}backend-protocol`)).toEqual(['converted']);
    expect(result('methods', 'spec.rules[0].http.paths[0]')).toEqual(['converted']);
    expect(result('secure', `${A}backend-protocol`)).toEqual(['approximated']);
    expect(result('secure', `${A}proxy-ssl-secret`)).toEqual(['approximated']);
  });

  test('gRPC over TLS (ALPN h2) on 443: every method of the "/" host reaches its backend', async () => {
    for (const m of [ECHO, ECHO_TWO]) {
      const r = await grpcsCall(https, 'grpc.test', m);
      expect([r.code, who(r), r.reply?.fullyQualifiedMethod]).toEqual([0, 'hello', m]);
    }
    // x-forwarded-prefix reaches the backend as metadata; HSTS (TLS host) and custom-headers come back
    const r = await grpcsCall(https, 'grpc.test', ECHO);
    expect(r.reply?.headers.filter((h) => h.key === 'x-forwarded-prefix').map((h) => h.value)).toEqual(['/api']);
    expect([r.headers['strict-transport-security'], r.headers['x-team']]).toEqual(['max-age=31536000; includeSubDomains', 'payments']);
    // a method the backend does not implement: the backend itself answers UNIMPLEMENTED (HTTP 200)
    const three = await grpcsCall(https, 'grpc.test', ECHO_THREE);
    expect([three.code, three.httpStatus]).toEqual([12, 200]);
  });

  test('Exact /Service/Method: that method reaches the backend, another method of the service is not routed there', async () => {
    const r = await grpcsCall(https, 'm.test', ECHO);
    expect([r.code, who(r)]).toEqual([0, 'one']);
    // EchoTwo is implemented by the backend, but the converted match does not cover it: nginx answers 404
    const other = await grpcsCall(https, 'm.test', ECHO_TWO);
    expect([other.code, other.httpStatus, other.reply]).toEqual([12, 404, undefined]);
  });

  test('canary-by-header on the gRPC method: always → canary, never / absent → main', async () => {
    expect(who(await grpcsCall(https, 'm.test', ECHO, { 'x-canary': 'always' }))).toBe('two');
    expect(who(await grpcsCall(https, 'm.test', ECHO, { 'x-canary': 'never' }))).toBe('one');
    for (let i = 0; i < 5; i++) expect(who(await grpcsCall(https, 'm.test', ECHO))).toBe('one');
  });

  test('GRPCS: TLS to the backend, verified with the CA of proxy-ssl-secret, SNI = proxy-ssl-name', async () => {
    const r = await grpcsCall(https, 's.test', ECHO);
    expect([r.code, who(r)]).toEqual([0, 'secure']);
    expect(r.reply?.tlsAssertions?.serverName).toBe('abc.example.com');
    expect(r.reply?.tlsAssertions?.negotiatedProtocol).toBe('h2');
  });

  test('GRPCS: a backend whose certificate does not chain to that CA gets no call (502 → UNAVAILABLE)', async () => {
    const r = await grpcsCall(https, 'x.test', ECHO);
    expect([r.code, r.httpStatus, r.reply]).toEqual([14, 502, undefined]);
  });

  test('HTTP on port 80: the gRPC TLS hosts redirect with 308 (as ingress-nginx), the HTTP Ingress is served', async () => {
    const red = await request(80 + s.offset, '/x', { host: 'grpc.test' });
    expect(red.status).toBe(308);
    // the declared port 443 is the scheme default, so the Location has none (nginx here listens on 443 + offset)
    expect(red.headers.location).toBe('https://grpc.test/x');
    expect((await request(80 + s.offset, '/', { host: 'site.test' })).echo?.name).toBe('web/site:80');
  });
});

describeNginx('import: backend-protocol GRPC without TLS on nginx: h2c on port 80', () => {
  let s: Served;
  let backend: Listening;
  beforeAll(async () => {
    backend = await echo('plain');
    const files = {
      'ingress.yaml': ing('plain', 'plain.test', { 'backend-protocol': 'GRPC' }, [[`/${GRPC_SERVICE}`, 'Prefix', 'plain', 50051]], false),
      'service.yaml': svc('plain', 50051),
    };
    s = await importAndServe(files, [], { backends: { 'web/plain:50051': `127.0.0.1:${backend.port}` } });
  }, 60000);
  afterAll(async () => {
    await s?.stop();
    await backend?.close();
  });

  test('approximated: ingress-nginx had HTTP/1.1 only on port 80; here h2c gRPC calls reach the service\'s methods', async () => {
    expect(s.report.items.filter((i) => i.annotation === `${A}backend-protocol`).map((i) => i.result)).toEqual(['approximated']);
    const r = await grpcCall(80 + s.offset, ECHO_TWO, 'plain.test', {});
    expect([r.code, r.reply?.context?.serviceName]).toEqual([0, 'plain']);
    // another service is outside the converted service match: nginx answers 404
    const other = await grpcCall(80 + s.offset, '/other.Service/Echo', 'plain.test', {});
    expect([other.code, other.httpStatus]).toEqual([12, 404]);
  });
});
