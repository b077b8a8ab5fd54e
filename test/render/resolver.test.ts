/**
 * Resolver mode (the GatewayProxy on a cluster: backends by DNS name, the resolver read from the
 * pod's resolv.conf). From nginx 1.27.3 each backend is an `upstream` block with `server NAME
 * resolve`, so connections to backends are kept alive and the last known addresses survive a DNS
 * outage; older nginx resolves the name per request through a variable. Whether nginx accepts both
 * forms is checked by nginx-config.test.ts (the nginx found here) and the pod sandbox (the image's
 * nginx line).
 */
import { upstreamTag } from '../../src/ir/upstreams';
import { compileNginx, defaultBackendKeepalive, upstreamZone } from '../../src/render/nginx';
import { gateway, gatewayClass, httpRoute, service, to } from './fixtures';

const objects = [
  gatewayClass(),
  gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
  service('a'),
  service('b'),
  httpRoute('web', { rules: [{ backendRefs: [to('a', 8080, 3), to('b', 8080, 1)] }, { matches: [{ path: { type: 'PathPrefix', value: '/only-a' } }], backendRefs: [to('a')] }] }),
];
/** The upstream name of Service default/<svc> port 8080. */
const up = (svc: string) => `${upstreamTag(`default/${svc}:8080`)}_default_${svc}_8080`;
const conf = (nginxVersion: string) => compileNginx(objects, { resolver: '10.96.0.10', nginxVersion })[0].files['nginx.conf'];

describe('backends by DNS name', () => {
  test('nginx 1.27.3 and later: upstream blocks re-resolved by nginx, in one shared zone, with keepalive', () => {
    const c = conf('1.27.3');
    for (const svc of ['a', 'b']) {
      expect(c).toMatch(new RegExp(`upstream ${up(svc)} \\{\\n\\s*# Service default/${svc}:8080\\n\\s*zone gw_upstreams 1m;\\n\\s*server ${svc}\\.default\\.svc\\.cluster\\.local:8080 resolve;\\n\\s*keepalive 32;\\n\\s*\\}`));
    }
    expect(c).toMatch(new RegExp(`split_clients \\$request_id \\$(\\w+) \\{\\n\\s*75% ${up('a')};\\n\\s*\\* ${up('b')};\\n\\s*\\}`));
    expect(c).toContain(`proxy_pass http://${up('a')};`);
    expect(c).not.toContain('$gw_target');
    expect(c).toMatch(/resolver 10\.96\.0\.10/);
    // a lost DNS answer is asked again after 5 s, not nginx's 30
    expect(c).toMatch(/resolver 10\.96\.0\.10 valid=10s;\n\s*resolver_timeout 5s;/);
  });

  test('one zone for every re-resolved upstream block: 64 KiB each, at least 1 MiB, the same line in each (nginx checks each size against the first)', () => {
    const many = (n: number, opts: Record<string, unknown> = {}) => {
      const objs = [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }])];
      for (let i = 0; i < n; i++) objs.push(service(`s${i}`), httpRoute(`r${i}`, { rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/s${i}` } }], backendRefs: [to(`s${i}`)] }] }));
      return compileNginx(objs, { resolver: '10.96.0.10', nginxVersion: '1.30.0', ...opts })[0].files['nginx.conf'];
    };
    const zones = (c: string) => [...c.matchAll(/^\s*zone (.*);$/gm)].map((m) => m[1]);
    const blocks = (c: string) => [...c.matchAll(/^\s*upstream \w+ \{/gm)].length;
    // 16 blocks: 1 MiB; 17: 1.06 MiB, whole MiB up; 100: 6.25 MiB
    for (const [n, size] of [[1, '1m'], [16, '1m'], [17, '2m'], [100, '7m']] as const) {
      const c = many(n);
      expect(blocks(c)).toBe(n);
      expect(zones(c)).toEqual(Array(n).fill(`gw_upstreams ${size}`));
      expect(upstreamZone(n)).toBe(`zone gw_upstreams ${size};`);
    }
    // backends given as addresses are not re-resolved: no zone
    const mapped = many(3, { backends: { 'default/s0:8080': '127.0.0.1:9001', 'default/s1:8080': '127.0.0.1:9002' } });
    expect(zones(mapped)).toEqual(['gw_upstreams 1m']);
    expect(mapped).toMatch(/server 127\.0\.0\.1:9001;/);
    // without a resolver, or before 1.27.3, no upstream block resolves
    expect(zones(many(3, { resolver: undefined }))).toEqual([]);
    expect(zones(many(3, { nginxVersion: '1.27.2' }))).toEqual([]);
  });

  test('before 1.27.3: the name is resolved per request (no upstream block for it)', () => {
    const c = conf('1.27.2');
    expect(c).toContain('set $gw_target "a.default.svc.cluster.local:8080";');
    expect(c).toMatch(/75% a\.default\.svc\.cluster\.local:8080;/);
    expect(c).not.toMatch(/ resolve;/);
    expect(c).not.toContain(`upstream ${up('a')}`);
    expect(c).not.toMatch(/^\s*upstream /m);
  });
});

describe('keepalive of the backends\' upstream blocks', () => {
  const services = (n: number, opts: Record<string, unknown> = {}) => {
    const objs = [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }])];
    for (let i = 0; i < n; i++) objs.push(service(`s${i}`), httpRoute(`r${i}`, { rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/s${i}` } }], backendRefs: [to(`s${i}`)] }] }));
    return compileNginx(objs, opts)[0].files['nginx.conf'];
  };
  const keepalives = (c: string) => [...new Set(c.match(/^\s*keepalive \d+;$/gm)!.map((l) => l.trim()))];

  test('32 idle connections per backend while all fit in a worker\'s 4,096 connections (128 backends), then 4,096 shared out, at least 8', () => {
    expect([1, 2, 128, 129, 200, 256, 512, 513, 1000, 10000].map(defaultBackendKeepalive)).toEqual([32, 32, 32, 31, 20, 16, 8, 8, 8, 8]);
    expect(keepalives(services(3))).toEqual(['keepalive 32;']);
    expect(keepalives(services(200))).toEqual(['keepalive 20;']);
    expect(services(200)).toMatch(/worker_connections 4096;/);
    // resolver mode: the same
    expect(keepalives(services(200, { resolver: '10.96.0.10', nginxVersion: '1.30.0' }))).toEqual(['keepalive 20;']);
  });

  test('backendKeepalive sets it for every block; outside 1..4096 it is refused', () => {
    expect(keepalives(services(200, { backendKeepalive: 64 }))).toEqual(['keepalive 64;']);
    for (const bad of [0, 4097, 1.5]) expect(() => services(1, { backendKeepalive: bad })).toThrow(`backendKeepalive ${bad} is not a whole number from 1 to 4096`);
  });
});
