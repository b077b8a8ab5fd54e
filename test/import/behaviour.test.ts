/**
 * The annotations of this import slice, proven on real nginx: Ingresses written as ingress-nginx
 * users write them → import → check → render → nginx → requests, asserting what ingress-nginx
 * answers (from its documentation and nginx template): status, which Service answers, Location,
 * headers at the backend, timeouts, canary shares.
 */
import { request } from '../harness/echo';
import { describeNginx } from '../harness/nginx';
import { binomialBounds, httpsGet, importAndServe, Served, udpExchange } from './helpers';

const ing = (name: string, host: string, annotations: Record<string, string>, paths: string, extra = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web
  annotations:
${Object.entries(annotations).map(([k, v]) => `    ${k.includes('/') ? k : `nginx.ingress.kubernetes.io/${k}`}: ${JSON.stringify(v)}`).join('\n') || '    {}'}
spec:
  ingressClassName: nginx
${extra}  rules:
    - host: ${host}
      http:
        paths:
${paths}`;
const path = (p: string, type: string, svc: string, port = 80) => `          - path: ${p}
            pathType: ${type}
            backend:
              service:
                name: ${svc}
                port:
                  number: ${port}
`;
const svc = (name: string, port = 80) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: web
spec:
  ports:
    - port: ${port}
`;
const tls = (host: string) => `  tls:
    - hosts: [${host}]
      secretName: ${host.replace(/\./g, '-')}-tls
`;

const INGRESSES = [
  // precedence: Exact before Prefix, longest prefix wins, element-wise
  ing('paths', 'paths.test', {}, path('/', 'Prefix', 'root') + path('/app', 'Prefix', 'app') + path('/app/admin', 'Prefix', 'admin') + path('/app/login', 'Exact', 'login')),
  // canary by header (always/never) and weight out of a custom total
  ing('main', 'canary.test', {}, path('/', 'Prefix', 'stable')),
  ing('main-canary', 'canary.test', { canary: 'true', 'canary-by-header': 'X-Canary', 'canary-weight': '1', 'canary-weight-total': '4' }, path('/', 'Prefix', 'preview')),
  // canary by header value
  ing('hv', 'hv.test', {}, path('/', 'Prefix', 'stable')),
  ing('hv-canary', 'hv.test', { canary: 'true', 'canary-by-header': 'X-Region', 'canary-by-header-value': 'eu' }, path('/', 'Prefix', 'preview')),
  // app-root, upstream-vhost, x-forwarded-prefix, timeouts
  ing('site', 'site.test', { 'app-root': '/app1', 'upstream-vhost': 'internal.example', 'x-forwarded-prefix': '/site', 'proxy-read-timeout': '1', 'proxy-send-timeout': '1' }, path('/', 'Prefix', 'root')),
  // redirects
  ing('moved', 'moved.test', { 'permanent-redirect': 'https://new.example/landing' }, path('/', 'Prefix', 'root')),
  ing('temp', 'temp.test', { 'temporal-redirect': 'https://other.example/x', 'temporal-redirect-code': '307' }, path('/', 'Prefix', 'root')),
  // TLS: ssl-redirect default (308), ssl-redirect false, force-ssl-redirect without TLS
  ing('secure', 'secure.test', {}, path('/', 'Prefix', 'root'), tls('secure.test')),
  ing('plain', 'plain.test', { 'ssl-redirect': 'false' }, path('/', 'Prefix', 'root'), tls('plain.test')),
  ing('forced', 'forced.test', { 'force-ssl-redirect': 'true' }, path('/', 'Prefix', 'root')),
  // use-regex: case-insensitive prefix regexes; rewrite-target without captures
  ing('regex', 'regex.test', { 'use-regex': 'true' }, path('/v[0-9]+/items', 'ImplementationSpecific', 'app') + path('/', 'Prefix', 'root')),
  ing('full', 'full.test', { 'rewrite-target': '/index.html' }, path('/home', 'ImplementationSpecific', 'app')),
  // ImplementationSpecific: a string prefix in ingress-nginx, element-wise here (approximated)
  ing('impl', 'impl.test', {}, path('/docs', 'ImplementationSpecific', 'app') + path('/', 'Prefix', 'root')),
  // two Ingresses on one host: merged; the older one owns the duplicated path
  ing('merge-b', 'merge.test', {}, path('/', 'Prefix', 'preview') + path('/extra', 'Prefix', 'app')).replace('namespace: web', 'namespace: web\n  creationTimestamp: "2025-02-01T00:00:00Z"'),
  ing('merge-a', 'merge.test', {}, path('/', 'Prefix', 'stable')).replace('namespace: web', 'namespace: web\n  creationTimestamp: "2024-02-01T00:00:00Z"'),
  // an Ingress without rules and with a default backend: the catch-all of unknown hosts
  `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: catch-all
  namespace: web
spec:
  ingressClassName: nginx
  defaultBackend:
    service:
      name: admin
      port:
        number: 80
`,
];
const SERVICES = ['root', 'app', 'admin', 'login', 'stable', 'preview'];
const UDP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: udp-services
  namespace: ingress-nginx
data:
  "9053": web/dns:53
---
apiVersion: v1
kind: Service
metadata:
  name: dns
  namespace: web
spec:
  ports:
    - port: 53
      protocol: UDP
`;
const FILES = { 'ingresses.yaml': INGRESSES.join('---\n'), 'services.yaml': SERVICES.map((s) => svc(s)).join('---\n'), 'udp.yaml': UDP };
const key = (s: string) => `web/${s}:80`;

describeNginx('import slice behaviour on nginx', () => {
  let s: Served;
  let http: number;
  beforeAll(async () => {
    s = await importAndServe(FILES, SERVICES.map(key), { udp: ['web/dns:53'], ports: [80, 443, 9053] });
    http = 80 + s.offset;
  }, 60000);
  afterAll(async () => s?.stop());
  const who = async (host: string, p: string, headers?: Record<string, string>) => (await request(http, p, { host, headers })).echo?.name;

  test('the report: approximations exit 1, each annotation once', () => {
    expect(s.importCode).toBe(1);
    const timeouts = s.report.items.filter((i) => i.ingress === 'web/site' && /timeout/.test(i.annotation));
    expect(timeouts.map((i) => i.result)).toEqual(['approximated', 'approximated']);
  });

  test('paths: Exact before Prefix, longest prefix, element-wise', async () => {
    expect(await who('paths.test', '/app/login')).toBe(key('login'));
    expect(await who('paths.test', '/app/login/x')).toBe(key('app'));
    expect(await who('paths.test', '/app/admin/users')).toBe(key('admin'));
    expect(await who('paths.test', '/app')).toBe(key('app'));
    expect(await who('paths.test', '/application')).toBe(key('root'));
    expect(await who('paths.test', '/other')).toBe(key('root'));
  });

  test('canary-by-header: always → canary, never → main; else weight 1 of 4', async () => {
    for (let i = 0; i < 20; i++) {
      expect(await who('canary.test', '/', { 'x-canary': 'always' })).toBe(key('preview'));
      expect(await who('canary.test', '/', { 'x-canary': 'never' })).toBe(key('stable'));
    }
    const n = 1000;
    let preview = 0;
    for (let i = 0; i < n; i++) if ((await who('canary.test', `/r${i}`, { 'x-canary': 'maybe' })) === key('preview')) preview++;
    const [lo, hi] = binomialBounds(n, 0.25);
    expect(preview).toBeGreaterThanOrEqual(lo);
    expect(preview).toBeLessThanOrEqual(hi);
  }, 120000);

  test('canary-by-header-value: only the value routes to the canary (no weight: none otherwise)', async () => {
    for (let i = 0; i < 20; i++) {
      expect(await who('hv.test', '/', { 'x-region': 'eu' })).toBe(key('preview'));
      expect(await who('hv.test', '/', { 'x-region': 'us' })).toBe(key('stable'));
      expect(await who('hv.test', '/')).toBe(key('stable'));
    }
  });

  test('app-root 302, upstream-vhost, x-forwarded-prefix, read timeout 504', async () => {
    const root = await request(http, '/', { host: 'site.test' });
    expect(root.status).toBe(302);
    expect(root.headers.location).toMatch(/^http:\/\/site\.test(:\d+)?\/app1$/);
    const page = await request(http, '/page', { host: 'site.test' });
    expect(page.echo).toMatchObject({ name: key('root'), path: '/page', host: 'internal.example' });
    expect(page.echo!.headers['x-forwarded-prefix']).toBe('/site');
    const slow = await request(http, '/slow?delay=2500', { host: 'site.test' });
    expect(slow.status).toBe(504);
    const fast = await request(http, '/fast?delay=200', { host: 'site.test' });
    expect(fast.status).toBe(200);
  }, 20000);

  test('permanent-redirect 301 and temporal-redirect with its code', async () => {
    const moved = await request(http, '/anything', { host: 'moved.test' });
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('https://new.example/landing');
    const temp = await request(http, '/y', { host: 'temp.test' });
    expect(temp.status).toBe(307);
    expect(temp.headers.location).toBe('https://other.example/x');
  });

  test('TLS hosts redirect with 308 unless ssl-redirect false; force-ssl-redirect without TLS; HTTPS serves', async () => {
    const r = await request(http, '/a?b=1', { host: 'secure.test' });
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('https://secure.test/a?b=1');
    const https = await httpsGet(443 + s.offset, 'secure.test', '/a?b=1');
    expect(https.echo).toMatchObject({ name: key('root'), path: '/a?b=1' });
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(r.headers['strict-transport-security']).toBeUndefined();
    expect(await who('plain.test', '/p')).toBe(key('root'));
    expect((await httpsGet(443 + s.offset, 'plain.test', '/p')).echo?.name).toBe(key('root'));
    const forced = await request(http, '/f', { host: 'forced.test' });
    expect(forced.status).toBe(308);
    expect(forced.headers.location).toBe('https://forced.test/f');
  });

  test('ImplementationSpecific: /docs/… and /docs reach the path; /docsx (a string-prefix match in ingress-nginx) does not — the reported approximation', async () => {
    expect(await who('impl.test', '/docs')).toBe(key('app'));
    expect(await who('impl.test', '/docs/guide')).toBe(key('app'));
    expect(await who('impl.test', '/docsx')).toBe(key('root'));
    expect(s.report.items.find((i) => i.ingress === 'web/impl' && i.annotation.startsWith('spec.'))).toMatchObject({ annotation: 'spec.rules[0].http.paths[0]', result: 'approximated' });
  });

  test('several Ingresses on one host merge; the older owns a duplicated path; unknown hosts reach the default backend', async () => {
    expect(await who('merge.test', '/x')).toBe(key('stable'));
    expect(await who('merge.test', '/extra/1')).toBe(key('app'));
    expect(await who('nobody.test', '/anything')).toBe(key('admin'));
  });

  test('udp-services: a UDP listener on the ConfigMap\'s port reaches the Service', async () => {
    expect(await udpExchange(9053 + s.offset, 'query')).toBe('web/dns:53:query');
    expect(s.report.items.find((i) => i.ingress === 'ConfigMap ingress-nginx/udp-services')).toMatchObject({ annotation: 'data["9053"]', result: 'converted' });
  });

  test('use-regex: case-insensitive prefix regexes; rewrite-target without captures replaces the path', async () => {
    expect(await who('regex.test', '/v2/items')).toBe(key('app'));
    expect(await who('regex.test', '/V12/ITEMS/7')).toBe(key('app'));
    expect(await who('regex.test', '/v2/itemsXYZ')).toBe(key('app'));
    expect(await who('regex.test', '/vx/items')).toBe(key('root'));
    const full = await request(http, '/home/deep?q=1', { host: 'full.test' });
    expect(full.echo).toMatchObject({ name: key('app'), path: '/index.html?q=1' });
    const fullUpper = await request(http, '/HOME', { host: 'full.test' });
    expect(fullUpper.echo).toMatchObject({ name: key('app'), path: '/index.html' });
  });
});
