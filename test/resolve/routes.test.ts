import { resolve } from '../../src/resolve';
import { cond, diag, gateway, gatewayClass, grant, http, https, listenerOf, namespace, parentOf, route, service, statusOf, tlsSecret } from './fixtures';

const backend = { backendRefs: [{ name: 'app', port: 8080 }] };

describe('HTTPRoute attachment', () => {
  const web = gateway('web', [http('http', 80), https('https')]);
  const base = [web, tlsSecret('cert'), service('app')];

  test('attaches to every listener without sectionName; status parent shape', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [backend] })]);
    const p = parentOf(res, 'r');
    expect(p.parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'web' });
    expect(p.controllerName).toBe('cdk8s-gateway.dev/nginx-proxy');
    expect(p.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    expect(listenerOf(res, 'web', 'http').attachedRoutes).toBe(1);
    expect(listenerOf(res, 'web', 'https').attachedRoutes).toBe(1);
    expect(res.diagnostics).toEqual([]);
    const m = res.model.gateways[0].listeners[0].routes[0];
    expect(m).toMatchObject({ kind: 'HTTPRoute', namespace: 'infra', name: 'r', hostnames: [] });
    expect(m.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(m.rules[0].backends[0]).toMatchObject({ namespace: 'infra', name: 'app', port: 8080, weight: 1, valid: true });
  });

  test('a route attaching twice to the same listener counts once', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }, { name: 'web', sectionName: 'http' }], rules: [backend] })]);
    expect(listenerOf(res, 'web', 'http').attachedRoutes).toBe(1);
    expect(statusOf(res, 'HTTPRoute', 'r').parents).toHaveLength(2);
  });

  test('NoMatchingParent for a sectionName naming no listener', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }, { name: 'web', sectionName: 'htps' }], rules: [backend] })]);
    expect(cond(parentOf(res, 'r', 1).conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NoMatchingParent' });
    const d = diag(res, 'NoMatchingParent');
    expect(d.field).toBe('spec.parentRefs[1].sectionName');
    expect(d.message).toBe('sectionName "htps" names no listener of Gateway infra/web (its listeners: http, https)');
    expect(d.fix).toBe('did you mean https? set sectionName to one of http, https, or remove it to attach to every listener');
    expect(d.severity).toBe('error');
  });

  test('NoMatchingParent for a port no listener uses', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web', port: 8080 }], rules: [backend] })]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted').reason).toBe('NoMatchingParent');
    const d = diag(res, 'NoMatchingParent');
    expect(d.field).toBe('spec.parentRefs[0].port');
    expect(d.message).toContain('80, 443');
    expect(d.fix).toContain('one of 80, 443');
  });

  test('sectionName + port must both match', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web', sectionName: 'http', port: 443 }], rules: [backend] })]);
    expect(diag(res, 'NoMatchingParent').message).toContain('listener http of Gateway infra/web listens on port 80, not 443');
  });

  test('missing Gateway: diagnostic only (no controller would write status)', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'nope' }], rules: [backend] })]);
    expect(res.status.find((s) => s.kind === 'HTTPRoute')).toBeUndefined();
    const d = diag(res, 'NoMatchingParent');
    expect(d).toMatchObject({ severity: 'error', field: 'spec.parentRefs[0].name' });
    expect(d.message).toContain('Gateway infra/nope does not exist');
    expect(d.fix).toContain('web');
  });

  test('NotAllowedByListeners: default Same namespace', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web', namespace: 'infra', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'app', port: 8080, namespace: 'infra' }] }] }, 'apps')]);
    const p = parentOf(res, 'r', 0, 'HTTPRoute', 'apps');
    expect(cond(p.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(listenerOf(res, 'web', 'http').attachedRoutes).toBe(0);
    const d = res.diagnostics.find((x) => x.code === 'NotAllowedByListeners')!;
    expect(d.field).toBe('spec.parentRefs[0]');
    expect(d.message).toContain('from: Same admits only namespace infra');
    expect(d.fix).toContain('set allowedRoutes.namespaces.from to All');
  });

  test('allowedRoutes from All admits other namespaces', () => {
    const res = resolve([
      gateway('web', [http('http', 80, { allowedRoutes: { namespaces: { from: 'All' } } })]),
      service('app', [8080], 'apps'),
      route('r', { parentRefs: [{ name: 'web', namespace: 'infra' }], rules: [backend] }, 'apps'),
    ]);
    expect(cond(parentOf(res, 'r', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').status).toBe('True');
  });

  describe('allowedRoutes Selector', () => {
    const gw = gateway('web', [http('http', 80, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } } })]);
    const r = route('r', { parentRefs: [{ name: 'web', namespace: 'infra' }], rules: [backend] }, 'apps');
    test('matching labels', () => {
      const res = resolve([gw, r, namespace('apps', { team: 'a' }), service('app', [8080], 'apps')]);
      expect(cond(parentOf(res, 'r', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').status).toBe('True');
    });
    test('non-matching labels', () => {
      const res = resolve([gw, r, namespace('apps', { team: 'b' }), service('app', [8080], 'apps')]);
      expect(cond(parentOf(res, 'r', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').reason).toBe('NotAllowedByListeners');
      expect(diag(res, 'NotAllowedByListeners').severity).toBe('error');
    });
    test('matchExpressions and the implicit metadata.name label', () => {
      const g2 = gateway('web', [
        http('http', 80, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['apps'] }] } } } }),
      ]);
      const res = resolve([g2, r, namespace('apps'), service('app', [8080], 'apps')]);
      expect(cond(parentOf(res, 'r', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').status).toBe('True');
    });
    test('Namespace missing from the input: not matching, warning diagnostic', () => {
      const res = resolve([gw, r, service('app', [8080], 'apps')]);
      expect(cond(parentOf(res, 'r', 0, 'HTTPRoute', 'apps').conditions, 'Accepted').reason).toBe('NotAllowedByListeners');
      const d = diag(res, 'NotAllowedByListeners');
      expect(d.severity).toBe('warning');
      expect(d.message).toContain('not in the input');
      expect(d.fix).toContain('add Namespace apps');
    });
  });

  test('NotAllowedByListeners for a kind no listener accepts', () => {
    const res = resolve([
      gateway('tls', [{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      service('app'),
      route('r', { parentRefs: [{ name: 'tls' }], rules: [backend] }),
    ]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted').reason).toBe('NotAllowedByListeners');
    expect(cond(parentOf(res, 'r').conditions, 'ResolvedRefs').status).toBe('True');
    expect(diag(res, 'NotAllowedByListeners').message).toContain('does not accept HTTPRoute (it accepts TLSRoute)');
  });

  test('hostnames: intersection with listener hostname, NoMatchingListenerHostname', () => {
    const gw = gateway('web', [http('wild', 80, { hostname: '*.example.com' }), http('exact', 8080, { hostname: 'abc.foo.example.com' })]);
    const res = resolve([gw, service('app'), route('r', { parentRefs: [{ name: 'web' }], hostnames: ['bar.com', '*.foo.example.com', 'x.example.com'], rules: [backend] })]);
    const ls = res.model.gateways[0].listeners;
    expect(ls[0].routes[0].hostnames).toEqual(['*.foo.example.com', 'x.example.com']);
    expect(ls[1].routes[0].hostnames).toEqual(['abc.foo.example.com']);
    const bad = resolve([gw, service('app'), route('r', { parentRefs: [{ name: 'web' }], hostnames: ['bar.com'], rules: [backend] })]);
    expect(cond(parentOf(bad, 'r').conditions, 'Accepted').reason).toBe('NoMatchingListenerHostname');
    const d = diag(bad, 'NoMatchingListenerHostname');
    expect(d.field).toBe('spec.hostnames');
    expect(d.message).toContain('bar.com');
    expect(d.message).toContain('*.example.com');
  });
});

describe('route backends (ResolvedRefs)', () => {
  const gw = gateway('web', [http()]);

  test('BackendNotFound: missing Service is an error when Services exist, listing the others', () => {
    const res = resolve([gw, service('other'), route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] })]);
    const p = parentOf(res, 'r');
    expect(cond(p.conditions, 'Accepted').status).toBe('True');
    expect(cond(p.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
    const d = diag(res, 'BackendNotFound');
    expect(d).toMatchObject({ severity: 'error', field: 'spec.rules[0].backendRefs[0]' });
    expect(d.message).toContain('Service infra/app does not exist (Services in infra: other)');
    expect(d.fix).toContain('set name to one of other');
    const b = res.model.routes[0].rules[0].backends[0];
    expect(b).toMatchObject({ valid: false, reason: 'BackendNotFound' });
  });

  test('BackendNotFound is a warning on partial input (no Service at all)', () => {
    const res = resolve([gw, route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] })]);
    const d = diag(res, 'BackendNotFound');
    expect(d.severity).toBe('warning');
    expect(d.message).toContain('partial');
  });

  test('BackendNotFound for a port the Service does not expose', () => {
    const res = resolve([gw, service('app', [80, 443]), route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] })]);
    const d = diag(res, 'BackendNotFound');
    expect(d.message).toContain('has no port 8080 (its ports: 80, 443)');
    expect(d.fix).toBe('set port to one of 80, 443');
  });

  test('InvalidKind', () => {
    const res = resolve([gw, route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ group: 'unknown.example', kind: 'Thing', name: 'x' }] }] })]);
    expect(cond(parentOf(res, 'r').conditions, 'ResolvedRefs').reason).toBe('InvalidKind');
    const d = diag(res, 'InvalidKind');
    expect(d.message).toContain('unknown.example/Thing');
    expect(d.field).toBe('spec.rules[0].backendRefs[0]');
  });

  test('RefNotPermitted across namespaces; a matching grant fixes it; removing it revokes', () => {
    const r = route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', namespace: 'backends', port: 8080 }] }] });
    const g = grant('backends', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }], [{ group: '', kind: 'Service', name: 'app' }]);
    const without = resolve([gw, service('app', [8080], 'backends'), r]);
    expect(cond(parentOf(without, 'r').conditions, 'ResolvedRefs').reason).toBe('RefNotPermitted');
    const d = diag(without, 'RefNotPermitted');
    expect(d.fix).toContain('add a ReferenceGrant in namespace backends from HTTPRoute in infra to Service app');
    const withGrant = resolve([gw, service('app', [8080], 'backends'), r, g]);
    expect(cond(parentOf(withGrant, 'r').conditions, 'ResolvedRefs').status).toBe('True');
    // a grant in the wrong namespace does not help
    const wrongNs = resolve([gw, service('app', [8080], 'backends'), r, { ...g, metadata: { name: 'grant', namespace: 'infra' } }]);
    expect(cond(parentOf(wrongNs, 'r').conditions, 'ResolvedRefs').reason).toBe('RefNotPermitted');
  });

  test('weights, backend filters and invalid backends are kept in the model', () => {
    const res = resolve([
      gw,
      service('a'),
      route('r', {
        parentRefs: [{ name: 'web' }],
        rules: [{ backendRefs: [{ name: 'a', port: 8080, weight: 90, filters: [{ type: 'RequestHeaderModifier' }] }, { name: 'b', port: 8080, weight: 10 }] }],
      }),
    ]);
    const bs = res.model.routes[0].rules[0].backends;
    expect(bs.map((b) => [b.name, b.weight, b.valid])).toEqual([
      ['a', 90, true],
      ['b', 10, false],
    ]);
    expect(bs[0].filters).toEqual([{ type: 'RequestHeaderModifier' }]);
  });
});

describe('rule filters', () => {
  const gw = gateway('web', [http()]);
  const ok = { backendRefs: [{ name: 'app', port: 8080 }] };

  test('UnsupportedValue: an unknown filter type makes the whole route not Accepted', () => {
    const res = resolve([gw, service('app'), route('r', { parentRefs: [{ name: 'web' }], rules: [ok, { filters: [{ type: 'Teleport' }], backendRefs: [{ name: 'app', port: 8080 }] }] })]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(listenerOf(res, 'web', 'http').attachedRoutes).toBe(0);
    const d = diag(res, 'UnsupportedValue');
    expect(d.field).toBe('spec.rules[1].filters[0].type');
    expect(d.message).toContain('"Teleport"');
    expect(d.fix).toContain('RequestHeaderModifier');
  });

  test('ExtensionRef that does not resolve: the rule answers 500 (not skipped), warning on partial input', () => {
    const ext = { filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Magic', name: 'm' } }], backendRefs: [{ name: 'app', port: 8080 }] };
    const res = resolve([gw, service('app'), route('r', { parentRefs: [{ name: 'web' }], rules: [ok, ext] })]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted').status).toBe('True');
    expect(res.model.routes[0].rules.map((x) => x.errorStatus)).toEqual([undefined, 500]);
    const d = diag(res, 'ExtensionRefNotFound');
    expect(d).toMatchObject({ severity: 'warning', field: 'spec.rules[1].filters[0].extensionRef' });
    expect(d.message).toContain('example.com/Magic infra/m');
    // the object exists: a controller that implements the kind serves the rule…
    const magic = { apiVersion: 'example.com/v1', kind: 'Magic', metadata: { name: 'm', namespace: 'infra' } };
    const theirs = gateway('web', [http()], { gatewayClassName: 'magic' });
    const resolved = resolve([gatewayClass('magic', 'example.com/magic-controller'), theirs, service('app'), magic, route('r', { parentRefs: [{ name: 'web' }], rules: [ext] })], { controllerName: 'example.com/magic-controller' });
    expect(resolved.model.routes[0].rules[0].errorStatus).toBeUndefined();
    expect(resolved.diagnostics).toEqual([]);
    // …the built-in data plane implements no ExtensionRef kind: InvalidKind and 500, the verdict render gives
    const builtin = resolve([gw, service('app'), magic, route('r', { parentRefs: [{ name: 'web' }], rules: [ext] })]);
    expect(builtin.model.routes[0].rules[0].errorStatus).toBe(500);
    expect(cond(parentOf(builtin, 'r').conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidKind' });
    expect(cond(parentOf(builtin, 'r').conditions, 'Accepted').status).toBe('True');
    expect(diag(builtin, 'InvalidKind')).toMatchObject({ severity: 'error', field: 'spec.rules[0].filters[0].extensionRef' });
    expect(diag(builtin, 'InvalidKind').message).toContain('the built-in nginx data plane understands no ExtensionRef filter kind');
  });

  test('IncompatibleFilters: RequestRedirect with URLRewrite', () => {
    const res = resolve([
      gw,
      route('r', { parentRefs: [{ name: 'web' }], rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }, { type: 'URLRewrite', urlRewrite: { hostname: 'x' } }] }] }),
    ]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'IncompatibleFilters' });
    expect(res.model.routes[0].rules[0]).toMatchObject({ valid: false, reason: 'IncompatibleFilters' });
    const d = diag(res, 'IncompatibleFilters');
    expect(d.field).toBe('spec.rules[0].filters');
    expect(d.fix).toContain('either the RequestRedirect or the URLRewrite');
  });
});

test('PartiallyInvalid when only some rules are dropped', () => {
  const res = resolve([
    gateway('web', [http()]),
    service('app'),
    route('r', {
      parentRefs: [{ name: 'web' }],
      rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }, { filters: [{ type: 'RequestRedirect', requestRedirect: {} }, { type: 'URLRewrite', urlRewrite: {} }] }],
    }),
  ]);
  const p = parentOf(res, 'r');
  expect(cond(p.conditions, 'Accepted').status).toBe('True');
  expect(cond(p.conditions, 'PartiallyInvalid')).toMatchObject({ status: 'True', reason: 'IncompatibleFilters' });
});
