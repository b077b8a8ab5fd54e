/**
 * What makes `nginx -t` of many routes cheap (docs/benchmarks.md, section 2): exact and prefix
 * locations written in nginx's own sort order (nginx 1.22 sorts them by insertion), and upstream
 * names that differ in their first bytes (nginx registers every upstream and `proxy_pass` by a
 * linear search comparing names from the first byte).
 */
import { nginxLocationOrder } from '../../src/render/nginx/http-dispatch';
import { compileNginx } from '../../src/render/nginx';
import { gateway, gatewayClass, httpRoute, service, to } from './fixtures';

/** The `location` lines of a configuration, in order, without `location` and quotes. */
function heads(conf: string): string[] {
  return [...conf.matchAll(/^\s*location (.*) \{$/gm)].map((m) => m[1].replace(/"/g, ''));
}

/** nginx's `ngx_http_cmp_locations` for exact / prefix names, written out (bytes, `/` lowest). */
function nginxCmp(a: { path: string; exact: boolean }, b: { path: string; exact: boolean }): number {
  const n = Math.min(a.path.length, b.path.length) + 1;
  for (let i = 0; i < n; i++) {
    let c1 = i < a.path.length ? a.path.charCodeAt(i) : 0;
    let c2 = i < b.path.length ? b.path.charCodeAt(i) : 0;
    if (c1 === c2) {
      if (c1 === 0) break;
      continue;
    }
    if (c1 === 0 || c2 === 0) return c1 - c2;
    c1 = c1 === 0x2f ? 0 : c1;
    c2 = c2 === 0x2f ? 0 : c2;
    return c1 - c2;
  }
  return a.exact === b.exact ? 0 : a.exact ? -1 : 1;
}

describe('location order', () => {
  test('nginxLocationOrder is nginx’s comparator: "/" lowest, a name before its extensions, exact before prefix', () => {
    const ls = ['/a-b/', '/a/', '/a', '/a-b', '/b', '/a/b/', '/a/b', '/', '/ab', '/a.b', '/a0'].flatMap((p) => [{ path: p, exact: true }, { path: p, exact: false }]);
    const sorted = nginxLocationOrder(ls);
    expect(sorted.map((l) => `${l.exact ? '=' : ''}${l.path}`).slice(0, 9)).toEqual(['=/', '/', '=/a', '/a', '=/a/', '/a/', '=/a/b', '/a/b', '=/a/b/']);
    for (let i = 1; i < sorted.length; i++) expect(nginxCmp(sorted[i - 1], sorted[i])).toBeLessThan(0);
  });

  test('nginxLocationOrder orders names by their UTF-8 bytes, surrogates and characters above them included', () => {
    const byBytes = (a: { path: string; exact: boolean }, b: { path: string; exact: boolean }) =>
      Buffer.compare(Buffer.from(a.path.replace(/\//g, '\0')), Buffer.from(b.path.replace(/\//g, '\0'))) || (a.exact === b.exact ? 0 : a.exact ? -1 : 1);
    const ascii = ['/a', '/a/b', '/a-b', '/A', '/~', '/a b', '/'];
    const wide = [...ascii, '/\u00e9', '/\uffff', '/\ue000', '/\ud83d\ude00', '/\ud800', '/a\ud83d\ude00/b'];
    for (const paths of [ascii, wide]) {
      const ls = paths.flatMap((p) => [{ path: p, exact: false }, { path: p, exact: true }]).reverse();
      expect(nginxLocationOrder(ls)).toEqual([...ls].sort(byBytes));
    }
    // U+FFFF sorts after an astral character by UTF-16 code units, before it by bytes
    expect(nginxLocationOrder([{ path: '/\uffff', exact: true }, { path: '/\ud83d\ude00', exact: true }]).map((l) => l.path)).toEqual(['/\uffff', '/\ud83d\ude00']);
  });

  test('a server lists its exact and prefix locations in nginx’s order, mirror targets among them; regex after, then named', () => {
    const paths = ['/svc1', '/svc10', '/svc2', '/a-b', '/a/b', '/a'];
    const objects = [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      service('a'),
      service('m'),
      ...paths.map((p, i) =>
        httpRoute(`r${i}`, {
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: p }, headers: [{ name: 'x-t', value: `t${i}` }] }], backendRefs: [to('a')], ...(i < 3 ? { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: to('m') } }] } : {}) }],
        }),
      ),
      httpRoute('re', { rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/re/[0-9]+' } }], backendRefs: [to('a')] }] }),
    ];
    const [gw] = compileNginx(objects, {});
    const server = gw.files['nginx.conf'].split(/^ {2}server \{$/m).find((s) => s.includes('/svc10'))!;
    const h = heads(server);
    const literal = h.filter((x) => !x.startsWith('~') && !x.startsWith('@')).map((x) => (x.startsWith('= ') ? { path: x.slice(2), exact: true } : { path: x, exact: false }));
    // before, every exact location came first, then every prefix one
    expect(literal.map((l) => `${l.exact ? '=' : ''}${l.path}`).slice(0, 8)).toEqual(['/', '=/_cdk8s_gateway_internal/mirror/m1', '=/_cdk8s_gateway_internal/mirror/m2', '=/_cdk8s_gateway_internal/mirror/m3', '=/a', '/a/', '=/a/b', '/a/b/']);
    for (let i = 1; i < literal.length; i++) expect(nginxCmp(literal[i - 1], literal[i])).toBeLessThan(0);
    const kinds = h.map((x) => (x.startsWith('~') ? 'regex' : x.startsWith('@') ? 'named' : 'literal'));
    expect(kinds.lastIndexOf('literal')).toBeLessThan(kinds.indexOf('regex'));
    expect(kinds.lastIndexOf('regex')).toBeLessThan(kinds.indexOf('named') < 0 ? Infinity : kinds.indexOf('named'));
  });

  test('the order is the same whatever the order of the input', () => {
    const routes = (order: number[]) => [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      service('a'),
      ...order.map((i) => httpRoute(`r${i}`, { rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }], backendRefs: [to('a')] }] })),
    ];
    const a = compileNginx(routes([0, 1, 2, 10, 11, 20]), {})[0].files['nginx.conf'];
    const b = compileNginx(routes([20, 11, 10, 2, 1, 0]), {})[0].files['nginx.conf'];
    expect(heads(a)).toEqual(heads(b));
  });
});
