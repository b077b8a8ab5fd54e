/**
 * One cleartext port for HTTP/1.1 and h2c clients: nginx 1.22 speaks one or the other on a port
 * (prior-knowledge h2c only, or HTTP/1.1 only). A port speaks h2c only when every rule on it is for
 * HTTP/2 clients; a redirect or a rule answering itself counts as an HTTP/1.1 rule (an HTTP → HTTPS
 * redirect next to a cleartext GRPCRoute used to turn the port into h2c, and HTTP/1.1 clients got
 * no redirect at all).
 */
import { compileNginx } from '../../src/render/nginx';
import { KubeObject } from '../../src/model';
import { gateway, gatewayClass, httpRoute, service, to } from './fixtures';
import { request } from '../harness/echo';
import { describeNginx, freeOffset, nginxTestAsync, startNginx } from '../harness/nginx';

// (different hostnames: an HTTPRoute and a GRPCRoute for the same hostname of a listener conflict)
const grpcRoute = (name: string, backend: string): KubeObject => ({ ...httpRoute(name, { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['grpc.example.com'], rules: [{ matches: [{ method: { service: 'svc.Echo' } }], backendRefs: [to(backend)] }] }), kind: 'GRPCRoute' });
const redirect = (): KubeObject => httpRoute('to-https', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['www.example.com'], rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }] });
const base = (): KubeObject[] => [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), service('g')];
const listenLine = (conf: string) => conf.split('\n').find((l) => /^\s*listen 127\.0\.0\.1:\d+/.test(l) && !l.includes(':8081'))!.trim();

test('a cleartext GRPCRoute alone: the port speaks h2c', () => {
  const [g] = compileNginx([...base(), grpcRoute('grpc', 'g')], { listenHost: '127.0.0.1', portOffset: 20000, nginxVersion: '1.22.1' });
  expect(g.diagnostics).toEqual([]);
  expect(listenLine(g.files['nginx.conf'])).toMatch(/ http2/);
});

test('a cleartext GRPCRoute next to an HTTP → HTTPS redirect: the port stays HTTP/1.1, the gRPC rule is an error naming the fix', () => {
  const [g] = compileNginx([...base(), grpcRoute('grpc', 'g'), redirect()], { listenHost: '127.0.0.1', portOffset: 20000, nginxVersion: '1.22.1' });
  expect(listenLine(g.files['nginx.conf'])).not.toMatch(/http2/);
  expect(g.diagnostics).toEqual([
    expect.objectContaining({
      severity: 'error',
      code: 'UnsupportedByDataplane',
      object: expect.objectContaining({ kind: 'GRPCRoute', name: 'grpc' }),
      field: 'spec.rules[0]',
      message: expect.stringContaining('cannot accept HTTP/1.1 and cleartext HTTP/2 (h2c) on one port'),
      fix: 'serve gRPC / h2c routes on their own HTTP listener port, or on an HTTPS listener',
    }),
  ]);
});

describeNginx('on nginx', () => {
  test('the redirect answers an HTTP/1.1 client on the shared port', async () => {
    const offset = await freeOffset([80, 8081]);
    const [g] = compileNginx([...base(), grpcRoute('grpc', 'g'), redirect()], { listenHost: '127.0.0.1', portOffset: offset, backends: { 'default/g:8080': '127.0.0.1:1' } });
    expect((await nginxTestAsync(g.files)).output).toBe('');
    const n = await startNginx(g.files, 80 + offset);
    try {
      const r = await request(80 + offset, '/x', { host: 'www.example.com' });
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('https://www.example.com/x');
    } finally {
      await n.stop();
    }
  });
});
