/**
 * DIR/main.ts of `import`: for a table of inputs (scenario 5, the cases of convert.test.ts and
 * behaviour.test.ts), run import, type-check the generated app (strict, noUnusedLocals), run it, and
 * compare what it synthesizes with gateway-api.yaml, object for object (codegen-harness.ts says
 * exactly what the comparison tolerates). Also: escape hatches for fields no construct prop
 * expresses, ReferenceGrants written out when they differ from the derived ones, hostile strings,
 * byte-stability, and the checked-in scenario 5 main.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateApp, tsString } from '../../src/import';
import { KubeObject } from '../../src/model';
import { cli, ROOT, tempTree } from '../cli/helpers';
import { compareWithImport, LEFT_OUT_KINDS, parseObjects, runApp, typecheck } from './codegen-harness';
import { readTree } from './helpers';
import * as YAML from 'yaml';

/** `render --self-signed` of a YAML stream: exit code and the files (certificates and keys left out: throwaway, random). */
async function render(yaml: string): Promise<{ code: number; stderr: string; files: Record<string, string> }> {
  const dir = tempTree({ 'in.yaml': yaml });
  const r = await cli(['render', 'in.yaml', '--out', 'rendered', '--self-signed'], { cwd: dir });
  const files = fs.existsSync(path.join(dir, 'rendered')) ? readTree(path.join(dir, 'rendered')) : {};
  return { code: r.code, stderr: r.stderr, files: Object.fromEntries(Object.entries(files).filter(([f]) => !f.split(path.sep).includes('secrets'))) };
}

jest.setTimeout(300_000);

// --- the inputs: the shapes of convert.test.ts and behaviour.test.ts ---

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
const paths = (host: string, ps: [string, string, string][]) => `  rules:
    - host: ${host}
      http:
        paths:
${ps.map(([p, type, svc]) => `          - path: ${JSON.stringify(p)}\n            pathType: ${type}\n            backend: { service: { name: ${svc}, port: { number: 80 } } }\n`).join('')}`;
const service = (name: string, ns: string, port = 80, protocol = 'TCP') => `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: ${ns} }\nspec: { ports: [{ port: ${port}, protocol: ${protocol} }] }\n---\n`;
const N = 'nginx.ingress.kubernetes.io/';
const a = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.includes('/') ? k : N + k, v]));
const tls = (host: string) => `  tls: [{ hosts: [${JSON.stringify(host)}], secretName: ${host.replace(/[.*]/g, '-').replace(/^-+/, '')}-tls }]\n`;
const created = (yaml: string, ts: string) => yaml.replace(/(namespace: [a-z0-9-]+)\n/, `$1\n  creationTimestamp: "${ts}"\n`);

/** behaviour.test.ts's Ingresses (namespace web): every converted annotation of this slice. */
const BEHAVIOUR = [
  ingress('paths', 'web', {}, `  ingressClassName: nginx\n${paths('paths.test', [['/', 'Prefix', 'root'], ['/app', 'Prefix', 'app'], ['/app/admin', 'Prefix', 'admin'], ['/app/login', 'Exact', 'login']])}`),
  ingress('main', 'web', {}, paths('canary.test', [['/', 'Prefix', 'stable']])),
  ingress('main-canary', 'web', a({ canary: 'true', 'canary-by-header': 'X-Canary', 'canary-weight': '1', 'canary-weight-total': '4' }), paths('canary.test', [['/', 'Prefix', 'preview']])),
  ingress('hv', 'web', {}, paths('hv.test', [['/', 'Prefix', 'stable']])),
  ingress('hv-canary', 'web', a({ canary: 'true', 'canary-by-header': 'X-Region', 'canary-by-header-value': 'eu' }), paths('hv.test', [['/', 'Prefix', 'preview']])),
  ingress('site', 'web', a({ 'app-root': '/app1', 'upstream-vhost': 'internal.example', 'x-forwarded-prefix': '/site', 'proxy-read-timeout': '1', 'proxy-send-timeout': '1' }), paths('site.test', [['/', 'Prefix', 'root']])),
  ingress('moved', 'web', a({ 'permanent-redirect': 'https://new.example/landing' }), paths('moved.test', [['/', 'Prefix', 'root']])),
  ingress('temp', 'web', a({ 'temporal-redirect': 'https://other.example:8443/x', 'temporal-redirect-code': '307' }), paths('temp.test', [['/', 'Prefix', 'root']])),
  ingress('secure', 'web', {}, tls('secure.test') + paths('secure.test', [['/', 'Prefix', 'root']])),
  ingress('plain', 'web', a({ 'ssl-redirect': 'false' }), tls('plain.test') + paths('plain.test', [['/', 'Prefix', 'root']])),
  ingress('forced', 'web', a({ 'force-ssl-redirect': 'true' }), paths('forced.test', [['/', 'Prefix', 'root']])),
  ingress('regex', 'web', a({ 'use-regex': 'true' }), paths('regex.test', [['/v[0-9]+/items', 'ImplementationSpecific', 'app'], ['/', 'Prefix', 'root']])),
  ingress('full', 'web', a({ 'rewrite-target': '/index.html' }), paths('full.test', [['/home', 'ImplementationSpecific', 'app']])),
  ingress('impl', 'web', {}, paths('impl.test', [['/docs', 'ImplementationSpecific', 'app'], ['/', 'Prefix', 'root']])),
  created(ingress('merge-b', 'web', {}, paths('merge.test', [['/', 'Prefix', 'preview'], ['/extra', 'Prefix', 'app']])), '2025-02-01T00:00:00Z'),
  created(ingress('merge-a', 'web', {}, paths('merge.test', [['/', 'Prefix', 'stable']])), '2024-02-01T00:00:00Z'),
  ingress('catch-all', 'web', {}, '  defaultBackend: { service: { name: admin, port: { number: 80 } } }'),
  ...['root', 'app', 'admin', 'login', 'stable', 'preview'].map((s) => service(s, 'web')),
  service('dns', 'web', 53, 'UDP'),
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: udp-services, namespace: ingress-nginx }\ndata:\n  "9053": web/dns:53\n---\n',
].join('');

interface Case {
  readonly name: string;
  /** file tree of the input, or a folder of the repository */
  readonly input: Record<string, string> | string;
  readonly args?: string[];
}

const CASES: Case[] = [
  { name: 'scenario 5 (examples/ingress-nginx/ingress)', input: path.join(ROOT, 'examples', 'ingress-nginx', 'ingress') },
  { name: 'behaviour.test.ts: every converted annotation, TLS, canaries, merge, catch-all, udp-services', input: { 'in.yaml': BEHAVIOUR } },
  {
    name: 'several namespaces: Gateway in gateway-system, routes from all namespaces, certificate ReferenceGrant',
    input: { 'in.yaml': ingress('a', 'one', {}, `  tls: [{ hosts: [a.test], secretName: a-tls }]\n${rule('a.test', '/', 'Prefix')}`) + ingress('b', 'two', {}, rule('b.test', '/', 'Prefix')) + service('web', 'one') + service('web', 'two') },
  },
  { name: 'flags: --gateway-name, --gateway-namespace, an existing --gateway-class', input: { 'in.yaml': ingress('b', 'two', {}, rule('b.test', '/', 'Prefix')) + service('web', 'two') }, args: ['--gateway-name', 'edge', '--gateway-namespace', 'infra', '--gateway-class', 'existing'] },
  {
    name: 'the older Ingress owns a duplicated path; a canary without a main Ingress',
    input: { 'in.yaml': created(ingress('a-new', 'app', {}, rule('a.test', '/', 'Prefix', 'new')), '2025-01-01T00:00:00Z') + created(ingress('z-old', 'app', {}, rule('a.test', '/', 'Prefix', 'old')), '2024-01-01T00:00:00Z') + ingress('c', 'app', a({ canary: 'true', 'canary-weight': '50' }), rule('b.test', '/', 'Prefix', 'c')) + service('old', 'app') + service('new', 'app') + service('c', 'app') },
  },
  {
    name: 'another controller\'s IngressClass (nothing converted: the GatewayClass alone)',
    input: { 'in.yaml': `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: traefik }\nspec: { controller: traefik.io/ingress-controller }\n---\n${ingress('t', 'app', {}, `  ingressClassName: traefik\n${rule('a.test', '/', 'Prefix')}`)}` },
  },
  {
    name: 'timeouts, backend-protocol, redirect with a query (unsupported), snippets and unknown annotations',
    input: {
      'in.yaml':
        ingress('a', 'app', a({ 'proxy-read-timeout': '120', 'backend-protocol': 'HTTPS', 'permanent-redirect': 'https://b.test/x?y=1', 'configuration-snippet': 'more_set_headers "X: y";', 'example.com/owner': 'team-a' }), rule('a.test', '/', 'Prefix')) +
        ingress('b', 'app', a({ 'permanent-redirect': 'http://b.test:8080/new', 'permanent-redirect-code': '308' }), rule('b.test', '/', 'Prefix')) +
        service('web', 'app'),
    },
  },
  {
    name: 'use-regex with a canary by header, rewrite-target capture forms, ImplementationSpecific',
    input: {
      'in.yaml':
        ingress('main', 'app', a({ 'use-regex': 'true', 'proxy-body-size': '1m', 'team': 'a' }), rule('a.test', '/v[0-9]/x', 'ImplementationSpecific')) +
        ingress('canary', 'app', a({ canary: 'true', 'canary-by-header': 'X-C', 'cert-manager.io/cluster-issuer': 'le' }), rule('a.test', '/v[0-9]/x', 'ImplementationSpecific', 'next')) +
        ingress('norules', 'app', a({ 'rewrite-target': '/' }), '  defaultBackend: { service: { name: web, port: { number: 80 } } }') +
        ingress('cap', 'app', a({ 'rewrite-target': '/$1' }), rule('c.test', '/foo/(.*)', 'ImplementationSpecific')) +
        ingress('old', 'app', a({ 'rewrite-target': '/new/$2' }), rule('d.test', '/old(/|$)(.*)', 'ImplementationSpecific')) +
        ingress('docs', 'app', {}, rule('e.test', '/docs', 'ImplementationSpecific')) +
        service('web', 'app') +
        service('next', 'app'),
    },
  },
  { name: 'wildcard hosts with TLS', input: { 'in.yaml': ingress('w', 'app', {}, `  tls: [{ hosts: ["*.shop.test"], secretName: wild }]\n${rule('"*.shop.test"', '/', 'Prefix')}`) + service('web', 'app') } },
  {
    name: 'tcp-services across namespaces, a Service port by name',
    input: {
      'in.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: tcp-services, namespace: ingress-nginx }\ndata:\n  "5432": db/postgres:pg\n  "6379": cache/redis:6379\n---\n' +
        'apiVersion: v1\nkind: Service\nmetadata: { name: postgres, namespace: db }\nspec: { ports: [{ name: pg, port: 5432 }] }\n---\n' +
        service('redis', 'cache', 6379) +
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: db }\n---\n',
    },
  },
];

interface Imported {
  readonly code: number;
  readonly stdout: string;
  readonly yaml: string;
  readonly main: string;
}

async function importCase(c: Case): Promise<Imported> {
  const dir = typeof c.input === 'string' ? tempTree({}) : tempTree(c.input);
  const r = await cli(['import', typeof c.input === 'string' ? c.input : '.', '--out', path.join(dir, 'out'), ...(c.args ?? [])], { cwd: dir });
  if (r.code === 2) throw new Error(`${c.name}: import failed: ${r.stderr}`);
  return { code: r.code, stdout: r.stdout, yaml: fs.readFileSync(path.join(dir, 'out', 'gateway-api.yaml'), 'utf8'), main: fs.readFileSync(path.join(dir, 'out', 'main.ts'), 'utf8') };
}

const imported = new Map<string, Imported>();

beforeAll(async () => {
  for (const c of CASES) imported.set(c.name, await importCase(c));
});

test('every generated main.ts type-checks (strict, noUnusedLocals) against the package source', () => {
  const apps = Object.fromEntries(CASES.map((c) => [c.name, imported.get(c.name)!.main]));
  expect(typecheck(apps)).toEqual([]);
});

describe('synth of main.ts == gateway-api.yaml, object for object', () => {
  test.each(CASES.map((c) => [c.name]))('%s', (name) => {
    const { yaml, main, stdout } = imported.get(name)!;
    const expected = parseObjects(yaml);
    const result = compareWithImport(expected, runApp(main));
    expect(result.problems).toEqual([]);
    // the comparison covered every Gateway API object of the import
    expect(result.compared).toBe(expected.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/')).length);
    expect(result.compared).toBeGreaterThan(0);
    // import's own objects need no escape hatch, except whole objects of the kinds without a
    // construct (BackendTLSPolicy, GRPCRoute: plain ApiObjects, listed in the header)
    const listed = (main.split('// ESCAPE HATCHES:')[1] ?? '').split('\n').slice(1);
    for (const h of listed.slice(0, listed.findIndex((l) => !l.startsWith('// - ')))) {
      expect(h).toMatch(/^\/\/ - (BackendTLSPolicy|GRPCRoute) \S+ \(whole object\): no construct of cdk8s-gateway for /);
    }
    // every HTTPRoute names its Ingress (import names routes after them)
    expect(main.match(/^\/\/ from Ingress /gm)?.length ?? 0).toBe(expected.filter((o) => o.kind === 'HTTPRoute').length);
    expect(stdout).toMatch(/cdk8s app → .*main\.ts \(the same Gateway API objects from this library's constructs(; \d+ escape hatch(es)? for fields no construct prop expresses \(marked ESCAPE HATCH\))?\)\n/);
    expect(stdout.includes('escape hatch')).toBe(listed.some((l) => l.startsWith('// - ')));
  });
});

describe('render of synth of main.ts == render of gateway-api.yaml (the nginx configuration, byte for byte)', () => {
  test.each(CASES.map((c) => [c.name]))('%s', async (name) => {
    const { yaml, main } = imported.get(name)!;
    // the app's objects plus the input's Services, Secrets and Namespaces, which main.ts leaves out
    const leftOut = parseObjects(yaml).filter((o) => LEFT_OUT_KINDS.includes(`${o.apiVersion} ${o.kind}`));
    const synthesized = [...runApp(main), ...leftOut].map((o) => YAML.stringify(o)).join('---\n');
    const [fromYaml, fromApp] = [await render(yaml), await render(synthesized)];
    expect(fromYaml.stderr).not.toMatch(/^error /m);
    expect(fromApp.code).toBe(fromYaml.code);
    // nothing to render (no Gateway of the built-in class): the same message on both sides
    if (fromYaml.code !== 0) expect(fromApp.stderr).toBe(fromYaml.stderr);
    expect(Object.keys(fromApp.files).sort()).toEqual(Object.keys(fromYaml.files).sort());
    for (const f of Object.keys(fromYaml.files)) expect([f, fromApp.files[f]]).toEqual([f, fromYaml.files[f]]);
    // something was rendered (except with --gateway-class, whose class is not the built-in proxy's, and without a Gateway)
    if (!name.startsWith('flags') && !name.startsWith('another')) expect(Object.keys(fromYaml.files).some((f) => f.endsWith('nginx.conf'))).toBe(true);
  });
});

test('the comparison fails on a real difference (a weight, an extra annotation, a missing object)', () => {
  const { yaml, main } = imported.get(CASES[0].name)!;
  const expected = parseObjects(yaml);
  const synthesized = runApp(main);
  const route = synthesized.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'kans') as any;
  route.spec.rules[0].backendRefs[1].weight = 11;
  expect(compareWithImport(expected, synthesized).problems).toEqual([expect.stringMatching(/^gateway.networking.k8s.io\/v1 HTTPRoute kans\/kans differs/)]);
  route.spec.rules[0].backendRefs[1].weight = 10;
  route.metadata.annotations['cdk8s-gateway.dev/external-backends'] = 'Service kans/svc-v1';
  expect(compareWithImport(expected, synthesized).problems).toEqual([expect.stringMatching(/external-backends is "Service kans\/svc-v1", the route's backends give "Service kans\/svc-v1, Service kans\/svc-v2"/)]);
  expect(compareWithImport(expected, synthesized.filter((o) => o !== route)).problems).toEqual(['missing from synth of main.ts: gateway.networking.k8s.io/v1 HTTPRoute kans/kans']);
});

test('scenario 5: main.ts is the checked-in examples/ingress-nginx/imported/main.ts.snapshot, typed and readable', () => {
  const { main } = imported.get(CASES[0].name)!;
  const file = path.join(ROOT, 'examples', 'ingress-nginx', 'imported', 'main.ts.snapshot');
  if (process.env.UPDATE_IMPORT_SNAPSHOT === '1') fs.writeFileSync(file, main);
  // regenerate with UPDATE_IMPORT_SNAPSHOT=1 npx jest test/import/codegen.test.ts when import's output changes on purpose
  expect(main).toBe(fs.readFileSync(file, 'utf8'));
  // one construct per object, Services as named Backends, the canary as typed weights, the rewrite as a typed filter
  expect(main).toMatch(/^const svcV1 = Backend\.fromName\('svc-v1', \{ namespace: 'kans', port: 80 \}\);$/m);
  expect(main).toMatch(/backends: \[svcV1\.withWeight\(90\), svcV2\.withWeight\(10\)\]/);
  expect(main).toMatch(/HttpFilter\.urlRewrite\(\{ path: PathModifier\.replacePrefixMatch\('\/'\) \}\)/);
  expect(main).toMatch(/Listener\.https\(\{\s+name: 'https-kans-com',\s+hostname: 'kans.com',\s+certificates: \[TlsCertificate\.fromSecret\('kans-tls'\)\],/);
  expect(main).toMatch(/^\/\/ - kans\/kans-api nginx\.ingress\.kubernetes\.io\/rewrite-target: approximated$/m);
  expect(main.match(/^new (HttpRoute|TcpRoute)\(/gm)).toHaveLength(6);
  // the route says where it came from and, once per Ingress, what import approximated
  expect(main).toMatch(/^\/\/ from Ingress kans\/kans-api\n\/\/   approximated: nginx\.ingress\.kubernetes\.io\/rewrite-target — kans\.com \/api\(\/\|\$\)\(\.\*\): PathPrefix \/api/m);
  expect(main.match(/^\/\/   approximated: /gm)).toHaveLength(1);
});

test('byte-stable: the same objects give the same main.ts; the input order of the Ingresses does not matter', async () => {
  const one = await importCase({ name: 'x', input: { 'a.yaml': BEHAVIOUR } });
  const docs = BEHAVIOUR.split('---\n').filter((d) => d.trim());
  const two = await importCase({ name: 'y', input: { 'b.yaml': [...docs].reverse().join('---\n') } });
  expect(two.main).toBe(one.main);
  const objects = parseObjects(one.yaml);
  expect(generateApp(objects).source).toBe(generateApp(parseObjects(one.yaml)).source);
});

// --- objects the constructs do not fully express ---

const GW = 'gateway.networking.k8s.io/v1';
const gatewayClass: KubeObject = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'cdk8s-gateway' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } };
const gateway = (listeners: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: GW, kind: 'Gateway', metadata: { name: 'gw', namespace: 'app' }, spec: { gatewayClassName: 'cdk8s-gateway', listeners, ...extra } });
const httpRoute = (name: string, rules: unknown[], extra: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: GW,
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'app', ...metadata },
  spec: { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['a.test'], rules, ...extra },
});

function roundTrip(objects: KubeObject[]): { source: string; escapeHatches: string[] } {
  const app = generateApp(objects);
  expect(typecheck({ app: app.source })).toEqual([]);
  expect(compareWithImport(objects, runApp(app.source)).problems).toEqual([]);
  return app;
}

test('a field no construct prop expresses is kept through a marked escape hatch (JSON patch / ApiObject), never dropped', () => {
  const objects: KubeObject[] = [
    gatewayClass,
    gateway([{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'tcp', port: 9000, protocol: 'TCP' }, { name: 'closed', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All', selector: { matchLabels: { team: 'a' } } } } }], { infrastructure: { labels: { team: 'a' } } }),
    httpRoute('r', [
      { matches: [{ path: { type: 'PathPrefix', value: '/ok' } }], backendRefs: [{ name: 'web', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/new' } }], filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', http: {}, backendRef: { name: 'auth', port: 8080 } } }], backendRefs: [{ name: 'web', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/retry' } }], retry: { attempts: 2 }, backendRefs: [{ name: 'web', port: 80 }] },
    ], {}, { finalizers: ['example.com/keep'] }),
    httpRoute('all-odd', [{ sessionPersistence: { sessionName: 's' }, backendRefs: [{ name: 'web', port: 80 }] }]),
    // a parent of another API group: no ParentRef factory; its Backend variable must not be left behind unused
    { apiVersion: GW, kind: 'TCPRoute', metadata: { name: 't', namespace: 'app' }, spec: { parentRefs: [{ name: 'gw', sectionName: 'tcp' }, { group: 'example.com', kind: 'Mesh', name: 'm' }], rules: [{ backendRefs: [{ name: 'only-here', port: 9000 }] }] } },
    { apiVersion: GW, kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'app' }, spec: { parentRefs: [{ name: 'gw' }], hostnames: ['g.test'], rules: [{ backendRefs: [{ name: 'grpc', port: 9000 }] }] } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'tls', namespace: 'app' }, spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], validation: { hostname: 'web.app', wellKnownCACertificates: 'System' } } },
  ];
  const app = roundTrip(objects);
  expect(app.escapeHatches).toEqual([
    'BackendTLSPolicy app/tls (whole object): no construct of cdk8s-gateway for gateway.networking.k8s.io/v1 BackendTLSPolicy',
    'GRPCRoute app/g (whole object): no construct of cdk8s-gateway for gateway.networking.k8s.io/v1 GRPCRoute',
    'Gateway app/gw spec.infrastructure: written as JSON (no typed form here)',
    'Gateway app/gw spec.listeners[2]: spec.listeners[2].allowedRoutes.namespaces {"from":"All","selector":{"matchLabels":{"team":"a"}}}',
    'HTTPRoute app/all-odd spec.rules[0]: spec.rules[0].sessionPersistence has no construct prop',
    'HTTPRoute app/r metadata.finalizers: no construct prop',
    'HTTPRoute app/r spec.rules[1]: spec.rules[1].filters[0].type "ExternalAuth" has no HttpFilter factory',
    'HTTPRoute app/r spec.rules[2]: spec.rules[2].retry has no construct prop',
    'TCPRoute app/t (whole object): spec.parentRefs[1].group example.com',
  ]);
  expect(app.source).not.toMatch(/onlyHere/);
  // each is marked in the code and listed in the header
  expect(app.source.match(/^\/\/ ESCAPE HATCH: /gm)!.length).toBeGreaterThanOrEqual(5);
  expect(app.source).toMatch(/^\/\/ ESCAPE HATCHES: fields no construct prop expresses/m);
  expect(app.source).toMatch(/rRoute\.apiObject\.addJsonPatch\(JsonPatch\.add\('\/spec\/rules\/1', \{/);
  expect(app.source).toMatch(/allOddRoute\.apiObject\.addJsonPatch\(JsonPatch\.add\('\/spec\/rules', \[/);
  expect(app.source).toMatch(/new ApiObject\(chart, 'g', \{/);
});

test('ReferenceGrants that differ from the derived ones are written out, and the references opt out of derivation', () => {
  const objects: KubeObject[] = [
    gatewayClass,
    gateway([{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'a.test', tls: { mode: 'Terminate', certificateRefs: [{ name: 'a-tls', namespace: 'certs' }] } }]),
    { apiVersion: GW, kind: 'ReferenceGrant', metadata: { name: 'my-own-name', namespace: 'certs' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'app' }], to: [{ group: '', kind: 'Secret', name: 'a-tls' }] } },
    httpRoute('r', [{ backendRefs: [{ name: 'shared', namespace: 'other', port: 80 }] }], { parentRefs: [{ name: 'gw', sectionName: 'https' }] }),
    { apiVersion: GW, kind: 'ReferenceGrant', metadata: { name: 'routes', namespace: 'other' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'app' }], to: [{ group: '', kind: 'Service' }] } },
  ];
  const app = roundTrip(objects);
  expect(app.source).toMatch(/TlsCertificate\.fromSecret\('a-tls', \{ namespace: 'certs', referenceGrant: false \}\)/);
  expect(app.source).toMatch(/Backend\.fromName\('shared', \{ namespace: 'other', port: 80, referenceGrant: false \}\)/);
  expect(app.source).toMatch(/new ReferenceGrant\(chart, 'my-own-name', \{/);
  expect(app.escapeHatches).toEqual([]);
  // the derived grant (import's name) is left to the constructs
  const derived = [objects[0], objects[1], { ...objects[2], metadata: { name: 'app-gateway-to-secret', namespace: 'certs' } }];
  const d = roundTrip(derived);
  expect(d.source).not.toMatch(/new ReferenceGrant|referenceGrant: false/);
  expect(d.source).toMatch(/^\/\/ ReferenceGrants certs\/app-gateway-to-secret: derived by the constructs/m);
});

// --- hostile strings ---

const PIECES = ["'", '"', '\\', '`', '${x}', '${', '}', '*/', '/*', '//', '\n', '\r\n', '\u2028', '\u2029', '\t', '\u0000', '\u007f', 'é', '😀', '\ud800', '$', '</script>', ' ', 'a'];

/** A deterministic pseudo-random stream (the test must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('tsString: every hostile string comes back exactly once compiled and run', () => {
  const next = rng(12);
  const samples = [...PIECES, PIECES.join(''), ...Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(next() * 8) }, () => PIECES[Math.floor(next() * PIECES.length)]).join(''))];
  const source = `export const values: string[] = [\n${samples.map((s) => `  ${tsString(s)},\n`).join('')}];\n`;
  // a single line per literal: no raw line terminator ever reaches the code
  expect(source.split('\n')).toHaveLength(samples.length + 3);
  const ts = require('typescript');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
  const mod = { exports: {} as { values?: string[] } };
  new Function('module', 'exports', js)(mod, mod.exports);
  expect(mod.exports.values).toEqual(samples);
});

test('hostile strings in paths, header values, annotations and report text come out as the same strings in synth', () => {
  const next = rng(7);
  // printable (header values and paths reject control characters): quotes, backslashes, ${}, */
  const printable = ["'", '"', '\\', '`', '${x}', '*/', '/*', '//', '$', ' ', 'é', 'a'];
  const pick = (from: string[], n: number) => Array.from({ length: n }, () => from[Math.floor(next() * from.length)]).join('');
  const routes: KubeObject[] = [];
  const expectedValues: string[] = [];
  for (let i = 0; i < 12; i++) {
    const header = `x${pick(printable, 6)}`;
    const regex = `/r${i}${pick(["'", '"', '\\\\', '`', '\\$\\{x\\}', '\\*/', '\\$'], 4)}.*`;
    const annotation = pick(PIECES.filter((p) => p !== '\ud800'), 8);
    expectedValues.push(header, regex, annotation);
    routes.push(httpRoute(`r${i}`, [{
      matches: [{ path: { type: 'RegularExpression', value: regex }, headers: [{ name: 'X-Test', value: header }] }],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Echo', value: header }] } }],
      backendRefs: [{ name: 'web', port: 80 }],
    }], {}, { annotations: { 'example.com/note': annotation } }));
  }
  const objects = [gatewayClass, gateway([{ name: 'http', port: 80, protocol: 'HTTP' }]), ...routes];
  const report = [{ ingress: "app/r0 */ ${x} '\n", annotation: 'a\u2028b\r\nconst evil = 1; //', result: 'unsupported' as const, detail: '*/ \n' }];
  const app = generateApp(objects, report);
  expect(app.source).toMatch(/^\/\/ - app\/r0 \*\/ \$\{x\} '  a b const evil = 1; \/\/: unsupported$/m);
  expect(typecheck({ hostile: app.source })).toEqual([]);
  const synthesized = runApp(app.source);
  expect(compareWithImport(objects, synthesized).problems).toEqual([]);
  // and the values really went through (not just equal-by-accident empties)
  const text = JSON.stringify(synthesized);
  for (const v of expectedValues) expect(text).toContain(JSON.stringify(v).slice(1, -1));
});
