import { buildDataplane, covers, ownerOf, splitPercentages, upstreamNames } from '../../src/ir';
import { upstreamTag } from '../../src/ir/upstreams';
import { ActionIR, GatewayIR, HttpServerIR, LocationIR } from '../../src/ir/types';
import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { gateway, gatewayClass, httpRoute, service, to } from './fixtures';

function ir(objects: KubeObject[]): GatewayIR {
  const d = buildDataplane(resolve(objects).model, objects);
  expect(d.gateways).toHaveLength(1);
  return d.gateways[0];
}

const base = () => [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), service('a'), service('b'), service('c')];

function defaultServer(g: GatewayIR): HttpServerIR {
  return g.httpPorts[0].servers.find((s) => s.hostname === undefined)!;
}

function loc(s: HttpServerIR, kind: LocationIR['kind'], path: string): LocationIR {
  const l = s.locations.find((x) => x.kind === kind && x.path === path);
  if (!l) throw new Error(`no ${kind} ${path} in ${s.locations.map((x) => `${x.kind} ${x.path}`).join(', ')}`);
  return l;
}

function actionOf(s: HttpServerIR, id: string): ActionIR {
  return s.actions.find((a) => a.id === id)!;
}

describe('splitPercentages', () => {
  test('floors to 2 decimals, remainder to the last non-zero weight', () => {
    expect(splitPercentages([1, 1, 1])).toEqual([33.33, 33.33, 33.34]);
    expect(splitPercentages([1, 2])).toEqual([33.33, 66.67]);
    expect(splitPercentages([70, 30])).toEqual([70, 30]);
  });
  test('weight 0 gets nothing; the last non-zero takes the remainder', () => {
    expect(splitPercentages([1, 1, 0])).toEqual([50, 50, 0]);
    expect(splitPercentages([1, 0, 2])).toEqual([33.33, 0, 66.67]);
  });
  test('all zero → all 0', () => {
    expect(splitPercentages([0, 0])).toEqual([0, 0]);
    expect(splitPercentages([])).toEqual([]);
  });
  test('sums to exactly 100', () => {
    for (const ws of [[3, 7, 11], [1, 1, 1, 1, 1, 1, 1], [999, 1], [1, 999999]]) {
      const p = splitPercentages(ws);
      expect(Math.round(p.reduce((a, b) => a + b, 0) * 100)).toBe(10000);
    }
  });
});

describe('hostnames', () => {
  test('wildcards cover one or more labels, never the bare domain', () => {
    expect(covers('*.example.com', 'a.example.com')).toBe(true);
    expect(covers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(covers('*.example.com', '*.b.example.com')).toBe(true);
    expect(covers('*.example.com', 'example.com')).toBe(false);
    expect(covers('a.example.com', 'A.example.com')).toBe(true);
    expect(covers('a.example.com', '*.example.com')).toBe(false);
  });
  test('the most specific listener owns a hostname', () => {
    const ls = [{ id: 'any' }, { id: 'wild', hostname: '*.example.com' }, { id: 'foo', hostname: '*.foo.example.com' }, { id: 'abc', hostname: 'abc.foo.example.com' }];
    expect(ownerOf(ls, 'abc.foo.example.com')?.id).toBe('abc');
    expect(ownerOf(ls, 'x.foo.example.com')?.id).toBe('foo');
    expect(ownerOf(ls, 'foo.example.com')?.id).toBe('wild');
    expect(ownerOf(ls, 'bar.com')?.id).toBe('any');
    expect(ownerOf(ls, undefined)?.id).toBe('any');
    expect(ownerOf(ls.slice(1), 'bar.com')).toBeUndefined();
  });
});

describe('upstream names', () => {
  test('sanitised, deterministic and collision-free', () => {
    const n = upstreamNames(['a-b/c:80', 'a/b-c:80', 'a/b_c:80']);
    expect(new Set(n.values()).size).toBe(3);
    expect(n.get('a-b/c:80')).toBe(`${upstreamTag('a-b/c:80')}_a_b_c_80`);
    expect(n.get('a/b-c:80')).toBe(`${upstreamTag('a/b-c:80')}_a_b_c_80_2`);
    expect(n.get('a/b_c:80')).toBe(`${upstreamTag('a/b_c:80')}_a_b_c_80_3`);
    expect(upstreamNames(['a/b_c:80', 'a/b-c:80', 'a-b/c:80'])).toEqual(n);
    for (const v of n.values()) expect(v).toMatch(/^[a-z][a-z0-9]{3}_[a-z0-9_]+$/);
  });

  test('a name depends on its key only (others added or removed keep it), up to the collision suffix', () => {
    const few = upstreamNames(['default/web:80', 'shop/cart:8080']);
    const many = upstreamNames([...Array.from({ length: 50 }, (_, i) => `ns${i}/svc${i}:80`), 'default/web:80', 'shop/cart:8080']);
    expect(many.get('default/web:80')).toBe(few.get('default/web:80'));
    expect(many.get('shop/cart:8080')).toBe(few.get('shop/cart:8080'));
    expect(upstreamTag('default/web:80')).toBe(upstreamTag('default/web:80'));
  });

  test('names sharing a namespace and a length differ in their first byte (nginx compares upstream names from the first byte)', () => {
    // the keys of bench/nginx-scale.ts: up_<ns>_svc<i>_8080 shared 10 bytes before
    const names = [...upstreamNames(Array.from({ length: 1000 }, (_, i) => `bench/svc${1000 + i}:8080`)).values()];
    expect(new Set(names.map((x) => x.length)).size).toBe(1);
    const first = new Map<string, number>();
    for (const x of names) first.set(x[0], (first.get(x[0]) ?? 0) + 1);
    expect(first.size).toBe(26);
    // each first letter is taken by at most twice its share of 1,000 / 26
    expect(Math.max(...first.values())).toBeLessThan((2 * 1000) / 26);
    // pairs of equal length compared byte by byte: the mean common prefix is about 1/25 byte
    let common = 0;
    let pairs = 0;
    for (let i = 0; i < names.length; i += 7) {
      for (let j = i + 1; j < names.length; j += 13) {
        let k = 0;
        while (names[i][k] === names[j][k]) k++;
        common += k;
        pairs++;
      }
    }
    expect(common / pairs).toBeLessThan(0.2);
  });
});

describe('location algebra', () => {
  test('Exact → = p; PathPrefix /p → = /p and /p/; a catch-all / always exists', () => {
    const g = ir([
      ...base(),
      httpRoute('r', {
        rules: [
          { matches: [{ path: { type: 'Exact', value: '/exact' } }], backendRefs: [to('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/pre/' } }], backendRefs: [to('b')] },
        ],
      }),
    ]);
    const s = defaultServer(g);
    expect(s.locations.map((l) => `${l.kind} ${l.path}`)).toEqual(['exact /exact', 'exact /pre', 'prefix /', 'prefix /pre/']);
    expect(loc(s, 'prefix', '/').candidates).toEqual([]);
    expect(loc(s, 'exact', '/pre').candidates).toEqual([{ action: 'HTTPRoute/default/r/1/0', conditions: [] }]);
  });

  test('a location falls back to shorter prefixes when its conditions fail', () => {
    const g = ir([
      ...base(),
      httpRoute('r', {
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/v2' }, headers: [{ name: 'Version', value: 'two' }] }], backendRefs: [to('b')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [to('a')] },
        ],
      }),
    ]);
    const l = loc(defaultServer(g), 'prefix', '/v2/');
    expect(l.candidates).toEqual([
      { action: 'HTTPRoute/default/r/0/0', conditions: [{ kind: 'header', name: 'version', type: 'Exact', value: 'two' }] },
      { action: 'HTTPRoute/default/r/1/0', conditions: [] },
    ]);
  });

  test('precedence: exact > longest prefix > method > most headers > most query params > oldest route > rule order', () => {
    const g = ir([
      ...base(),
      httpRoute(
        'newer',
        {
          rules: [
            { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], backendRefs: [to('a')] },
            { matches: [{ path: { type: 'PathPrefix', value: '/a' }, headers: [{ name: 'x', value: '1' }] }], backendRefs: [to('a')] },
            { matches: [{ path: { type: 'PathPrefix', value: '/a' }, queryParams: [{ name: 'q', value: '1' }, { name: 'r', value: '2' }] }], backendRefs: [to('a')] },
            { matches: [{ path: { type: 'PathPrefix', value: '/a' }, method: 'POST' }], backendRefs: [to('a')] },
            { matches: [{ path: { type: 'PathPrefix', value: '/a/b' }, headers: [{ name: 'y', value: '1' }] }], backendRefs: [to('a')] },
            { matches: [{ path: { type: 'PathPrefix', value: '/a' }, headers: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }] }], backendRefs: [to('a')] },
          ],
        },
        { created: '2024-02-01T00:00:00Z' },
      ),
      httpRoute('older', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/a' }, headers: [{ name: 'z', value: '1' }] }], backendRefs: [to('b')] }] }, { created: '2023-01-01T00:00:00Z' }),
    ]);
    const l = loc(defaultServer(g), 'prefix', '/a/b/');
    expect(l.candidates.map((c) => c.action)).toEqual([
      'HTTPRoute/default/newer/4/0', // longest prefix
      'HTTPRoute/default/newer/3/0', // method
      'HTTPRoute/default/newer/5/0', // 2 headers
      'HTTPRoute/default/older/0/0', // 1 header, older route
      'HTTPRoute/default/newer/1/0', // 1 header
      'HTTPRoute/default/newer/2/0', // query params
      'HTTPRoute/default/newer/0/0', // unconditional: the list ends here
    ]);
  });

  test('regex locations are ordered longest first; they fall back to prefixes with path conditions', () => {
    const g = ir([
      ...base(),
      httpRoute('r', {
        rules: [
          { matches: [{ path: { type: 'RegularExpression', value: '/r/[0-9]+' }, headers: [{ name: 'x', value: '1' }] }], backendRefs: [to('a')] },
          { matches: [{ path: { type: 'RegularExpression', value: '/r/.*' } }], backendRefs: [to('b')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/r' } }], backendRefs: [to('c')] },
        ],
      }),
    ]);
    const s = defaultServer(g);
    expect(s.locations.filter((l) => l.kind === 'regex').map((l) => l.path)).toEqual(['/r/[0-9]+', '/r/.*']);
    expect(loc(s, 'regex', '/r/[0-9]+').candidates).toEqual([
      { action: 'HTTPRoute/default/r/0/0', conditions: [{ kind: 'header', name: 'x', type: 'Exact', value: '1' }] },
      { action: 'HTTPRoute/default/r/1/0', conditions: [{ kind: 'pathRegex', value: '/r/.*' }] },
      { action: 'HTTPRoute/default/r/2/0', conditions: [{ kind: 'pathPrefix', value: '/r' }] },
    ]);
    // the exact location of the prefix consults regexes (nginx skips them for `=`)
    expect(loc(s, 'exact', '/r').candidates.map((c) => c.conditions[0]?.kind ?? 'none')).toEqual(['pathRegex', 'pathRegex', 'none']);
  });

  test('repeated header / query names: the first entry counts', () => {
    const g = ir([
      ...base(),
      httpRoute('r', {
        rules: [
          {
            matches: [{ headers: [{ name: 'X', value: '1' }, { name: 'x', value: '2' }], queryParams: [{ name: 'q', value: 'a' }, { name: 'q', value: 'b' }, { name: 'Q', value: 'c' }] }],
            backendRefs: [to('a')],
          },
        ],
      }),
    ]);
    expect(loc(defaultServer(g), 'prefix', '/').candidates[0].conditions).toEqual([
      { kind: 'header', name: 'x', type: 'Exact', value: '1' },
      { kind: 'query', name: 'q', type: 'Exact', value: 'a' },
      { kind: 'query', name: 'Q', type: 'Exact', value: 'c' },
    ]);
  });
});

describe('actions', () => {
  test('weights: invalid backends keep their share; weight 0 dropped; nothing valid → 500', () => {
    const g = ir([
      ...base(),
      httpRoute('r', {
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/w' } }], backendRefs: [to('a', 8080, 1), to('missing', 8080, 1), to('b', 8080, 0), to('c', 8080, 2)] },
          { matches: [{ path: { type: 'PathPrefix', value: '/none' } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/bad' } }], backendRefs: [to('missing')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/zero' } }], backendRefs: [to('a', 8080, 0)] },
        ],
      }),
    ]);
    const s = defaultServer(g);
    const w = actionOf(s, 'HTTPRoute/default/r/0/0');
    const up = (svc: string) => `${upstreamTag(`default/${svc}:8080`)}_default_${svc}_8080`;
    expect(w.backends.map((b) => [b.name, b.percent, b.upstream ?? null])).toEqual([
      ['a', 25, up('a')],
      ['missing', 25, null],
      ['b', 0, up('b')],
      ['c', 50, up('c')],
    ]);
    expect(w.returnStatus).toBeUndefined();
    for (const id of ['HTTPRoute/default/r/1/0', 'HTTPRoute/default/r/2/0', 'HTTPRoute/default/r/3/0']) expect(actionOf(s, id).returnStatus).toBe(500);
    // sorted by name
    expect(g.upstreams.map((u) => u.name)).toEqual([up('a'), up('b'), up('c')].sort());
    expect(g.upstreams.map((u) => u.key).sort()).toEqual(['default/a:8080', 'default/b:8080', 'default/c:8080']);
  });

  test('redirect port defaulting: scheme given → its port; nothing → listener port; well-known ports omitted', () => {
    const objects = [
      gatewayClass(),
      gateway('gw', [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'alt', port: 8080, protocol: 'HTTP' },
      ]),
      httpRoute('r', {
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/s' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/p' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8443 } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/n' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'x.org', statusCode: 301 } }] },
        ],
      }),
    ];
    const g = ir(objects);
    const on = (port: number, rule: number) => g.httpPorts.find((p) => p.port === port)!.servers.find((s) => !s.hostname)!.actions.find((a) => a.source.rule === rule)!.redirect;
    expect(on(80, 0)).toEqual({ scheme: 'https', statusCode: 302 });
    expect(on(8080, 0)).toEqual({ scheme: 'https', statusCode: 302 });
    expect(on(80, 1)).toEqual({ port: 8443, statusCode: 302 });
    expect(on(80, 2)).toEqual({ hostname: 'x.org', statusCode: 301 });
    expect(on(8080, 2)).toEqual({ hostname: 'x.org', port: 8080, statusCode: 301 });
  });

  test('unsupported features are diagnosed, never silently dropped', () => {
    const g = ir([
      ...base(),
      httpRoute('r', {
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/auth' } }],
            filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'a', port: 8080 } } }],
            backendRefs: [to('a')],
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/sticky' } }], sessionPersistence: { type: 'Cookie' }, backendRefs: [to('a')] },
        ],
      }),
    ]);
    expect(g.diagnostics.map((d) => [d.code, d.field])).toEqual([
      ['UnsupportedByDataplane', 'spec.rules[0].filters[0]'],
      ['UnsupportedByDataplane', 'spec.rules[1].sessionPersistence'],
    ]);
    expect(actionOf(defaultServer(g), 'HTTPRoute/default/r/0/0').returnStatus).toBe(500);
  });
});

describe('servers and listener isolation', () => {
  test('a request for a hostname is served only by the most specific listener', () => {
    const g = ir([
      gatewayClass(),
      gateway('gw', [
        { name: 'any', port: 80, protocol: 'HTTP' },
        { name: 'wild', port: 80, protocol: 'HTTP', hostname: '*.example.com' },
        { name: 'abc', port: 80, protocol: 'HTTP', hostname: 'abc.example.com' },
      ]),
      service('a'),
      httpRoute('on-any', { parentRefs: [{ name: 'gw', sectionName: 'any' }], hostnames: ['bar.com', '*.example.com'], rules: [{ backendRefs: [to('a')] }] }),
      httpRoute('on-wild', { parentRefs: [{ name: 'gw', sectionName: 'wild' }], rules: [{ backendRefs: [to('a')] }] }),
    ]);
    const servers = g.httpPorts[0].servers;
    expect(servers.map((s) => [s.hostname ?? '(default)', s.listener, s.actions.map((a) => a.source.name)])).toEqual([
      ['*.example.com', 'wild', ['on-wild']],
      ['abc.example.com', 'abc', []],
      ['bar.com', 'any', ['on-any']],
      ['(default)', 'any', []],
    ]);
  });

  test('deterministic: same input, identical IR', () => {
    const objs = [...base(), httpRoute('r', { rules: [{ backendRefs: [to('a'), to('b')] }] }, { created: '2024-01-01T00:00:00Z' })];
    expect(JSON.stringify(ir(objs))).toBe(JSON.stringify(ir([...objs].reverse())));
  });
});

describe('GRPCRoute', () => {
  test('service / method matches become paths; precedence by service then method characters', () => {
    const g = ir([
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      service('g', [{ port: 8080, appProtocol: 'kubernetes.io/h2c' }]),
      {
        ...httpRoute('grpc', {
          rules: [
            { matches: [{ method: { method: 'Echo' } }], backendRefs: [to('g')] },
            { matches: [{ method: { service: 'pkg.Svc' } }], backendRefs: [to('g')] },
            { matches: [{ method: { service: 'pkg.Svc', method: 'Echo' } }], backendRefs: [to('g')] },
            { matches: [{ method: { type: 'RegularExpression', service: 'pkg\\..*' } }], backendRefs: [to('g')] },
          ],
        }),
        kind: 'GRPCRoute',
      },
    ]);
    const s = defaultServer(g);
    expect(s.locations.map((l) => `${l.kind} ${l.path}`)).toEqual(['exact /pkg.Svc', 'exact /pkg.Svc/Echo', 'prefix /', 'prefix /pkg.Svc/', 'regex /(?:pkg\\..*)/[^/]+', 'regex /[^/]+/Echo']);
    // a request /pkg.Svc/Echo matches all four; service-only beats method-only
    expect(loc(s, 'exact', '/pkg.Svc/Echo').candidates.map((c) => c.action)).toEqual(['GRPCRoute/default/grpc/2/0']);
    expect(loc(s, 'regex', '/[^/]+/Echo').candidates.map((c) => c.action)).toEqual(['GRPCRoute/default/grpc/1/0', 'GRPCRoute/default/grpc/0/0']);
    expect(s.actions.every((a) => a.grpc && a.backends[0].protocol === 'grpc')).toBe(true);
  });
});
