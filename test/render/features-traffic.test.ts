/**
 * The wider filter / backend set on real nginx: CORS, timeouts, BackendTLSPolicy, percentage
 * mirrors, backend-level header filters with weights, WebSocket upgrade, h2c backends.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import { compileNginx, RenderedGateway } from '../../src/render/nginx';
import { caConfigMap, gateway, gatewayClass, httpRoute, NS, service, to } from './fixtures';
import { EchoServer, request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, RunningNginx, startNginx } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';

const cert = selfSigned(['secure.internal']);
const d = cert ? describeNginx : describe.skip;

d('filters and backend protocols through the rendered nginx', () => {
  let echoes: EchoServer[] = [];
  let tlsBackend: https.Server;
  let h2c: http2.Http2Server;
  let nginx: RunningNginx;
  let port: number;
  let h2port: number;
  let rendered: RenderedGateway;
  let mirror: EchoServer;
  let flaky: http.Server;
  const failures = new Map<string, number>();

  beforeAll(async () => {
    const a = await startEcho('a');
    const b = await startEcho('b');
    mirror = await startEcho('mirror');
    echoes = [a, b, mirror];
    // fails `fail` times per id with `code`, then answers 200
    flaky = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const id = u.searchParams.get('id') ?? '';
      const n = failures.get(id) ?? 0;
      failures.set(id, n + 1);
      res.statusCode = n < Number(u.searchParams.get('fail') ?? 0) ? Number(u.searchParams.get('code') ?? 500) : 200;
      res.end(`attempt ${n + 1}`);
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
    tlsBackend = https.createServer({ key: cert!.key, cert: cert!.cert }, (req, res) => res.end(JSON.stringify({ name: 'tls', path: req.url, host: req.headers.host })));
    await new Promise<void>((r) => tlsBackend.listen(0, '127.0.0.1', () => r()));
    h2c = http2.createServer();
    h2c.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ name: 'h2c', path: headers[':path'] }));
    });
    await new Promise<void>((r) => h2c.listen(0, '127.0.0.1', () => r()));
    const offset = await freeOffset([80, 8090, 8081]);
    port = 80 + offset;
    h2port = 8090 + offset;
    const policy = (name: string, service: string, validation: Record<string, unknown>) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name, namespace: NS },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation },
    });
    const objects = [
      gatewayClass(),
      gateway('gw', [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'h2c', port: 8090, protocol: 'HTTP' },
      ]),
      service('a'),
      service('b'),
      service('mirror'),
      service('retry'),
      service('secure', [443]),
      service('secure-bad', [443]),
      service('h2c', [{ port: 8080, appProtocol: 'kubernetes.io/h2c' }]),
      caConfigMap('ca', cert!.cert),
      policy('secure', 'secure', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'secure.internal' }),
      policy('secure-bad', 'secure-bad', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'missing' }], hostname: 'secure.internal' }),
      httpRoute('features', {
        parentRefs: [{ name: 'gw', sectionName: 'http' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/cors' } }],
            filters: [
              {
                type: 'CORS',
                cors: { allowOrigins: ['https://www.foo.com', 'https://*.bar.com'], allowMethods: ['GET', 'OPTIONS'], allowHeaders: ['x-header-1'], exposeHeaders: ['x-header-3'], allowCredentials: true, maxAge: 3600 },
              },
            ],
            backendRefs: [to('a')],
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/timeout' } }], timeouts: { request: '300ms' }, backendRefs: [to('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/retry' } }], retry: { attempts: 2, codes: [500, 503] }, backendRefs: [to('retry')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/secure' } }], backendRefs: [to('secure', 443)] },
          { matches: [{ path: { type: 'PathPrefix', value: '/insecure' } }], backendRefs: [to('secure-bad', 443)] },
          { matches: [{ path: { type: 'PathPrefix', value: '/half-mirror' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: to('mirror'), percent: 50 } }], backendRefs: [to('a')] },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/backend-headers' } }],
            backendRefs: [
              { ...to('a', 8080, 1), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Backend', value: 'a' }] } }] },
              { ...to('b', 8080, 1), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Backend', value: 'b' }] } }] },
            ],
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/ws' } }], backendRefs: [to('b')] },
        ],
      }),
      httpRoute('h2c', { parentRefs: [{ name: 'gw', sectionName: 'h2c' }], rules: [{ backendRefs: [to('h2c')] }] }),
    ];
    const backends = {
      'default/a:8080': a.address,
      'default/b:8080': b.address,
      'default/mirror:8080': mirror.address,
      'default/retry:8080': `127.0.0.1:${(flaky.address() as net.AddressInfo).port}`,
      'default/secure:443': `127.0.0.1:${(tlsBackend.address() as net.AddressInfo).port}`,
      'default/secure-bad:443': `127.0.0.1:${(tlsBackend.address() as net.AddressInfo).port}`,
      'default/h2c:8080': `127.0.0.1:${(h2c.address() as net.AddressInfo).port}`,
    };
    [rendered] = compileNginx(objects, { backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true });
    nginx = await startNginx(rendered.files, port);
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const e of echoes) await e.close();
    flaky?.closeAllConnections();
    flaky?.close();
    tlsBackend?.closeAllConnections();
    tlsBackend?.close();
    h2c?.close();
  });

  const get = (p: string, opts: Parameters<typeof request>[2] = {}) => request(port, p, opts);

  test('no unexpected diagnostics', () => {
    expect(rendered.diagnostics).toEqual([]);
    expect(rendered.files['configmaps/default/ca/ca.crt']).toBe(cert!.cert);
  });

  test('CORS: a preflight from an allowed origin is answered by nginx with the policy', async () => {
    const pf = await get('/cors', { method: 'OPTIONS', headers: { origin: 'https://x.y.bar.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-header-1' } });
    expect(pf.status).toBe(204);
    expect(pf.echo).toBeUndefined();
    expect(pf.headers['access-control-allow-origin']).toBe('https://x.y.bar.com');
    expect(pf.headers['access-control-allow-methods']).toBe('GET, OPTIONS');
    expect(pf.headers['access-control-allow-headers']).toBe('x-header-1');
    expect(pf.headers['access-control-max-age']).toBe('3600');
    expect(pf.headers['access-control-allow-credentials']).toBe('true');
  });

  test('CORS: a request from an allowed origin reaches the backend and gets the origin echoed', async () => {
    const actual = await get('/cors', { headers: { origin: 'https://www.foo.com' } });
    expect(actual.echo?.name).toBe('a');
    expect(actual.headers['access-control-allow-origin']).toBe('https://www.foo.com');
    expect(actual.headers['access-control-expose-headers']).toBe('x-header-3');
    expect(actual.headers['access-control-allow-methods']).toBeUndefined();
  });

  test('CORS: a preflight from another origin is answered without CORS headers', async () => {
    const otherPreflight = await get('/cors', { method: 'OPTIONS', headers: { origin: 'https://foobar.com', 'access-control-request-method': 'GET' } });
    expect(otherPreflight.status).toBe(204);
    expect(otherPreflight.echo).toBeUndefined();
    expect(otherPreflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(otherPreflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  test('CORS: a request from another origin reaches the backend without CORS headers', async () => {
    const other = await get('/cors', { headers: { origin: 'https://foobar.com' } });
    expect(other.echo?.name).toBe('a');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test('retry: up to attempts + 1 tries on the listed codes, same backend address', async () => {
    const r1 = await get('/retry?id=1&fail=2&code=500');
    expect([r1.status, r1.body]).toEqual([200, 'attempt 3']);
    const r2 = await get('/retry?id=2&fail=3&code=503');
    expect([r2.status, r2.body]).toEqual([503, 'attempt 3']);
    const r3 = await get('/retry?id=3&fail=1&code=502');
    expect([r3.status, r3.body]).toEqual([502, 'attempt 1']); // 502 is not in codes
    // the backend is not marked down by the answers that triggered retries
    expect((await get('/retry?id=4')).status).toBe(200);
  });

  test('request timeout answers 504', async () => {
    expect((await get('/timeout?delay=1500')).status).toBe(504);
    expect((await get('/timeout?delay=10')).status).toBe(200);
  });

  test('BackendTLSPolicy: verified upstream TLS with SNI; an invalid policy answers 500', async () => {
    const r = await get('/secure/x');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).name).toBe('tls');
    expect((await get('/insecure/x')).status).toBe(500);
  });

  test('percentage mirror samples requests', async () => {
    const before = mirror.hits.length;
    for (let i = 0; i < 100; i++) await get(`/half-mirror/${i}`);
    await new Promise((res) => setTimeout(res, 200));
    const n = mirror.hits.length - before;
    expect(n).toBeGreaterThan(25);
    expect(n).toBeLessThan(75);
  });

  test('backend-level header filters apply per chosen backend', async () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const r = await get('/backend-headers');
      seen.set(r.echo!.name, String(r.echo!.headers['x-backend']));
    }
    expect(Object.fromEntries(seen)).toEqual({ a: 'a', b: 'b' });
  });

  test('WebSocket upgrade is proxied', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write('GET /ws HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      });
      let buf = '';
      let sent = false;
      s.on('data', (x) => {
        buf += String(x);
        if (!sent && buf.includes('\r\n\r\n')) {
          sent = true;
          expect(buf.startsWith('HTTP/1.1 101')).toBe(true);
          buf = '';
          s.write('hello');
        } else if (sent && buf.length) {
          s.destroy();
          resolve(buf);
        }
      });
      s.on('error', reject);
    });
    expect(reply).toBe('b:hello');
  });

  test('h2c backend behind an h2c (prior knowledge) port', async () => {
    const client = http2.connect(`http://127.0.0.1:${h2port}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = client.request({ ':path': '/h2c?x=1' });
        let b = '';
        req.on('data', (x) => (b += String(x)));
        req.on('end', () => resolve(b));
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ name: 'h2c', path: '/h2c?x=1' });
    } finally {
      client.close();
    }
  });
});
