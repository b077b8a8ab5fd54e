import * as kplus from 'cdk8s-plus-28';
import {
  AcmeSolver,
  Backend,
  CertManagerCert,
  checkApp,
  ClusterIssuer,
  ExternalNamespaces,
  FrontDoorCertificates,
  Gateway,
  GatewayClass,
  HttpFilter,
  HttpsFrontDoor,
  Listener,
  PathMatch,
  RouteNamespaces,
  TlsCertificate,
} from '../../src';
import { find, newChart, synth, synthError } from '../util';

function setup() {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'web-gateway', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class') });
  const issuer = ClusterIssuer.letsEncryptProduction(chart, 'letsencrypt-prod', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
  return { app, chart, gateway, issuer };
}

describe('HttpsFrontDoor', () => {
  test('HTTP listener with a 301 redirect, an HTTPS listener and a Certificate per host, HSTS on its routes', () => {
    const { app, chart, gateway, issuer } = setup();
    const door = new HttpsFrontDoor(chart, 'https', {
      gateway,
      issuer,
      hostnames: ['www.example.com', 'photos.example.com'],
      routeNamespaces: RouteNamespaces.all(),
      hsts: { maxAgeSeconds: 63072000 },
      certificateOptions: { renewBefore: '720h' },
    });
    new kplus.Namespace(chart, 'blog-ns', { metadata: { name: 'blog' } });
    const route = door.addHttpRoute('blog', { namespace: 'blog', hostnames: ['www.example.com'], rules: [{ matches: [PathMatch.prefix('/')], backends: [Backend.fromName('blog', { port: 80 })] }] });
    expect(door.hostnames).toEqual(['www.example.com', 'photos.example.com']);
    expect(door.certificatesOf('www.example.com')[0]).toBeInstanceOf(CertManagerCert);
    const objs = synth(app);
    expect(find(objs, 'Gateway', 'web-gateway', 'gateway').spec.listeners).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP' },
      {
        name: 'https-www-example-com',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'www.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'www-example-com-tls' }] },
        allowedRoutes: { namespaces: { from: 'All' } },
      },
      {
        name: 'https-photos-example-com',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'photos.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'photos-example-com-tls' }] },
        allowedRoutes: { namespaces: { from: 'All' } },
      },
    ]);
    expect(find(objs, 'HTTPRoute', 'https-redirect', 'gateway').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', sectionName: 'http' }],
      hostnames: ['www.example.com', 'photos.example.com'],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect(find(objs, 'Certificate', 'www-example-com', 'gateway').spec).toEqual({
      secretName: 'www-example-com-tls',
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
      dnsNames: ['www.example.com'],
      renewBefore: '720h',
    });
    expect(route.name).toBe('blog');
    expect(find(objs, 'HTTPRoute', 'blog', 'blog').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'https-www-example-com' }],
      hostnames: ['www.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=63072000' }] } }],
        backendRefs: [{ name: 'blog', port: 80 }],
      }],
    });
    // the HTTP-01 solver attaches to the front door's HTTP listener
    expect(find(objs, 'ClusterIssuer', 'letsencrypt-prod').spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'http' },
    ]);
    ExternalNamespaces.of(app).add('gateway', 'blog'); // created elsewhere: no NamespaceNotCreated either
    expect(checkApp(app).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  test('wildcard host with shared certificates; routes pick the most specific listener; non-443 port', () => {
    const { app, chart, gateway } = setup();
    gateway.addListener(Listener.http({ name: 'plain', port: 8080 }));
    const door = new HttpsFrontDoor(chart, 'https', {
      gateway,
      certificates: [TlsCertificate.fromSecret('wildcard-tls')],
      hostnames: ['*.example.com', 'www.example.com'],
      httpsPort: 8443,
      redirectStatusCode: 308,
      redirectRouteName: 'to-https',
      tlsOptions: { 'example.com/min-version': '1.2' },
    });
    door.addHttpRoute('photos', { namespace: 'gateway', hostnames: ['photos.example.com'], rules: [{ backends: [Backend.fromName('photos', { port: 80 })] }] });
    door.addHttpRoute('www', { namespace: 'gateway', hostnames: ['www.example.com'], rules: [{ backends: [Backend.fromName('www', { port: 80 })] }] });
    const objs = synth(app);
    const listeners = find(objs, 'Gateway', 'web-gateway').spec.listeners;
    expect(listeners.map((l: any) => `${l.name}:${l.port}:${l.hostname ?? ''}`)).toEqual(['plain:8080:', 'http:80:', 'https-wildcard-example-com:8443:*.example.com', 'https-www-example-com:8443:www.example.com']);
    expect(listeners[2].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'wildcard-tls' }], options: { 'example.com/min-version': '1.2' } });
    expect(find(objs, 'HTTPRoute', 'to-https').spec.rules[0].filters[0].requestRedirect).toEqual({ scheme: 'https', port: 8443, statusCode: 308 });
    expect(find(objs, 'HTTPRoute', 'photos').spec.parentRefs.map((p: any) => p.sectionName)).toEqual(['https-wildcard-example-com']);
    expect(find(objs, 'HTTPRoute', 'www').spec.parentRefs.map((p: any) => p.sectionName)).toEqual(['https-www-example-com']);
    // no hsts configured: no filter added
    expect(find(objs, 'HTTPRoute', 'www').spec.rules[0].filters).toBeUndefined();
  });

  test('reuses an existing HTTP listener; gateway annotation mode', () => {
    const { app, chart, gateway, issuer } = setup();
    gateway.addListener(Listener.http());
    new HttpsFrontDoor(chart, 'https', { gateway, issuer, issuerMode: FrontDoorCertificates.GATEWAY_ANNOTATION, hostnames: ['www.example.com'] });
    const objs = synth(app);
    const gw = find(objs, 'Gateway', 'web-gateway');
    expect(gw.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
    expect(gw.spec.listeners.map((l: any) => l.name)).toEqual(['http', 'https-www-example-com']);
    expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'www-example-com-tls' }]);
    expect(objs.some((o) => o.kind === 'Certificate')).toBe(false);
    ExternalNamespaces.of(app).add('gateway', 'blog'); // created elsewhere: no NamespaceNotCreated either
    expect(checkApp(app).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  test('several hosts behind one listener and one SAN certificate (addHosts)', () => {
    const { app, chart, gateway, issuer } = setup();
    const door = new HttpsFrontDoor(chart, 'https', { gateway, issuer, hsts: { maxAgeSeconds: 600 } });
    door.addHost('www.example.com', { name: 'https-www' });
    const apps = door.addHosts(['photos.example.com', 'wiki.example.com'], { name: 'https-apps' });
    expect(door.httpsListeners.map((l) => l.name)).toEqual(['https-www', 'https-apps']);
    expect(door.listenersFor('wiki.example.com')).toEqual([apps]);
    door.addHttpRoute('wiki', { namespace: 'gateway', hostnames: ['wiki.example.com'], rules: [{ backends: [Backend.fromName('wiki', { port: 80 })] }] });
    expect(() => door.addHttpRoute('other', { hostnames: ['mail.example.com'] })).toThrow(/"mail.example.com" is served by no HTTPS listener/);
    const objs = synth(app);
    const listeners = find(objs, 'Gateway', 'web-gateway').spec.listeners;
    expect(listeners[2]).toEqual({ name: 'https-apps', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'apps-tls' }] } });
    expect(find(objs, 'Certificate', 'apps', 'gateway').spec.dnsNames).toEqual(['photos.example.com', 'wiki.example.com']);
    expect(find(objs, 'Certificate', 'www', 'gateway').spec).toMatchObject({ secretName: 'www-tls', dnsNames: ['www.example.com'] });
    expect(find(objs, 'HTTPRoute', 'https-redirect').spec.hostnames).toEqual(['www.example.com', 'photos.example.com', 'wiki.example.com']);
    expect(find(objs, 'HTTPRoute', 'wiki').spec.parentRefs.map((p: any) => p.sectionName)).toEqual(['https-apps']);
    const annotated = setup();
    const shim = new HttpsFrontDoor(annotated.chart, 'https', { gateway: annotated.gateway, issuer: annotated.issuer, issuerMode: FrontDoorCertificates.GATEWAY_ANNOTATION });
    expect(() => shim.addHosts(['a.example.com', 'b.example.com'])).toThrow(/share a listener without hostname, which cert-manager's Gateway annotation mode skips/);
  });

  test('HSTS values', () => {
    const { chart, gateway } = setup();
    const door = new HttpsFrontDoor(chart, 'https', { gateway, certificates: [TlsCertificate.fromSecret('t')] });
    const render = (f: HttpFilter) => f._render(() => undefined);
    expect(render(door.hsts(63072000, { includeSubDomains: true, preload: true }))).toEqual({
      type: 'ResponseHeaderModifier',
      responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains; preload' }] },
    });
    expect(() => door.hsts(600, { preload: true, includeSubDomains: true })).toThrow(/hsts.preload: true needs includeSubDomains and a max-age of at least 31536000/);
    expect(() => door.hsts(-1)).toThrow(/hsts.maxAgeSeconds: -1 is not a whole number of seconds/);
  });

  describe('local checks', () => {
    test('a host without certificates', () => {
      const { chart, gateway } = setup();
      expect(() => new HttpsFrontDoor(chart, 'https', { gateway, hostnames: ['www.example.com'] })).toThrow(/certificates: \[\] are missing for "www.example.com". Fix: pass `certificates`/);
    });
    test('a route hostname no host serves, and a rule with its own ResponseHeaderModifier', () => {
      const { chart, gateway } = setup();
      const door = new HttpsFrontDoor(chart, 'https', { gateway, certificates: [TlsCertificate.fromSecret('t')], hostnames: ['www.example.com'], hsts: { maxAgeSeconds: 600 } });
      expect(() => door.addHttpRoute('x', { hostnames: ['www.example.org'] })).toThrow(/hostnames: "www.example.org" is served by no HTTPS listener of the front door \(hosts: www.example.com\). Fix: serve it first: frontDoor.addHost\("www.example.org"\)/);
      expect(() => door.addHttpRoute('y', { hostnames: ['www.example.com'], rules: [{ filters: [HttpFilter.responseHeaders({ set: { 'X-Frame-Options': 'DENY' } })] }] }))
        .toThrow(/ResponseHeaderModifier" is already set on a rule that the front door adds HSTS to/);
      expect(() => door.addHttpRoute('z', { hostnames: ['www.example.com'], hsts: false, rules: [{ filters: [HttpFilter.responseHeaders({ set: { 'X-Frame-Options': 'DENY' } })] }] })).not.toThrow();
    });
    test('an HTTP listener name taken by another protocol, a duplicate host, bad status', () => {
      const { chart, gateway } = setup();
      gateway.addListener(Listener.tcp({ name: 'http', port: 8080 }));
      expect(() => new HttpsFrontDoor(chart, 'a', { gateway, certificates: [TlsCertificate.fromSecret('t')] })).toThrow(/httpListenerName: "http" names a TCP listener on port 8080/);
      expect(() => new HttpsFrontDoor(chart, 'b', { gateway, httpListenerName: 'web', certificates: [TlsCertificate.fromSecret('t')], hostnames: ['a.example.com', 'a.example.com'] })).toThrow(/hostnames: "a.example.com" is served already/);
      expect(() => new HttpsFrontDoor(chart, 'c', { gateway, httpListenerName: 'web2', redirectStatusCode: 302 })).toThrow(/redirectStatusCode: 302 is not a permanent redirect/);
    });
  });

  test('a wildcard host issued through HTTP-01 fails synth with the fix', () => {
    const { app, chart, gateway, issuer } = setup();
    new HttpsFrontDoor(chart, 'https', { gateway, issuer, hostnames: ['*.example.com'] });
    expect(synthError(app)).toMatch(/\[test\/https\/Cert-wildcard-example-com\] spec.dnsNames\[0\]: "\*.example.com" is a wildcard name, but ClusterIssuer letsencrypt-prod would validate it with HTTP-01/);
  });
});
