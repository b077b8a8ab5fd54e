import * as YAML from 'yaml';
import { convert, parseImportInput, ReportItem } from '../../src/import';
import { KubeObject } from '../../src/model';
import { cli, tempTree } from '../cli/helpers';

const objects = (yaml: string) => YAML.parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject).filter((o) => o).map((object) => ({ object, source: { file: 'in.yaml', line: 1 } }));
const run = (yaml: string, opts = {}) => {
  const p = parseImportInput(objects(yaml), 'default');
  expect(p.errors).toEqual([]);
  return convert(p.input, opts);
};
const ingress = (name: string, ns: string, annotations: Record<string, string>, spec: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: ${ns}
  annotations: ${JSON.stringify(annotations)}
spec:
${spec}
---
`;
const rule = (host: string, p: string, type: string, svc = 'web', port = 80) => `  rules:
    - host: ${host}
      http:
        paths:
          - path: ${p}
            pathType: ${type}
            backend: { service: { name: ${svc}, port: { number: ${port} } } }
`;
const find = (items: ReportItem[], annotation: string) => items.filter((i) => i.annotation === annotation);
const routes = (objs: KubeObject[]) => objs.filter((o) => o.kind === 'HTTPRoute') as any[];

test('every annotation gets a report item; snippets and unknown ones with their reasons', () => {
  const r = run(ingress('a', 'app', {
    'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X: y";',
    'nginx.ingress.kubernetes.io/server-snippet': 'return 200;',
    'nginx.ingress.kubernetes.io/enable-cors': 'true',
    'nginx.ingress.kubernetes.io/limit-rps': '5',
    'nginx.ingress.kubernetes.io/no-such-thing': 'x',
    'example.com/owner': 'team-a',
  }, rule('a.test', '/', 'Prefix')));
  const by = (a: string) => find(r.report, a)[0];
  expect(by('nginx.ingress.kubernetes.io/configuration-snippet')).toMatchObject({ ingress: 'app/a', result: 'unsupported', detail: expect.stringMatching(/raw nginx configuration is never copied/) });
  expect(by('nginx.ingress.kubernetes.io/server-snippet').detail).toMatch(/never copied/);
  expect(by('nginx.ingress.kubernetes.io/enable-cors')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/^a CORS filter/) });
  expect(by('nginx.ingress.kubernetes.io/limit-rps').detail).toMatch(/rate and connection limits/);
  expect(by('nginx.ingress.kubernetes.io/no-such-thing').detail).toMatch(/not an annotation import knows/);
  expect(by('example.com/owner').detail).toMatch(/not an ingress-nginx annotation/);
  // the six annotations, and ingress-nginx's default body limit (1m), which the routes get
  expect(r.report).toHaveLength(7);
  expect(by('nginx.ingress.kubernetes.io/proxy-body-size')).toMatchObject({ result: 'converted', detail: expect.stringMatching(/^not set: ingress-nginx applied its ConfigMap default \(1m\)/) });
  // raw nginx never reaches the output
  expect(YAML.stringify(r.objects)).not.toMatch(/more_set_headers|return 200/);
});

test('ImplementationSpecific is a string prefix in ingress-nginx: PathPrefix, approximated with the difference', () => {
  const r = run(ingress('a', 'app', {}, rule('a.test', '/docs', 'ImplementationSpecific')));
  expect(routes(r.objects)[0].spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/docs' } }]);
  expect(find(r.report, 'spec.rules[0].http.paths[0]')[0]).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/string prefix.*\/docsx/) });
});

test('rewrite-target with other capture forms is reported unsupported and the path stays a case-insensitive regex', () => {
  const r = run(ingress('a', 'app', { 'nginx.ingress.kubernetes.io/rewrite-target': '/$1' }, rule('a.test', '/foo/(.*)', 'ImplementationSpecific')));
  expect(routes(r.objects)[0].spec.rules[0].matches).toEqual([{ path: { type: 'RegularExpression', value: '(?i)(?:/foo/(.*)).*' } }]);
  expect(routes(r.objects)[0].spec.rules[0].filters).toBeUndefined();
  expect(find(r.report, 'nginx.ingress.kubernetes.io/rewrite-target')[0]).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/capture groups/) });
});

test('rewrite-target /new/$2 keeps a prefix: approximated (the bare prefix loses its trailing slash)', () => {
  const r = run(ingress('a', 'app', { 'nginx.ingress.kubernetes.io/rewrite-target': '/new/$2' }, rule('a.test', '/old(/|$)(.*)', 'ImplementationSpecific')));
  expect(routes(r.objects)[0].spec.rules[0].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }]);
  expect(find(r.report, 'nginx.ingress.kubernetes.io/rewrite-target')[0].detail).toMatch(/\/old alone is rewritten to \/new, ingress-nginx gave \/new\//);
});

test('several namespaces: the Gateway goes to gateway-system, routes are allowed from all namespaces, certificates get a ReferenceGrant', () => {
  const r = run(ingress('a', 'one', {}, `  tls: [{ hosts: [a.test], secretName: a-tls }]\n${rule('a.test', '/', 'Prefix')}`) + ingress('b', 'two', {}, rule('b.test', '/', 'Prefix')));
  const gw = r.objects.find((o) => o.kind === 'Gateway') as any;
  expect(gw.metadata).toEqual({ name: 'ingress-nginx', namespace: 'gateway-system' });
  expect(gw.spec.listeners.map((l: any) => [l.name, l.allowedRoutes?.namespaces.from])).toEqual([['http', 'All'], ['https-a-test', 'All']]);
  expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ name: 'a-tls', namespace: 'one' }]);
  const grant = r.objects.find((o) => o.kind === 'ReferenceGrant') as any;
  expect(grant.metadata.namespace).toBe('one');
  expect(grant.spec).toEqual({ from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateway-system' }], to: [{ group: '', kind: 'Secret', name: 'a-tls' }] });
  // flags win
  const named = run(ingress('b', 'two', {}, rule('b.test', '/', 'Prefix')), { gatewayName: 'edge', gatewayNamespace: 'infra', gatewayClass: 'existing' });
  expect(named.objects.some((o) => o.kind === 'GatewayClass')).toBe(false);
  expect((named.objects.find((o) => o.kind === 'Gateway') as any).spec.gatewayClassName).toBe('existing');
  expect(routes(named.objects)[0].spec.parentRefs).toEqual([{ name: 'edge', namespace: 'infra', sectionName: 'http' }]);
});

test('the older Ingress owns a duplicated path; a canary without a main Ingress is dropped and reported', () => {
  const older = ingress('z-old', 'app', {}, rule('a.test', '/', 'Prefix', 'old')).replace('namespace: app', 'namespace: app\n  creationTimestamp: "2024-01-01T00:00:00Z"');
  const newer = ingress('a-new', 'app', {}, rule('a.test', '/', 'Prefix', 'new')).replace('namespace: app', 'namespace: app\n  creationTimestamp: "2025-01-01T00:00:00Z"');
  const orphan = ingress('c', 'app', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '50' }, rule('b.test', '/', 'Prefix', 'c'));
  const r = run(newer + older + orphan);
  expect(routes(r.objects).map((x) => [x.metadata.name, x.spec.rules[0].backendRefs])).toEqual([['z-old', [{ name: 'old', port: 80 }]]]);
  expect(find(r.report, 'spec.rules[0].http.paths[0]').map((i) => [i.ingress, i.result])).toEqual([['app/a-new', 'converted'], ['app/c', 'unsupported']]);
});

test('another controller\'s IngressClass: not converted, reported', () => {
  const r = run(`apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: traefik }\nspec: { controller: traefik.io/ingress-controller }\n---\n${ingress('t', 'app', {}, `  ingressClassName: traefik\n${rule('a.test', '/', 'Prefix')}`)}`);
  expect(routes(r.objects)).toEqual([]);
  expect(r.report).toEqual([expect.objectContaining({ ingress: 'app/t', annotation: 'spec.ingressClassName', result: 'unsupported' })]);
});

test('timeouts, backend-protocol and redirect codes', () => {
  const r = run(ingress('a', 'app', {
    'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
    'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
    'nginx.ingress.kubernetes.io/permanent-redirect': 'https://b.test/x?y=1',
  }, rule('a.test', '/', 'Prefix')));
  const rule0 = routes(r.objects)[0].spec.rules[0];
  expect(rule0.timeouts).toEqual({ backendRequest: '120s', request: '120s' });
  expect(find(r.report, 'nginx.ingress.kubernetes.io/proxy-read-timeout')[0]).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/connect 5s, read 120s, send 60s/) });
  expect(find(r.report, 'nginx.ingress.kubernetes.io/backend-protocol')[0]).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/BackendTLSPolicy for web \(hostname web\.app\.svc\), trusting the system CAs \(no proxy-ssl-secret\)\. Differences: ingress-nginx did not verify/) });
  expect(find(r.report, 'nginx.ingress.kubernetes.io/permanent-redirect')[0]).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/query string/) });
});

test('deterministic: the input order does not change the output', () => {
  const a = ingress('a', 'app', {}, rule('a.test', '/', 'Prefix'));
  const b = ingress('b', 'app', { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }, rule('b.test', '/x', 'Exact'));
  expect(JSON.stringify(run(a + b))).toBe(JSON.stringify(run(b + a)));
});

test('CLI: an Ingress of another version and a bad tcp-services entry are input errors with file:line (exit 2, nothing written)', async () => {
  const dir = tempTree({
    'old.yaml': `apiVersion: v1\nkind: Service\nmetadata: { name: s, namespace: a }\nspec: { ports: [{ port: 80 }] }\n---\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata:\n  name: legacy\n  namespace: a\nspec: {}\n`,
    'tcp.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: tcp-services, namespace: ingress-nginx }\ndata:\n  "9000": "not a reference"\n',
  });
  const r = await cli(['import', '.', '--out', 'out'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/old\.yaml:6: Ingress a\/legacy apiVersion: "networking.k8s.io\/v1beta1" is not read by import.*Fix:/);
  expect(r.stderr).toMatch(/tcp\.yaml:1: ConfigMap ingress-nginx\/tcp-services data\["9000"\]: "not a reference" is not "namespace\/service:port"/);
  expect(r.stderr).toMatch(/nothing was written/);
  expect(require('fs').existsSync(require('path').join(dir, 'out'))).toBe(false);
  expect((await cli(['import', '.'], { cwd: dir })).code).toBe(2);
  expect((await cli(['import', '.', '--out', 'o', '--gateway-namespace', 'Bad_NS'], { cwd: dir })).code).toBe(2);
});

test('CLI: everything converted exits 0', async () => {
  const dir = tempTree({ 'in.yaml': `${ingress('a', 'app', {}, rule('a.test', '/', 'Prefix'))}apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: app }\nspec: { ports: [{ port: 80 }] }\n` });
  const r = await cli(['import', 'in.yaml', '--out', 'out'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/imported 1 Ingress → out\/gateway-api.yaml/);
  const check = await cli(['check', 'out/gateway-api.yaml', '--format', 'json'], { cwd: dir });
  expect(JSON.parse(check.stdout).diagnostics.filter((d: any) => d.severity === 'error')).toEqual([]);
});

test('nothing is dropped silently: every annotation of every Ingress has a report item', () => {
  const input =
    ingress('main', 'app', { 'nginx.ingress.kubernetes.io/use-regex': 'true', 'nginx.ingress.kubernetes.io/proxy-body-size': '1m', 'team': 'a' }, rule('a.test', '/v[0-9]/x', 'ImplementationSpecific')) +
    ingress('canary', 'app', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-by-header': 'X-C', 'nginx.ingress.kubernetes.io/affinity': 'cookie', 'cert-manager.io/cluster-issuer': 'le' }, rule('a.test', '/v[0-9]/x', 'ImplementationSpecific', 'next')) +
    ingress('norules', 'app', { 'nginx.ingress.kubernetes.io/rewrite-target': '/', 'nginx.ingress.kubernetes.io/permanent-redirect-code': '308' }, '  defaultBackend: { service: { name: web, port: { number: 80 } } }');
  const r = run(input);
  for (const [ing, keys] of [['app/main', ['nginx.ingress.kubernetes.io/use-regex', 'nginx.ingress.kubernetes.io/proxy-body-size', 'team']], ['app/canary', ['nginx.ingress.kubernetes.io/canary', 'nginx.ingress.kubernetes.io/canary-by-header', 'nginx.ingress.kubernetes.io/affinity', 'cert-manager.io/cluster-issuer']], ['app/norules', ['nginx.ingress.kubernetes.io/rewrite-target', 'nginx.ingress.kubernetes.io/permanent-redirect-code']]] as const) {
    for (const k of keys) expect([ing, k, r.report.filter((i) => i.ingress === ing && i.annotation === k).length]).toEqual([ing, k, 1]);
  }
  // the canary's header rule uses the main's regex match
  const rules = routes(r.objects).find((x) => x.metadata.name === 'main').spec.rules;
  expect(rules.map((x: any) => [x.matches[0].path.value, x.matches[0].headers?.[0].value ?? '', x.backendRefs.map((b: any) => b.name).join(',')])).toEqual([
    ['(?i)(?:/v[0-9]/x).*', 'always', 'next'],
    ['(?i)(?:/v[0-9]/x).*', 'never', 'web'],
    ['(?i)(?:/v[0-9]/x).*', '', 'web'],
  ]);
});

test('wildcard hosts: listener and route hostnames keep the wildcard (both match one or more labels)', () => {
  const r = run(ingress('w', 'app', {}, `  tls: [{ hosts: ["*.shop.test"], secretName: wild }]\n${rule('"*.shop.test"', '/', 'Prefix')}`));
  const gw = r.objects.find((o) => o.kind === 'Gateway') as any;
  expect(gw.spec.listeners[1]).toMatchObject({ name: 'https-wildcard-shop-test', hostname: '*.shop.test', port: 443 });
  expect(routes(r.objects).map((x) => [x.metadata.name, x.spec.hostnames, x.spec.parentRefs.map((p: any) => p.sectionName)])).toEqual([
    ['w', ['*.shop.test'], ['https-wildcard-shop-test']],
    ['w-ssl-redirect', ['*.shop.test'], ['http']],
  ]);
});

test('CLI: reads stdin like check', async () => {
  const stdin = `${ingress('a', 'app', {}, rule('a.test', '/', 'Exact'))}apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: app }\nspec: { ports: [{ port: 80 }] }\n`;
  const dir = tempTree({});
  const r = await cli(['import', '-', '--out', 'out'], { cwd: dir, stdin });
  expect(r.code).toBe(0);
  expect(require('fs').readFileSync(require('path').join(dir, 'out', 'gateway-api.yaml'), 'utf8')).toMatch(/type: Exact\n\s+value: \/\n/);
});
