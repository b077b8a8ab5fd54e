/**
 * Route options Gateway API has no field for (`cdk8s-gateway.dev/max-request-body-size`,
 * `client-body-buffer-size`, `allow-source-ranges`, `deny-source-ranges`) on real nginx: 413 above
 * the limit and 200 under it, with Content-Length and chunked bodies; 403 from a refused source
 * address and 200 from an allowed one (client sockets bound to 127.0.0.2 / 127.0.0.3); routes
 * sharing one nginx location (header-dispatched to named locations) each enforcing their own; the
 * proxy-wide default; a malformed value answered 500.
 */
import * as http2 from 'http2';
import { KubeObject } from '../../src/model';
import { compileNginx, RenderedGateway } from '../../src/render/nginx';
import { gateway, gatewayClass, httpRoute, service, tlsSecret, to } from './fixtures';
import { send } from '../harness/body-client';
import { EchoServer, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, RunningNginx, startNginx } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';

const A = 'cdk8s-gateway.dev/';
const cert = selfSigned(['shared.test', 'limits.test']);

/** One HTTP/2 (TLS, ALPN h2) POST of `size` bytes, with or without a content-length header (DATA frames only). */
function sendH2(port: number, host: string, path: string, size: number, withLength: boolean, headers: Record<string, string> = {}): Promise<{ status: number; name?: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: host, rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, ':authority': host, ...headers, ...(withLength ? { 'content-length': String(size) } : {}) });
    let status = 0;
    let text = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d) => (text += String(d)));
    req.on('error', () => undefined); // a 413 may reset the stream while the body is still being sent
    req.on('close', () => {
      session.close();
      let name: string | undefined;
      try {
        name = JSON.parse(text).name;
      } catch {
        name = undefined;
      }
      resolve({ status, ...(name ? { name } : {}) });
    });
    req.end(Buffer.alloc(size, 'x'));
  });
}
const KI = 1024;

function annotated(o: KubeObject, annotations: Record<string, string>): KubeObject {
  return { ...o, metadata: { ...o.metadata, annotations } };
}

(cert ? describeNginx : describe.skip)('route options on real nginx', () => {
  let echoes: EchoServer[] = [];
  let nginx: RunningNginx;
  let port: number;
  let rendered: RenderedGateway;
  let h2port: number;

  beforeAll(async () => {
    echoes = [await startEcho('a'), await startEcho('b'), await startEcho('c')];
    const offset = await freeOffset([80, 443, 8081]);
    port = 80 + offset;
    h2port = 443 + offset;
    const objects: KubeObject[] = [
      gatewayClass(),
      gateway('gw', [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'tls' }] } },
      ]),
      tlsSecret('tls', cert!.cert, cert!.key),
      service('a'),
      service('b'),
      service('c'),
      // one route, one location: nginx's own Content-Length check and the chunked count
      annotated(httpRoute('limited', { hostnames: ['limits.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/upload' } }], backendRefs: [to('a')] }] }), { [`${A}max-request-body-size`]: '8Ki', [`${A}client-body-buffer-size`]: '4Ki' }),
      // no annotation: the proxy-wide default (4 KiB in this test); `0` lifts it
      httpRoute('plain', { hostnames: ['limits.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/plain' } }], backendRefs: [to('a')] }] }),
      annotated(httpRoute('free', { hostnames: ['limits.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/free' } }], backendRefs: [to('a')] }] }), { [`${A}max-request-body-size`]: '0' }),
      // three routes on one path: two dispatched by hash on x-tenant, one unconditional fallback
      annotated(httpRoute('small', { hostnames: ['shared.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/shared' }, headers: [{ name: 'x-tenant', value: 'small' }] }], backendRefs: [to('a')] }] }), { [`${A}max-request-body-size`]: '1Ki' }),
      annotated(httpRoute('big', { hostnames: ['shared.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/shared' }, headers: [{ name: 'x-tenant', value: 'big' }] }], backendRefs: [to('b')] }] }), { [`${A}max-request-body-size`]: '64Ki' }),
      annotated(httpRoute('fallback', { hostnames: ['shared.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/shared' } }], backendRefs: [to('c')] }] }), { [`${A}max-request-body-size`]: '0' }),
      // one conditional candidate and an unconditional one: `if`s in the location, two named locations
      annotated(httpRoute('one-header', { hostnames: ['shared.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/mixed' }, headers: [{ name: 'x-v', value: '1' }] }], backendRefs: [to('a')] }] }), { [`${A}max-request-body-size`]: '1Ki' }),
      annotated(httpRoute('others', { hostnames: ['shared.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/mixed' } }], backendRefs: [to('b')] }] }), { [`${A}max-request-body-size`]: '16Ki' }),
      // source ranges: deny before allow (ingress-nginx's order); IPv6 entries are accepted too
      annotated(httpRoute('both', { hostnames: ['acl.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/both' } }], backendRefs: [to('a')] }] }), { [`${A}allow-source-ranges`]: '127.0.0.0/8, ::1', [`${A}deny-source-ranges`]: '127.0.0.2' }),
      annotated(httpRoute('allow-only', { hostnames: ['acl.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/allow' } }], backendRefs: [to('a')] }] }), { [`${A}allow-source-ranges`]: '127.0.0.3/32, 2001:db8::/32' }),
      annotated(httpRoute('deny-only', { hostnames: ['acl.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/deny' } }], backendRefs: [to('a')] }] }), { [`${A}deny-source-ranges`]: '127.0.0.2' }),
      // two routes on one path with different allow lists, header-dispatched
      annotated(httpRoute('acl-two', { hostnames: ['acl.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/team' }, headers: [{ name: 'x-team', value: 'two' }] }], backendRefs: [to('a')] }] }), { [`${A}allow-source-ranges`]: '127.0.0.2' }),
      annotated(httpRoute('acl-three', { hostnames: ['acl.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/team' }, headers: [{ name: 'x-team', value: 'three' }] }], backendRefs: [to('b')] }] }), { [`${A}allow-source-ranges`]: '127.0.0.3' }),
      // backends with their own header filters: the split jumps to a named location per backend,
      // where the body is read and the access phase runs
      annotated(
        httpRoute('split', {
          hostnames: ['acl.test'],
          rules: [{
            matches: [{ path: { type: 'PathPrefix', value: '/split' } }],
            backendRefs: [
              { ...to('a', 8080, 1), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-which', value: 'a' }] } }] },
              { ...to('b', 8080, 1), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-which', value: 'b' }] } }] },
            ],
          }],
        }),
        { [`${A}deny-source-ranges`]: '127.0.0.2', [`${A}max-request-body-size`]: '2Ki' },
      ),
      // a value that does not parse: answered 500, never served without the allow list
      annotated(httpRoute('broken', { hostnames: ['acl.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/broken' } }], backendRefs: [to('a')] }] }), { [`${A}allow-source-ranges`]: '127.0.0.1/8' }),
    ];
    const backends = { 'default/a:8080': echoes[0].address, 'default/b:8080': echoes[1].address, 'default/c:8080': echoes[2].address };
    [rendered] = compileNginx(objects, { backends, listenHost: '127.0.0.1', portOffset: offset, maxRequestBodySize: 4 * KI, embedSecrets: true });
    nginx = await startNginx(rendered.files, port);
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const e of echoes) await e.close();
  });

  test('one route: 413 above its limit, 200 at it, Content-Length and chunked', async () => {
    for (const chunked of [false, true]) {
      expect([chunked, await send(port, 'limits.test', '/upload', { size: 8 * KI, chunked })]).toEqual([chunked, expect.objectContaining({ status: 200, name: 'a', bodyLength: 8 * KI })]);
      expect([chunked, (await send(port, 'limits.test', '/upload', { size: 8 * KI + 1, chunked })).status]).toEqual([chunked, 413]);
    }
    const conf = rendered.files['nginx.conf'];
    expect(conf).toMatch(/client_max_body_size 8k;\n\s+client_body_buffer_size 4k;/);
  });

  test('the proxy-wide default applies to routes without their own limit; 0 lifts it', async () => {
    expect(rendered.files['nginx.conf']).toMatch(/^ {2}client_max_body_size 4k;$/m);
    for (const chunked of [false, true]) {
      expect((await send(port, 'limits.test', '/plain', { size: 4 * KI, chunked })).status).toBe(200);
      expect((await send(port, 'limits.test', '/plain', { size: 4 * KI + 1, chunked })).status).toBe(413);
      expect(await send(port, 'limits.test', '/free', { size: 256 * KI, chunked })).toEqual(expect.objectContaining({ status: 200, bodyLength: 256 * KI }));
    }
  });

  test('routes sharing one location (hash-dispatched on a header) each enforce their own limit', async () => {
    // the location's own limit is the largest (the fallback's: none), so the named locations test
    // Content-Length themselves and count chunked bodies with their own limit
    expect(rendered.files['nginx.conf']).toMatch(/location "\/shared\/" \{\n\s+client_max_body_size 0;/);
    const cases: [string | undefined, number, number, string | undefined][] = [
      ['small', KI, 200, 'a'],
      ['small', KI + 1, 413, undefined],
      ['big', KI + 1, 200, 'b'],
      ['big', 64 * KI, 200, 'b'],
      ['big', 64 * KI + 1, 413, undefined],
      [undefined, 200 * KI, 200, 'c'],
      ['other', 200 * KI, 200, 'c'],
    ];
    for (const chunked of [false, true]) {
      for (const [tenant, size, status, name] of cases) {
        const r = await send(port, 'shared.test', '/shared/x', { size, chunked, headers: tenant ? { 'x-tenant': tenant } : {} });
        expect([tenant, size, chunked, r.status, r.name]).toEqual([tenant, size, chunked, status, name]);
      }
    }
  });

  test('one conditional candidate and a fallback on one location: each its own limit', async () => {
    for (const chunked of [false, true]) {
      expect((await send(port, 'shared.test', '/mixed', { size: KI + 1, chunked, headers: { 'x-v': '1' } })).status).toBe(413);
      expect(await send(port, 'shared.test', '/mixed', { size: KI, chunked, headers: { 'x-v': '1' } })).toEqual(expect.objectContaining({ status: 200, name: 'a' }));
      expect(await send(port, 'shared.test', '/mixed', { size: 16 * KI, chunked })).toEqual(expect.objectContaining({ status: 200, name: 'b' }));
      expect((await send(port, 'shared.test', '/mixed', { size: 16 * KI + 1, chunked })).status).toBe(413);
    }
  });

  test('source ranges: 403 from a refused address, 200 from an allowed one', async () => {
    const cases: [string, string, number][] = [
      ['/both', '127.0.0.2', 403], // denied inside the allowed 127.0.0.0/8: deny first
      ['/both', '127.0.0.3', 200],
      ['/both', '127.0.0.1', 200],
      ['/allow', '127.0.0.2', 403],
      ['/allow', '127.0.0.3', 200],
      ['/deny', '127.0.0.2', 403],
      ['/deny', '127.0.0.3', 200],
    ];
    for (const [p, from, status] of cases) {
      const r = await send(port, 'acl.test', p, { from });
      expect([p, from, r.status]).toEqual([p, from, status]);
      if (status === 200) expect(r.remoteAddress).toBe('127.0.0.1'); // nginx → echo, from nginx
    }
  });

  test('source ranges of routes sharing one location apply per route', async () => {
    const cases: [string, string, number, string | undefined][] = [
      ['two', '127.0.0.2', 200, 'a'],
      ['two', '127.0.0.3', 403, undefined],
      ['three', '127.0.0.2', 403, undefined],
      ['three', '127.0.0.3', 200, 'b'],
    ];
    for (const [team, from, status, name] of cases) {
      const r = await send(port, 'acl.test', '/team', { from, headers: { 'x-team': team } });
      expect([team, from, r.status, r.name]).toEqual([team, from, status, name]);
    }
  });

  test('a split over backends with their own filters: every backend location checks the source and counts the body', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      expect((await send(port, 'acl.test', '/split', { from: '127.0.0.2' })).status).toBe(403);
      const ok = await send(port, 'acl.test', '/split', { from: '127.0.0.3' });
      expect(ok.status).toBe(200);
      seen.add(ok.name!);
      expect((await send(port, 'acl.test', '/split', { from: '127.0.0.3', size: 2 * KI + 1, chunked: true })).status).toBe(413);
      expect((await send(port, 'acl.test', '/split', { from: '127.0.0.3', size: 2 * KI + 1 })).status).toBe(413);
    }
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  test('HTTP/2: each route on the shared location enforces its own limit, with and without content-length', async () => {
    const cases: [string | undefined, number, number, string | undefined][] = [
      ['small', KI, 200, 'a'],
      ['small', KI + 1, 413, undefined],
      ['big', 64 * KI, 200, 'b'],
      ['big', 64 * KI + 1, 413, undefined],
      [undefined, 200 * KI, 200, 'c'],
    ];
    for (const withLength of [true, false]) {
      for (const [tenant, size, status, name] of cases) {
        const r = await sendH2(h2port, 'shared.test', '/shared/x', size, withLength, tenant ? { 'x-tenant': tenant } : {});
        expect([tenant, size, withLength, r.status, r.name]).toEqual([tenant, size, withLength, status, name]);
      }
    }
    expect((await sendH2(h2port, 'limits.test', '/upload', 8 * KI + 1, false)).status).toBe(413);
    expect((await sendH2(h2port, 'limits.test', '/upload', 8 * KI, false)).status).toBe(200);
  });

  test('a malformed option: the route answers 500, whoever asks', async () => {
    for (const from of ['127.0.0.1', '127.0.0.2']) expect((await send(port, 'acl.test', '/broken', { from })).status).toBe(500);
  });
});
