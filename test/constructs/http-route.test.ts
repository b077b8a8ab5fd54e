import * as kplus from 'cdk8s-plus-28';
import {
  Backend,
  Gateway,
  GatewayClass,
  HeaderMatch,
  HttpFilter,
  HttpMatch,
  HttpMethod,
  HttpRoute,
  Listener,
  ParentRef,
  PathMatch,
  PathModifier,
  QueryParamMatch,
  RouteNamespaces,
} from '../../src';
import { find, newChart, synth } from '../util';

function setup(listeners = [Listener.http({ routeNamespaces: RouteNamespaces.all() })]) {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.fromName('nginx'), listeners });
  return { app, chart, gateway };
}

describe('HttpRoute rendering', () => {
  test('every match kind, every filter, weights, backend filters, timeouts, names', () => {
    const { app, chart, gateway } = setup();
    const v1 = new kplus.Service(chart, 'v1', { metadata: { name: 'helloworld-v1', namespace: 'apps' }, ports: [{ port: 5000 }] });
    const route = new HttpRoute(chart, 'hello', {
      namespace: 'apps',
      parents: [ParentRef.gateway(gateway, { sectionName: 'http', port: 80 })],
      hostnames: ['hello.example.com', '*.hello.example.com'],
    });
    const rule = route.addRule({
      name: 'canary',
      matches: [
        PathMatch.prefix('/v1').withHeaders(HeaderMatch.exact('x-env', 'canary'), HeaderMatch.regex('x-user', '^a.*')),
        PathMatch.exact('/login').withMethod(HttpMethod.POST).withQueryParams(QueryParamMatch.exact('v', '2'), QueryParamMatch.regex('q', '[0-9]+')),
        HttpMatch.of({ path: PathMatch.regex('/img/.*\\.png'), method: HttpMethod.GET }),
      ],
      filters: [
        HttpFilter.requestHeaders({ set: { 'x-a': '1' }, add: { 'x-b': '2' }, remove: ['x-c'] }),
        HttpFilter.responseHeaders({ set: { 'Strict-Transport-Security': 'max-age=63072000' } }),
        HttpFilter.mirror(Backend.fromName('shadow', { port: 8080 }), { percent: 10 }),
        HttpFilter.mirror(Backend.fromName('shadow2', { port: 8080 }), { fraction: { numerator: 1, denominator: 3 } }),
        HttpFilter.cors({ allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-a'], exposeHeaders: ['x-b'], allowCredentials: true, maxAge: 600 }),
      ],
      backends: [
        Backend.fromService(v1, { weight: 80 }),
        Backend.fromName('helloworld-v2', { port: 5000, weight: 20, filters: [HttpFilter.requestHeaders({ set: { 'x-version': 'v2' } })] }),
      ],
      timeouts: { request: '10s', backendRequest: '2s' },
    });
    expect(rule.backends).toHaveLength(2);
    route.addRule({ name: 'rewrite', matches: [PathMatch.prefix('/old')], filters: [HttpFilter.urlRewrite({ hostname: 'new.example.com', path: PathModifier.replacePrefixMatch('/new') })], backends: [Backend.fromName('web', { port: 80 })] });
    route.addRule({ name: 'ext', matches: [PathMatch.prefix('/ext')], filters: [HttpFilter.extensionRef({ group: 'example.com', kind: 'Plugin', name: 'p' })], backends: [Backend.fromName('web', { port: 80 })] });

    const spec = find(synth(app), 'HTTPRoute', 'hello', 'apps').spec;
    expect(spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'gateway', sectionName: 'http', port: 80 }]);
    expect(spec.hostnames).toEqual(['hello.example.com', '*.hello.example.com']);
    expect(spec.rules[0]).toEqual({
      name: 'canary',
      matches: [
        { path: { type: 'PathPrefix', value: '/v1' }, headers: [{ name: 'x-env', type: 'Exact', value: 'canary' }, { name: 'x-user', type: 'RegularExpression', value: '^a.*' }] },
        { path: { type: 'Exact', value: '/login' }, method: 'POST', queryParams: [{ name: 'v', type: 'Exact', value: '2' }, { name: 'q', type: 'RegularExpression', value: '[0-9]+' }] },
        { path: { type: 'RegularExpression', value: '/img/.*\\.png' }, method: 'GET' },
      ],
      filters: [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], add: [{ name: 'x-b', value: '2' }], remove: ['x-c'] } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=63072000' }] } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 }, percent: 10 } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow2', port: 8080 }, fraction: { numerator: 1, denominator: 3 } } },
        { type: 'CORS', cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-a'], exposeHeaders: ['x-b'], allowCredentials: true, maxAge: 600 } },
      ],
      backendRefs: [
        { name: 'helloworld-v1', port: 5000, weight: 80 },
        { name: 'helloworld-v2', port: 5000, weight: 20, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-version', value: 'v2' }] } }] },
      ],
      timeouts: { request: '10s', backendRequest: '2s' },
    });
    expect(spec.rules[1].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { hostname: 'new.example.com', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }]);
    expect(spec.rules[2].filters).toEqual([{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Plugin', name: 'p' } }]);
  });

  test('gateway.addHttpRoute returns the route attached to the gateway; addRule returns the rule', () => {
    const { app, gateway } = setup();
    const route = gateway.addHttpRoute('site', { namespace: 'gateway', hostnames: ['www.example.com'] });
    const rule = route.addRule({ matches: [PathMatch.prefix('/')] });
    rule.addBackend(Backend.fromName('site', { port: 80 }));
    rule.addMatch(PathMatch.exact('/x'));
    const spec = find(synth(app), 'HTTPRoute', 'site', 'gateway').spec;
    expect(spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }]);
    expect(spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }, { path: { type: 'Exact', value: '/x' } }], backendRefs: [{ name: 'site', port: 80 }] }]);
  });

  test('redirect with scheme/host/port/path/status', () => {
    const { app, gateway } = setup();
    gateway.addHttpRoute('r', {
      namespace: 'gateway',
      rules: [
        { matches: [PathMatch.exact('/')], filters: [HttpFilter.redirect({ path: PathModifier.replaceFullPath('/__apispec/') })] },
        { matches: [PathMatch.prefix('/a')], filters: [HttpFilter.redirect({ scheme: 'https', hostname: 'b.example.com', port: 8443, path: PathModifier.replacePrefixMatch('/b'), statusCode: 301 })] },
      ],
    });
    const spec = find(synth(app), 'HTTPRoute', 'r').spec;
    expect(spec.rules[0].filters[0]).toEqual({ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/__apispec/' }, statusCode: 302 } });
    expect(spec.rules[1].filters[0].requestRedirect).toEqual({ scheme: 'https', hostname: 'b.example.com', port: 8443, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' }, statusCode: 301 });
  });
});

describe('backends', () => {
  test('port inferred from a single-port Service, required otherwise', () => {
    const { chart } = newChart();
    const one = new kplus.Service(chart, 'one', { ports: [{ port: 8080 }] });
    const two = new kplus.Service(chart, 'two', { ports: [{ port: 80 }, { port: 443 }] });
    expect(Backend.fromService(one).port).toBe(8080);
    expect(() => Backend.fromService(two)).toThrow(/cannot be inferred: Service ".*" has several ports. Fix: pass `port` \(one of 80, 443\)/);
    expect(Backend.fromService(two, { port: 443 }).port).toBe(443);
    expect(() => Backend.fromService(two, { port: 8443 })).toThrow(/8443 is not a port of Service/);
    expect(() => Backend.fromName('svc', { port: 0 })).toThrow(/port: 0 is not a port number/);
    expect(() => Backend.fromName('svc', { port: 80, weight: -1 })).toThrow(/weight: -1 is not a valid weight/);
    expect(() => Backend.fromName('Bad_Name', { port: 80 })).toThrow(/name: "Bad_Name" is not a DNS label/);
  });

  test('cross-namespace backends and mirrors derive one least-privilege grant per target namespace', () => {
    const { app, gateway } = setup();
    const route = gateway.addHttpRoute('games', { name: 'game', namespace: 'gateway', hostnames: ['game.example.com'] });
    route.addRule({ matches: [PathMatch.prefix('/mario')], filters: [HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/') })], backends: [Backend.fromName('mario', { namespace: 'mario-ns', port: 80 })] });
    route.addRule({ matches: [PathMatch.prefix('/tetris')], filters: [HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/') })], backends: [Backend.fromName('tetris', { namespace: 'tetris-ns', port: 80 })] });
    route.addRule({ matches: [PathMatch.prefix('/mario2')], filters: [HttpFilter.mirror(Backend.fromName('mario-shadow', { namespace: 'mario-ns', port: 80 }))], backends: [Backend.fromName('mario', { namespace: 'mario-ns', port: 80 })] });
    const objs = synth(app);
    expect(find(objs, 'ReferenceGrant', 'gateway-httproute-to-service', 'mario-ns').spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'gateway' }],
      to: [{ group: '', kind: 'Service', name: 'mario' }, { group: '', kind: 'Service', name: 'mario-shadow' }],
    });
    expect(find(objs, 'ReferenceGrant', 'gateway-httproute-to-service', 'tetris-ns').spec.to).toEqual([{ group: '', kind: 'Service', name: 'tetris' }]);
    expect(find(objs, 'HTTPRoute', 'game').spec.rules[0].backendRefs).toEqual([{ name: 'mario', namespace: 'mario-ns', port: 80 }]);
  });

  test('a cross-namespace backend with grants turned off fails synth (no grant exists)', () => {
    const { app, gateway } = setup();
    gateway.addHttpRoute('r', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('docserver', { namespace: 'docs', port: 80, referenceGrant: false })] }] });
    expect(() => app.synthYaml()).toThrow(/\[test\/r\] spec.rules\[0\].backendRefs\[0\].*RefNotPermitted/s);
  });
});

describe('local rule errors', () => {
  const { gateway } = setup();
  let n = 0;
  const route = () => gateway.addHttpRoute(`r${n++}`, { namespace: 'gateway' });
  test('redirect together with backends', () => {
    expect(() => route().addRule({ filters: [HttpFilter.redirect({ scheme: 'https' })], backends: [Backend.fromName('a', { port: 80 })] }))
      .toThrow(/spec.rules\[0\].backendRefs: \["a"\] is set on a rule whose RequestRedirect filter answers every request itself. Fix: remove the backends/);
    const r = route().addRule({ filters: [HttpFilter.redirect({ scheme: 'https' })] });
    expect(() => r.addBackend(Backend.fromName('a', { port: 80 }))).toThrow(/RequestRedirect/);
  });
  test('redirect and rewrite together, repeated single filters', () => {
    expect(() => route().addRule({ filters: [HttpFilter.redirect({ scheme: 'https' }), HttpFilter.urlRewrite({ hostname: 'a.example.com' })] })).toThrow(/are both set/);
    expect(() => route().addRule({ filters: [HttpFilter.requestHeaders({ set: { a: '1' } }), HttpFilter.requestHeaders({ set: { b: '1' } })], backends: [Backend.fromName('a', { port: 80 })] })).toThrow(/"RequestHeaderModifier" appears more than once/);
  });
  test('replacePrefixMatch needs exactly one PathPrefix match', () => {
    expect(() => route().addRule({ matches: [PathMatch.exact('/a')], filters: [HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/') })], backends: [Backend.fromName('a', { port: 80 })] }))
      .toThrow(/must be exactly one PathPrefix match when a redirect or rewrite uses replacePrefixMatch/);
    expect(() => route().addRule({ matches: [PathMatch.prefix('/a'), PathMatch.prefix('/b')], filters: [HttpFilter.redirect({ path: PathModifier.replacePrefixMatch('/') })] })).toThrow(/exactly one PathPrefix/);
  });
  test('path, header, query and regex syntax', () => {
    expect(() => PathMatch.prefix('api')).toThrow(/matches\[\].path.value: "api" does not start with "\/"/);
    expect(() => PathMatch.exact('/a//b')).toThrow(/contains "\/\/"/);
    expect(() => PathMatch.exact('/a/../b')).toThrow(/".." segment/);
    expect(() => PathMatch.exact('/a b')).toThrow(/not allowed in a URI path/);
    expect(() => PathMatch.regex('(')).toThrow(/not a valid regular expression/);
    // RE2/PCRE inline flags and named groups, as the data plane (and import's use-regex paths) write them
    expect(PathMatch.regex('(?i)(?:/api).*').value).toBe('(?i)(?:/api).*');
    expect(() => PathMatch.regex('(?i:/a)b(?P<n>c)\\k<n>')).not.toThrow();
    expect(() => PathMatch.regex('[(?i)]x')).not.toThrow();
    expect(() => PathMatch.regex('(?z)a')).toThrow(/not a valid regular expression/);
    expect(() => PathMatch.regex('(?i')).toThrow(/not a valid regular expression/);
    expect(() => HeaderMatch.exact('bad header', 'x')).toThrow(/is not a valid HTTP header name/);
    expect(() => HeaderMatch.exact('x', 'a\r\nb')).toThrow(/control character/);
    expect(() => PathMatch.prefix('/').withHeaders(HeaderMatch.exact('X-A', '1'), HeaderMatch.exact('x-a', '2'))).toThrow(/appears twice/);
    expect(() => QueryParamMatch.exact('q', '')).toThrow(/is empty/);
    expect(() => HttpFilter.requestHeaders({ set: { a: '1' }, add: { A: '2' } })).toThrow(/is also in `set`/);
    expect(() => HttpFilter.requestHeaders({})).toThrow(/changes nothing/);
  });
  test('redirect, mirror, cors values', () => {
    expect(() => HttpFilter.redirect({ statusCode: 305 })).toThrow(/305 is not a redirect status. Fix: use 301, 302, 303, 307 or 308/);
    expect(() => HttpFilter.redirect({ scheme: 'ftp' })).toThrow(/"ftp" is not a supported scheme/);
    expect(() => HttpFilter.mirror(Backend.fromName('m', { port: 80 }), { percent: 101 })).toThrow(/percent: 101/);
    expect(() => HttpFilter.mirror(Backend.fromName('m', { port: 80 }), { percent: 1, fraction: { numerator: 1 } })).toThrow(/both percent and fraction/);
    expect(() => HttpFilter.mirror(Backend.fromName('m', { port: 80 }), { fraction: { numerator: 5, denominator: 3 } })).toThrow(/numerator ≤ denominator/);
    expect(() => HttpFilter.cors({ allowOrigins: ['*', 'https://a.example.com'] })).toThrow(/"\*" alongside other values/);
    expect(() => HttpFilter.cors({ allowOrigins: ['example.com'] })).toThrow(/is not an origin/);
  });
  test('timeouts', () => {
    expect(() => route().addRule({ timeouts: { request: '10 seconds' } })).toThrow(/timeouts.request: "10 seconds" is not a Gateway API duration/);
    expect(() => route().addRule({ timeouts: { request: '1s', backendRequest: '2s' } })).toThrow(/is longer than the request timeout 1s/);
    expect(() => route().addRule({ timeouts: { request: '0s', backendRequest: '2s' } })).not.toThrow();
  });
  test('hostnames, rule names, parents, limits', () => {
    const r = route();
    expect(() => r.addHostname('*')).toThrow(/is not a valid hostname/);
    r.addRule({ name: 'a' });
    expect(() => r.addRule({ name: 'a' })).toThrow(/is already the name of another rule/);
    r.addParentRef(ParentRef.gatewayName('x', 'y'));
    expect(() => r.addParentRef(ParentRef.gatewayName('x', 'y'))).toThrow(/listed twice/);
    for (let i = 1; i < 16; i++) r.addRule({});
    expect(() => r.addRule({})).toThrow(/exceeds 16 rules per HTTPRoute/);
  });
});
