import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { diag, gateway, http, route, statusOf, GW } from './fixtures';

function policy(name: string, target: Record<string, unknown>, validation: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: GW, kind: 'BackendTLSPolicy', metadata: { name, namespace: 'infra', ...extra }, spec: { targetRefs: [{ group: '', kind: 'Service', ...target }], validation } };
}
const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'secure', namespace: 'infra' }, spec: { ports: [{ name: 'https', port: 443 }, { name: 'alt', port: 8443 }] } };
const ca = (name = 'ca'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'infra' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' } });
const base = [gateway('web', [http()]), svc, route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'secure', port: 443 }] }] })];
const ancestor = (res: ReturnType<typeof resolve>, name: string) => statusOf(res, 'BackendTLSPolicy', name).ancestors[0];
const conds = (a: any) => a.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`);

describe('BackendTLSPolicy', () => {
  test('accepted policy: ancestor status per Gateway, upstream TLS in the model', () => {
    const res = resolve([...base, ca(), policy('p', { name: 'secure', sectionName: 'https' }, { hostname: 'secure.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] })]);
    const a = ancestor(res, 'p');
    expect(a.ancestorRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'web' });
    expect(conds(a)).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    const b = res.model.routes[0].rules[0].backends[0];
    expect(b.tls).toMatchObject({ policy: { namespace: 'infra', name: 'p' }, valid: true, hostname: 'secure.example', caCertificates: [{ namespace: 'infra', name: 'ca' }] });
    expect(res.diagnostics).toEqual([]);
  });

  test('InvalidCACertificateRef + NoValidCACertificate for a missing CA ConfigMap', () => {
    const res = resolve([...base, ca('other'), policy('p', { name: 'secure' }, { hostname: 'h', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] })]);
    expect(conds(ancestor(res, 'p'))).toEqual(['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef']);
    const d = diag(res, 'InvalidCACertificateRef');
    expect(d).toMatchObject({ severity: 'error', field: 'spec.validation.caCertificateRefs[0]' });
    expect(d.message).toContain('ConfigMaps in infra: other');
    expect(diag(res, 'NoValidCACertificate').severity).toBe('error');
    expect(res.model.routes[0].rules[0].backends[0].tls?.valid).toBe(false);
  });

  test('InvalidKind for a CA reference that is not a ConfigMap', () => {
    const res = resolve([...base, policy('p', { name: 'secure' }, { hostname: 'h', caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }] })]);
    expect(conds(ancestor(res, 'p'))[1]).toBe('ResolvedRefs=False/InvalidKind');
    expect(diag(res, 'InvalidKind').fix).toContain('ConfigMap');
  });

  test('Invalid for an unsupported wellKnownCACertificates value', () => {
    const res = resolve([...base, policy('p', { name: 'secure' }, { hostname: 'h', wellKnownCACertificates: 'Corp' })]);
    expect(conds(ancestor(res, 'p'))[0]).toBe('Accepted=False/Invalid');
    expect(diag(res, 'Invalid').message).toContain('"Corp"');
    const ok = resolve([...base, policy('p', { name: 'secure' }, { hostname: 'h', wellKnownCACertificates: 'System' })]);
    expect(conds(ancestor(ok, 'p'))[0]).toBe('Accepted=True/Accepted');
  });

  test('Conflicted: the older / alphabetically first policy wins per Service port', () => {
    const v = { hostname: 'h', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] };
    const res = resolve([...base, ca(), policy('b', { name: 'secure' }, v), policy('a', { name: 'secure' }, v), policy('port', { name: 'secure', sectionName: 'https' }, v)]);
    expect(conds(ancestor(res, 'a'))[0]).toBe('Accepted=True/Accepted');
    expect(conds(ancestor(res, 'b'))[0]).toBe('Accepted=False/Conflicted');
    expect(conds(ancestor(res, 'port'))[0]).toBe('Accepted=True/Accepted');
    expect(diag(res, 'Conflicted').object.name).toBe('b');
    // the port-specific policy governs port 443
    expect(res.model.routes[0].rules[0].backends[0].tls?.policy.name).toBe('port');
    const older = resolve([...base, ca(), policy('b', { name: 'secure' }, v, { creationTimestamp: '2024-01-01T00:00:00Z' }), policy('a', { name: 'secure' }, v, { creationTimestamp: '2024-01-02T00:00:00Z' })]);
    expect(conds(ancestor(older, 'b'))[0]).toBe('Accepted=True/Accepted');
    expect(conds(ancestor(older, 'a'))[0]).toBe('Accepted=False/Conflicted');
  });

  test('TargetNotFound for a missing Service or port name', () => {
    const res = resolve([...base, ca(), policy('p', { name: 'secure', sectionName: 'htps' }, { hostname: 'h', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] })]);
    const d = diag(res, 'TargetNotFound');
    expect(d.field).toBe('spec.targetRefs[0].sectionName');
    expect(d.message).toContain('its port names: https, alt');
    const missing = resolve([...base, ca(), policy('p', { name: 'nope' }, { hostname: 'h', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] })]);
    expect(diag(missing, 'TargetNotFound').message).toContain('Service infra/nope does not exist');
  });
});
