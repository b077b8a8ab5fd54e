import { resolve } from '../../src/resolve';
import { gateway, gatewayClass, http, route, service } from './fixtures';

/** PathDropped: ReplaceFullPath on a PathPrefix match drops the rest of the path. */
const base = [gatewayClass(), gateway('web', [http()]), service('a', [80])];
const to = { backendRefs: [{ name: 'a', port: 80 }] };

function dropped(rule: Record<string, unknown>) {
  return resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [rule] })]).diagnostics.filter((d) => d.code === 'PathDropped');
}

describe('PathDropped', () => {
  test('URLRewrite ReplaceFullPath on a PathPrefix match', () => {
    const ds = dropped({ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/v2' } } }], ...to });
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ severity: 'warning', field: 'spec.rules[0].filters[0].urlRewrite.path' });
    expect(ds[0].message).toBe('URLRewrite ReplaceFullPath "/v2" on PathPrefix match "/api" drops the rest of the path: a request for /api/rest/of/path is sent to the backend as /v2');
    expect(ds[0].fix).toBe(
      'use type ReplacePrefixMatch with replacePrefixMatch: "/v2" to keep the rest of the path (/api/rest/of/path → /v2/rest/of/path); keep ReplaceFullPath only if every request under /api should go to /v2',
    );
  });

  test('RequestRedirect ReplaceFullPath on the default match (PathPrefix /)', () => {
    const ds = dropped({ filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/maintenance' } } }] });
    expect(ds.map((d) => d.field)).toEqual(['spec.rules[0].filters[0].requestRedirect.path']);
    expect(ds[0].message).toContain('is redirected to /maintenance');
  });

  test('backendRef-level URLRewrite', () => {
    const ds = dropped({
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      backendRefs: [{ name: 'a', port: 80, filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/' } } }] }],
    });
    expect(ds.map((d) => d.field)).toEqual(['spec.rules[0].backendRefs[0].filters[0].urlRewrite.path']);
  });

  test('not reported: Exact match, ReplacePrefixMatch', () => {
    expect(dropped({ matches: [{ path: { type: 'Exact', value: '/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/__apispec/' }, statusCode: 302 } }] })).toEqual([]);
    expect(dropped({ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } }], ...to })).toEqual([]);
  });
});
