/**
 * A chart with one object of every ordering rule the Pulumi component applies: a CRD and an
 * object of its kind, Namespaces, cluster-scoped objects (GatewayClass, ClusterIssuer),
 * Secret / ConfigMap, a Deployment + Service, a Gateway whose certificate lives in another
 * namespace (derived ReferenceGrant), a route, a MetalLB pool + L2 advertisement, a proxy
 * Service that takes its address from the pool, and cert-manager issuers + certificates.
 * MetalLB and cert-manager objects are plain ApiObjects (validated against the bundled CRD
 * schemas at synth like any other object).
 */
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Backend,
  Gateway,
  GatewayClass,
  HttpRoute,
  Listener,
  ParentRef,
  PathMatch,
  RouteNamespaces,
  TlsCertificate,
} from '../../src';

export interface FixtureOptions {
  /** construct id of the Gateway (its metadata.name is pinned to `edge`) */
  readonly gatewayId?: string;
  /** sectionName of the web route (default `https`) */
  readonly sectionName?: string;
  /** GatewayClass: `istio` (a controller) or `builtin` */
  readonly gatewayClass?: 'istio' | 'builtin';
}

export function fixtureChart(app: App, options: FixtureOptions = {}): Chart {
  const chart = new Chart(app, 'fixture');
  for (const ns of ['infra', 'web', 'certs', 'metallb-system']) new kplus.Namespace(chart, `${ns}-ns`, { metadata: { name: ns } });

  new ApiObject(chart, 'widgets-crd', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  new ApiObject(chart, 'widget', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'gadget', namespace: 'web' }, spec: { size: 3 } });

  const gatewayClass = options.gatewayClass === 'builtin' ? GatewayClass.builtin(chart, 'class') : GatewayClass.istio(chart, 'class');
  const gateway = new Gateway(chart, options.gatewayId ?? 'edge', {
    name: 'edge',
    namespace: 'infra',
    gatewayClass,
    listeners: [
      Listener.http({ name: 'http', routeNamespaces: RouteNamespaces.all() }),
      Listener.https({
        name: 'https',
        hostname: 'www.example.com',
        certificates: [TlsCertificate.fromSecret('www-tls', { namespace: 'certs' })],
        routeNamespaces: RouteNamespaces.all(),
      }),
    ],
  });

  new kplus.ConfigMap(chart, 'web-config', { metadata: { name: 'web-config', namespace: 'web' }, data: { greeting: 'hello' } });
  new kplus.Secret(chart, 'web-secret', { metadata: { name: 'web-secret', namespace: 'web' }, stringData: { token: 'not-a-secret' } });
  const service = new kplus.Deployment(chart, 'web-deployment', {
    metadata: { name: 'web', namespace: 'web' },
    replicas: 2,
    containers: [{ image: 'ghcr.io/example/web:1.0.0', portNumber: 8080, securityContext: { user: 101, group: 101 } }],
  }).exposeViaService({ name: 'web', ports: [{ port: 80, targetPort: 8080 }] });
  new HttpRoute(chart, 'web-route', {
    name: 'web',
    namespace: 'web',
    parents: [ParentRef.gateway(gateway, { sectionName: options.sectionName ?? 'https' })],
    hostnames: ['www.example.com'],
    rules: [{ matches: [PathMatch.prefix('/')], backends: [Backend.fromService(service)] }],
  });

  // MetalLB
  new ApiObject(chart, 'pool', {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: 'lan', namespace: 'metallb-system' },
    spec: { addresses: ['192.168.1.240-192.168.1.250'] },
  });
  new ApiObject(chart, 'l2', {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name: 'lan', namespace: 'metallb-system' },
    spec: { ipAddressPools: ['lan'] },
  });
  new ApiObject(chart, 'proxy-service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'edge-proxy',
      namespace: 'infra',
      labels: { 'gateway.networking.k8s.io/gateway-name': 'edge' },
      annotations: { 'metallb.io/address-pool': 'lan' },
    },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: 'edge-proxy' }, ports: [{ name: 'https', port: 443, targetPort: 8443 }] },
  });

  // cert-manager
  new ApiObject(chart, 'cluster-issuer', {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: 'selfsigned' },
    spec: { selfSigned: {} },
  });
  new ApiObject(chart, 'www-cert', {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'www', namespace: 'certs' },
    spec: { secretName: 'www-tls', dnsNames: ['www.example.com'], issuerRef: { name: 'selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
  });
  new ApiObject(chart, 'web-issuer', {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'local', namespace: 'web' },
    spec: { selfSigned: {} },
  });
  new ApiObject(chart, 'web-cert', {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'internal', namespace: 'web' },
    spec: { secretName: 'internal-tls', dnsNames: ['web.web.svc'], issuerRef: { name: 'local' } },
  });
  return chart;
}
