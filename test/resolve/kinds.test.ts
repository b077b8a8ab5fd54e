import { EXPERIMENTAL_VERSIONS, resolve, STANDARD_VERSIONS } from '../../src/resolve';
import { cond, diag, gateway, http, listenerOf, parentOf, route, service, statusOf, GW } from './fixtures';

describe('route kinds and API versions', () => {
  test('GRPCRoute attaches to HTTP listeners; method match defaults to Exact', () => {
    const res = resolve([
      gateway('web', [http()]),
      service('grpc'),
      route('g', { parentRefs: [{ name: 'web' }], hostnames: ['api.example'], rules: [{ matches: [{ method: { service: 'echo.Echo', method: 'Echo' } }], backendRefs: [{ name: 'grpc', port: 8080 }] }] }, 'infra', 'GRPCRoute'),
    ]);
    expect(cond(parentOf(res, 'g', 0, 'GRPCRoute').conditions, 'Accepted').status).toBe('True');
    expect(res.model.routes[0].rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'echo.Echo', method: 'Echo' } }]);
  });

  test('TLSRoute on TLS passthrough, TCPRoute on TCP, UDPRoute on UDP; attachedRoutes per listener', () => {
    const res = resolve([
      gateway('l4', [
        { name: 'tls', port: 443, protocol: 'TLS', hostname: '*.example.com', tls: { mode: 'Passthrough' } },
        { name: 'tcp', port: 5432, protocol: 'TCP' },
        { name: 'udp', port: 53, protocol: 'UDP' },
      ]),
      service('db', [5432]),
      service('dns', [53]),
      service('tls', [443]),
      route('t', { parentRefs: [{ name: 'l4' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'tls', port: 443 }] }] }, 'infra', 'TLSRoute'),
      { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: { name: 'c', namespace: 'infra' }, spec: { parentRefs: [{ name: 'l4', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] } },
      route('u', { parentRefs: [{ name: 'l4', port: 53 }], rules: [{ backendRefs: [{ name: 'dns', port: 53 }] }] }, 'infra', 'UDPRoute'),
    ]);
    expect(listenerOf(res, 'l4', 'tls').attachedRoutes).toBe(1);
    expect(listenerOf(res, 'l4', 'tcp').attachedRoutes).toBe(1);
    expect(listenerOf(res, 'l4', 'udp').attachedRoutes).toBe(1);
    expect(statusOf(res, 'TCPRoute', 'c').parents[0].conditions[0].status).toBe('True');
    const ls = res.model.gateways[0].listeners;
    expect(ls[0].routes[0].hostnames).toEqual(['a.example.com']);
    expect(ls[1].routes[0].rules[0].matches).toEqual([]);
  });

  test('HTTPRoute v1beta1 and ReferenceGrant v1beta1 are understood', () => {
    const res = resolve([
      gateway('web', [http()]),
      service('app', [8080], 'other'),
      { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'infra' }, spec: { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', namespace: 'other', port: 8080 }] }] } },
      { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'other' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }], to: [{ group: '', kind: 'Service' }] } },
    ]);
    const s = res.status.find((x) => x.kind === 'HTTPRoute')!;
    expect(s.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(cond((s.status as any).parents[0].conditions, 'ResolvedRefs').status).toBe('True');
  });

  test('UnsupportedVersion: an apiVersion neither channel of the v1.6.1 CRDs serves is an error; the object is ignored', () => {
    const res = resolve([gateway('web', [http()]), { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'infra' }, spec: { parentRefs: [{ name: 'web' }] } }]);
    const d = diag(res, 'UnsupportedVersion');
    expect(d).toMatchObject({ severity: 'error', field: 'apiVersion' });
    expect(d.message).toBe(
      'apiVersion gateway.networking.k8s.io/v1alpha2 of HTTPRoute is not served by the Gateway API v1.6.1 CRDs ' +
        '(both channels serve gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1); the API server rejects the object, so it is ignored here',
    );
    expect(d.fix).toBe('set apiVersion to gateway.networking.k8s.io/v1 (served by both channels) and adapt the fields that changed since v1alpha2');
    expect(res.status.find((x) => x.kind === 'HTTPRoute')).toBeUndefined();
    // reported once: the schema stage does not repeat it as NotServed
    expect(res.diagnostics.filter((x) => x.object.kind === 'HTTPRoute').map((x) => x.code)).toEqual(['UnsupportedVersion']);
  });

  test('UnsupportedVersion: TLSRoute v1alpha2 is served only by the experimental channel: warning, still resolved', () => {
    const res = resolve([
      gateway('tls', [{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      service('app', [443]),
      { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute', metadata: { name: 'r', namespace: 'infra' }, spec: { parentRefs: [{ name: 'tls' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'app', port: 443 }] }] } },
    ]);
    const d = diag(res, 'UnsupportedVersion');
    expect(d).toMatchObject({ severity: 'warning', field: 'apiVersion', object: { kind: 'TLSRoute', name: 'r' } });
    expect(d.message).toContain('served only by the experimental-channel CRDs');
    expect(d.message).toContain('standard channel serves gateway.networking.k8s.io/v1; experimental channel serves gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1alpha3, gateway.networking.k8s.io/v1alpha2');
    expect(d.fix).toBe('set apiVersion to gateway.networking.k8s.io/v1 (served by both channels), or install the Gateway API experimental-channel CRDs');
    expect(cond(parentOf(res, 'r', 0, 'TLSRoute').conditions, 'Accepted').status).toBe('True');
    expect(res.diagnostics.map((x) => x.code)).toEqual(['UnsupportedVersion']);
  });

  test('DuplicateObject', () => {
    const res = resolve([gateway('web', [http()]), gateway('web', [http('other')])]);
    expect(diag(res, 'DuplicateObject').severity).toBe('warning');
    expect(statusOf(res, 'Gateway', 'web').listeners[0].name).toBe('other');
  });

  test('ServiceImport backends', () => {
    const imp = { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'remote', namespace: 'infra' }, spec: { ports: [{ port: 80 }] } };
    const res = resolve([gateway('web', [http()]), imp, route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'remote', port: 80 }] }] })]);
    expect(res.model.routes[0].rules[0].backends[0]).toMatchObject({ valid: true, kind: 'ServiceImport' });
  });

  test('namespaced objects without a namespace use defaultNamespace', () => {
    const res = resolve(
      [
        { apiVersion: GW, kind: 'Gateway', metadata: { name: 'web' }, spec: { gatewayClassName: 'x', listeners: [http()] } },
        { apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'web' }] } },
      ],
      { defaultNamespace: 'apps' },
    );
    expect(statusOf(res, 'Gateway', 'web', 'apps')).toBeDefined();
    expect(cond(parentOf(res, 'r', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').status).toBe('True');
  });

  test('custom controllerName', () => {
    const cls = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'ours' }, spec: { controllerName: 'example.com/gw' } };
    const res = resolve([cls, gateway('web', [http()]), route('r', { parentRefs: [{ name: 'web' }] })], { controllerName: 'example.com/gw' });
    expect(parentOf(res, 'r').controllerName).toBe('example.com/gw');
  });
});

describe('HTTPRoute / GRPCRoute sharing a hostname on one listener', () => {
  const ts = (name: string, t: string) => ({ name, namespace: 'infra', creationTimestamp: t });
  const h = { apiVersion: GW, kind: 'HTTPRoute', metadata: ts('web', '2024-01-02T00:00:00Z'), spec: { parentRefs: [{ name: 'gw' }], hostnames: ['api.example.com'] } };
  const g = { apiVersion: GW, kind: 'GRPCRoute', metadata: ts('rpc', '2024-01-01T00:00:00Z'), spec: { parentRefs: [{ name: 'gw' }], hostnames: ['*.example.com'] } };

  test('the older route wins; the other is not accepted on that listener', () => {
    const res = resolve([gateway('gw', [http()]), h, g]);
    expect(cond(parentOf(res, 'rpc', 0, 'GRPCRoute').conditions, 'Accepted').status).toBe('True');
    expect(cond(parentOf(res, 'web').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'HostnameConflict' });
    expect(listenerOf(res, 'gw', 'http').attachedRoutes).toBe(1);
    const d = diag(res, 'HostnameConflict');
    expect(d.object.name).toBe('web');
    expect(d.message).toContain('GRPCRoute infra/rpc already serves hostname api.example.com');
  });

  test('distinct hostnames coexist', () => {
    const res = resolve([gateway('gw', [http()]), h, { ...g, spec: { ...g.spec, hostnames: ['rpc.other.org'] } }]);
    expect(listenerOf(res, 'gw', 'http').attachedRoutes).toBe(2);
  });
});

describe('served versions', () => {
  test('STANDARD_VERSIONS / EXPERIMENTAL_VERSIONS match the bundled v1.6.1 CRDs', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadBundle } = require('../../src/validate/bundles');
    const served = (bundle: string) => {
      const out: Record<string, string[]> = {};
      for (const s of Object.values(loadBundle(bundle).schemas) as any[]) {
        if (s.group !== 'gateway.networking.k8s.io') continue;
        (out[s.kind] ??= []).push(s.version);
      }
      for (const k of Object.keys(out)) out[k].sort();
      return out;
    };
    const sorted = (t: Readonly<Record<string, readonly string[]>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted(STANDARD_VERSIONS)).toEqual(served('gateway-api-standard'));
    expect(sorted(EXPERIMENTAL_VERSIONS)).toEqual(served('gateway-api-experimental'));
  });
});
