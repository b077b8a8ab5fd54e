import { resolve } from '../../src/resolve';
import { cond, diag, gateway, gatewayClass, grant, http, https, listenerOf, statusOf, tlsSecret } from './fixtures';

describe('Gateway listeners', () => {
  test('a valid HTTP listener is accepted, programmed, resolved, not conflicted', () => {
    const res = resolve([gatewayClass(), gateway('web', [http()])]);
    const gw = statusOf(res, 'Gateway', 'web');
    expect(cond(gw.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 1 });
    expect(cond(gw.conditions, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    const l = listenerOf(res, 'web', 'http');
    expect(l.supportedKinds).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
      { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
    ]);
    expect(l.attachedRoutes).toBe(0);
    expect(l.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Accepted=True/Accepted',
      'Programmed=True/Programmed',
      'ResolvedRefs=True/ResolvedRefs',
      'Conflicted=False/NoConflicts',
    ]);
    expect(res.diagnostics).toEqual([]);
    expect(statusOf(res, 'GatewayClass', 'ours').conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });

  test('observedGeneration follows metadata.generation', () => {
    const g = gateway('web', [http()]);
    const res = resolve([{ ...g, metadata: { ...g.metadata, generation: 7 } }]);
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted').observedGeneration).toBe(7);
  });

  test('Gateways of another controller get no status', () => {
    const res = resolve([gatewayClass('ours', 'example.com/other'), gateway('web', [http()])]);
    expect(res.status.filter((s) => s.kind === 'Gateway')).toEqual([]);
  });

  test('Gateways whose class is not in the input are resolved', () => {
    const res = resolve([gateway('web', [http()])]);
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted').status).toBe('True');
  });

  test('UnsupportedProtocol: listener not accepted, no supported kinds; only listener → Gateway not accepted', () => {
    const res = resolve([gateway('web', [{ name: 'bad', port: 1111, protocol: 'INVALID' }])]);
    const l = listenerOf(res, 'web', 'bad');
    expect(l.supportedKinds).toEqual([]);
    expect(cond(l.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'ListenersNotValid' });
    const d = diag(res, 'UnsupportedProtocol');
    expect(d).toMatchObject({ severity: 'error', field: 'spec.listeners[0].protocol' });
    expect(d.message).toContain('"INVALID"');
    expect(d.fix).toContain('HTTP, HTTPS, TLS, TCP, UDP');
  });

  test('one invalid listener next to a valid one: Accepted True with ListenersNotValid', () => {
    const res = resolve([gateway('web', [http(), { name: 'bad', port: 1111, protocol: 'INVALID' }])]);
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'ListenersNotValid' });
  });

  test('InvalidRouteKinds keeps the valid kinds', () => {
    const res = resolve([gateway('web', [{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { kinds: [{ kind: 'TCPRoute' }, { kind: 'TLSRoute' }] } }])]);
    const l = listenerOf(res, 'web', 'tls');
    expect(l.supportedKinds).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'TLSRoute' }]);
    expect(cond(l.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidRouteKinds' });
    const d = diag(res, 'InvalidRouteKinds');
    expect(d.field).toBe('spec.listeners[0].allowedRoutes.kinds[0]');
    expect(d.message).toContain('TCPRoute');
    expect(d.fix).toContain('remove TCPRoute');
  });

  test('ProtocolConflict: same port, different protocols, both conflicted', () => {
    const res = resolve([gateway('web', [http('a', 80), { name: 'b', port: 80, protocol: 'TCP' }])]);
    for (const n of ['a', 'b']) {
      const l = listenerOf(res, 'web', n);
      expect(cond(l.conditions, 'Conflicted')).toMatchObject({ status: 'True', reason: 'ProtocolConflict' });
      expect(cond(l.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'ProtocolConflict' });
      expect(cond(l.conditions, 'Programmed')).toMatchObject({ status: 'False', reason: 'ProtocolConflict' });
    }
    const d = diag(res, 'ProtocolConflict');
    expect(d.field).toBe('spec.listeners[0]');
    expect(d.fix).toContain('another port');
  });

  test('HostnameConflict: same port, protocol and hostname', () => {
    const res = resolve([gateway('web', [http('a', 80, { hostname: 'x.com' }), http('b', 80, { hostname: 'x.com' }), http('c', 80, { hostname: 'y.com' })])]);
    expect(cond(listenerOf(res, 'web', 'a').conditions, 'Conflicted')).toMatchObject({ status: 'True', reason: 'HostnameConflict' });
    expect(cond(listenerOf(res, 'web', 'c').conditions, 'Conflicted')).toMatchObject({ status: 'False' });
    expect(diag(res, 'HostnameConflict').fix).toContain('distinct hostname');
  });

  test('HTTPS and TLS share a port when hostnames differ; UDP and TCP never conflict', () => {
    const res = resolve([
      gateway('web', [
        https('h', 'cert', { hostname: 'a.com' }),
        { name: 't', port: 443, protocol: 'TLS', hostname: 'b.com', tls: { mode: 'Passthrough' } },
        { name: 'u', port: 53, protocol: 'UDP' },
        { name: 'p', port: 53, protocol: 'TCP' },
      ]),
      tlsSecret('cert'),
    ]);
    for (const n of ['h', 't', 'u', 'p']) expect(cond(listenerOf(res, 'web', n).conditions, 'Conflicted').status).toBe('False');
  });

  describe('certificateRefs', () => {
    test('resolved Secret', () => {
      const res = resolve([gateway('web', [https()]), tlsSecret('cert')]);
      expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').status).toBe('True');
      expect(res.model.gateways[0].listeners[0].certificates).toEqual([{ namespace: 'infra', name: 'cert' }]);
    });

    test('missing Secret: error when the input holds Secrets', () => {
      const res = resolve([gateway('web', [https('https', 'missing')]), tlsSecret('cert')]);
      const l = listenerOf(res, 'web', 'https');
      expect(cond(l.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef' });
      expect(cond(l.conditions, 'Programmed')).toMatchObject({ status: 'False', reason: 'Invalid' });
      const d = diag(res, 'InvalidCertificateRef');
      expect(d).toMatchObject({ severity: 'error', field: 'spec.listeners[0].tls.certificateRefs[0]' });
      expect(d.message).toContain('infra/missing');
      expect(d.message).toContain('cert');
      expect(d.fix).toContain('kubernetes.io/tls');
    });

    test('missing Secret: warning when the input holds no Secret at all (partial input)', () => {
      const res = resolve([gateway('web', [https()])]);
      const d = diag(res, 'InvalidCertificateRef');
      expect(d.severity).toBe('warning');
      expect(d.message).toContain('partial');
    });

    test('wrong kind', () => {
      const res = resolve([gateway('web', [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ kind: 'ConfigMap', name: 'c' }] } }])]);
      expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').reason).toBe('InvalidCertificateRef');
      expect(diag(res, 'InvalidCertificateRef').fix).toContain('kind Secret');
    });

    test('malformed Secret', () => {
      const bad = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'infra' }, type: 'Opaque', data: {} };
      const res = resolve([gateway('web', [https()]), bad]);
      expect(diag(res, 'InvalidCertificateRef').message).toContain('not kubernetes.io/tls');
    });

    test('cross-namespace without grant: RefNotPermitted with a grant fix; with grant: resolved', () => {
      const l = { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } };
      const res = resolve([gateway('web', [l]), tlsSecret('cert', 'certs')]);
      expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').reason).toBe('RefNotPermitted');
      const d = diag(res, 'RefNotPermitted');
      expect(d.fix).toContain('add a ReferenceGrant in namespace certs from Gateway in infra to Secret cert');
      const ok = resolve([
        gateway('web', [l]),
        tlsSecret('cert', 'certs'),
        grant('certs', [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], [{ group: '', kind: 'Secret' }]),
      ]);
      expect(cond(listenerOf(ok, 'web', 'https').conditions, 'ResolvedRefs').status).toBe('True');
      // a grant for another kind / name does not count
      const wrong = resolve([
        gateway('web', [l]),
        tlsSecret('cert', 'certs'),
        grant('certs', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }], [{ group: '', kind: 'Secret' }]),
        grant('certs', [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], [{ group: '', kind: 'Secret', name: 'other' }], 'g2'),
      ]);
      expect(cond(listenerOf(wrong, 'web', 'https').conditions, 'ResolvedRefs').reason).toBe('RefNotPermitted');
    });
  });
});

describe('Secrets that cert-manager will write', () => {
  const l = https('https', 'web-tls');
  test('a cert-manager Certificate with that secretName resolves the reference', () => {
    const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: 'infra' }, spec: { secretName: 'web-tls', dnsNames: ['a.example'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } } };
    const res = resolve([gateway('web', [l]), cert, tlsSecret('unrelated')]);
    expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').status).toBe('True');
    expect(res.diagnostics).toEqual([]);
  });
  test('a Gateway annotated for the cert-manager gateway-shim resolves same-namespace Secrets', () => {
    const g = gateway('web', [l]);
    const res = resolve([{ ...g, metadata: { ...g.metadata, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } } }, tlsSecret('unrelated')]);
    expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').status).toBe('True');
  });
  test('without either, the missing Secret is an error when other Secrets exist', () => {
    const res = resolve([gateway('web', [l]), tlsSecret('unrelated')]);
    expect(diag(res, 'InvalidCertificateRef').severity).toBe('error');
  });
});

test('findings that only follow from partial input stay warnings (no error cascades from a missing Secret)', () => {
  const res = resolve([gateway('web', [https()])]);
  expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'ListenersNotValid' });
  expect(res.diagnostics.map((d) => `${d.severity} ${d.code}`).sort()).toEqual(['warning InvalidCertificateRef', 'warning ListenersNotValid']);
  // once the input holds Secrets, the same gap is an error
  const full = resolve([gateway('web', [https()]), tlsSecret('other')]);
  expect(full.diagnostics.map((d) => `${d.severity} ${d.code}`).sort()).toEqual(['error InvalidCertificateRef', 'error ListenersNotValid']);
});
