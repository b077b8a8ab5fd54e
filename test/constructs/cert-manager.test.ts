import * as kplus from 'cdk8s-plus-28';
import {
  AcmeSolver,
  CertManagerCert,
  checkApp,
  ClusterIssuer,
  ExternalNamespaces,
  Gateway,
  GatewayClass,
  Issuer,
  IssuerRef,
  IssuerType,
  KeyUsage,
  Listener,
  PrivateKeyAlgorithm,
  PrivateKeyRotationPolicy,
  RouteNamespaces,
  TlsCertificate,
} from '../../src';
import { find, newChart, synth, synthError } from '../util';

function webGateway(listeners: Listener[] = [Listener.http()]) {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'web-gateway', { namespace: 'gateway', gatewayClass: GatewayClass.fromName('nginx'), listeners });
  return { app, chart, gateway };
}

describe('issuers', () => {
  test("Let's Encrypt production with HTTP-01 through the gateway's port-80 listener", () => {
    const { app, chart, gateway } = webGateway([Listener.http(), Listener.http({ name: 'http-www', hostname: 'www.example.com' }), Listener.http({ name: 'alt', port: 8080 })]);
    const issuer = ClusterIssuer.letsEncryptProduction(chart, 'letsencrypt-prod', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
    expect(issuer.issuerRef).toEqual({ name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    const obj = find(synth(app), 'ClusterIssuer', 'letsencrypt-prod');
    expect(obj.metadata.namespace).toBeUndefined();
    expect(obj.spec).toEqual({
      acme: {
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        email: 'admin@example.com',
        privateKeySecretRef: { name: 'letsencrypt-prod-account-key' },
        solvers: [{
          http01: {
            gatewayHTTPRoute: {
              parentRefs: [
                { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'http' },
                { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'http-www' },
              ],
            },
          },
        }],
      },
    });
  });

  test('staging, custom ACME with EAB and DNS-01 providers, self-signed, CA', () => {
    const { app, chart, gateway } = webGateway();
    Issuer.letsEncryptStaging(chart, 'le-staging', {
      namespace: 'gateway',
      email: 'admin@example.com',
      solvers: [AcmeSolver.http01Gateway(gateway, { sectionName: 'http', labels: { 'acme-challenge': 'true' }, dnsNames: ['www.example.com'] })],
    });
    const zerossl = ClusterIssuer.acme(chart, 'zerossl', {
      server: 'https://acme.zerossl.com/v2/DV90',
      externalAccountBinding: { keyId: 'kid-1', keySecret: { name: 'zerossl-eab', key: 'secret' } },
      accountKeySecretName: 'zerossl-account',
      preferredChain: 'ISRG Root X1',
      profile: 'tlsserver',
      solvers: [AcmeSolver.dns01Cloudflare({ apiToken: { name: 'cloudflare-api-token' }, dnsZones: ['example.com'] })],
    });
    zerossl.addSolver(AcmeSolver.dns01Route53({ region: 'eu-west-1', hostedZoneId: 'Z123', accessKeyId: 'AKIA', secretAccessKey: { name: 'aws' }, dnsZones: ['example.org'] }));
    zerossl.addSolver(AcmeSolver.dns01Rfc2136({ nameserver: '10.0.0.53:53', tsigKeyName: 'cert-manager', tsigAlgorithm: 'HMACSHA256', tsigSecret: { name: 'tsig' }, matchLabels: { dns: 'bind' } }));
    zerossl.addSolver(AcmeSolver.dns01DigitalOcean({ token: { name: 'do' }, dnsNames: ['a.example.net'] }));
    zerossl.addSolver(AcmeSolver.dns01CloudDns({ project: 'my-project', serviceAccount: { name: 'gcp' } }));
    zerossl.addSolver(AcmeSolver.dns01AcmeDns({ host: 'https://auth.acme-dns.io', accountSecret: { name: 'acme-dns' } }));
    zerossl.addSolver(AcmeSolver.dns01Webhook({ groupName: 'acme.example.com', solverName: 'hetzner', config: { zoneName: 'example.com' } }));
    ClusterIssuer.selfSigned(chart, 'selfsigned');
    Issuer.ca(chart, 'internal-ca', { namespace: 'gateway', secretName: 'internal-ca-keypair' });
    const objs = synth(app);
    expect(find(objs, 'Issuer', 'le-staging', 'gateway').spec.acme).toEqual({
      server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      email: 'admin@example.com',
      privateKeySecretRef: { name: 'le-staging-account-key' },
      solvers: [{
        selector: { dnsNames: ['www.example.com'] },
        http01: {
          gatewayHTTPRoute: {
            labels: { 'acme-challenge': 'true' },
            parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'http' }],
          },
        },
      }],
    });
    const acme = find(objs, 'ClusterIssuer', 'zerossl').spec.acme;
    expect(acme.externalAccountBinding).toEqual({ keyID: 'kid-1', keySecretRef: { name: 'zerossl-eab', key: 'secret' } });
    expect(acme.privateKeySecretRef).toEqual({ name: 'zerossl-account' });
    expect(acme.preferredChain).toBe('ISRG Root X1');
    expect(acme.solvers).toEqual([
      { selector: { dnsZones: ['example.com'] }, dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare-api-token', key: 'api-token' } } } },
      { selector: { dnsZones: ['example.org'] }, dns01: { route53: { region: 'eu-west-1', hostedZoneID: 'Z123', accessKeyID: 'AKIA', secretAccessKeySecretRef: { name: 'aws', key: 'secret-access-key' } } } },
      { selector: { matchLabels: { dns: 'bind' } }, dns01: { rfc2136: { nameserver: '10.0.0.53:53', tsigKeyName: 'cert-manager', tsigAlgorithm: 'HMACSHA256', tsigSecretSecretRef: { name: 'tsig', key: 'tsig-secret-key' } } } },
      { selector: { dnsNames: ['a.example.net'] }, dns01: { digitalocean: { tokenSecretRef: { name: 'do', key: 'access-token' } } } },
      { dns01: { cloudDNS: { project: 'my-project', serviceAccountSecretRef: { name: 'gcp', key: 'key.json' } } } },
      { dns01: { acmeDNS: { host: 'https://auth.acme-dns.io', accountSecretRef: { name: 'acme-dns', key: 'acmedns.json' } } } },
      { dns01: { webhook: { groupName: 'acme.example.com', solverName: 'hetzner', config: { zoneName: 'example.com' } } } },
    ]);
    expect(find(objs, 'ClusterIssuer', 'selfsigned').spec).toEqual({ selfSigned: {} });
    expect(find(objs, 'Issuer', 'internal-ca', 'gateway').spec).toEqual({ ca: { secretName: 'internal-ca-keypair' } });
  });

  test('local checks', () => {
    const { chart, gateway } = webGateway();
    expect(() => IssuerType.letsEncryptProduction({ email: 'not-an-email' })).toThrow(/spec.acme.email: "not-an-email" is not an e-mail address/);
    expect(() => IssuerType.acme({ server: 'http://acme.local/directory' })).toThrow(/spec.acme.server: "http:\/\/acme.local\/directory" is not an https URL/);
    expect(() => AcmeSolver.dns01Rfc2136({ nameserver: 'dns server' })).toThrow(/nameserver: "dns server" is not host\[:port\]/);
    expect(() => AcmeSolver.dns01Route53({ accessKeyId: 'AKIA' })).toThrow(/has only one of accessKeyId and secretAccessKey/);
    expect(() => AcmeSolver.http01Gateway(gateway, { sectionName: 'Bad_Name' })).toThrow(/sectionName: "Bad_Name"/);
    const selfSigned = ClusterIssuer.selfSigned(chart, 'self');
    expect(() => selfSigned.addSolver(AcmeSolver.http01Gateway(gateway))).toThrow(/spec.acme.solvers: "gateway" is given to a selfSigned issuer, which solves no challenges/);
  });

  test('whole app: ACME without solvers, ClusterIssuer and Issuer Secrets in the wrong namespace', () => {
    const { app, chart } = webGateway();
    ClusterIssuer.letsEncryptProduction(chart, 'empty', { email: 'admin@example.com' });
    new kplus.Secret(chart, 'token', { metadata: { name: 'cloudflare-api-token', namespace: 'gateway' }, stringData: { 'api-token': 'x' } });
    ClusterIssuer.letsEncryptProduction(chart, 'dns', { email: 'admin@example.com', solvers: [AcmeSolver.dns01Cloudflare({ apiToken: { name: 'cloudflare-api-token' } })] });
    ClusterIssuer.ca(chart, 'ca', { secretName: 'ca-keypair', clusterResourceNamespace: 'security' });
    new kplus.Secret(chart, 'ca-secret', { metadata: { name: 'ca-keypair', namespace: 'security' }, stringData: { 'tls.crt': 'x' } });
    Issuer.letsEncryptProduction(chart, 'ns-issuer', {
      namespace: 'apps',
      email: 'admin@example.com',
      solvers: [AcmeSolver.dns01DigitalOcean({ token: { name: 'do-token', namespace: 'cert-manager' } })],
    });
    const msg = synthError(app);
    expect(msg).toMatch(/\[test\/empty\] spec.acme.solvers: \[\] is empty: no name can be validated, so every Certificate of this issuer stays pending. Fix: pass `solvers`/);
    expect(msg).toMatch(/\[test\/dns\] spec.acme.solvers\[0\] Secret: "cloudflare-api-token" is in namespace gateway, but a ClusterIssuer reads Secrets only from the cluster resource namespace "cert-manager". Fix: create the Secret in "cert-manager"/);
    expect(msg).toMatch(/\[test\/ns-issuer\] spec.acme.solvers\[0\] Secret: "do-token" is in namespace cert-manager, but an Issuer reads Secrets only from its own namespace "apps"/);
    // a configured cluster resource namespace is honoured
    expect(msg).not.toMatch(/test\/ca\]/);
  });
});

describe('CertManagerCert', () => {
  test("renders the Certificate in the Gateway's namespace; the listener refers to its Secret", () => {
    const { app, chart, gateway } = webGateway();
    const issuer = ClusterIssuer.letsEncryptProduction(chart, 'letsencrypt-prod', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
    const cert = new CertManagerCert(chart, 'www', {
      gateway,
      issuer,
      dnsNames: ['www.example.com', 'example.com'],
      duration: '2160h',
      renewBefore: '720h',
      privateKey: { algorithm: PrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: PrivateKeyRotationPolicy.ALWAYS },
      usages: [KeyUsage.DIGITAL_SIGNATURE, KeyUsage.SERVER_AUTH],
      secretTemplate: { labels: { app: 'web' } },
    });
    gateway.addListener(Listener.https({ hostname: 'www.example.com', certificates: [cert] }));
    const objs = synth(app);
    expect(find(objs, 'Certificate', 'www', 'gateway')).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'www', namespace: 'gateway' },
      spec: {
        secretName: 'www-tls',
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
        dnsNames: ['www.example.com', 'example.com'],
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['digital signature', 'server auth'],
        secretTemplate: { labels: { app: 'web' } },
      },
    });
    const https = find(objs, 'Gateway', 'web-gateway', 'gateway').spec.listeners[1];
    expect(https.tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'www-tls' }]);
    // the resolver counts the Secret the Certificate promises as present
    ExternalNamespaces.of(app).add('gateway'); // created elsewhere: no NamespaceNotCreated either
    expect(checkApp(app).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  test('a Certificate in another namespace: namespaced certificateRef and a derived ReferenceGrant', () => {
    const { app, chart, gateway } = webGateway();
    const issuer = IssuerRef.clusterIssuer('letsencrypt-prod');
    const cert = new CertManagerCert(chart, 'shared', { namespace: 'certs', issuer, dnsNames: ['www.example.com'] });
    gateway.addListener(Listener.https({ hostname: 'www.example.com', certificates: [cert] }));
    const objs = synth(app);
    expect(find(objs, 'Gateway', 'web-gateway').spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'shared-tls', namespace: 'certs' }]);
    expect(find(objs, 'ReferenceGrant', 'gateway-gateway-to-secret', 'certs').spec.to).toEqual([{ group: '', kind: 'Secret', name: 'shared-tls' }]);
  });

  describe('local checks', () => {
    const cases: [string, object, RegExp][] = [
      ['bad duration', { duration: '90d' }, /spec.duration: "90d" is not a Go duration/],
      ['short duration', { duration: '30m' }, /spec.duration: "30m" is shorter than 1h/],
      ['renewBefore ≥ duration', { duration: '24h', renewBefore: '24h' }, /spec.renewBefore: "24h" is not shorter than the duration 24h/],
      ['short renewBefore', { renewBefore: '1m' }, /spec.renewBefore: "1m" is shorter than 5m/],
      ['RSA size', { privateKey: { size: 1024 } }, /spec.privateKey.size: 1024 is not an RSA key size/],
      ['ECDSA size', { privateKey: { algorithm: PrivateKeyAlgorithm.ECDSA, size: 512 } }, /is not an ECDSA curve size/],
      ['Ed25519 size', { privateKey: { algorithm: PrivateKeyAlgorithm.ED25519, size: 256 } }, /is set for an Ed25519 key/],
      ['bad name', { dnsNames: ['www.example.com:443'] }, /spec.dnsNames\[0\]: "www.example.com:443" contains a ":"/],
      ['no names', { dnsNames: [] }, /spec.dnsNames: \[\] is empty/],
      ['duplicate names', { dnsNames: ['a.example.com', 'a.example.com'] }, /spec.dnsNames\[1\]: "a.example.com" is listed twice/],
      ['long CN', { commonName: 'x'.repeat(65) }, /spec.commonName: .* must be 1 to 64 characters long/],
    ];
    test.each(cases)('%s', (_n, props, message) => {
      const { chart } = newChart();
      expect(() => new CertManagerCert(chart, 'c', { issuer: IssuerRef.clusterIssuer('x'), dnsNames: ['www.example.com'], ...props })).toThrow(message);
    });
    test('an Issuer of another namespace', () => {
      const { chart } = newChart();
      const issuer = Issuer.selfSigned(chart, 'self', { namespace: 'a' });
      expect(() => new CertManagerCert(chart, 'c', { namespace: 'b', issuer, dnsNames: ['x.example.com'] })).toThrow(/spec.issuerRef: "a\/self" is an Issuer of namespace a, but the Certificate is in b/);
    });
  });

  describe('whole-app pitfalls', () => {
    test('a wildcard name validated by HTTP-01', () => {
      const { app, chart, gateway } = webGateway();
      const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
      new CertManagerCert(chart, 'wildcard', { gateway, issuer, dnsNames: ['*.example.com'] });
      expect(synthError(app)).toMatch(
        /\[test\/wildcard\] spec.dnsNames\[0\]: "\*.example.com" is a wildcard name, but ClusterIssuer le would validate it with HTTP-01, and ACME issues wildcard names only through DNS-01. Fix: add a DNS-01 solver for the zone \(e.g. AcmeSolver.dns01Cloudflare\(\{ apiToken, dnsZones: \["example.com"\] \}\)\)/,
      );
    });

    test('a DNS-01 solver for the zone takes the wildcard; HTTP-01 keeps the plain names', () => {
      const { app, chart, gateway } = webGateway();
      const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', {
        email: 'admin@example.com',
        solvers: [AcmeSolver.http01Gateway(gateway), AcmeSolver.dns01Cloudflare({ apiToken: { name: 'cf' }, dnsNames: ['*.example.com'] })],
      });
      new CertManagerCert(chart, 'both', { gateway, issuer, dnsNames: ['*.example.com', 'www.example.com'] });
      expect(() => synth(app)).not.toThrow();
    });

    test('HTTP-01 through a Gateway without a port-80 HTTP listener', () => {
      const { app, chart, gateway } = webGateway([Listener.https({ certificates: [TlsCertificate.fromSecret('x')] })]);
      const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
      new CertManagerCert(chart, 'www', { gateway, issuer, dnsNames: ['www.example.com'] });
      expect(synthError(app)).toMatch(
        /\[test\/www\] spec.dnsNames\[0\]: "www.example.com" cannot pass the HTTP-01 challenge: Gateway gateway\/web-gateway has no HTTP listener on port 80 that accepts this host and admits the challenge HTTPRoute, which cert-manager creates in namespace "gateway" \(listeners: https \(HTTPS 443, any host, routes from Same\)\). Fix: add an HTTP listener on port 80/,
      );
    });

    test("HTTP-01: the port-80 listener admits only the Gateway's namespace, the Certificate is elsewhere", () => {
      const { app, chart, gateway } = webGateway([Listener.http()]);
      const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
      new CertManagerCert(chart, 'blog', { namespace: 'blog', issuer, dnsNames: ['blog.example.com'] });
      expect(synthError(app)).toMatch(/\[test\/blog\] spec.dnsNames\[0\]: "blog.example.com" cannot pass the HTTP-01 challenge: .* in namespace "blog" \(listeners: http \(HTTP 80, any host, routes from Same\)\)/);
    });

    test('HTTP-01: listener hostnames must accept the name; Selector listeners are decided from the namespace labels', () => {
      const { app, chart, gateway } = webGateway([
        Listener.http({ hostname: 'www.example.com' }),
        Listener.http({ name: 'apps', hostname: '*.apps.example.com', routeNamespaces: RouteNamespaces.selector({ matchLabels: { gateway: 'web' } }) }),
      ]);
      new kplus.Namespace(chart, 'team-ns', { metadata: { name: 'team', labels: { gateway: 'web' } } });
      const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
      new CertManagerCert(chart, 'team', { namespace: 'team', issuer, dnsNames: ['one.apps.example.com'] });
      expect(() => synth(app)).not.toThrow();
      new CertManagerCert(chart, 'other', { gateway, issuer, dnsNames: ['mail.example.com'] });
      expect(synthError(app)).toMatch(/\[test\/other\] spec.dnsNames\[0\]: "mail.example.com" cannot pass the HTTP-01 challenge/);
    });

    test('a name no solver selects', () => {
      const { app, chart } = newChart();
      const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.dns01Cloudflare({ apiToken: { name: 'cf' }, dnsZones: ['example.com'] })] });
      new CertManagerCert(chart, 'org', { namespace: 'web', issuer, dnsNames: ['www.example.org'] });
      expect(synthError(app)).toMatch(/\[test\/org\] spec.dnsNames\[0\]: "www.example.org" is selected by no solver of ClusterIssuer le \(their selectors: \{"dnsZones":\["example.com"\]\}\), so the order fails/);
    });

    test('two Certificates writing one Secret', () => {
      const { app, chart } = newChart();
      const issuer = IssuerRef.clusterIssuer('le');
      new CertManagerCert(chart, 'a', { namespace: 'web', issuer, dnsNames: ['a.example.com'], secretName: 'web-tls' });
      new CertManagerCert(chart, 'b', { namespace: 'web', issuer, dnsNames: ['b.example.com'], secretName: 'web-tls' });
      const msg = synthError(app);
      expect(msg).toMatch(/\[test\/a\] spec.secretName: "web-tls" is also written by Certificate web\/b, and the two overwrite each other/);
      expect(msg).toMatch(/\[test\/b\] spec.secretName: "web-tls" is also written by Certificate web\/a/);
    });
  });
});

describe("cert-manager's Gateway annotation mode", () => {
  test('annotates the Gateway; the Secrets the shim promises resolve', () => {
    const { app, chart, gateway } = webGateway();
    const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
    issuer.annotateGateway(gateway, { duration: '2160h', renewBefore: '360h', privateKey: { algorithm: PrivateKeyAlgorithm.ECDSA, size: 384 }, usages: [KeyUsage.SERVER_AUTH] });
    gateway.addListener(Listener.https({ hostname: 'www.example.com', certificates: [TlsCertificate.fromSecret('www-tls')] }));
    const gw = find(synth(app), 'Gateway', 'web-gateway');
    expect(gw.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'le',
      'cert-manager.io/duration': '2160h',
      'cert-manager.io/renew-before': '360h',
      'cert-manager.io/usages': 'server auth',
      'cert-manager.io/private-key-algorithm': 'ECDSA',
      'cert-manager.io/private-key-size': '384',
    });
    ExternalNamespaces.of(app).add('gateway'); // created elsewhere: no NamespaceNotCreated either
    expect(checkApp(app).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  test('namespaced and external issuers', () => {
    const { app, chart, gateway } = webGateway();
    Issuer.selfSigned(chart, 'self', { namespace: 'gateway' }).annotateGateway(gateway);
    const other = new Gateway(chart, 'other', { namespace: 'gateway', gatewayClass: GatewayClass.fromName('nginx'), listeners: [Listener.http()] });
    IssuerRef.of({ group: 'certmanager.step.sm', kind: 'StepClusterIssuer', name: 'step' }).annotateGateway(other);
    const objs = synth(app);
    expect(find(objs, 'Gateway', 'web-gateway').metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'self' });
    expect(find(objs, 'Gateway', 'other').metadata.annotations).toEqual({
      'cert-manager.io/issuer': 'step',
      'cert-manager.io/issuer-kind': 'StepClusterIssuer',
      'cert-manager.io/issuer-group': 'certmanager.step.sm',
    });
    const elsewhere = Issuer.selfSigned(chart, 'elsewhere', { namespace: 'apps' });
    const third = new Gateway(chart, 'third', { namespace: 'gateway', gatewayClass: GatewayClass.fromName('nginx') });
    expect(() => elsewhere.annotateGateway(third)).toThrow(/is an Issuer in namespace apps, but the Gateway is in gateway/);
    expect(() => IssuerRef.clusterIssuer('x').annotateGateway(gateway)).toThrow(/the Gateway is already annotated for Issuer\/self/);
  });

  test('listeners without hostname, cross-namespace refs, wildcard with HTTP-01, a Secret also written by a Certificate', () => {
    const { app, chart, gateway } = webGateway();
    const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
    issuer.annotateGateway(gateway);
    gateway.addListener(Listener.https({ name: 'no-host', certificates: [TlsCertificate.fromSecret('any-tls')] }));
    gateway.addListener(Listener.https({ name: 'other-ns', hostname: 'a.example.com', certificates: [TlsCertificate.fromSecret('a-tls', { namespace: 'certs' })] }));
    gateway.addListener(Listener.https({ name: 'wild', hostname: '*.example.com', certificates: [TlsCertificate.fromSecret('wild-tls')] }));
    const cert = new CertManagerCert(chart, 'b', { gateway, issuer, dnsNames: ['b.example.com'] });
    gateway.addListener(Listener.https({ name: 'both', hostname: 'b.example.com', certificates: [cert] }));
    const msg = synthError(app);
    expect(msg).toMatch(/\[test\/web-gateway\] spec.listeners\[1\]: "no-host" has no hostname, so cert-manager's gateway-shim skips the listener and issues no certificate for it. Fix: set `hostname`/);
    expect(msg).toMatch(/\[test\/web-gateway\] spec.listeners\[2\].tls.certificateRefs\[0\]: "certs\/a-tls" is in another namespace than the Gateway \(gateway\), and cert-manager's gateway-shim only issues into Secrets of the Gateway's namespace/);
    expect(msg).toMatch(/\[test\/web-gateway\] spec.listeners\[3\].hostname: "\*.example.com" is a wildcard name, but ClusterIssuer le would validate it with HTTP-01/);
    expect(msg).toMatch(/\[test\/web-gateway\] spec.listeners\[4\].tls.certificateRefs\[0\]: "b-tls" is also written by Certificate gateway\/b; with the annotation, cert-manager's gateway-shim creates a second Certificate/);
  });
});
