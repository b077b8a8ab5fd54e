/**
 * Scenario 5: the original Ingresses of kans.com (examples/ingress-nginx/ingress) imported, compared
 * with the hand-written expected outcome (examples/yaml/5-ingress-nginx), and served on real nginx.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as YAML from 'yaml';
import { request } from '../harness/echo';
import { describeNginx } from '../harness/nginx';
import { cli, ROOT, tempTree } from '../cli/helpers';
import { binomialBounds, httpsGet, importAndServe, readTree } from './helpers';

const INPUT = path.join(ROOT, 'examples', 'ingress-nginx', 'ingress');
const EXPECTED = path.join(ROOT, 'examples', 'yaml', '5-ingress-nginx');

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: any };
const docs = (text: string): Obj[] => YAML.parseAllDocuments(text).map((d) => d.toJSON()).filter((o) => o);

/**
 * What routing does, independent of object names and how rules are split over routes and
 * Gateways: per listener kind (http / https / tcp port), host and match, the filters and the
 * backends (weights normalised to percent).
 */
function routing(objects: Obj[]): string[] {
  const gateways = new Map<string, any[]>();
  for (const g of objects.filter((o) => o.kind === 'Gateway')) gateways.set(`${g.metadata.namespace}/${g.metadata.name}`, g.spec.listeners);
  const out: string[] = [];
  for (const r of objects.filter((o) => o.kind.endsWith('Route'))) {
    for (const p of r.spec.parentRefs) {
      const listener = gateways.get(`${p.namespace ?? r.metadata.namespace}/${p.name}`)!.find((l: any) => l.name === p.sectionName);
      const side = listener.protocol === 'TCP' ? `tcp:${listener.port}` : listener.protocol.toLowerCase();
      for (const rule of r.spec.rules) {
        const total = (rule.backendRefs ?? []).reduce((s: number, b: any) => s + (b.weight ?? 1), 0);
        const backends = (rule.backendRefs ?? []).map((b: any) => `${b.name}:${b.port}@${Math.round(((b.weight ?? 1) / total) * 100)}%`).join(',');
        const filters = JSON.stringify(rule.filters ?? []);
        for (const m of rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]) {
          out.push(`${side} ${(r.spec.hostnames ?? ['*']).join(',')} ${m.path.type} ${m.path.value} filters=${filters} backends=${backends}`);
        }
      }
    }
  }
  return out.sort();
}

test('the import of scenario 5 routes as the hand-written Gateway API YAML, and check finds no errors', async () => {
  const dir = tempTree({});
  const r = await cli(['import', INPUT, '--out', path.join(dir, 'out')]);
  // 1: the rewrite is approximated (ingress-nginx matched /api case-insensitively, see below)
  expect(r.code).toBe(1);
  const imported = docs(fs.readFileSync(path.join(dir, 'out', 'gateway-api.yaml'), 'utf8'));
  const expected = docs(Object.values(readTree(EXPECTED)).join('\n---\n'));
  // Intended differences, normalised away by `routing`:
  // - the hand-written YAML has two Gateways (kans-gateway for HTTP(S), tcp-gateway for TCP) and
  //   gives the HTTP listener hostname kans.com; import emits one Gateway (kans/ingress-nginx) with
  //   listeners http, https-kans-com, tcp-8080, tcp-8090 — the same ports and hosts served;
  // - the hand-written redirect is one catch-all route; import emits one per Ingress (/ and /api
  //   of kans.com), which redirect the same requests since / covers every path;
  // - rule names (api, site) are not emitted.
  // The hand-written file keeps the ssl redirect at 308 like ingress-nginx; import does too.
  const normalise = (lines: string[]) => [...new Set(lines.map((l) => l.replace(/^(http|https) (\S+) PathPrefix \/api filters=\[\{"type":"RequestRedirect".*$/, '$1 $2 PathPrefix / redirect')
    .replace(/^(http|https) (\S+) PathPrefix \/ filters=\[\{"type":"RequestRedirect".*$/, '$1 $2 PathPrefix / redirect')
    .replace(/^http \S+ \S+ \S+ filters=\[\] backends=$/, 'http redirect')))].sort();
  // - import adds ingress-nginx's default HSTS header to the HTTPS answers (the hand-written YAML
  //   dropped it): compared without it here, asserted below
  const hsts = '{"type":"ResponseHeaderModifier","responseHeaderModifier":{"set":[{"name":"Strict-Transport-Security","value":"max-age=31536000; includeSubDomains"}]}}';
  const withHsts = routing(imported);
  expect(withHsts.filter((l) => l.startsWith('https ')).every((l) => l.includes(hsts))).toBe(true);
  const ours = normalise(withHsts.map((l) => l.replace(`,${hsts}`, '').replace(`[${hsts}]`, '[]')));
  const theirs = normalise(routing(expected));
  expect(ours).toEqual(theirs);
  expect(ours).toEqual([
    'http kans.com PathPrefix / redirect',
    'https kans.com PathPrefix / filters=[] backends=svc-v1:80@90%,svc-v2:80@10%',
    'https kans.com PathPrefix /api filters=[{"type":"URLRewrite","urlRewrite":{"path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/"}}}] backends=api:8080@100%',
    'tcp:8080 * PathPrefix / filters=[] backends=foo-svc:8080@100%',
    'tcp:8090 * PathPrefix / filters=[] backends=bar-svc:8090@100%',
  ]);
  // the Ingress's cert-manager annotation moves to the Gateway, whose listener names the same Secret
  const gw = imported.find((o) => o.kind === 'Gateway')!;
  expect(gw.metadata).toEqual({ name: 'ingress-nginx', namespace: 'kans', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } });
  expect(gw.spec.listeners.find((l: any) => l.protocol === 'HTTPS').tls.certificateRefs).toEqual([{ name: 'kans-tls' }]);
  // the report: every annotation, and the one approximation
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'report.json'), 'utf8')).items;
  expect(report.map((i: any) => `${i.ingress} ${i.annotation} ${i.result}`)).toEqual([
    'ConfigMap ingress-nginx/tcp-services data["8080"] converted',
    'ConfigMap ingress-nginx/tcp-services data["8090"] converted',
    'kans/kans cert-manager.io/cluster-issuer converted',
    // not set: ingress-nginx's default body limit (1m) is written on the routes
    'kans/kans nginx.ingress.kubernetes.io/proxy-body-size converted',
    'kans/kans nginx.ingress.kubernetes.io/ssl-redirect converted',
    'kans/kans spec.tls[0] converted',
    'kans/kans-api nginx.ingress.kubernetes.io/proxy-body-size converted',
    'kans/kans-api nginx.ingress.kubernetes.io/rewrite-target approximated',
    'kans/kans-canary nginx.ingress.kubernetes.io/canary converted',
    'kans/kans-canary nginx.ingress.kubernetes.io/canary-weight converted',
  ]);
  expect(report[7].detail).toMatch(/case-insensitively/);
  // check: no errors (the namespaces are created by the cluster's existing setup: warnings only)
  const check = await cli(['check', path.join(dir, 'out', 'gateway-api.yaml'), '--format', 'json']);
  expect(JSON.parse(check.stdout).diagnostics.filter((d: any) => d.severity === 'error')).toEqual([]);
  expect(check.code).toBe(0);
  // byte-stable: a second import writes the same bytes
  const again = tempTree({});
  await cli(['import', INPUT, '--out', path.join(again, 'out')]);
  for (const f of ['gateway-api.yaml', 'report.json', 'report.md']) expect(fs.readFileSync(path.join(again, 'out', f), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'out', f), 'utf8'));
});

describeNginx('scenario 5 imported and served by nginx', () => {
  test('HTTP → 308 HTTPS; /api rewritten to api; the canary takes ~10 %; TCP 8080/8090 reach foo/bar', async () => {
    const files: Record<string, string> = {};
    for (const [rel, text] of Object.entries(readTree(INPUT))) files[rel] = text;
    const s = await importAndServe(files, ['kans/svc-v1:80', 'kans/svc-v2:80', 'kans/api:8080'], { tcp: ['tcp/foo-svc:8080', 'tcp/bar-svc:8090'], ports: [80, 443, 8080, 8090] });
    // which request a connection error (not an assertion) came from, with nginx's error log: a
    // `read ECONNRESET` once failed this test in CI without saying where
    let step = 'start';
    try {
      const http = 80 + s.offset;
      const tls = 443 + s.offset;
      for (const p of ['/', '/api/users?id=1', '/x']) {
        step = `http GET ${p}`;
        const r = await request(http, p, { host: 'kans.com' });
        expect(r.status).toBe(308);
        expect(r.headers.location).toBe(`https://kans.com${p}`);
      }
      step = 'https GET /api/users?id=1';
      const api = await httpsGet(tls, 'kans.com', '/api/users?id=1');
      expect(api.status).toBe(200);
      expect(api.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(api.echo).toMatchObject({ name: 'kans/api:8080', path: '/users?id=1' });
      step = 'https GET /api';
      const apiRoot = await httpsGet(tls, 'kans.com', '/api');
      expect(apiRoot.echo).toMatchObject({ name: 'kans/api:8080', path: '/' });
      // /apix is not under /api (ingress-nginx's regex /api(/|$) did not match it either)
      step = 'https GET /apix';
      const apix = await httpsGet(tls, 'kans.com', '/apix');
      expect(apix.echo?.name).toMatch(/^kans\/svc-v[12]:80$/);
      expect(apix.echo?.path).toBe('/apix');
      // the approximation the report states: /API/users went to api under ingress-nginx (~*)
      step = 'https GET /API/users';
      const upper = await httpsGet(tls, 'kans.com', '/API/users');
      expect(upper.echo?.name).toMatch(/^kans\/svc-v[12]:80$/);
      const n = 1000;
      let canary = 0;
      for (let i = 0; i < n; i++) {
        step = `https GET /page/${i} (request ${i + 1} of ${n})`;
        const r = await httpsGet(tls, 'kans.com', `/page/${i}`);
        expect(r.status).toBe(200);
        if (r.echo!.name === 'kans/svc-v2:80') canary++;
        else expect(r.echo!.name).toBe('kans/svc-v1:80');
      }
      const [lo, hi] = binomialBounds(n, 0.1);
      expect(canary).toBeGreaterThanOrEqual(lo);
      expect(canary).toBeLessThanOrEqual(hi);
      for (const [port, name] of [[8080, 'tcp/foo-svc:8080'], [8090, 'tcp/bar-svc:8090']] as const) {
        step = `tcp ${port}`;
        const got = await new Promise<string>((resolve, reject) => {
          const sock = net.connect(port + s.offset, '127.0.0.1', () => sock.write('ping'));
          sock.on('data', (d) => {
            resolve(String(d));
            sock.destroy();
          });
          sock.on('error', reject);
        });
        expect(got).toBe(`${name}:ping`);
      }
    } catch (e) {
      if (e instanceof Error && !('matcherResult' in e)) throw new Error(`${step}: ${e.message}\nnginx error log (end):\n${s.nginx.errorLog().slice(-4000)}`);
      throw e;
    } finally {
      await s.stop();
    }
  }, 120000);
});
