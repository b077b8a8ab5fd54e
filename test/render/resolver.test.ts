/**
 * Resolver mode (the GatewayProxy on a cluster: backends by DNS name, the resolver read from the
 * pod's resolv.conf). From nginx 1.27.3 each backend is an `upstream` block with `server NAME
 * resolve`, so connections to backends are kept alive and the last known addresses survive a DNS
 * outage; older nginx resolves the name per request through a variable. Whether nginx accepts both
 * forms is checked by nginx-config.test.ts (the nginx found here) and the pod sandbox (the image's
 * nginx line).
 */
import { upstreamTag } from '../../src/ir/upstreams';
import { compileNginx } from '../../src/render/nginx';
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
  test('nginx 1.27.3 and later: upstream blocks re-resolved by nginx, with a shared zone and keepalive', () => {
    const c = conf('1.27.3');
    for (const svc of ['a', 'b']) {
      expect(c).toMatch(new RegExp(`upstream ${up(svc)} \\{\\n\\s*# Service default/${svc}:8080\\n\\s*zone ${up(svc)} 64k;\\n\\s*server ${svc}\\.default\\.svc\\.cluster\\.local:8080 resolve;\\n\\s*keepalive 32;\\n\\s*\\}`));
    }
    expect(c).toMatch(new RegExp(`split_clients \\$request_id \\$(\\w+) \\{\\n\\s*75% ${up('a')};\\n\\s*\\* ${up('b')};\\n\\s*\\}`));
    expect(c).toContain(`proxy_pass http://${up('a')};`);
    expect(c).not.toContain('$gw_target');
    expect(c).toMatch(/resolver 10\.96\.0\.10/);
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
