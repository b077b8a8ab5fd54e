import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { cond, diag, gateway, gatewayClass, grant, GW, http, https, listenerOf, namespace, parentOf, route, service, statusOf, tlsSecret } from './fixtures';

/** `assumeExternal`: references to objects absent from the input are assumed to resolve (construct apps). */
const ext = { assumeExternal: true };
const cls = gatewayClass();

function infos(res: ReturnType<typeof resolve>): string[] {
  return res.diagnostics.filter((d) => d.code === 'AssumedExternal').map((d) => `${d.object.kind} ${d.field}`);
}

describe('assumeExternal', () => {
  const web = gateway('web', [http('http', 80), https('https', 'cert')]);
  const r = route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] });

  test('absent Service and Secret: status as if present, one info per reference naming the object', () => {
    const res = resolve([cls, web, r], ext);
    expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    expect(cond(statusOf(res, 'Gateway', 'web').conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(cond(parentOf(res, 'r').conditions, 'ResolvedRefs').status).toBe('True');
    expect(res.model.routes[0].rules[0].backends[0]).toMatchObject({ valid: true, name: 'app', port: 8080 });
    expect(res.model.gateways[0].listeners[1].certificates).toEqual([{ namespace: 'infra', name: 'cert' }]);
    expect(res.diagnostics.every((d) => d.severity === 'info' && d.code === 'AssumedExternal')).toBe(true);
    expect(infos(res)).toEqual(['Gateway spec.listeners[1].tls.certificateRefs[0]', 'HTTPRoute spec.rules[0].backendRefs[0]']);
    const d = res.diagnostics.find((x) => x.object.kind === 'HTTPRoute')!;
    expect(d.message).toBe('Service infra/app is not in the input: assumed to exist outside it, not checked (that it exists and exposes port 8080)');
    expect(d.fix).toContain('add it to the input to have it checked');
  });

  test('default (false): the same input reports the absent objects', () => {
    const res = resolve([cls, web, r]);
    expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').reason).toBe('InvalidCertificateRef');
    expect(diag(res, 'BackendNotFound').severity).toBe('warning'); // no Service at all in the input: likely partial
    expect(res.diagnostics.some((x) => x.code === 'AssumedExternal')).toBe(false);
  });

  test('a present Service is checked as usual: a missing port is an error naming its ports', () => {
    const res = resolve([cls, web, tlsSecret('cert'), service('app', [80, 443]), r], ext);
    const d = diag(res, 'BackendNotFound');
    expect(d).toMatchObject({ severity: 'error', field: 'spec.rules[0].backendRefs[0]' });
    expect(d.message).toBe('Service infra/app has no port 8080 (its ports: 80, 443)');
    expect(d.fix).toBe('set port to one of 80, 443');
    expect(cond(parentOf(res, 'r').conditions, 'ResolvedRefs').reason).toBe('BackendNotFound');
  });

  test('a present Secret of the wrong type is an error', () => {
    const opaque: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'infra' }, type: 'Opaque', data: {} };
    const res = resolve([cls, web, opaque, service('app'), r], ext);
    const d = diag(res, 'InvalidCertificateRef');
    expect(d.severity).toBe('error');
    expect(d.message).toContain('its type is Opaque, not kubernetes.io/tls');
    expect(cond(listenerOf(res, 'web', 'https').conditions, 'ResolvedRefs').status).toBe('False');
  });

  test('cross-namespace references still need a ReferenceGrant from the input', () => {
    const x = route('x', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', namespace: 'other', port: 80 }] }] });
    const res = resolve([cls, web, tlsSecret('cert'), x], ext);
    expect(diag(res, 'RefNotPermitted').severity).toBe('error');
    expect(infos(res)).toEqual([]);
    const granted = resolve([cls, web, tlsSecret('cert'), x, grant('other', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }], [{ group: '', kind: 'Service' }])], ext);
    expect(granted.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['info AssumedExternal']);
  });

  test('a backendRef without port to an absent Service is still an error', () => {
    const res = resolve([cls, web, tlsSecret('cert'), route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app' }] }] })], { ...ext, schemaValidation: false });
    expect(diag(res, 'BackendNotFound')).toMatchObject({ severity: 'error', message: 'backendRef Service infra/app has no port' });
  });

  test('absent parent Gateway: info, no status for that parent, the rules are still checked', () => {
    const other = route('r', { parentRefs: [{ name: 'shared', namespace: 'gw' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] });
    const res = resolve([service('app', [80]), other], ext);
    expect(res.status.find((s) => s.kind === 'HTTPRoute')).toBeUndefined();
    const info = res.diagnostics.find((d) => d.code === 'AssumedExternal')!;
    expect(info).toMatchObject({ severity: 'info', field: 'spec.parentRefs[0]' });
    expect(info.message).toContain('Gateway gw/shared is not in the input');
    expect(info.message).toContain('whether the route may attach');
    expect(diag(res, 'BackendNotFound')).toMatchObject({ severity: 'error', message: 'Service infra/app has no port 8080 (its ports: 80)' });
    // without the option: NoMatchingParent (kept), a warning since the input holds no Gateway
    expect(diag(resolve([service('app', [80]), other]), 'NoMatchingParent').severity).toBe('warning');
  });

  test('absent ExtensionRef resource: assumed to exist, the rule is not answered with 500', () => {
    const x = route('x', { parentRefs: [{ name: 'web' }], rules: [{ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Plugin', name: 'p' } }], backendRefs: [{ name: 'app', port: 8080 }] }] });
    const res = resolve([cls, web, tlsSecret('cert'), service('app'), x], ext);
    expect(res.model.routes[0].rules[0].errorStatus).toBeUndefined();
    expect(infos(res)).toEqual(['HTTPRoute spec.rules[0].filters[0].extensionRef']);
    expect(res.diagnostics[0].message).toContain('example.com/Plugin infra/p is not in the input');
  });

  test('absent GatewayClass, parametersRef, client-certificate Secret, CA ConfigMaps', () => {
    const gw = gateway('web', [https('https', 'cert')], {
      infrastructure: { parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } },
      tls: {
        backend: { clientCertificateRef: { name: 'client' } },
        frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } } },
      },
    });
    const res = resolve([{ ...gw, spec: { ...(gw.spec as object), gatewayClassName: 'istio' } } as KubeObject, tlsSecret('cert')], ext);
    const g = statusOf(res, 'Gateway', 'web');
    expect(g.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'Programmed=True', 'ResolvedRefs=True']);
    expect(cond(listenerOf(res, 'web', 'https').conditions, 'Accepted').status).toBe('True');
    expect(res.model.gateways[0].listeners[0].clientValidation).toEqual({ mode: 'AllowValidOnly', caCertificates: [{ namespace: 'infra', name: 'ca' }] });
    expect(res.model.gateways[0].backendClientCertificate).toEqual({ namespace: 'infra', name: 'client' });
    expect(infos(res)).toEqual([
      'Gateway spec.gatewayClassName',
      'Gateway spec.infrastructure.parametersRef',
      'Gateway spec.tls.backend.clientCertificateRef',
      'Gateway spec.tls.frontend.default.validation.caCertificateRefs[0]',
    ]);
    expect(res.diagnostics.every((d) => d.severity === 'info')).toBe(true);
  });

  test('BackendTLSPolicy: absent target Service and CA ConfigMap', () => {
    const policy: KubeObject = {
      apiVersion: GW,
      kind: 'BackendTLSPolicy',
      metadata: { name: 'tls', namespace: 'infra' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'app' }], validation: { hostname: 'app.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
    };
    const res = resolve([cls, web, tlsSecret('cert'), r, policy], ext);
    expect(res.model.routes[0].rules[0].backends[0].tls).toMatchObject({ valid: true, hostname: 'app.example.com', caCertificates: [{ namespace: 'infra', name: 'ca' }] });
    expect(cond((statusOf(res, 'BackendTLSPolicy', 'tls').ancestors as any[])[0].conditions, 'Accepted').status).toBe('True');
    expect(infos(res)).toEqual(['BackendTLSPolicy spec.targetRefs[0].name', 'BackendTLSPolicy spec.validation.caCertificateRefs[0]', 'HTTPRoute spec.rules[0].backendRefs[0]']);
  });

  test('ListenerSet whose Gateway is absent: info, its listeners are still checked', () => {
    const ls: KubeObject = {
      apiVersion: GW,
      kind: 'ListenerSet',
      metadata: { name: 'ls', namespace: 'infra' },
      spec: { parentRef: { name: 'shared' }, listeners: [{ name: 'x', port: 80, protocol: 'SCTP' }] },
    };
    const res = resolve([ls], { ...ext, schemaValidation: false });
    expect(res.diagnostics.map((d) => `${d.severity} ${d.code} ${d.field}`)).toEqual(['error UnsupportedProtocol spec.listeners[0].protocol', 'info AssumedExternal spec.parentRef']);
  });

  test('a Selector listener whose route namespace is not in the input stays a warning (labels cannot be assumed)', () => {
    const gw = gateway('web', [http('http', 80, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } } })]);
    const x = route('x', { parentRefs: [{ name: 'web', namespace: 'infra' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] }, 'apps');
    const res = resolve([gw, service('app', [8080], 'apps'), x], ext);
    const d = diag(res, 'NotAllowedByListeners');
    expect(d).toMatchObject({ severity: 'warning', field: 'spec.parentRefs[0]' });
    expect(d.message).toContain('Namespace apps is not in the input, so selector team=a cannot be evaluated');
    expect(d.fix).toBe('add Namespace apps (with its labels) to the input so the selector can be evaluated');
    expect(cond(parentOf(resolve([gw, namespace('apps', { team: 'a' }), service('app', [8080], 'apps'), x], ext), 'x', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').status).toBe('True');
  });
});
