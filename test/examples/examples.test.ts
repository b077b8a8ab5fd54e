import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { checkApp } from '../../src';
import { find, synth } from '../util';

const examplesDir = path.join(__dirname, '..', '..', 'examples');
const examples = fs.readdirSync(examplesDir).filter((n) => fs.existsSync(path.join(examplesDir, n, 'app.ts'))).sort();

function load(name: string): App {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(examplesDir, name, 'app.ts')).createApp(path.join(__dirname, '..', '..', '.tmp', 'examples', name));
}

test('the scenario examples exist', () => {
  expect(examples).toEqual(expect.arrayContaining(['homelab', 'kind-istio']));
});

describe.each(examples)('example %s', (name) => {
  test('synthesizes, every object validates against its CRD (strict, CEL), no errors', () => {
    const app = load(name);
    const objects = synth(app);
    expect(objects.length).toBeGreaterThan(0);
    expect(checkApp(app).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('output is byte-stable and matches the snapshot', () => {
    const first = load(name).synthYaml();
    const second = load(name).synthYaml();
    expect(second).toBe(first);
    expect(first).toMatchSnapshot();
  });
});

describe('scenario 1 (homelab)', () => {
  const objects = () => synth(load('homelab'));
  test('web-gateway in gateway with HTTP and HTTPS listeners; HTTP → HTTPS 301', () => {
    const objs = objects();
    const gw = find(objs, 'Gateway', 'web-gateway', 'gateway');
    expect(gw.spec.listeners.map((l: any) => `${l.name}:${l.protocol}:${l.port}`)).toEqual(['http:HTTP:80', 'https-www:HTTPS:443', 'https-apps:HTTPS:443']);
    const redirect = find(objs, 'HTTPRoute', 'https-redirect', 'gateway');
    expect(redirect.spec.rules[0].filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
  });
  test('routes live in their app namespaces, with HSTS', () => {
    const objs = objects();
    for (const app of ['blog', 'photos', 'wiki']) {
      const route = find(objs, 'HTTPRoute', app, app);
      expect(route.spec.rules[0].filters[0].responseHeaderModifier.set).toEqual([{ name: 'Strict-Transport-Security', value: 'max-age=63072000' }]);
      expect(route.spec.parentRefs[0].namespace).toBe('gateway');
    }
  });
  test('every route attaches (resolver status)', () => {
    const diags = checkApp(load('homelab')).diagnostics;
    expect(diags.filter((d) => d.severity !== 'info')).toEqual([]);
  });
});

describe('scenario 2 (kind + Istio)', () => {
  test('only infos: the istio GatewayClass and the certificate Secret live outside the app', () => {
    const diags = checkApp(load('kind-istio')).diagnostics;
    expect(diags.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(diags.every((d) => d.code === 'AssumedExternal')).toBe(true);
  });
  test('pinned address, wildcard HTTPS whose Secret lives in istio-system, with the derived grant', () => {
    const objs = synth(load('kind-istio'));
    const gw = find(objs, 'Gateway', 'default-gateway', 'cluster');
    expect(gw.spec.gatewayClassName).toBe('istio');
    expect(gw.spec.addresses).toEqual([{ type: 'IPAddress', value: '172.18.255.200' }]);
    const https = gw.spec.listeners.find((l: any) => l.name === 'https');
    expect(https).toMatchObject({ port: 443, hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } });
    expect(https.tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'default-tls', namespace: 'istio-system' }]);
    expect(find(objs, 'ReferenceGrant', 'cluster-gateway-to-secret', 'istio-system').spec.to).toEqual([{ group: '', kind: 'Secret', name: 'default-tls' }]);
  });
  test('exact / → 302 /__apispec/, prefix / → docserver:80 in docs (grant derived)', () => {
    const objs = synth(load('kind-istio'));
    const api = find(objs, 'HTTPRoute', 'api', 'api');
    expect(api.spec.hostnames).toEqual(['api.example.com']);
    expect(api.spec.rules[0]).toEqual({
      name: 'spec-index',
      matches: [{ path: { type: 'Exact', value: '/' } }],
      filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/__apispec/' }, statusCode: 302 } }],
    });
    expect(api.spec.rules[1].backendRefs).toEqual([{ name: 'docserver', namespace: 'docs', port: 80 }]);
    expect(find(objs, 'ReferenceGrant', 'api-httproute-to-service', 'docs').spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'api' }],
      to: [{ group: '', kind: 'Service', name: 'docserver' }],
    });
  });
});
