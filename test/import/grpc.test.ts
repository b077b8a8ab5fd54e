/**
 * `backend-protocol: GRPC` / `GRPCS` → GRPCRoutes: the path → method-match mapping, the listeners,
 * the report, and `check` of the output.
 */
import * as YAML from 'yaml';
import { convert, parseImportInput, ReportItem } from '../../src/import';
import { grpcPathMatch } from '../../src/import/grpc';
import { KubeObject } from '../../src/model';
import { cli, tempTree } from '../cli/helpers';

const A = 'nginx.ingress.kubernetes.io/';
const objects = (yaml: string) => YAML.parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject).filter((o) => o).map((object) => ({ object, source: { file: 'in.yaml', line: 1 } }));
const run = (yaml: string) => {
  const p = parseImportInput(objects(yaml), 'default');
  expect(p.errors).toEqual([]);
  return convert(p.input);
};
const ingress = (name: string, annotations: Record<string, string>, host: string, paths: [string, string, string?][], tls = false) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: app
  annotations: ${JSON.stringify(Object.fromEntries(Object.entries(annotations).map(([k, v]) => [A + k, v])))}
spec:
  ingressClassName: nginx
${tls ? `  tls:\n    - hosts: [${host}]\n      secretName: ${name}-tls\n` : ''}  rules:
    - host: ${host}
      http:
        paths:
${paths.map(([p, t, svc]) => `          - path: ${p}\n            pathType: ${t}\n            backend: { service: { name: ${svc ?? 'grpc'}, port: { number: 50051 } } }`).join('\n')}
---
`;
const items = (r: { report: ReportItem[] }, ing: string, annotation: string) => r.report.filter((i) => i.ingress === `app/${ing}` && i.annotation === annotation);
const kinds = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];

describe('grpcPathMatch: Ingress path → GRPCRoute match', () => {
  const m = (p: string, t: 'Exact' | 'Prefix' | 'ImplementationSpecific', regex = false) => grpcPathMatch(p, t, regex);
  test('"/" (Prefix / ImplementationSpecific) matches every call', () => {
    expect(m('/', 'Prefix')).toEqual({ match: {} });
    expect(m('/', 'ImplementationSpecific')).toEqual({ match: {} });
    expect(m('/', 'Prefix', true)).toEqual({ match: {} });
  });
  test('a service prefix is a service match; converted when the prefix is element-wise', () => {
    const svc = { method: { type: 'Exact', service: 'helloworld.Greeter' } };
    expect(m('/helloworld.Greeter', 'Prefix')).toMatchObject({ match: svc, result: 'converted' });
    expect(m('/helloworld.Greeter/', 'Prefix')).toMatchObject({ match: svc, result: 'converted' });
    expect(m('/helloworld.Greeter/', 'ImplementationSpecific')).toMatchObject({ match: svc, result: 'converted' });
    // an nginx string prefix also matched /helloworld.GreeterX/…: narrower, and said so
    const approx = m('/helloworld.Greeter', 'ImplementationSpecific');
    expect(approx).toMatchObject({ match: svc, result: 'approximated' });
    expect(approx.detail).toContain('/helloworld.GreeterX/Method');
  });
  test('/Service/Method is a service + method match', () => {
    const sm = { method: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' } };
    expect(m('/helloworld.Greeter/SayHello', 'Exact')).toMatchObject({ match: sm, result: 'converted' });
    expect(m('/helloworld.Greeter/SayHello', 'Prefix')).toMatchObject({ match: sm, result: 'converted' });
    const approx = m('/helloworld.Greeter/SayHello', 'ImplementationSpecific');
    expect(approx).toMatchObject({ match: sm, result: 'approximated' });
    expect(approx.detail).toContain('/helloworld.Greeter/SayHelloX');
  });
  test('paths no gRPC call can have are not emitted, with the reason', () => {
    for (const [p, t] of [['/', 'Exact'], ['/helloworld.Greeter', 'Exact'], ['/a/b/c', 'Prefix'], ['/a/b/', 'ImplementationSpecific']] as const) {
      const r = m(p, t);
      expect(r.match).toBeUndefined();
      expect(r).toMatchObject({ result: 'unsupported' });
      expect(r.detail).toMatch(/matches no gRPC call/);
    }
    const bad = m('/my-service', 'Prefix');
    expect(bad.match).toBeUndefined();
    expect(bad).toMatchObject({ result: 'unsupported' });
    expect(bad.detail).toContain('"my-service" is not a protobuf service name');
    expect(m('/svc.A/do-it', 'Exact').detail).toContain('"do-it" is not a gRPC method name');
  });
  test('regex locations (use-regex / rewrite-target hosts) other than "/" are not converted: never a wider or narrower match', () => {
    const r = m('/helloworld.Greeter', 'Prefix', true);
    expect(r.match).toBeUndefined();
    expect(r).toMatchObject({ result: 'unsupported' });
    expect(r.detail).toContain('~* "^/helloworld.Greeter"');
  });
});

describe('import: GRPC Ingresses', () => {
  const yaml = [
    // TLS host: gRPC over HTTPS; HTTP redirects
    ingress('hello', { 'backend-protocol': 'GRPC', 'proxy-read-timeout': '120', 'enable-cors': 'true', 'rewrite-target': '/x' }, 'grpc.example.com', [['/', 'Prefix']], true),
    // method matches, a canary by weight and header
    ingress('methods', { 'backend-protocol': 'grpc' }, 'm.example.com', [['/helloworld.Greeter/SayHello', 'Exact', 'hello-v1'], ['/routeguide.RouteGuide', 'Prefix', 'guide'], ['/deep/a/b', 'Prefix', 'guide']], true),
    ingress('methods-canary', { canary: 'true', 'canary-weight': '20', 'canary-by-header': 'X-Canary' }, 'm.example.com', [['/helloworld.Greeter/SayHello', 'Exact', 'hello-v2']]),
    // plain host: h2c on port 80, approximated
    ingress('plain', { 'backend-protocol': 'GRPC' }, 'plain.example.com', [['/', 'Prefix']]),
    // GRPCS with the CA of proxy-ssl-secret
    ingress('secure', { 'backend-protocol': 'GRPCS', 'proxy-ssl-secret': 'app/backend-ca', 'proxy-ssl-verify': 'on', 'proxy-ssl-name': 'abc.example.com' }, 's.example.com', [['/', 'Prefix', 'grpcs']], true),
    // a host with HTTP paths too: the GRPCRoute gives way
    ingress('web', {}, 'mixed.example.com', [['/', 'Prefix', 'web']], true),
    ingress('mixed-grpc', { 'backend-protocol': 'GRPC' }, 'mixed.example.com', [['/pkg.Svc', 'Prefix']], true),
    `apiVersion: v1\nkind: Secret\nmetadata: { name: backend-ca, namespace: app }\ntype: Opaque\nstringData:\n  ca.crt: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"\n`,
  ].join('');
  const r = run(yaml);
  const grpcRoutes = kinds(r.objects, 'GRPCRoute');
  const byName = (n: string) => grpcRoutes.find((o) => o.metadata.name === n);

  test('each GRPC Ingress host becomes a GRPCRoute; HTTP Ingresses stay HTTPRoutes', () => {
    expect(grpcRoutes.map((o) => o.metadata.name).sort()).toEqual(['hello', 'methods', 'secure']);
    expect(kinds(r.objects, 'HTTPRoute').map((o) => o.metadata.name).sort()).toEqual(['hello-ssl-redirect', 'methods-ssl-redirect', 'mixed-grpc-ssl-redirect', 'secure-ssl-redirect', 'web', 'web-ssl-redirect']);
    expect(r.errors).toEqual([]);
  });

  test('TLS hosts: the GRPCRoute is on the HTTPS listener only; port 80 redirects with 308 by path', () => {
    expect(byName('hello').spec).toEqual({ parentRefs: [{ name: 'ingress-nginx', sectionName: 'https-grpc-example-com' }], hostnames: ['grpc.example.com'], rules: [{ filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }] } }], backendRefs: [{ name: 'grpc', port: 50051 }] }] });
    const redirect = kinds(r.objects, 'HTTPRoute').find((o) => o.metadata.name === 'hello-ssl-redirect');
    expect(redirect.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }] }]);
    expect(items(r, 'hello', `${A}backend-protocol`)).toEqual([expect.objectContaining({ result: 'converted', detail: expect.stringContaining('ALPN h2 on 443') })]);
  });

  test('method matches, canary header and weights on GRPCRoute rules', () => {
    const rules = byName('methods').spec.rules;
    const sayHello = { method: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' } };
    const hm = (value: string) => ({ ...sayHello, headers: [{ name: 'X-Canary', value }] });
    expect(rules.map((x: any) => [x.matches, x.backendRefs])).toEqual([
      [[hm('always')], [{ name: 'hello-v2', port: 50051 }]],
      [[hm('never')], [{ name: 'hello-v1', port: 50051 }]],
      [[sayHello], [{ name: 'hello-v1', port: 50051, weight: 80 }, { name: 'hello-v2', port: 50051, weight: 20 }]],
      [[{ method: { type: 'Exact', service: 'routeguide.RouteGuide' } }], [{ name: 'guide', port: 50051 }]],
    ]);
    expect(items(r, 'methods', 'spec.rules[0].http.paths[2]')).toEqual([expect.objectContaining({ result: 'unsupported', detail: expect.stringContaining('deeper than /Service/Method') })]);
    expect(items(r, 'methods', 'spec.rules[0].http.paths[0]')[0].result).toBe('converted');
  });

  test('HTTP-only annotations on a GRPC Ingress are reported for what they become', () => {
    expect(items(r, 'hello', `${A}enable-cors`)).toEqual([expect.objectContaining({ result: 'unsupported', detail: expect.stringContaining('no CORS filter') })]);
    expect(items(r, 'hello', `${A}rewrite-target`)).toEqual([expect.objectContaining({ result: 'unsupported', detail: expect.stringContaining('no URL rewrite') })]);
    expect(items(r, 'hello', `${A}proxy-read-timeout`)).toEqual([expect.objectContaining({ result: 'approximated', detail: expect.stringContaining('grpc_read_timeout') })]);
    // rewrite-target made the host a regex host in ingress-nginx: "/" still matches every call
    expect(byName('hello').spec.rules[0].matches).toBeUndefined();
  });

  test('a plain host next to HTTPRoutes on port 80: not attached there (nginx cannot mix HTTP/1.1 and h2c), reported once', () => {
    expect(byName('plain')).toBeUndefined();
    const it = items(r, 'plain', `${A}backend-protocol`);
    expect(it).toEqual([expect.objectContaining({ result: 'unsupported' })]);
    expect(it[0].detail).toContain('cannot accept HTTP/1.1 and h2c on one cleartext port');
    expect(it[0].detail).toContain('add a tls section');
  });

  test('a plain host alone on port 80: GRPCRoute on the HTTP listener (h2c), approximated with the difference', () => {
    const alone = run(ingress('plain', { 'backend-protocol': 'GRPC' }, 'plain.example.com', [['/', 'Prefix']]));
    const route = kinds(alone.objects, 'GRPCRoute');
    expect(route.map((o) => [o.metadata.name, o.spec.parentRefs])).toEqual([['plain', [{ name: 'ingress-nginx', sectionName: 'http' }]]]);
    const it = items(alone, 'plain', `${A}backend-protocol`);
    expect(it).toEqual([expect.objectContaining({ result: 'approximated' })]);
    expect(it[0].detail).toContain('HTTP/1.1 only on port 80');
    expect(it[0].detail).toContain('h2c');
  });

  test('GRPCS: a GRPCRoute plus a BackendTLSPolicy with the CA of proxy-ssl-secret', () => {
    expect(byName('secure').spec.rules[0].backendRefs).toEqual([{ name: 'grpcs', port: 50051 }]);
    const policy = kinds(r.objects, 'BackendTLSPolicy').find((o) => o.metadata.name === 'grpcs-backend-tls');
    expect(policy.spec).toEqual({ targetRefs: [{ group: '', kind: 'Service', name: 'grpcs' }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca-ca' }], hostname: 'abc.example.com' } });
    expect(kinds(r.objects, 'ConfigMap').map((o) => o.metadata.name)).toEqual(['backend-ca-ca']);
    const bp = items(r, 'secure', `${A}backend-protocol`);
    expect(bp).toEqual([expect.objectContaining({ result: 'approximated' })]);
    expect(bp[0].detail).toMatch(/^GRPCS: GRPCRoute\(s\)/);
    expect(bp[0].detail).toContain('never verified a GRPCS backend');
    for (const a of ['proxy-ssl-secret', 'proxy-ssl-verify', 'proxy-ssl-name']) {
      expect(items(r, 'secure', A + a)).toEqual([expect.objectContaining({ result: 'approximated', detail: expect.stringContaining('grpc_pass ignores') })]);
    }
  });

  test('a host with HTTP paths of another Ingress: the GRPCRoute is not emitted there, reported', () => {
    expect(byName('mixed-grpc')).toBeUndefined();
    const it = items(r, 'mixed-grpc', `${A}backend-protocol`).filter((i) => i.result === 'unsupported');
    expect(it).toHaveLength(1);
    expect(it[0].detail).toContain('HTTPRoute app/web');
  });

  test('ssl-redirect "false" on a TLS host: HTTPS only, no port-80 route (gRPC clients never used port 80); force-ssl-redirect without tls: nothing to serve, said so', () => {
    const off = run(ingress('g', { 'backend-protocol': 'GRPC', 'ssl-redirect': 'false' }, 'g.example.com', [['/', 'Prefix']], true));
    expect(kinds(off.objects, 'HTTPRoute')).toEqual([]);
    expect(kinds(off.objects, 'GRPCRoute').map((o) => o.spec.parentRefs)).toEqual([[{ name: 'ingress-nginx', sectionName: 'https-g-example-com' }]]);
    const forced = run(ingress('g', { 'backend-protocol': 'GRPC', 'force-ssl-redirect': 'true' }, 'g.example.com', [['/', 'Prefix']]));
    expect(kinds(forced.objects, 'GRPCRoute')).toEqual([]);
    expect(kinds(forced.objects, 'HTTPRoute').map((o) => o.metadata.name)).toEqual(['g-ssl-redirect']);
    expect(items(forced, 'g', `${A}backend-protocol`)).toEqual([expect.objectContaining({ result: 'unsupported', detail: expect.stringContaining('force-ssl-redirect') })]);
  });

  test('output order: GRPCRoutes after HTTPRoutes; byte-stable', () => {
    const order = r.objects.map((o) => o.kind);
    expect(order.lastIndexOf('HTTPRoute')).toBeLessThan(order.indexOf('GRPCRoute'));
    expect(order.lastIndexOf('GRPCRoute')).toBeLessThan(order.indexOf('BackendTLSPolicy'));
    expect(JSON.stringify(run(yaml))).toBe(JSON.stringify(r));
  });

  test('check of the written gateway-api.yaml: no errors', async () => {
    const svc = (n: string) => `apiVersion: v1\nkind: Service\nmetadata: { name: ${n}, namespace: app }\nspec:\n  ports: [{ port: 50051 }]\n---\n`;
    // without Secrets in the input (check then does not ask for the listener certificates); the
    // GRPCS policy trusts the system CAs here (the CA ConfigMap path is checked by the nginx test)
    const dir = tempTree({ 'in.yaml': yaml.slice(0, yaml.indexOf('apiVersion: v1\nkind: Secret')), 'svc.yaml': ['grpc', 'hello-v1', 'hello-v2', 'guide', 'grpcs', 'web'].map(svc).join('') });
    const imp = await cli(['import', '.', '--out', 'out'], { cwd: dir });
    expect(imp.code).toBe(1); // approximated / unsupported items
    const check = await cli(['check', 'out/gateway-api.yaml', '--format', 'json'], { cwd: dir });
    const diags = JSON.parse(check.stdout).diagnostics as { severity: string; message: string }[];
    expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
