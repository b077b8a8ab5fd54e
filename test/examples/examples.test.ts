import { checkApp } from '../../src';
import { find, synth } from '../util';
import { exampleNames, loadExample } from './helpers';

const examples = exampleNames();
const load = (name: string) => loadExample(name, 'examples');

test('the scenario examples exist', () => {
  expect(examples).toEqual(expect.arrayContaining(['homelab', 'kind-istio', 'mixed-protocols']));
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
  test('the gateway is pinned to 192.168.1.240 of a MetalLB L2 pool', () => {
    const objs = objects();
    expect(find(objs, 'IPAddressPool', 'lan', 'metallb-system').spec).toEqual({ addresses: ['192.168.1.240-192.168.1.250'] });
    expect(find(objs, 'L2Advertisement', 'lan', 'metallb-system').spec).toEqual({ ipAddressPools: ['lan'] });
    const gw = find(objs, 'Gateway', 'web-gateway', 'gateway');
    expect(gw.spec.addresses).toEqual([{ type: 'IPAddress', value: '192.168.1.240' }]);
    expect(gw.spec.infrastructure).toEqual({ annotations: { 'metallb.io/loadBalancerIPs': '192.168.1.240' } });
  });
  test("certificates from Let's Encrypt, validated by HTTP-01 through the gateway's port-80 listener", () => {
    const objs = objects();
    const acme = find(objs, 'ClusterIssuer', 'letsencrypt-prod').spec.acme;
    expect(acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(acme.solvers).toEqual([{
      http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'http' }] } },
    }]);
    const issuerRef = { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' };
    expect(find(objs, 'Certificate', 'www', 'gateway').spec).toEqual({ secretName: 'www-tls', issuerRef, dnsNames: ['www.example.com'] });
    expect(find(objs, 'Certificate', 'apps', 'gateway').spec).toEqual({ secretName: 'apps-tls', issuerRef, dnsNames: ['photos.example.com', 'wiki.example.com', 'nas.example.com'] });
    const listeners = find(objs, 'Gateway', 'web-gateway', 'gateway').spec.listeners;
    expect(listeners.map((l: any) => [l.name, l.hostname, l.tls?.certificateRefs])).toEqual([
      ['http', undefined, undefined],
      ['https-www', 'www.example.com', [{ group: '', kind: 'Secret', name: 'www-tls' }]],
      ['https-apps', undefined, [{ group: '', kind: 'Secret', name: 'apps-tls' }]],
    ]);
    expect(find(objs, 'HTTPRoute', 'https-redirect', 'gateway').spec.hostnames).toEqual(['www.example.com', 'photos.example.com', 'wiki.example.com', 'nas.example.com']);
  });
  test('the NAS at 172.30.1.77:5001 is routed over TLS at nas.example.com', () => {
    const objs = objects();
    expect(find(objs, 'Service', 'nas', 'nas').spec).toEqual({ ports: [{ name: 'https', port: 5001, targetPort: 5001, protocol: 'TCP', appProtocol: 'https' }] });
    expect(find(objs, 'EndpointSlice', 'nas', 'nas')).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['172.30.1.77'] }], ports: [{ name: 'https', port: 5001 }] });
    expect(find(objs, 'BackendTLSPolicy', 'nas', 'nas').spec).toEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'nas' }],
      validation: { hostname: 'nas.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'nas-ca' }] },
    });
    const route = find(objs, 'HTTPRoute', 'nas', 'nas');
    expect(route.spec.hostnames).toEqual(['nas.example.com']);
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web-gateway', namespace: 'gateway', sectionName: 'https-apps' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'nas', port: 5001 }]);
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
    // Istio copies spec.addresses into the Service's loadBalancerIP: the annotation names only the pool
    expect(gw.spec.infrastructure).toEqual({ annotations: { 'metallb.io/address-pool': 'kind' } });
    expect(find(objs, 'IPAddressPool', 'kind', 'metallb-system').spec).toEqual({ addresses: ['172.18.255.200-172.18.255.250'] });
    expect(find(objs, 'L2Advertisement', 'kind', 'metallb-system').spec).toEqual({ ipAddressPools: ['kind'] });
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

describe('scenario 4 (one gateway, many protocols and teams)', () => {
  const stageApp = (stage: string) => loadExample('mixed-protocols', 'examples', stage);
  test('prod: HTTP, HTTPS (wildcard from cert-manager by DNS-01), TLS passthrough, gRPC and MySQL listeners with their namespaces', () => {
    const objs = synth(stageApp('prod'));
    const gw = find(objs, 'Gateway', 'mixed-gateway', 'infra');
    expect(gw.spec.gatewayClassName).toBe('cdk8s-gateway');
    expect(gw.spec.listeners.map((l: any) => `${l.name}:${l.protocol}:${l.port}:${l.hostname ?? ''}:${l.allowedRoutes?.namespaces?.from ?? 'Same'}`)).toEqual([
      'http:HTTP:80::Same',
      'https:HTTPS:443:*.example.com:Selector',
      'tls-passthrough:TLS:443:tls.example.com:All',
      'grpc:HTTP:50051::All',
      'mysql:TCP:3306::Selector',
    ]);
    expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'wildcard-tls' }]);
    expect(find(objs, 'Certificate', 'wildcard', 'infra').spec.dnsNames).toEqual(['*.example.com']);
    expect(find(objs, 'ClusterIssuer', 'letsencrypt-prod').spec.acme.solvers).toEqual([{ dns01: { route53: { region: 'eu-west-1' } } }]);
    expect(find(objs, 'GRPCRoute', 'status', 'grpc').spec.rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'my.grpc.Service', method: 'GetStatus' } }]);
    expect(find(objs, 'TLSRoute', 'secure', 'secure').spec.hostnames).toEqual(['tls.example.com']);
    expect(find(objs, 'TCPRoute', 'mysql', 'db').spec.rules[0].backendRefs).toEqual([{ name: 'mysql-db', port: 3306 }]);
    const portal = find(objs, 'HTTPRoute', 'game-portal', 'games');
    expect(portal.spec.rules.map((r: any) => [r.matches[0].path.value, r.filters[0].urlRewrite.path, r.backendRefs[0]])).toEqual([
      ['/mario', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' }, { name: 'mario', namespace: 'mario-ns', port: 80 }],
      ['/tetris', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' }, { name: 'tetris', namespace: 'tetris-ns', port: 80 }],
    ]);
    for (const game of ['mario', 'tetris']) {
      expect(find(objs, 'ReferenceGrant', 'games-httproute-to-service', `${game}-ns`).spec.to).toEqual([{ group: '', kind: 'Service', name: game }]);
    }
  });
  test('the proxy Service is a LoadBalancer pinned to 10.10.10.62 with externalTrafficPolicy Local', () => {
    const objs = synth(stageApp('prod'));
    const svc = find(objs, 'Service', 'mixed-gateway-proxy', 'infra');
    expect(svc.metadata.annotations).toEqual({ 'metallb.io/loadBalancerIPs': '10.10.10.62' });
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    expect(svc.spec.loadBalancerIP).toBeUndefined();
    expect(find(objs, 'IPAddressPool', 'lb', 'metallb-system').spec.addresses).toEqual(['10.10.10.60-10.10.10.69']);
    const conf: string = find(objs, 'ConfigMap', 'mixed-gateway-proxy-config', 'infra').data['nginx.conf'];
    expect(conf).toMatch(/ssl_preread on;/);
    const grpcUpstream = /grpc_pass grpc:\/\/(\w+);/.exec(conf)?.[1];
    expect(grpcUpstream).toBeDefined();
    expect(conf).toContain(`upstream ${grpcUpstream} {`);
    expect(conf).toMatch(/listen 3306;/);
  });
  test('one chart, three stages: class name, hostnames, address and TLS termination differ', () => {
    const dev = synth(stageApp('dev'));
    const staging = synth(stageApp('staging'));
    const devGw = find(dev, 'Gateway', 'mixed-gateway', 'infra');
    expect(devGw.spec.gatewayClassName).toBe('cdk8s-gateway-dev');
    expect(devGw.spec.addresses).toEqual([{ type: 'IPAddress', value: '10.10.10.64' }]);
    expect(devGw.spec.listeners.map((l: any) => l.name)).toEqual(['http', 'tls-passthrough', 'grpc', 'mysql']);
    expect(dev.some((o) => o.kind === 'Certificate' || o.kind === 'ClusterIssuer')).toBe(false);
    expect(find(dev, 'HTTPRoute', 'web', 'web').spec).toMatchObject({ hostnames: ['www.dev.example.com'], parentRefs: [{ sectionName: 'http' }] });
    expect(find(staging, 'Gateway', 'mixed-gateway', 'infra').spec.listeners[1].hostname).toBe('*.staging.example.com');
    for (const stage of ['dev', 'staging']) expect(checkApp(stageApp(stage)).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });
});
