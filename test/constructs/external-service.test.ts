import {
  AppProtocol,
  Backend,
  BackendTls,
  checkApp,
  ExternalNamespaces,
  ExternalService,
  Gateway,
  GatewayClass,
  HttpRoute,
  Listener,
  ParentRef,
  resolve,
  RouteNamespaces,
} from '../../src';
import { find, newChart, synth } from '../util';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FfdGVzdA==\n-----END CERTIFICATE-----\n';

describe('ExternalService', () => {
  test("scenario 1's NAS over HTTPS: selector-less Service, EndpointSlice, BackendTLSPolicy", () => {
    const { app, chart } = newChart();
    const nas = new ExternalService(chart, 'nas', { namespace: 'nas', address: '172.30.1.77', port: 5001, tls: BackendTls.systemCertificates('nas.example.com') });
    expect(nas.endpoint).toBe('172.30.1.77:5001');
    const objs = synth(app);
    expect(find(objs, 'Service', 'nas', 'nas')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'nas', namespace: 'nas' },
      spec: { ports: [{ name: 'https', port: 5001, targetPort: 5001, protocol: 'TCP', appProtocol: 'https' }] },
    });
    expect(find(objs, 'EndpointSlice', 'nas', 'nas')).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'nas', namespace: 'nas', labels: { 'kubernetes.io/service-name': 'nas', 'endpointslice.kubernetes.io/managed-by': 'cdk8s-gateway' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['172.30.1.77'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 5001, protocol: 'TCP', appProtocol: 'https' }],
    });
    expect(find(objs, 'BackendTLSPolicy', 'nas', 'nas')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'nas', namespace: 'nas' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'nas' }], validation: { hostname: 'nas.example.com', wellKnownCACertificates: 'System' } },
    });
  });

  test('routes to it like any Service; the resolver applies the BackendTLSPolicy', () => {
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', {
      namespace: 'gateway',
      gatewayClass: GatewayClass.builtin(chart, 'class'),
      listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })],
    });
    const nas = new ExternalService(chart, 'nas', { namespace: 'nas', address: '172.30.1.77', port: 5001, servicePort: 443, tls: BackendTls.fromCaPem('nas.example.com', PEM, { subjectAltNames: ['nas.local'] }) });
    new HttpRoute(chart, 'nas-route', { namespace: 'nas', parents: [ParentRef.gateway(gateway)], hostnames: ['nas.example.com'], rules: [{ backends: [Backend.fromExternalService(nas)] }] });
    const objs = synth(app);
    expect(find(objs, 'HTTPRoute', 'nas-route', 'nas').spec.rules[0].backendRefs).toEqual([{ name: 'nas', port: 443 }]);
    expect(find(objs, 'ConfigMap', 'nas-ca', 'nas').data).toEqual({ 'ca.crt': PEM });
    expect(find(objs, 'BackendTLSPolicy', 'nas', 'nas').spec.validation).toEqual({
      hostname: 'nas.example.com',
      caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'nas-ca' }],
      subjectAltNames: [{ type: 'Hostname', hostname: 'nas.local' }],
    });
    ExternalNamespaces.of(app).add('gateway', 'nas'); // created elsewhere: no NamespaceNotCreated either
    expect(checkApp(app).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const backend = resolve(objs).model.routes[0].rules[0].backends[0];
    expect(backend).toMatchObject({ valid: true, appProtocol: 'https', tls: { hostname: 'nas.example.com', valid: true } });
  });

  test('IPv6 and FQDN addresses, h2c, cross-namespace backends get their grant', () => {
    const { app, chart } = newChart();
    const v6 = new ExternalService(chart, 'grpc-box', { namespace: 'ext', address: 'fd00::7', port: 9000, appProtocol: AppProtocol.H2C });
    const dns = new ExternalService(chart, 'legacy', { namespace: 'ext', address: 'legacy.lan.example.com', port: 8080 });
    expect(v6.endpoint).toBe('[fd00::7]:9000');
    new HttpRoute(chart, 'r', { namespace: 'apps', rules: [{ backends: [Backend.fromExternalService(v6), Backend.fromExternalService(dns, { weight: 10 })] }] });
    const objs = synth(app);
    expect(find(objs, 'EndpointSlice', 'grpc-box', 'ext')).toMatchObject({ addressType: 'IPv6', ports: [{ name: 'h2c', port: 9000, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }] });
    expect(find(objs, 'Service', 'grpc-box', 'ext').spec.ports).toEqual([{ name: 'h2c', port: 9000, targetPort: 9000, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }]);
    expect(find(objs, 'EndpointSlice', 'legacy', 'ext')).toMatchObject({ addressType: 'FQDN', endpoints: [{ addresses: ['legacy.lan.example.com'] }], ports: [{ name: 'http', port: 8080 }] });
    expect(find(objs, 'Service', 'legacy', 'ext').spec.ports[0].appProtocol).toBeUndefined();
    expect(objs.some((o) => o.kind === 'BackendTLSPolicy')).toBe(false);
    expect(find(objs, 'ReferenceGrant', 'apps-httproute-to-service', 'ext').spec.to).toEqual([
      { group: '', kind: 'Service', name: 'grpc-box' },
      { group: '', kind: 'Service', name: 'legacy' },
    ]);
  });

  describe('local checks', () => {
    test('the TLS hostname must be a DNS name', () => {
      expect(() => BackendTls.systemCertificates('172.30.1.77')).toThrow(/validation.hostname: "172.30.1.77" is an IP address, but a BackendTLSPolicy needs a DNS name/);
      expect(() => BackendTls.systemCertificates('*.example.com')).toThrow(/validation.hostname: "\*.example.com" is not a DNS subdomain/);
    });
    test('the CA must be PEM', () => {
      expect(() => BackendTls.fromCaPem('nas.example.com', 'MIIB...')).toThrow(/ca.crt: "MIIB..." is not a PEM certificate/);
    });
    test('address, ports, names and protocol/TLS agreement', () => {
      const { chart } = newChart();
      expect(() => new ExternalService(chart, 'a', { address: 'not an address', port: 80 })).toThrow(/endpoints\[0\].addresses\[0\]: "not an address" is neither an IP address nor a DNS name/);
      expect(() => new ExternalService(chart, 'b', { address: '10.0.0.1', port: 70000 })).toThrow(/port: 70000 is not a port number/);
      expect(() => new ExternalService(chart, '1nas', { address: '10.0.0.1', port: 80 })).toThrow(/metadata.name: "1nas" is not a Service name/);
      expect(() => new ExternalService(chart, 'c', { address: '10.0.0.1', port: 443, appProtocol: AppProtocol.HTTPS })).toThrow(/says the backend speaks TLS, but without `tls` no BackendTLSPolicy/);
      expect(() => new ExternalService(chart, 'd', { address: '10.0.0.1', port: 443, appProtocol: AppProtocol.H2C, tls: BackendTls.systemCertificates('d.example.com') })).toThrow(/is a cleartext protocol, but `tls`/);
      expect(() => new ExternalService(chart, 'e', { address: '10.0.0.1', port: 443, portName: 'Web_UI' })).toThrow(/spec.ports\[0\].name: "Web_UI" is not a port name/);
    });
  });
});

test('an ExternalService without namespace is in default, also for routes elsewhere', () => {
  const { app, chart } = newChart();
  const ext = new ExternalService(chart, 'box', { address: '10.0.0.9', port: 8080 });
  new HttpRoute(chart, 'r', { namespace: 'apps', rules: [{ backends: [Backend.fromExternalService(ext)] }] });
  new HttpRoute(chart, 'same', { rules: [{ backends: [Backend.fromExternalService(ext)] }] });
  const objs = synth(app);
  expect(find(objs, 'HTTPRoute', 'r', 'apps').spec.rules[0].backendRefs).toEqual([{ name: 'box', namespace: 'default', port: 8080 }]);
  expect(find(objs, 'HTTPRoute', 'same').spec.rules[0].backendRefs).toEqual([{ name: 'box', port: 8080 }]);
  expect(find(objs, 'ReferenceGrant', 'apps-httproute-to-service', 'default').spec.to).toEqual([{ group: '', kind: 'Service', name: 'box' }]);
});
