import {
  Backend,
  Gateway,
  GatewayClass,
  GrpcMatch,
  GrpcRoute,
  HeaderMatch,
  HttpFilter,
  Listener,
  ParentRef,
  RouteNamespaces,
  TcpRoute,
  TlsCertificate,
  TlsRoute,
  UdpRoute,
} from '../../src';
import { find, newChart, synth, synthError } from '../util';

function mixed() {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'mixed-gateway', {
    namespace: 'gateway',
    gatewayClass: GatewayClass.builtin(chart, 'class'),
    listeners: [
      Listener.http({ routeNamespaces: RouteNamespaces.all() }),
      Listener.https({ certificates: [TlsCertificate.fromSecret('tls')], routeNamespaces: RouteNamespaces.all() }),
      Listener.http({ name: 'grpc', port: 50051, routeNamespaces: RouteNamespaces.all() }),
      Listener.tcp({ name: 'mysql', port: 3306, routeNamespaces: RouteNamespaces.all() }),
      Listener.tls({ name: 'passthrough', port: 8443, hostname: 'tls.example.com', routeNamespaces: RouteNamespaces.all() }),
      Listener.udp({ name: 'dns', port: 5353, routeNamespaces: RouteNamespaces.all() }),
    ],
  });
  return { app, chart, gateway };
}

test('GRPCRoute: service/method/header matches, filters, weighted backends, derived grants', () => {
  const { app, gateway } = mixed();
  const route = gateway.addGrpcRoute('grpc-status', { namespace: 'grpc', sectionName: 'grpc', hostnames: ['grpc.example.com'] });
  route.addRule({
    name: 'status',
    matches: [GrpcMatch.method('my.grpc.Service', 'GetStatus'), GrpcMatch.service('my.grpc.Admin').withHeaders(HeaderMatch.exact('x-env', 'canary')), GrpcMatch.regex('my\\.grpc\\..*', 'List.*')],
    filters: [HttpFilter.requestHeaders({ set: { 'x-via': 'gateway' } })],
    backends: [Backend.fromName('grpc-service', { port: 50051, weight: 90 }), Backend.fromName('grpc-canary', { namespace: 'canary', port: 50051, weight: 10 })],
  });
  const objs = synth(app);
  const spec = find(objs, 'GRPCRoute', 'grpc-status', 'grpc').spec;
  expect(spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'mixed-gateway', namespace: 'gateway', sectionName: 'grpc' }]);
  expect(spec.rules[0].matches).toEqual([
    { method: { type: 'Exact', service: 'my.grpc.Service', method: 'GetStatus' } },
    { method: { type: 'Exact', service: 'my.grpc.Admin' }, headers: [{ name: 'x-env', type: 'Exact', value: 'canary' }] },
    { method: { type: 'RegularExpression', service: 'my\\.grpc\\..*', method: 'List.*' } },
  ]);
  expect(spec.rules[0].backendRefs).toEqual([{ name: 'grpc-service', port: 50051, weight: 90 }, { name: 'grpc-canary', namespace: 'canary', port: 50051, weight: 10 }]);
  expect(find(objs, 'ReferenceGrant', 'grpc-grpcroute-to-service', 'canary').spec.from).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'grpc' }]);
});

test('GRPCRoute local errors', () => {
  const { gateway } = mixed();
  expect(() => GrpcMatch.method('my service', 'Get')).toThrow(/is not a fully qualified gRPC service name/);
  expect(() => GrpcMatch.method('a.B', 'Get-Status')).toThrow(/is not a gRPC method name/);
  expect(() => GrpcMatch.regex()).toThrow(/names neither a service nor a method/);
  expect(() => gateway.addGrpcRoute('g', { rules: [{ filters: [HttpFilter.redirect({ scheme: 'https' })] }] })).toThrow(/"RequestRedirect" is not a filter GRPCRoute supports/);
});

test('TLSRoute, TCPRoute and UDPRoute render one rule with weighted backends', () => {
  const { app, chart, gateway } = mixed();
  gateway.addTlsRoute('secure', { namespace: 'gateway', sectionName: 'passthrough', hostnames: ['tls.example.com'], backends: [Backend.fromName('secure-svc', { port: 443 })] });
  gateway.addTcpRoute('mysql', { namespace: 'gateway', sectionName: 'mysql', backends: [Backend.fromName('mysql-db', { namespace: 'db', port: 3306 })], ruleName: 'db' });
  new UdpRoute(chart, 'dns', { namespace: 'gateway', parents: [ParentRef.gateway(gateway, { sectionName: 'dns' })], backends: [Backend.fromName('coredns', { port: 53, weight: 1 })] });
  const objs = synth(app);
  expect(find(objs, 'TLSRoute', 'secure').spec).toEqual({
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'mixed-gateway', sectionName: 'passthrough' }],
    hostnames: ['tls.example.com'],
    rules: [{ backendRefs: [{ name: 'secure-svc', port: 443 }] }],
  });
  expect(find(objs, 'TCPRoute', 'mysql').spec.rules).toEqual([{ name: 'db', backendRefs: [{ name: 'mysql-db', namespace: 'db', port: 3306 }] }]);
  expect(find(objs, 'ReferenceGrant', 'gateway-tcproute-to-service', 'db')).toBeDefined();
  expect(find(objs, 'UDPRoute', 'dns').spec.rules).toEqual([{ backendRefs: [{ name: 'coredns', port: 53, weight: 1 }] }]);
});

test('stream route local errors', () => {
  const { chart } = mixed();
  expect(() => new TcpRoute(chart, 't', { backends: [] })).toThrow(/spec.rules\[0\].backendRefs: \[\] is empty/);
  expect(() => new TlsRoute(chart, 'tl', { hostnames: [], backends: [Backend.fromName('a', { port: 443 })] })).toThrow(/spec.hostnames: \[\] is empty/);
  const t = new TcpRoute(chart, 't2', { backends: [Backend.fromName('a', { port: 1 })] });
  expect(() => t.addHostname('a.example.com')).toThrow(/is set on a TCPRoute, which has no hostnames/);
  expect(() => new UdpRoute(chart, 'u', { backends: [Backend.fromName('a', { port: 1, filters: [HttpFilter.requestHeaders({ set: { a: 'b' } })] })] })).toThrow(/UDPRoute backends take no filters/);
});

test('a TCPRoute on an HTTP listener is not allowed by the listener (whole-app)', () => {
  const { app, chart, gateway } = mixed();
  new TcpRoute(chart, 'wrong', { namespace: 'gateway', parents: [ParentRef.gateway(gateway, { sectionName: 'http' })], backends: [Backend.fromName('a', { port: 1 })] });
  expect(synthError(app)).toMatch(/\[test\/wrong\].*NotAllowedByListeners/);
});

test('a GRPCRoute object validates against the standard CRD', () => {
  const { app, chart, gateway } = mixed();
  new GrpcRoute(chart, 'plain', { namespace: 'gateway', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('g', { port: 50051 })] }] });
  expect(() => synth(app)).not.toThrow();
});
