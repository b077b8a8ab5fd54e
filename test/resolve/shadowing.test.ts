import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { gateway, gatewayClass, http, route, service } from './fixtures';

/** ShadowedRule: rules / matches that a higher-precedence identical match always takes. */
const base = [gatewayClass(), gateway('web', [http('http', 80, { allowedRoutes: { namespaces: { from: 'All' } } }), http('alt', 8080)]), service('a', [80]), service('b', [80])];
const to = (svc: string) => ({ backendRefs: [{ name: svc, port: 80 }] });
const prefix = (value: string, extra: Record<string, unknown> = {}) => ({ path: { type: 'PathPrefix', value }, ...extra });
const exact = (value: string, extra: Record<string, unknown> = {}) => ({ path: { type: 'Exact', value }, ...extra });

function shadowed(objs: KubeObject[]) {
  return resolve([...base, ...objs]).diagnostics.filter((d) => d.code === 'ShadowedRule');
}

function withTs(o: KubeObject, ts: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, creationTimestamp: ts } };
}

describe('ShadowedRule within one HTTPRoute', () => {
  test('a later rule with the identical match: warning on the rule, naming both and the match', () => {
    const ds = shadowed([route('r', { parentRefs: [{ name: 'web' }], rules: [{ matches: [prefix('/api', { method: 'GET' })], ...to('a') }, { name: 'v2', matches: [prefix('/api', { method: 'GET' })], ...to('b') }] })]);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ severity: 'warning', field: 'spec.rules[1]', object: { kind: 'HTTPRoute', name: 'r' } });
    expect(ds[0].message).toBe(
      'rule 1 ("v2") (PathPrefix /api, method GET) can never be selected: rule 0 has the identical match and comes first in the route, so it takes every request rule 1 ("v2") would match',
    );
    expect(ds[0].fix).toContain('remove rule 1 ("v2") (or the match) or merge it into rule 0');
  });

  test('two rules without matches (both match every request)', () => {
    const ds = shadowed([route('r', { parentRefs: [{ name: 'web' }], rules: [to('a'), to('b')] })]);
    expect(ds.map((d) => d.field)).toEqual(['spec.rules[1]']);
    expect(ds[0].message).toContain('rule 1 (no matches: every request) can never be selected');
  });

  test('identical Exact paths; header order and header-name case do not matter', () => {
    const ds = shadowed([
      route('r', {
        parentRefs: [{ name: 'web' }],
        rules: [
          { matches: [exact('/login', { headers: [{ name: 'X-Env', value: 'prod' }, { name: 'x-team', value: 'a' }] })], ...to('a') },
          { matches: [exact('/login', { headers: [{ name: 'x-team', value: 'a' }, { name: 'x-env', value: 'prod' }] })], ...to('b') },
        ],
      }),
    ]);
    expect(ds.map((d) => d.field)).toEqual(['spec.rules[1]']);
  });

  test('only one match of a rule shadowed: the warning is on that match', () => {
    const ds = shadowed([route('r', { parentRefs: [{ name: 'web' }], rules: [{ matches: [exact('/a')], ...to('a') }, { matches: [exact('/b'), exact('/a')], ...to('b') }] })]);
    expect(ds.map((d) => d.field)).toEqual(['spec.rules[1].matches[1]']);
    expect(ds[0].message).toBe('match 1 of rule 1 (Exact /a) can never be selected: rule 0 has the identical match and comes first in the route');
  });

  test('shadowing does not depend on attachment (a route not attached anywhere is still checked)', () => {
    expect(shadowed([route('r', { parentRefs: [{ name: 'elsewhere' }], rules: [to('a'), to('b')] })]).map((d) => d.field)).toEqual(['spec.rules[1]']);
  });
});

describe('ShadowedRule: no false positives', () => {
  const cases: [string, unknown[], unknown[]][] = [
    ['different headers', [prefix('/api', { headers: [{ name: 'x', value: '1' }] })], [prefix('/api', { headers: [{ name: 'x', value: '2' }] })]],
    ['different methods', [prefix('/api', { method: 'GET' })], [prefix('/api', { method: 'POST' })]],
    ['prefix vs exact (Exact always wins, and matches less)', [prefix('/api')], [exact('/api')]],
    ['a longer prefix later (longest prefix wins)', [prefix('/api')], [prefix('/api/v2')]],
    ['the same prefix with more headers later (more headers win)', [prefix('/api')], [prefix('/api', { headers: [{ name: 'x', value: '1' }] })]],
    ['the same prefix with a method later (a method match wins)', [prefix('/api')], [prefix('/api', { method: 'GET' })]],
    ['the same prefix with a query parameter later', [prefix('/api')], [prefix('/api', { queryParams: [{ name: 'v', value: '2' }] })]],
    ['header Exact vs RegularExpression with the same value', [prefix('/', { headers: [{ name: 'x', value: 'a' }] })], [prefix('/', { headers: [{ name: 'x', type: 'RegularExpression', value: 'a' }] })]],
    ['query parameter names are case-sensitive', [prefix('/', { queryParams: [{ name: 'V', value: '1' }] })], [prefix('/', { queryParams: [{ name: 'v', value: '1' }] })]],
    ['PathPrefix /a/ vs /a (same paths, but /a/ has more characters: implementation-dependent, not reported)', [prefix('/a')], [prefix('/a/')]],
  ];
  for (const [name, first, second] of cases) {
    test(name, () => {
      expect(shadowed([route('r', { parentRefs: [{ name: 'web' }], rules: [{ matches: first, ...to('a') }, { matches: second, ...to('b') }] })])).toEqual([]);
    });
  }

  test('duplicate matches inside one rule are not shadowing (same rule either way)', () => {
    expect(shadowed([route('r', { parentRefs: [{ name: 'web' }], rules: [{ matches: [exact('/a'), exact('/a')], ...to('a') }] })])).toEqual([]);
  });

  test('an earlier rule that is dropped (IncompatibleFilters) shadows nothing', () => {
    const bad = { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }, { type: 'URLRewrite', urlRewrite: { hostname: 'x' } }] };
    expect(shadowed([route('r', { parentRefs: [{ name: 'web' }], rules: [bad, to('b')] })])).toEqual([]);
  });
});

describe('ShadowedRule across routes on the same listener', () => {
  const older = (extra: Record<string, unknown> = {}) => withTs(route('older', { parentRefs: [{ name: 'web' }], rules: [{ matches: [prefix('/api')], ...to('a') }], ...extra }), '2024-01-01T00:00:00Z');
  const newer = (extra: Record<string, unknown> = {}) => withTs(route('newer', { parentRefs: [{ name: 'web' }], rules: [{ matches: [prefix('/api')], ...to('b') }], ...extra }), '2024-06-01T00:00:00Z');

  test('identical match, same hostnames, older route certainly first: the newer rule is shadowed', () => {
    const ds = shadowed([older(), newer()]);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ field: 'spec.rules[0]', object: { name: 'newer' } });
    expect(ds[0].message).toContain('rule 0 of HTTPRoute infra/older has the identical match for the same hostnames on listener');
    expect(ds[0].message).toContain('created earlier, 2024-01-01T00:00:00Z');
    expect(ds[0].fix).toContain('give HTTPRoute infra/newer hostnames of its own');
  });

  test('same creationTimestamp: namespace/name decides', () => {
    const a = withTs(route('a-route', { parentRefs: [{ name: 'web' }], rules: [{ matches: [prefix('/api')], ...to('a') }] }), '2024-01-01T00:00:00Z');
    const b = withTs(route('b-route', { parentRefs: [{ name: 'web' }], rules: [{ matches: [prefix('/api')], ...to('b') }] }), '2024-01-01T00:00:00Z');
    expect(shadowed([b, a]).map((d) => d.object.name)).toEqual(['b-route']);
  });

  test('without creationTimestamps the winner is unknown: nothing is reported', () => {
    const strip = (o: KubeObject) => ({ ...o, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });
    expect(shadowed([strip(older()), strip(newer())])).toEqual([]);
  });

  test('the newer route serves a hostname the older one does not: not shadowed', () => {
    expect(shadowed([older({ hostnames: ['a.example.com'] }), newer({ hostnames: ['a.example.com', 'b.example.com'] })])).toEqual([]);
    // an older route for every hostname loses to a newer one with a specific hostname (hostname precedence)
    expect(shadowed([older(), newer({ hostnames: ['a.example.com'] })])).toEqual([]);
    // the older route serves a superset: shadowed
    expect(shadowed([older({ hostnames: ['a.example.com', 'b.example.com'] }), newer({ hostnames: ['a.example.com'] })]).map((d) => d.object.name)).toEqual(['newer']);
  });

  test('shadowed on one listener but served alone on another: not reported', () => {
    const o = withTs(route('older', { parentRefs: [{ name: 'web', sectionName: 'http' }], rules: [{ matches: [prefix('/api')], ...to('a') }] }), '2024-01-01T00:00:00Z');
    expect(shadowed([o, newer()])).toEqual([]);
  });
});
