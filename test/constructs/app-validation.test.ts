import * as kplus from 'cdk8s-plus-28';
import {
  Backend,
  checkApp,
  ExternalNamespaces,
  Gateway,
  GatewayClass,
  HttpRoute,
  Listener,
  ParentRef,
  PathMatch,
  RouteKind,
  RouteNamespaces,
  TlsCertificate,
} from '../../src';
import { newChart, synth, synthError } from '../util';

/** Whole-app errors come from the offline resolver through node.addValidation. */
function gatewayApp(listeners: Listener[]) {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'web-gateway', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners });
  return { app, chart, gateway };
}

test('a sectionName that names no listener fails synth, listing the listeners', () => {
  const { app, gateway } = gatewayApp([Listener.http(), Listener.https({ certificates: [TlsCertificate.fromSecret('tls')] })]);
  gateway.addHttpRoute('site', { namespace: 'gateway', sectionName: 'htps', rules: [{ backends: [Backend.fromName('site', { port: 80 })] }] });
  const msg = synthError(app);
  expect(msg).toMatch(/\[test\/site\] spec.parentRefs\[0\].sectionName/);
  expect(msg).toMatch(/"htps"/);
  expect(msg).toMatch(/http, https/);
  expect(msg).toMatch(/NoMatchingParent/);
  expect(msg).toMatch(/Fix:/);
});

test('a listener that admits only its own namespace rejects a route from another', () => {
  const { app, gateway } = gatewayApp([Listener.http({ routeNamespaces: RouteNamespaces.same() })]);
  new HttpRoute(gateway.node.scope!, 'blog', { namespace: 'blog', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('blog', { port: 80 })] }] });
  const msg = synthError(app);
  expect(msg).toMatch(/\[test\/blog\].*NotAllowedByListeners/);
});

test('Selector listeners: labelled namespaces attach, others are rejected', () => {
  const { app, chart, gateway } = gatewayApp([Listener.http({ routeNamespaces: RouteNamespaces.selector({ matchLabels: { 'route-allowed': 'true' } }) })]);
  new kplus.Namespace(chart, 'ok-ns', { metadata: { name: 'ok', labels: { 'route-allowed': 'true' } } });
  new kplus.Namespace(chart, 'no-ns', { metadata: { name: 'no' } });
  new HttpRoute(chart, 'ok', { namespace: 'ok', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  expect(() => synth(app)).not.toThrow();
  new HttpRoute(chart, 'no', { namespace: 'no', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  const msg = synthError(app);
  expect(msg).toMatch(/\[test\/no\].*NotAllowedByListeners/);
  expect(msg).not.toMatch(/\[test\/ok\]/);
});

test('a Selector listener whose route namespace is not in the app is a warning, not an error', () => {
  const { app, chart, gateway } = gatewayApp([Listener.http({ routeNamespaces: RouteNamespaces.selector({ matchLabels: { 'route-allowed': 'true' } }) })]);
  new HttpRoute(chart, 'elsewhere', { namespace: 'elsewhere', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  const warnings = checkApp(app).diagnostics.filter((d) => d.severity === 'warning');
  expect(warnings.length).toBeGreaterThan(0);
  expect(warnings.map((w) => w.message).join('\n')).toMatch(/elsewhere/);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(() => synth(app)).not.toThrow();
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/cdk8s-gateway warning: \[test\/elsewhere\]/);
  } finally {
    stderr.mockRestore();
  }
});

test('a listener whose kinds exclude HTTPRoute rejects it', () => {
  const { app, gateway } = gatewayApp([Listener.http({ routeKinds: [RouteKind.GRPC_ROUTE] })]);
  gateway.addHttpRoute('site', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('site', { port: 80 })] }] });
  expect(synthError(app)).toMatch(/\[test\/site\].*NotAllowedByListeners/);
});

test('route hostnames that intersect no listener hostname', () => {
  const { app, gateway } = gatewayApp([Listener.http({ hostname: '*.example.com' })]);
  gateway.addHttpRoute('site', { namespace: 'gateway', hostnames: ['www.example.org'], rules: [{ backends: [Backend.fromName('site', { port: 80 })] }] });
  expect(synthError(app)).toMatch(/\[test\/site\].*NoMatchingListenerHostname/);
});

test('every problem of the app is listed at once', () => {
  const { app, chart, gateway } = gatewayApp([Listener.http()]);
  gateway.addHttpRoute('a', { namespace: 'gateway', sectionName: 'nope', rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  new HttpRoute(chart, 'b', { namespace: 'other', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('b', { port: 80 })] }] });
  gateway.addHttpRoute('c', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('c', { namespace: 'x', port: 80, referenceGrant: false })] }] });
  const msg = synthError(app);
  expect(msg).toMatch(/\[test\/a\]/);
  expect(msg).toMatch(/\[test\/b\]/);
  expect(msg).toMatch(/\[test\/c\]/);
});

test('a backend Service of the app on a port it does not expose is an error; an external Service is not', () => {
  const { app, chart, gateway } = gatewayApp([Listener.http()]);
  const svc = new kplus.Service(chart, 'svc', { metadata: { name: 'web', namespace: 'gateway' }, ports: [{ port: 8080 }] });
  gateway.addHttpRoute('ext', { namespace: 'gateway', rules: [{ matches: [PathMatch.prefix('/ext')], backends: [Backend.fromName('external', { port: 80 })] }] });
  expect(() => synth(app)).not.toThrow();
  const external = checkApp(app).diagnostics.filter((d) => d.object.name === 'ext');
  expect(external).toEqual([expect.objectContaining({ severity: 'info', code: 'AssumedExternal', field: 'spec.rules[0].backendRefs[0]' })]);
  expect(external[0].message).toContain('Service gateway/external is not in the input');
  gateway.addHttpRoute('web', { namespace: 'gateway', rules: [{ backends: [Backend.fromName(svc.name, { port: 80 })] }] });
  expect(synthError(app)).toMatch(/\[test\/web\].*BackendNotFound/);
});

test('a parent Gateway outside the app is not an error', () => {
  const { app, chart } = newChart();
  new HttpRoute(chart, 'r', {
    namespace: 'apps',
    parents: [ParentRef.gateway(Gateway.fromGatewayAttributes({ name: 'shared', namespace: 'infra' }), { sectionName: 'https' })],
    rules: [{ backends: [Backend.fromName('a', { port: 80 })] }],
  });
  ExternalNamespaces.of(app).add('apps'); // (not a NamespaceNotCreated warning either)
  expect(() => synth(app)).not.toThrow();
  const diags = checkApp(app).diagnostics;
  expect(diags.every((d) => d.severity === 'info' && d.code === 'AssumedExternal')).toBe(true);
  expect(diags.find((d) => d.field === 'spec.parentRefs[0]')?.message).toContain('Gateway infra/shared is not in the input');
});

test('references to objects outside the app are infos; a present object is still checked', () => {
  const { app, chart, gateway } = gatewayApp([Listener.https({ certificates: [TlsCertificate.fromSecret('cert-manager-writes-this')] })]);
  gateway.addHttpRoute('site', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('elsewhere', { port: 80 })] }] });
  ExternalNamespaces.of(app).add('gateway'); // (not a NamespaceNotCreated warning either)
  expect(() => synth(app)).not.toThrow();
  const diags = checkApp(app).diagnostics;
  expect(diags.map((d) => `${d.severity} ${d.code} ${d.object.kind} ${d.field}`)).toEqual([
    'info AssumedExternal Gateway spec.listeners[0].tls.certificateRefs[0]',
    'info AssumedExternal HTTPRoute spec.rules[0].backendRefs[0]',
  ]);
  new kplus.Service(chart, 'svc', { metadata: { name: 'elsewhere', namespace: 'gateway' }, ports: [{ port: 8080 }] });
  expect(synthError(app)).toMatch(/\[test\/site\].*has no port 80 \(its ports: 8080\).*BackendNotFound/);
});

test('Gateways of every controller in the app are checked, not only the built-in one', () => {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { namespace: 'g', gatewayClass: GatewayClass.istio(chart, 'istio'), listeners: [Listener.http()] });
  new HttpRoute(chart, 'r', { namespace: 'g', parents: [ParentRef.gateway(gateway, { sectionName: 'htps' })], rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  expect(synthError(app)).toMatch(/\[test\/r\] spec.parentRefs\[0\].sectionName.*NoMatchingParent/);
});
