/**
 * Implementation profiles: the bundled table of published conformance reports is fresh, names map
 * to reports, and the features an input uses are judged against the implementation's report.
 */
import * as fs from 'fs';
import * as path from 'path';
import { reportsTable } from '../../scripts/import-reports';
import { BUILTIN_CONTROLLER_NAME, KubeObject } from '../../src/model';
import { resolveControllers } from '../../src/resolve';
import {
  CONTROLLER_IMPLEMENTATIONS, compareVersions, controllerNameOf, featureUses, IMPLEMENTATION_REPORTS, implementationFindings,
  implementationName, implementationNames, reportFor, reportForController,
} from '../../src/resolve/implementations';
import { REPO_ROOT } from '../data/upstream';

const NGF = 'gateway.nginx.org/nginx-gateway-controller';
const ISTIO = 'istio.io/gateway-controller';

function app(controllerName: string, route: Record<string, unknown>, extra: KubeObject[] = []): KubeObject[] {
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'cls' }, spec: { controllerName } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'infra' },
      spec: { gatewayClassName: 'cls', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
    },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'apps' }, spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], ...route } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'apps' }, spec: { ports: [{ port: 80 }] } },
    ...extra,
  ];
}

test('reports.json is what scripts/import-reports.ts makes of the vendored reports (npm run import-reports)', () => {
  const committed = fs.readFileSync(path.join(REPO_ROOT, 'src', 'resolve', 'implementations', 'reports.json'), 'utf8');
  expect(committed === reportsTable()).toBe(true);
});

test('every mapped controller reaches a bundled report', () => {
  for (const c of Object.keys(CONTROLLER_IMPLEMENTATIONS)) expect(reportForController(c)).toBeDefined();
});

test('short names drop a repeated organization prefix', () => {
  expect(implementationName({ folder: 'nginx-nginx-gateway-fabric' })).toBe('nginx-gateway-fabric');
  expect(implementationName({ folder: 'istio-istio' })).toBe('istio');
  expect(implementationName({ folder: 'envoy-gateway' })).toBe('envoy-gateway');
  expect(implementationNames()).toContain('kgateway');
});

test('versions compare numerically, a pre-release before its release', () => {
  expect(compareVersions('v1.10.0', 'v1.9.0')).toBe(1);
  expect(compareVersions('v2.3.0-rc.3', 'v2.3.0')).toBe(-1);
  expect(compareVersions('1.28.0', 'v1.28.0')).toBe(0);
});

test('the newest report is taken: newest Gateway API version, default mode', () => {
  const eg = reportForController('gateway.envoyproxy.io/gatewayclass-controller')!;
  expect(eg.gatewayAPIVersion.startsWith('v1.6')).toBe(true);
  expect(eg.mode).toBe('default');
  const newestApi = IMPLEMENTATION_REPORTS.filter((r) => r.folder === eg.folder).map((r) => r.gatewayAPIVersion).sort(compareVersions).pop();
  expect(eg.gatewayAPIVersion).toBe(newestApi);
});

test('NAME@VERSION selects an older report; unknown names and versions say what exists', () => {
  const old = reportFor('istio@1.28.0');
  expect(typeof old).not.toBe('string');
  expect((old as { version: string }).version).toBe('1.28');
  expect(reportFor('no-such-proxy')).toMatch(/unknown implementation "no-such-proxy" \(known: .*istio/);
  expect(reportFor('istio@0.1')).toMatch(/no report of istio for version "0.1" \(reports exist for: .*1\.28,/);
});

test('query parameter matching on NGINX Gateway Fabric is claimed: no warning', () => {
  const objs = app(NGF, { rules: [{ matches: [{ queryParams: [{ name: 'v', value: '2' }] }], backendRefs: [{ name: 'web', port: 80 }] }] });
  expect(featureUses(objs, NGF).map((u) => u.feature)).toEqual(['profile:GATEWAY-HTTP', 'HTTPRouteQueryParamMatching']);
  expect(implementationFindings(objs, [NGF]).diagnostics).toEqual([]);
});

test('a retry on NGINX Gateway Fabric (listed as unsupported) is a FeatureNotClaimed warning naming feature, version and report', () => {
  const objs = app(NGF, { rules: [{ retry: { attempts: 2 }, backendRefs: [{ name: 'web', port: 80 }] }] });
  const [d, ...rest] = implementationFindings(objs, [NGF]).diagnostics;
  expect(rest).toEqual([]);
  expect(d).toMatchObject({ severity: 'warning', code: 'FeatureNotClaimed', field: 'spec.rules[0].retry', object: { kind: 'HTTPRoute', namespace: 'apps', name: 'web' } });
  expect(d.message).toMatch(/^uses retries \(HTTPRouteRetry\), which nginx-gateway-fabric v\S+ \(its conformance report for Gateway API v1\.6\.\d+, v1\.6\/nginx-nginx-gateway-fabric\/\S+\.yaml\) lists as unsupported$/);
  expect(d.fix).toContain('--implementation NAME@VERSION');
});

test('--implementation overrides the mapping, even for a controller nobody knows', () => {
  const objs = app('acme.io/gateway-controller', { rules: [{ retry: { attempts: 2 }, backendRefs: [{ name: 'web', port: 80 }] }] });
  expect(implementationFindings(objs, ['acme.io/gateway-controller']).reports.size).toBe(0);
  const f = implementationFindings(objs, ['acme.io/gateway-controller'], { implementation: 'nginx-gateway-fabric' });
  expect(f.diagnostics.map((d) => d.code)).toEqual(['FeatureNotClaimed']);
  expect(() => implementationFindings(objs, ['acme.io/gateway-controller'], { implementation: 'nope' })).toThrow(/--implementation nope: unknown implementation/);
});

test('routes of other Gateways and the built-in controller are not judged', () => {
  const objs = app(ISTIO, { parentRefs: [{ name: 'other', namespace: 'infra' }], rules: [{ retry: { attempts: 2 } }] });
  expect(featureUses(objs, ISTIO)).toEqual([]);
  expect(implementationFindings(objs, [BUILTIN_CONTROLLER_NAME], { implementation: 'istio' }).reports.size).toBe(0);
});

test('a backend port with appProtocol h2c and a BackendTLSPolicy with SANs are features of the route\'s backends', () => {
  const objs = app(NGF, { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }, [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'apps' }, spec: { ports: [{ port: 80, appProtocol: 'kubernetes.io/h2c' }] } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'tls', namespace: 'apps' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], validation: { hostname: 'web', wellKnownCACertificates: 'System', subjectAltNames: [{ type: 'Hostname', hostname: 'web' }] } },
    },
  ]);
  const features = featureUses(objs, NGF).map((u) => u.feature);
  expect(features).toEqual(expect.arrayContaining(['HTTPRouteBackendProtocolH2C', 'BackendTLSPolicy', 'BackendTLSPolicySANValidation']));
  expect(implementationFindings(objs, [NGF]).diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/BackendTLSPolicySANValidation.*lists as unsupported/)]);
});

describe('a GatewayClass of another controller is not judged by the built-in data plane\'s limits', () => {
  const ACME = 'acme.io/gateway-controller';
  const kinds = (objs: KubeObject[]) => resolveControllers(objs).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.field}`);

  test('a backendRef of a custom kind: InvalidKind for the built-in proxy, not checked (info) for another controller', () => {
    const route = { rules: [{ backendRefs: [{ group: 'acme.io', kind: 'Bucket', name: 'b' }] }] };
    expect(kinds(app(ACME, route))).toEqual([]);
    expect(resolveControllers(app(ACME, route)).diagnostics.map((d) => d.code)).toContain('BackendNotChecked');
    expect(kinds(app(BUILTIN_CONTROLLER_NAME, route))).toEqual(['InvalidKind spec.rules[0].backendRefs[0]']);
  });

  test('a TCPRoute on a terminating TLS listener attaches for another controller, not for the built-in proxy', () => {
    const objs = (c: string): KubeObject[] => [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'cls' }, spec: { controllerName: c } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'apps' },
        spec: { gatewayClassName: 'cls', listeners: [{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } }] },
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'apps' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } },
      { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: { name: 'db', namespace: 'apps' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'apps' }, spec: { ports: [{ port: 80 }] } },
    ];
    const codes = (c: string) => resolveControllers(objs(c)).diagnostics.filter((d) => d.object.kind === 'TCPRoute' && d.severity !== 'info').map((d) => d.code);
    expect(codes('gateway.envoyproxy.io/gatewayclass-controller')).not.toContain('NotAllowedByListeners');
    expect(codes(BUILTIN_CONTROLLER_NAME)).toContain('NotAllowedByListeners');
  });

  test('an address of type Hostname is an error for the built-in proxy only', () => {
    const withAddress = (c: string) => app(c, {}).map((o) => (o.kind === 'Gateway' ? { ...o, spec: { ...(o.spec as object), addresses: [{ type: 'Hostname', value: 'lb.example.org' }] } } : o));
    expect(kinds(withAddress(ACME))).toEqual([]);
    expect(kinds(withAddress(BUILTIN_CONTROLLER_NAME))).toEqual(['UnsupportedAddress spec.addresses[0].type']);
  });
});

test('a BackendTLSPolicy CA of kind Secret: the built-in proxy refuses it, NGINX Gateway Fabric\'s backends are its own to judge', () => {
  const policy = (c: string): KubeObject[] => [
    ...app(c, { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'tls', namespace: 'apps' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], validation: { hostname: 'web', caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }] } },
    },
  ];
  const errors = (objs: KubeObject[]) => resolveControllers(objs).diagnostics.filter((d) => d.severity !== 'info' && d.object.kind === 'BackendTLSPolicy').map((d) => `${d.severity} ${d.code}`);
  expect(errors(policy(NGF))).toEqual([]);
  expect(errors(policy(BUILTIN_CONTROLLER_NAME))).toEqual(['error NoValidCACertificate', 'error InvalidKind']);
});

describe('--implementation names the implementation of what the input does not place', () => {
  // upstream examples name classes (`nginx`, `example-gateway-class`) whose GatewayClass is installed elsewhere
  const classless = (route: Record<string, unknown>, gatewaySpec: Record<string, unknown> = {}): KubeObject[] =>
    app(NGF, route)
      .filter((o) => o.kind !== 'GatewayClass')
      .map((o) => (o.kind === 'Gateway' ? { ...o, spec: { ...(o.spec as object), gatewayClassName: 'nginx', ...gatewaySpec } } : o));
  const parents = (r: ReturnType<typeof resolveControllers>) =>
    r.status.filter((s) => s.kind === 'HTTPRoute').flatMap((s) => (s.status.parents as { controllerName: string }[]).map((p) => p.controllerName));
  const timeout = { rules: [{ timeouts: { request: '10s' }, backendRefs: [{ name: 'web', port: 80 }] }] };

  test('controllerNameOf: the implementation\'s known controllerName, else one naming the implementation', () => {
    expect(controllerNameOf({ folder: 'nginx-nginx-gateway-fabric' })).toBe(NGF);
    expect(controllerNameOf({ folder: 'aws-load-balancer-controller' })).toBe('gateway.k8s.aws/alb');
    expect(controllerNameOf({ folder: 'gloo-gateway' })).toBe('cdk8s-gateway.dev/implementation/gloo-gateway');
  });

  test('a Gateway whose GatewayClass the input lacks: the built-in controller\'s by default, the named implementation\'s with it', () => {
    const objs = classless(timeout, { addresses: [{ type: 'Hostname', value: 'lb.example.org' }] });
    const builtin = resolveControllers(objs);
    expect(builtin.controllers).toEqual([BUILTIN_CONTROLLER_NAME]);
    expect(parents(builtin)).toEqual([BUILTIN_CONTROLLER_NAME]);
    expect(builtin.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['UnsupportedAddress']);
    expect(builtin.diagnostics.map((d) => d.code)).not.toContain('FeatureNotClaimed');

    const ngf = resolveControllers(objs, { implementation: 'nginx-gateway-fabric' });
    expect(ngf.controllers).toEqual([BUILTIN_CONTROLLER_NAME, NGF]);
    expect(parents(ngf)).toEqual([NGF]);
    expect(ngf.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ngf.diagnostics.filter((d) => d.code === 'FeatureNotClaimed').map((d) => `${d.object.kind} ${d.field}`)).toEqual(['HTTPRoute spec.rules[0].timeouts.request']);
    expect(ngf.implementations.get(NGF)?.folder).toBe('nginx-nginx-gateway-fabric');
  });

  test('a route whose parent Gateway the input lacks is judged by the named implementation\'s report', () => {
    const objs = app(NGF, timeout).filter((o) => o.kind === 'HTTPRoute' || o.kind === 'Service');
    expect(resolveControllers(objs).diagnostics.map((d) => d.code)).not.toContain('FeatureNotClaimed');
    const eg = resolveControllers(objs, { implementation: 'envoy-gateway' }).diagnostics.filter((d) => d.code === 'FeatureNotClaimed');
    expect(eg).toEqual([]); // Envoy Gateway claims request timeouts
    const ngf = resolveControllers(objs, { implementation: 'nginx-gateway-fabric' }).diagnostics.filter((d) => d.code === 'FeatureNotClaimed');
    expect(ngf.map((d) => d.field)).toEqual(['spec.rules[0].timeouts.request']);
  });

  test('next to a GatewayClass of another controller, a Gateway whose class is absent is still checked once, as the built-in controller', () => {
    const objs = [...classless(timeout), { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'istio' }, spec: { controllerName: ISTIO } }];
    expect(parents(resolveControllers(objs))).toEqual([BUILTIN_CONTROLLER_NAME]);
  });

  test('client certificate validation with a CA of kind Secret: the built-in proxy refuses it, another controller judges it (a grant is still needed across namespaces)', () => {
    const secretCa = (namespace?: string) => classless({}, {
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }],
      tls: { frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca', ...(namespace ? { namespace } : {}) }] } } } },
    });
    // (the listener's certificate Secret is absent: a warning, partial input)
    const errors = (r: ReturnType<typeof resolveControllers>) => r.diagnostics.filter((d) => d.severity === 'error' && d.object.kind === 'Gateway').map((d) => `${d.code} ${d.field}`);
    expect(errors(resolveControllers(secretCa()))).toEqual(expect.arrayContaining(['InvalidCACertificateKind spec.tls.frontend.default.validation.caCertificateRefs[0]']));
    expect(errors(resolveControllers(secretCa(), { implementation: 'nginx-gateway-fabric' }))).toEqual([]);
    expect(errors(resolveControllers(secretCa('pki'), { implementation: 'nginx-gateway-fabric' }))).toEqual(expect.arrayContaining(['RefNotPermitted spec.tls.frontend.default.validation.caCertificateRefs[0]']));
  });

  test('a BackendTLSPolicy of a Service no Gateway of the input routes to: judged by the built-in proxy by default, not with --implementation', () => {
    const objs: KubeObject[] = [{
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'tls', namespace: 'apps' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], validation: { hostname: 'web', caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }] } },
    }];
    const errors = (r: ReturnType<typeof resolveControllers>) => r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
    expect(errors(resolveControllers(objs))).toContain('InvalidKind');
    expect(errors(resolveControllers(objs, { implementation: 'nginx-gateway-fabric' }))).toEqual([]);
  });
});
