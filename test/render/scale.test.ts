/**
 * Configurations far larger than the benchmarks' 1,000 routes still compile: 12,000 routes on one
 * hostname give a configuration of ~170,000 lines, past the number of arguments a JavaScript call
 * takes (an `array.push(...lines)` there threw `RangeError: Maximum call stack size exceeded`).
 */
import { compileNginx } from '../../src/render/nginx';
import { gateway, gatewayClass, httpRoute, to } from './fixtures';

test('12,000 routes on one hostname compile into one server with every route', () => {
  const n = 12000;
  const objects = [
    gatewayClass(),
    gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
    ...Array.from({ length: n }, (_, i) =>
      httpRoute(`r${i}`, { hostnames: ['one.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', value: `t${i}` }] }], backendRefs: [to('a')] }] }),
    ),
  ];
  const [g] = compileNginx(objects, { backends: { 'default/a:8080': '127.0.0.1:1' } });
  const conf = g.files['nginx.conf'];
  expect(conf.split('\n').length).toBeGreaterThan(150000);
  for (const i of [0, 5999, 11999]) {
    expect(conf).toContain(`location "/svc${i}/"`);
    expect(conf).toContain(`location = "/svc${i}"`);
  }
  expect(g.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
});
