import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { cond, diag, gateway, gatewayClass, grant, http, https, listenerOf, statusOf, tlsSecret } from './fixtures';

const ca = (name: string, ns = 'infra'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n' } });

describe('Gateway-level configuration', () => {
  test('GatewayClass parametersRef that does not exist: InvalidParameters', () => {
    const cls = { ...gatewayClass(), spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy', parametersRef: { group: 'example.com', kind: 'Config', name: 'x' } } };
    const res = resolve([cls, gateway('web', [http()])]);
    expect(statusOf(res, 'GatewayClass', 'ours').conditions[0]).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(diag(res, 'InvalidParameters').field).toBe('spec.parametersRef');
    expect(diag(res, 'Invalid')).toMatchObject({ field: 'spec.gatewayClassName', object: { kind: 'Gateway', name: 'web' } });
  });

  test('GatewayClass parametersRef follows the partial-input rule of the Gateway\'s: a warning when the input holds no object of that kind, an error when it does', () => {
    const cls = { ...gatewayClass(), spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy', parametersRef: { group: 'example.com', kind: 'Config', name: 'x', namespace: 'infra' } } };
    const partial = resolve([cls, gateway('web', [http()])]);
    expect(diag(partial, 'InvalidParameters')).toMatchObject({ severity: 'warning', field: 'spec.parametersRef' });
    expect(diag(partial, 'InvalidParameters').message).toContain('(the input holds no Config objects, so it may be partial)');
    expect(diag(partial, 'Invalid')).toMatchObject({ severity: 'warning', field: 'spec.gatewayClassName' });
    const other: KubeObject = { apiVersion: 'example.com/v1', kind: 'Config', metadata: { name: 'other', namespace: 'infra' } } as KubeObject;
    const whole = resolve([cls, other, gateway('web', [http()])]);
    expect(diag(whole, 'InvalidParameters')).toMatchObject({ severity: 'error', field: 'spec.parametersRef' });
    expect(diag(whole, 'Invalid')).toMatchObject({ severity: 'error', field: 'spec.gatewayClassName' });
  });

  test('Gateway infrastructure.parametersRef: InvalidParameters, resolved when the object exists', () => {
    const ref = { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } } };
    const res = resolve([gateway('web', [http()], ref)]);
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
    const d = diag(res, 'InvalidParameters');
    expect(d).toMatchObject({ severity: 'warning', field: 'spec.infrastructure.parametersRef' });
    const ok = resolve([gateway('web', [http()], ref), ca('params')]);
    expect(cond(statusOf(ok, 'Gateway', 'web').conditions, 'Accepted').status).toBe('True');
  });

  test('UnsupportedAddress for an address type other than IPAddress', () => {
    const res = resolve([gateway('web', [http()], { addresses: [{ type: 'Hostname', value: 'lb.example' }] })]);
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedAddress' });
    expect(diag(res, 'UnsupportedAddress').field).toBe('spec.addresses[0].type');
  });

  test('tls.backend.clientCertificateRef: InvalidClientCertificateRef / RefNotPermitted; Gateway stays accepted', () => {
    const missing = resolve([gateway('web', [http()], { tls: { backend: { clientCertificateRef: { name: 'client' } } } }), tlsSecret('other')]);
    const gw = statusOf(missing, 'Gateway', 'web');
    expect(cond(gw.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidClientCertificateRef' });
    expect(cond(gw.conditions, 'Accepted').status).toBe('True');
    expect(diag(missing, 'InvalidClientCertificateRef').field).toBe('spec.tls.backend.clientCertificateRef');
    const cross = resolve([gateway('web', [http()], { tls: { backend: { clientCertificateRef: { name: 'client', namespace: 'certs' } } } }), tlsSecret('client', 'certs')]);
    expect(cond(statusOf(cross, 'Gateway', 'web').conditions, 'ResolvedRefs').reason).toBe('RefNotPermitted');
    const ok = resolve([gateway('web', [http()], { tls: { backend: { clientCertificateRef: { name: 'client' } } } }), tlsSecret('client')]);
    expect(cond(statusOf(ok, 'Gateway', 'web').conditions, 'ResolvedRefs').status).toBe('True');
    expect(ok.model.gateways[0].backendClientCertificate).toEqual({ namespace: 'infra', name: 'client' });
  });

  describe('tls.frontend client certificate validation', () => {
    const listeners = [https('a', 'cert'), { ...https('b', 'cert', { hostname: 'b.example' }), port: 8443 }, http('plain', 80)];
    const frontend = (perPort: unknown[], def: unknown = { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } }) => ({ tls: { frontend: { default: def, perPort } } });

    test('valid CA: listener carries the client validation', () => {
      const res = resolve([gateway('web', listeners, frontend([])), tlsSecret('cert'), ca('ca')]);
      expect(cond(listenerOf(res, 'web', 'a').conditions, 'Accepted').status).toBe('True');
      expect(res.model.gateways[0].listeners[0].clientValidation).toEqual({ mode: 'AllowValidOnly', caCertificates: [{ namespace: 'infra', name: 'ca' }] });
    });

    test('per-port CA missing: ResolvedRefs False InvalidCACertificateRef, Accepted False NoValidCACertificate', () => {
      const res = resolve([gateway('web', listeners, frontend([{ port: 8443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'nope' }] } } }])), tlsSecret('cert'), ca('ca')]);
      const b = listenerOf(res, 'web', 'b');
      expect(cond(b.conditions, 'ResolvedRefs').reason).toBe('InvalidCACertificateRef');
      expect(cond(b.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NoValidCACertificate' });
      expect(cond(listenerOf(res, 'web', 'a').conditions, 'Accepted').status).toBe('True');
      expect(cond(listenerOf(res, 'web', 'plain').conditions, 'Accepted').status).toBe('True');
      expect(diag(res, 'InvalidCACertificateRef').field).toBe('spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0]');
      const nv = diag(res, 'NoValidCACertificate');
      expect(nv).toMatchObject({ severity: 'error', field: 'spec.listeners[1]' });
      expect(nv.fix).toContain('perPort entry for port 8443');
    });

    test('InvalidCACertificateKind and RefNotPermitted (a grant fixes the latter)', () => {
      const kind = resolve([gateway('web', listeners, frontend([], { validation: { caCertificateRefs: [{ group: '', kind: 'Service', name: 'x' }] } })), tlsSecret('cert')]);
      expect(cond(listenerOf(kind, 'web', 'a').conditions, 'ResolvedRefs').reason).toBe('InvalidCACertificateKind');
      expect(diag(kind, 'InvalidCACertificateKind').fix).toContain('ConfigMap');
      const cross = [gateway('web', listeners, frontend([], { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca', namespace: 'pki' }] } })), tlsSecret('cert'), ca('ca', 'pki')];
      expect(cond(listenerOf(resolve(cross), 'web', 'a').conditions, 'ResolvedRefs').reason).toBe('RefNotPermitted');
      const granted = resolve([...cross, grant('pki', [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], [{ group: '', kind: 'ConfigMap' }])]);
      expect(cond(listenerOf(granted, 'web', 'a').conditions, 'ResolvedRefs').status).toBe('True');
    });

    test('AllowInsecureFallback sets InsecureFrontendValidationMode', () => {
      const res = resolve([gateway('web', listeners, frontend([], { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } })), tlsSecret('cert'), ca('ca')]);
      expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'InsecureFrontendValidationMode')).toMatchObject({ status: 'True', reason: 'ConfigurationChanged' });
      expect(diag(res, 'InsecureFrontendValidationMode')).toMatchObject({ severity: 'warning', field: 'spec.tls.frontend' });
    });
  });

  test('UnsupportedValue for HTTPS with tls.mode Passthrough', () => {
    const res = resolve([gateway('web', [{ name: 'h', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }])]);
    expect(cond(listenerOf(res, 'web', 'h').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(diag(res, 'UnsupportedValue').fix).toContain('protocol TLS');
  });
});
