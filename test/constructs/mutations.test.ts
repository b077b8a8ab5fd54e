/**
 * Every mutating public method of the library goes through `mutate` (`Resource._mutate`), so a change made
 * after a synth is seen by the next synth (the validation snapshot and the serialization cache
 * are never reused after it). The list below must name every such method: a new `add*` method
 * fails the enumeration test until it gets a case here.
 */
import { App, Chart, JsonPatch } from 'cdk8s';
import * as lib from '../../src';
import {
  AcmeSolver,
  AppNamespaces,
  Backend,
  ClusterIssuer,
  ExternalNamespaces,
  Gateway,
  GatewayClass,
  GrpcRoute,
  HttpRoute,
  HttpsFrontDoor,
  IssuerRef,
  Listener,
  MetalLbPool,
  ParentRef,
  PathMatch,
  ReferenceGrant,
  RouteNamespaces,
} from '../../src';
import { newChart } from '../util';

interface Fixture {
  app: App;
  chart: Chart;
  gateway: Gateway;
  route: HttpRoute;
}

function fixture(): Fixture {
  const { app, chart } = newChart('apps');
  const gateway = new Gateway(chart, 'gw', {
    gatewayClass: GatewayClass.istio(chart, 'istio'),
    listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() }), Listener.tcp({ name: 'tcp', port: 5432 })],
  });
  const route = new HttpRoute(chart, 'r', { parents: [ParentRef.gateway(gateway, { sectionName: 'http' })], hostnames: ['a.example.com'], rules: [{ matches: [PathMatch.prefix('/a')], backends: [Backend.fromName('a', { port: 80 })] }] });
  ExternalNamespaces.of(app).add('apps');
  return { app, chart, gateway, route };
}

/** `Class.method` -> builds the app and returns the mutation to apply. */
const cases: Record<string, (f: Fixture) => () => unknown> = {
  'Gateway.addListener': ({ gateway }) => () => gateway.addListener(Listener.http({ name: 'alt', port: 8080 })),
  'Gateway.addHttpRoute': ({ gateway }) => () => gateway.addHttpRoute('r2', { sectionName: 'http', rules: [{ backends: [Backend.fromName('b', { port: 80 })] }] }),
  'Gateway.addGrpcRoute': ({ gateway }) => () => gateway.addGrpcRoute('g2', { sectionName: 'http', hostnames: ['grpc.example.com'], rules: [{ backends: [Backend.fromName('g', { port: 50051 })] }] }),
  'Gateway.addTlsRoute': ({ gateway }) => () => {
    gateway.addListener(Listener.tls({ name: 'tls', port: 8443 }));
    gateway.addTlsRoute('t2', { sectionName: 'tls', hostnames: ['db.example.com'], backends: [Backend.fromName('t', { port: 443 })] });
  },
  'Gateway.addTcpRoute': ({ gateway }) => () => gateway.addTcpRoute('tcp2', { sectionName: 'tcp', backends: [Backend.fromName('pg', { port: 5432 })] }),
  'Gateway.addUdpRoute': ({ gateway }) => () => {
    gateway.addListener(Listener.udp({ name: 'dns', port: 53 }));
    gateway.addUdpRoute('u2', { sectionName: 'dns', backends: [Backend.fromName('dns', { port: 53 })] });
  },
  'HttpRoute.addRule': ({ route }) => () => route.addRule({ matches: [PathMatch.prefix('/b')], backends: [Backend.fromName('b', { port: 80 })] }),
  'HttpRouteRule.addBackend': ({ route }) => {
    const rule = route.addRule({ matches: [PathMatch.prefix('/b')], backends: [Backend.fromName('b', { port: 80 })] });
    return () => rule.addBackend(Backend.fromName('c', { port: 80 }));
  },
  'HttpRouteRule.addMatch': ({ route }) => {
    const rule = route.addRule({ matches: [PathMatch.prefix('/b')], backends: [Backend.fromName('b', { port: 80 })] });
    return () => rule.addMatch(PathMatch.exact('/c'));
  },
  'RouteBase.addHostname': ({ route }) => () => route.addHostname('b.example.com'),
  'RouteBase.addParentRef': ({ chart, route }) => {
    const other = new Gateway(chart, 'gw2', { gatewayClass: GatewayClass.istio(chart, 'istio2'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
    return () => route.addParentRef(ParentRef.gateway(other));
  },
  'GrpcRoute.addRule': ({ chart, gateway }) => {
    const g = new GrpcRoute(chart, 'g', { parents: [ParentRef.gateway(gateway, { sectionName: 'http' })], hostnames: ['grpc.example.com'], rules: [{ backends: [Backend.fromName('g', { port: 50051 })] }] });
    return () => g.addRule({ backends: [Backend.fromName('h', { port: 50051 })] });
  },
  'ReferenceGrant.addFrom': ({ chart }) => {
    const grant = new ReferenceGrant(chart, 'grant', { from: [{ kind: 'HTTPRoute', namespace: 'web' }], to: [{ kind: 'Service' }] });
    return () => grant.addFrom({ kind: 'GRPCRoute', namespace: 'web' });
  },
  'ReferenceGrant.addTo': ({ chart }) => {
    const grant = new ReferenceGrant(chart, 'grant', { from: [{ kind: 'HTTPRoute', namespace: 'web' }], to: [{ kind: 'Service' }] });
    return () => grant.addTo({ kind: 'Secret' });
  },
  'MetalLbPool.addL2Advertisement': ({ chart }) => {
    const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
    return () => pool.addL2Advertisement('l2');
  },
  'MetalLbPool.addBgpAdvertisement': ({ chart }) => {
    const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
    return () => pool.addBgpAdvertisement('bgp');
  },
  'MetalLbPool.address': ({ chart, gateway }) => {
    const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
    return () => gateway.apiObject.metadata.addAnnotation('pinned', JSON.stringify(pool.address('192.168.1.241').serviceAnnotations()));
  },
  'IssuerBase.addSolver': ({ chart, gateway }) => {
    const issuer = ClusterIssuer.letsEncryptProduction(chart, 'le', { email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
    return () => issuer.addSolver(AcmeSolver.dns01Cloudflare({ apiToken: { name: 'cf' }, dnsZones: ['example.com'] }));
  },
  'IssuerBase.annotateGateway': ({ chart, gateway }) => {
    const issuer = ClusterIssuer.selfSigned(chart, 'self');
    return () => issuer.annotateGateway(gateway);
  },
  'IssuerRef.annotateGateway': ({ gateway }) => () => IssuerRef.clusterIssuer('ext').annotateGateway(gateway),
  'HttpsFrontDoor.addHost': ({ chart, gateway }) => {
    const door = new HttpsFrontDoor(chart, 'https', { gateway, issuer: IssuerRef.clusterIssuer('le'), hostnames: ['www.example.com'] });
    return () => door.addHost('photos.example.com');
  },
  'HttpsFrontDoor.addHosts': ({ chart, gateway }) => {
    const door = new HttpsFrontDoor(chart, 'https', { gateway, issuer: IssuerRef.clusterIssuer('le'), hostnames: ['www.example.com'] });
    return () => door.addHosts(['a.example.com', 'b.example.com']);
  },
  'HttpsFrontDoor.addHttpRoute': ({ chart, gateway }) => {
    const door = new HttpsFrontDoor(chart, 'https', { gateway, issuer: IssuerRef.clusterIssuer('le'), hostnames: ['www.example.com'] });
    return () => door.addHttpRoute('blog', { hostnames: ['www.example.com'], rules: [{ backends: [Backend.fromName('blog', { port: 80 })] }] });
  },
  'AppNamespaces.addLabels': ({ chart }) => {
    const ns = new AppNamespaces(chart, 'namespaces');
    return () => ns.addLabels('web', { team: 'web' });
  },
  'ExternalNamespaces.add': ({ app, chart, gateway }) => {
    new HttpRoute(chart, 'web', { namespace: 'web', parents: [ParentRef.gateway(gateway, { sectionName: 'http' })], hostnames: ['web.example.com'], rules: [{ backends: [Backend.fromName('web', { port: 80 })] }] });
    new AppNamespaces(chart, 'namespaces');
    return () => ExternalNamespaces.of(app).add('web');
  },
  'ApiObject.addJsonPatch': ({ route }) => () => route.apiObject.addJsonPatch(JsonPatch.add('/spec/hostnames', ['p.example.com'])),
  'metadata.addLabel': ({ route }) => () => route.apiObject.metadata.addLabel('tier', 'web'),
  'metadata.addAnnotation': ({ gateway }) => () => gateway.apiObject.metadata.addAnnotation('note', 'x'),
};

describe('a change after a synth is seen by the next synth', () => {
  test.each(Object.keys(cases))('%s', (name) => {
    const fresh = fixture();
    cases[name](fresh)();
    const expected = fresh.app.synthYaml();

    const late = fixture();
    const change = cases[name](late);
    const before = late.app.synthYaml();
    change();
    const after = late.app.synthYaml();
    expect(after).not.toEqual(before);
    expect(after).toEqual(expected);
  });
});

describe('the list of mutating methods is complete', () => {
  test('every exported class\'s add*/annotate* method has a case', () => {
    const found = new Set<string>();
    for (const [exportName, value] of Object.entries(lib)) {
      if (typeof value !== 'function' || !value.prototype) continue;
      for (let proto = value.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        const owner = proto.constructor.name;
        for (const m of Object.getOwnPropertyNames(proto)) {
          if (/^(add([A-Z]|$)|annotate)/.test(m) && (owner === exportName || owner in lib)) found.add(`${owner}.${m}`);
        }
      }
    }
    // private helpers (not callable from user code)
    const known = new Set([...Object.keys(cases), 'HttpsFrontDoor.addListener', 'AppNamespaces.addNamespace']);
    const missing = [...found].filter((m) => !known.has(m) && !m.startsWith('Construct.') && !m.startsWith('Chart.') && !m.startsWith('App.'));
    expect(missing).toEqual([]);
  });
});
