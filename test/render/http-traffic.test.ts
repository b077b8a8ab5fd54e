/**
 * Real traffic through nginx running the rendered configuration, in front of Node echo backends on
 * 127.0.0.1. Ports are the declared ones plus a free offset.
 */
import { compileNginx, RenderedGateway } from '../../src/render/nginx';
import { gateway, gatewayClass, httpRoute, service, to } from './fixtures';
import { EchoServer, request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, RunningNginx, startNginx } from '../harness/nginx';

describeNginx('HTTP traffic through the rendered nginx', () => {
  let echoes: Record<string, EchoServer>;
  let nginx: RunningNginx;
  let port: number;
  let rendered: RenderedGateway;

  beforeAll(async () => {
    echoes = {};
    for (const n of ['a', 'b', 'c', 'mirror']) echoes[n] = await startEcho(n);
    const offset = await freeOffset([80, 8081]);
    port = 80 + offset;
    const objects = [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      ...['a', 'b', 'c', 'mirror'].map((n) => service(n)),
      httpRoute('matching', {
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/v2' } }, { headers: [{ name: 'version', value: 'two' }] }], backendRefs: [to('b')] },
          { matches: [{ path: { type: 'Exact', value: '/exact' } }], backendRefs: [to('c')] },
          { matches: [{ path: { type: 'RegularExpression', value: '/re/[0-9]+' } }], backendRefs: [to('c')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/q' }, queryParams: [{ name: 'animal', value: 'whale' }] }], backendRefs: [to('b')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/q' }, queryParams: [{ name: 'animal', value: 'dolphin' }, { name: 'color', value: 'blue' }] }], backendRefs: [to('c')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/m' }, method: 'POST' }], backendRefs: [to('b')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [to('a')] },
        ],
      }),
      httpRoute('filters', {
        hostnames: ['filters.example'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/headers' } }],
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'set $1 "quoted"; {x}' }], add: [{ name: 'X-Add', value: 'added' }], remove: ['X-Remove'] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Resp-Set', value: 'gateway' }], add: [{ name: 'X-Resp-Add', value: 'more' }], remove: ['X-Resp-Remove'] } },
            ],
            backendRefs: [to('a')],
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/redirect-prefix' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/redirect-full' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org', statusCode: 301, path: { type: 'ReplaceFullPath', replaceFullPath: '/full' } } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/redirect-scheme' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/redirect-port' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8443 } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/rewrite-prefix' } }], filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.example', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }], backendRefs: [to('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/strip' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }], backendRefs: [to('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/rewrite-full' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/full' } } }], backendRefs: [to('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/weights' } }], backendRefs: [to('a', 8080, 3), to('b', 8080, 1), to('c', 8080, 0)] },
          { matches: [{ path: { type: 'PathPrefix', value: '/half-invalid' } }], backendRefs: [to('a', 8080, 1), to('missing', 8080, 1)] },
          { matches: [{ path: { type: 'PathPrefix', value: '/invalid' } }], backendRefs: [to('missing')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/mirror' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: to('mirror') } }], backendRefs: [to('a')] },
        ],
      }),
    ];
    const backends = Object.fromEntries(Object.values(echoes).map((e) => [`default/${e.name}:8080`, e.address]));
    [rendered] = compileNginx(objects, { backends, listenHost: '127.0.0.1', portOffset: offset });
    nginx = await startNginx(rendered.files, port);
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const e of Object.values(echoes ?? {})) await e.close();
  });

  const get = (p: string, opts: Parameters<typeof request>[2] = {}) => request(port, p, opts);
  const backendOf = async (p: string, opts: Parameters<typeof request>[2] = {}) => {
    const r = await get(p, opts);
    return r.echo?.name ?? String(r.status);
  };

  test('renders without diagnostics', () => {
    expect(rendered.diagnostics.filter((d) => d.object.name !== 'filters' || !d.field?.includes('backendRefs'))).toEqual([]);
  });

  test('path precedence: exact > prefix, element-wise prefixes, regex full match', async () => {
    expect(await backendOf('/')).toBe('a');
    expect(await backendOf('/v2')).toBe('b');
    expect(await backendOf('/v2/')).toBe('b');
    expect(await backendOf('/v2/x')).toBe('b');
    expect(await backendOf('/v2example')).toBe('a');
    expect(await backendOf('/exact')).toBe('c');
    expect(await backendOf('/exact/more')).toBe('a');
    expect(await backendOf('/re/123')).toBe('c');
    expect(await backendOf('/re/12a')).toBe('a');
  });

  test('header, query and method matching fall back to shorter prefixes', async () => {
    expect(await backendOf('/', { headers: { version: 'two' } })).toBe('b');
    expect(await backendOf('/', { headers: { Version: 'Two' } })).toBe('a'); // values are case-sensitive
    expect(await backendOf('/q?animal=whale')).toBe('b');
    expect(await backendOf('/q?animal=dolphin')).toBe('a');
    expect(await backendOf('/q?color=blue&animal=dolphin')).toBe('c');
    expect(await backendOf('/q?animal=whale&animal=dolphin')).toBe('b'); // first value wins
    expect(await backendOf('/q?ANIMAL=whale')).toBe('a'); // names are case-sensitive
    expect(await backendOf('/q?xanimal=whale')).toBe('a');
    expect(await backendOf('/m/x', { method: 'POST', body: 'payload' })).toBe('b');
    expect(await backendOf('/m/x')).toBe('a');
    const post = await get('/v2/p', { method: 'POST', body: 'hello', headers: { version: 'two' } });
    expect([post.echo?.name, post.echo?.method, post.echo?.body, post.echo?.path]).toEqual(['b', 'POST', 'hello', '/v2/p']);
  });

  test('the original request URI (encoding and query) reaches the backend', async () => {
    const r = await get('/some%20path/x?b=2&a=1');
    expect(r.echo?.path).toBe('/some%20path/x?b=2&a=1');
  });

  test('hostnames: unknown host falls to the default server, known host to its routes', async () => {
    expect(await backendOf('/headers', { host: 'filters.example' })).toBe('a');
    expect((await get('/redirect-full', { host: 'other.example' })).echo?.name).toBe('a'); // matched by the catch-all route
  });

  test('request and response header modifiers', async () => {
    const r = await get('/headers', { host: 'filters.example', headers: { 'x-add': 'orig', 'x-remove': 'gone', 'x-echo-set-header': 'X-Resp-Set:backend,X-Resp-Remove:x,X-Resp-Add:b' } });
    expect(r.echo?.headers['x-set']).toBe('set $1 "quoted"; {x}');
    expect(r.echo?.headers['x-add']).toBe('orig,added');
    expect(r.echo?.headers['x-remove']).toBeUndefined();
    expect(r.headers['x-resp-set']).toBe('gateway');
    expect(r.headers['x-resp-remove']).toBeUndefined();
    expect(r.headers['x-resp-add']).toBe('b, more');
    const r2 = await get('/headers', { host: 'filters.example' });
    expect(r2.echo?.headers['x-add']).toBe('added');
  });

  test('redirects keep the declared port and follow the spec port rules', async () => {
    const loc = async (p: string) => {
      const r = await get(p, { host: `filters.example:${port}` });
      return [r.status, r.headers.location];
    };
    expect(await loc('/redirect-prefix/lemon?x=1')).toEqual([302, 'http://filters.example/new/lemon?x=1']);
    expect(await loc('/redirect-prefix')).toEqual([302, 'http://filters.example/new']);
    expect(await loc('/redirect-prefix/')).toEqual([302, 'http://filters.example/new/']);
    expect(await loc('/redirect-full/a?q')).toEqual([301, 'http://example.org/full?q']);
    expect(await loc('/redirect-scheme/x')).toEqual([302, 'https://filters.example/redirect-scheme/x']);
    expect(await loc('/redirect-port/x')).toEqual([302, 'http://filters.example:8443/redirect-port/x']);
  });

  test('URL rewrites (prefix with trailing-slash rules, full path, hostname)', async () => {
    const r = await get('/rewrite-prefix/two?x=1', { host: 'filters.example' });
    expect([r.echo?.path, r.echo?.host]).toEqual(['/one/two?x=1', 'rewritten.example']);
    expect((await get('/rewrite-prefix', { host: 'filters.example' })).echo?.path).toBe('/one');
    expect((await get('/rewrite-prefix/', { host: 'filters.example' })).echo?.path).toBe('/one/');
    expect((await get('/strip/three', { host: 'filters.example' })).echo?.path).toBe('/three');
    expect((await get('/strip', { host: 'filters.example' })).echo?.path).toBe('/');
    expect((await get('/strip/', { host: 'filters.example' })).echo?.path).toBe('/');
    expect((await get('/rewrite-full/x/y?z=1', { host: 'filters.example' })).echo?.path).toBe('/full?z=1');
  });

  test('weights: 3:1 split, weight 0 never chosen', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const n = await backendOf('/weights', { host: 'filters.example' });
      counts[n] = (counts[n] ?? 0) + 1;
    }
    expect(counts.c).toBeUndefined();
    expect(counts.a + counts.b).toBe(400);
    expect(counts.a / 400).toBeGreaterThan(0.65);
    expect(counts.a / 400).toBeLessThan(0.85);
  });

  test('invalid backends answer 500 for their share', async () => {
    expect((await get('/invalid', { host: 'filters.example' })).status).toBe(500);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(await backendOf('/half-invalid', { host: 'filters.example' }));
    expect([...seen].sort()).toEqual(['500', 'a']);
  });

  test('mirror: the mirror backend receives a copy with the original URI', async () => {
    const before = echoes.mirror.hits.length;
    const r = await get('/mirror/x?id=42', { host: 'filters.example' });
    expect(r.echo?.name).toBe('a');
    for (let i = 0; i < 50 && echoes.mirror.hits.length === before; i++) await new Promise((res) => setTimeout(res, 20));
    expect(echoes.mirror.hits.slice(before)).toEqual(['/mirror/x?id=42']);
  });

  test('health endpoint on the dedicated port', async () => {
    const r = await request(port - 80 + 8081, '/healthz');
    expect(r.status).toBe(200);
  });
});
