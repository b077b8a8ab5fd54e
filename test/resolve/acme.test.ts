/**
 * cert-manager's HTTP-01 challenges derived from plain objects (resolve/acme.ts): which names,
 * through which Gateway, the Service selecting the solver pods, the stand-in route, and the warning
 * when the route would not attach.
 */
import { KubeObject } from '../../src';
import { acmeChallengeDiagnostics, acmeChallengeRoute, acmeHttp01Challenges, acmeSolverService, adler32, resolve, withAcmeChallenges } from '../../src/resolve';

// reference values from zlib's adler32 (Python's zlib.adler32), the checksum Go's hash/adler32 computes
test.each([
  ['www.example.com', 'www.example.com', 810681837],
  ['photos.example.com', 'photos.example.com', 1161561893],
  ['"a"', 'a', 6422626],
  ['the empty string', '', 1],
  ['6,000 bytes (the modulus is reached)', 'x'.repeat(6000), 497351959],
])('adler32 of %s is the reference value, as cert-manager labels the solver pod', (_label, s, v) => {
  expect(adler32(s as string)).toBe(v);
});

const issuer = (solvers: unknown[]): KubeObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'le' }, spec: { acme: { server: 'https://acme.invalid/directory', privateKeySecretRef: { name: 'k' }, solvers } } }) as KubeObject;
const http01 = (extra: object = {}) => ({ ...extra, http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'web', namespace: 'gw', sectionName: 'http' }] } } });
const cert = (name: string, dnsNames: string[], ns = 'gw'): KubeObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, namespace: ns }, spec: { secretName: `${name}-tls`, dnsNames, issuerRef: { name: 'le', kind: 'ClusterIssuer' } } }) as KubeObject;

test('each name cert-manager validates by HTTP-01 through a Gateway, once per namespace, sorted; wildcards and DNS-01 names are not', () => {
  const objects = [
    issuer([{ selector: { dnsZones: ['internal.example.com'] }, dns01: { cloudflare: {} } }, http01()]),
    cert('b', ['www.example.com', 'api.internal.example.com', '*.example.com']),
    cert('a', ['www.example.com', 'blog.example.com']),
  ];
  const c = acmeHttp01Challenges(objects);
  expect(c.map((x) => `${x.namespace}/${x.dnsName} (${x.certificate})`)).toEqual(['gw/blog.example.com (a)', 'gw/www.example.com (b)']);
  expect(c[0].parentRefs).toEqual([{ name: 'web', namespace: 'gw', sectionName: 'http' }]);
});

test('the most specific solver wins (exact dnsNames over zones over none), as cert-manager picks', () => {
  const objects = [
    issuer([http01(), { selector: { dnsNames: ['www.example.com'] }, dns01: { cloudflare: {} } }]),
    cert('a', ['www.example.com', 'blog.example.com']),
  ];
  expect(acmeHttp01Challenges(objects).map((x) => x.dnsName)).toEqual(['blog.example.com']);
});

test("cert-manager's gateway-shim: a Gateway annotated with an issuer asks for its listeners' hostnames", () => {
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'web', namespace: 'gw', annotations: { 'cert-manager.io/cluster-issuer': 'le' } },
    spec: { gatewayClassName: 'c', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificateRefs: [{ name: 'shop-tls' }] } }] },
  } as KubeObject;
  expect(acmeHttp01Challenges([issuer([http01()]), gateway]).map((x) => `${x.namespace}/${x.dnsName} (${x.certificate})`)).toEqual(['gw/shop.example.com (shop-tls)']);
});

test('without the issuer in the input nothing is derived (its solvers are unknown)', () => {
  expect(acmeHttp01Challenges([cert('a', ['www.example.com'])])).toEqual([]);
});

test("the solver Service selects cert-manager's solver pods of the name; the route sends the challenge prefix to it", () => {
  const [c] = acmeHttp01Challenges([issuer([http01()]), cert('a', ['www.example.com'])]);
  const svc = acmeSolverService(c) as any;
  expect(svc.metadata).toMatchObject({ name: 'acme-http01-810681837', namespace: 'gw' });
  expect(svc.spec.selector).toEqual({ 'acme.cert-manager.io/http01-solver': 'true', 'acme.cert-manager.io/http-domain': '810681837' });
  expect(svc.spec.ports).toEqual([{ name: 'http', port: 8089, targetPort: 8089, protocol: 'TCP' }]);
  const route = acmeChallengeRoute(c) as any;
  expect(route.spec.hostnames).toEqual(['www.example.com']);
  expect(route.spec.rules[0]).toEqual({ matches: [{ path: { type: 'PathPrefix', value: '/.well-known/acme-challenge/' } }], backendRefs: [{ name: 'acme-http01-810681837', port: 8089 }] });
});

describe('a challenge route that would not attach is a warning naming the fix', () => {
  const base = (allowedFrom: 'Same' | 'All'): KubeObject[] => [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } } as KubeObject,
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'gw' }, spec: { gatewayClassName: 'c', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: allowedFrom } } }] } } as KubeObject,
    issuer([http01()]),
    cert('a', ['www.example.com'], 'apps'),
  ];
  const run = (objects: KubeObject[]) => {
    const served = (ns: string, name: string) => ns === 'gw' && name === 'web';
    const x = withAcmeChallenges(objects, served);
    return acmeChallengeDiagnostics(x.challenges, resolve(x.objects, { assumeExternal: true, schemaValidation: false }).model, served);
  };
  test('the listener admits only its own namespace, the Certificate is elsewhere', () => {
    const [d] = run(base('Same'));
    expect(d).toMatchObject({ severity: 'warning', code: 'AcmeChallengeNotServed', object: { kind: 'Certificate', namespace: 'apps', name: 'a' }, field: 'spec.dnsNames' });
    expect(d.message).toMatch(/cert-manager validates www\.example\.com .* by HTTP-01 through Gateway gw\/web, but the challenge route .* would not attach: gw\/web: NotAllowedByListeners/);
    expect(d.fix).toMatch(/admit HTTPRoutes from namespace apps/);
  });
  test('the listener admits it: no warning', () => {
    expect(run(base('All'))).toEqual([]);
  });
});
