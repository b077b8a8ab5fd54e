import { Diagnostic, KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { validateObject } from '../../src/validate';
import { gateway, gatewayClass, GW, http, route, service } from './fixtures';

/** Removed v1alpha1 / v1alpha2 shapes (and Istio TLS modes) are reported with their v1 replacement. */
function only(res: ReturnType<typeof resolve>, code: string): Diagnostic[] {
  return res.diagnostics.filter((d) => d.code === code);
}

function one(res: ReturnType<typeof resolve>, code: string, field: string): Diagnostic {
  const d = res.diagnostics.find((x) => x.code === code && x.field === field);
  if (!d) throw new Error(`no ${code} at ${field}; have ${res.diagnostics.map((x) => `${x.code}@${x.field}`).join(', ')}`);
  expect(d.severity).toBe('error');
  return d;
}

const base = [gatewayClass(), gateway('web', [http()]), service('web', [80])];

describe('removed shapes', () => {
  test('forwardTo → backendRefs, with the rewritten value; the schema finding on the same field is dropped', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ forwardTo: [{ serviceName: 'web', port: 80, weight: 2 }] }] })]);
    const d = one(res, 'RemovedField', 'spec.rules[0].forwardTo');
    expect(d.message).toBe(
      'forwardTo [{"serviceName":"web","port":80,"weight":2}] is the v1alpha1 field; Gateway API v1.6.1 uses backendRefs (serviceName became name, and port is required for a Service)',
    );
    expect(d.fix).toBe('replace forwardTo with backendRefs: [{"name":"web","port":80,"weight":2}]');
    expect(only(res, 'UnknownField')).toEqual([]);
  });

  test('path type Prefix → PathPrefix (RemovedValue replaces the enum SchemaViolation)', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ matches: [{ path: { type: 'Prefix', value: '/api' } }], backendRefs: [{ name: 'web', port: 80 }] }] })]);
    const d = one(res, 'RemovedValue', 'spec.rules[0].matches[0].path.type');
    expect(d.message).toContain('path type "Prefix" is the v1alpha1 value');
    expect(d.fix).toBe('set path.type to PathPrefix (same element-wise prefix semantics)');
    expect(res.diagnostics.filter((x) => x.field === 'spec.rules[0].matches[0].path.type')).toHaveLength(1);
  });

  test('listener routes → allowedRoutes', () => {
    const gw = gateway('old', [http('http', 80, { routes: { kind: 'HTTPRoute', namespaces: { from: 'All' }, selector: { matchLabels: { app: 'a' } } } })]);
    const res = resolve([gatewayClass(), gw]);
    const d = one(res, 'RemovedField', 'spec.listeners[0].routes');
    expect(d.message).toContain('listener routes {"kind":"HTTPRoute"');
    expect(d.message).toContain('uses allowedRoutes');
    expect(d.fix).toBe(
      'replace routes with allowedRoutes: {"namespaces":{"from":"All"},"kinds":[{"kind":"HTTPRoute"}]}; the route label selector has no replacement: attach the routes you want with their spec.parentRefs',
    );
    expect(only(res, 'UnknownField')).toEqual([]);
  });

  test('tls.mode SIMPLE (Istio) → Terminate; the resolver UnsupportedValue on the same field is folded in', () => {
    const gw = gateway('tls', [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'SIMPLE', certificateRefs: [{ name: 'c' }] } }]);
    const res = resolve([gatewayClass(), gw]);
    const d = one(res, 'RemovedValue', 'spec.listeners[0].tls.mode');
    expect(d.message).toBe('tls.mode "SIMPLE" is an Istio Gateway (networking.istio.io) value; Gateway API v1.6.1 accepts Terminate or Passthrough');
    expect(d.fix).toContain('set tls.mode to Terminate');
    expect(res.diagnostics.filter((x) => x.field === 'spec.listeners[0].tls.mode').map((x) => x.code)).toEqual(['RemovedValue']);
  });

  test('targetRef on a route → parentRefs; on a BackendTLSPolicy → targetRefs; v1alpha2 tls → validation', () => {
    const res = resolve([...base, route('r', { targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web' }, rules: [] })]);
    const d = one(res, 'RemovedField', 'spec.targetRef');
    expect(d.message).toContain('targetRef {"group":"gateway.networking.k8s.io","kind":"Gateway","name":"web"} does not exist on HTTPRoute');
    expect(d.fix).toBe('replace targetRef with parentRefs: [{"name":"web"}]');

    const policy: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'p', namespace: 'infra' },
      spec: { targetRef: { group: '', kind: 'Service', name: 'web' }, tls: { caCertRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'web.example.com' } },
    };
    const pr = resolve([policy]);
    expect(one(pr, 'RemovedField', 'spec.targetRef').fix).toBe('replace it with targetRefs: [{"group":"","kind":"Service","name":"web"}]');
    expect(one(pr, 'RemovedField', 'spec.tls').fix).toBe('replace it with validation: {"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"}],"hostname":"web.example.com"}');
    expect(one(pr, 'UnsupportedVersion', 'apiVersion').message).toContain('standard channel serves gateway.networking.k8s.io/v1; experimental channel serves gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1alpha3');
  });

  test('API group networking.x-k8s.io (v1alpha1) → gateway.networking.k8s.io, with every v1alpha1 field of the object', () => {
    const old: KubeObject = {
      apiVersion: 'networking.x-k8s.io/v1alpha1',
      kind: 'HTTPRoute',
      metadata: { name: 'old', namespace: 'infra' },
      spec: {
        gateways: { allow: 'FromList', gatewayRefs: [{ name: 'web', namespace: 'infra' }] },
        rules: [{ matches: [{ path: { type: 'Prefix', value: '/' }, headers: { type: 'Exact', values: { 'x-env': 'canary' } } }], forwardTo: [{ serviceName: 'web', port: 80 }] }],
      },
    };
    const res = resolve([...base, old]);
    const d = one(res, 'RemovedGroup', 'apiVersion');
    expect(d.message).toContain('apiVersion networking.x-k8s.io/v1alpha1 uses API group networking.x-k8s.io');
    expect(d.fix).toBe('set apiVersion to gateway.networking.k8s.io/v1 and convert the v1alpha1 fields reported for this object');
    expect(one(res, 'RemovedField', 'spec.gateways').fix).toBe('replace gateways with parentRefs: [{"name":"web","namespace":"infra"}]');
    expect(one(res, 'RemovedField', 'spec.rules[0].matches[0].headers').fix).toBe('replace it with headers: [{"name":"x-env","value":"canary"}]');
    expect(one(res, 'RemovedValue', 'spec.rules[0].matches[0].path.type')).toBeDefined();
    expect(one(res, 'RemovedField', 'spec.rules[0].forwardTo')).toBeDefined();
    // the v1alpha1 object does not take part in resolution
    expect(res.status.find((s) => s.kind === 'HTTPRoute')).toBeUndefined();
  });

  test('a reference group networking.x-k8s.io inside a v1 object', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ group: 'networking.x-k8s.io', kind: 'Gateway', name: 'web' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] })]);
    const d = one(res, 'RemovedGroup', 'spec.parentRefs[0].group');
    expect(d.message).toBe('group "networking.x-k8s.io" is the Gateway API v1alpha1 group; references to Gateway API kinds use gateway.networking.k8s.io');
    expect(d.fix).toContain('set group to "gateway.networking.k8s.io"');
  });

  test('only own keys are read, in key order: an inherited group is no finding, several are reported in order', () => {
    const inherited = Object.create({ group: 'networking.x-k8s.io' });
    inherited.name = 'web';
    const res = resolve([...base, route('r', { parentRefs: [inherited, { name: 'web', group: 'networking.x-k8s.io' }], rules: [{ backendRefs: [{ group: 'networking.x-k8s.io', kind: 'Service', name: 'web', port: 80 }] }] })]);
    expect(only(res, 'RemovedGroup').map((d) => d.field)).toEqual(['spec.parentRefs[1].group', 'spec.rules[0].backendRefs[0].group']);
  });

  test('GatewayClass controller, listener tls.certificateRef, ReferencePolicy', () => {
    const cls: KubeObject = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'old' }, spec: { controller: 'example.com/gw' } };
    const gw = gateway('tls', [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRef: { kind: 'Secret', name: 'c' } } }]);
    const policy: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'ReferencePolicy', metadata: { name: 'p', namespace: 'infra' }, spec: { from: [], to: [] } };
    const res = resolve([cls, gw, policy]);
    expect(one(res, 'RemovedField', 'spec.controller').fix).toBe('rename the field: controllerName: "example.com/gw"');
    expect(one(res, 'RemovedField', 'spec.listeners[0].tls.certificateRef').fix).toBe('replace it with certificateRefs: [{"kind":"Secret","name":"c"}]');
    const k = one(res, 'RemovedKind', 'kind');
    expect(k.message).toContain('kind ReferencePolicy no longer exists');
    expect(k.fix).toContain('use ReferenceGrant');
    expect(res.diagnostics.filter((x) => x.object.kind === 'ReferencePolicy').map((x) => x.code)).toEqual(['RemovedKind']);
  });

  test('v1 objects produce none of these codes', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] })]);
    expect(res.diagnostics).toEqual([]);
  });

  test('every removed field is indeed unknown to the v1.6.1 experimental-channel CRDs', () => {
    const obj = (kind: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: GW, kind, metadata: { name: 'x', namespace: 'infra' }, spec });
    const cases: [KubeObject, string][] = [
      [obj('GatewayClass', { controllerName: 'a.b/c', controller: 'a.b/c' }), 'spec.controller'],
      [obj('Gateway', { gatewayClassName: 'x', class: 'x', listeners: [{ name: 'a', port: 80, protocol: 'HTTP' }] }), 'spec.class'],
      [obj('Gateway', { gatewayClassName: 'x', listeners: [{ name: 'a', port: 80, protocol: 'HTTP', routes: { kind: 'HTTPRoute' } }] }), 'spec.listeners[0].routes'],
      [obj('Gateway', { gatewayClassName: 'x', listeners: [{ name: 'a', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'c' }], certificateRef: { name: 'c' } } }] }), 'spec.listeners[0].tls.certificateRef'],
      [obj('Gateway', { gatewayClassName: 'x', listeners: [{ name: 'a', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'c' }], routeOverride: {} } }] }), 'spec.listeners[0].tls.routeOverride'],
      [obj('HTTPRoute', { gateways: {} }), 'spec.gateways'],
      [obj('HTTPRoute', { targetRef: {} }), 'spec.targetRef'],
      [obj('HTTPRoute', { tls: {} }), 'spec.tls'],
      [obj('TLSRoute', { hostnames: ['a.example.com'], tls: {} }), 'spec.tls'],
      [obj('HTTPRoute', { rules: [{ forwardTo: [] }] }), 'spec.rules[0].forwardTo'],
      [obj('HTTPRoute', { rules: [{ matches: [{ extensionRef: {} }] }] }), 'spec.rules[0].matches[0].extensionRef'],
      [obj('TCPRoute', { rules: [{ backendRefs: [{ name: 'a', port: 1 }], matches: [] }] }), 'spec.rules[0].matches'],
      [obj('TLSRoute', { hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'a', port: 1 }], matches: [] }] }), 'spec.rules[0].matches'],
      [obj('HTTPRoute', { rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'a', port: 1 }, serviceName: 'a' } }] }] }), 'spec.rules[0].filters[0].requestMirror.serviceName'],
      [obj('HTTPRoute', { rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'a', port: 1 }, port: 1 } }] }] }), 'spec.rules[0].filters[0].requestMirror.port'],
      [obj('BackendTLSPolicy', { targetRefs: [{ group: '', kind: 'Service', name: 'a' }], validation: { hostname: 'a.b', wellKnownCACertificates: 'System' }, targetRef: {} }), 'spec.targetRef'],
      [obj('BackendTLSPolicy', { targetRefs: [{ group: '', kind: 'Service', name: 'a' }], validation: { hostname: 'a.b', wellKnownCACertificates: 'System' }, tls: {} }), 'spec.tls'],
    ];
    for (const [o, field] of cases) {
      expect({ field, kind: o.kind, unknown: validateObject(o, { channel: 'experimental' }).some((v) => v.type === 'unknown-field' && v.field === field) }).toEqual({ field, kind: o.kind, unknown: true });
    }
    // and the removed values are outside the enums
    const prefix = validateObject(obj('HTTPRoute', { rules: [{ matches: [{ path: { type: 'Prefix', value: '/' } }] }] }), { channel: 'experimental' });
    expect(prefix.some((v) => v.field === 'spec.rules[0].matches[0].path.type' && v.rule === 'enum')).toBe(true);
  });
});
