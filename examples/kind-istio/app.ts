/**
 * Scenario 2 — a kind cluster with Istio and MetalLB.
 *
 * kind's docker network is 172.18.0.0/16; MetalLB announces 172.18.255.200-250 by L2.
 * Gateway `default-gateway` in namespace `cluster`, class `istio`, pinned to .200 (Istio
 * copies `spec.addresses` into its Service's `loadBalancerIP`, so the library names only
 * the pool in the infrastructure annotations, never the IP twice), one
 * wildcard HTTPS listener whose certificate Secret `default-tls` lives in `istio-system`
 * (the ReferenceGrant there is derived; the namespace is Istio's, declared external), plus
 * port 80 redirecting to HTTPS. Routes come from all namespaces: `api.<domain>` sends exactly
 * `/` to `/__apispec/` (302) and everything else to `docserver:80` in namespace `docs` (a
 * second derived grant).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Backend,
  ExternalNamespaces,
  Gateway,
  GatewayClass,
  HttpFilter,
  HttpRoute,
  Listener,
  MetalLbPool,
  ParentRef,
  PathMatch,
  PathModifier,
  RouteNamespaces,
  TlsCertificate,
} from '../../src';

export const DOMAIN = 'example.com';

export class KindIstioChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new kplus.Namespace(this, 'cluster-ns', { metadata: { name: 'cluster' } });
    new kplus.Namespace(this, 'api-ns', { metadata: { name: 'api' } });
    new kplus.Namespace(this, 'docs-ns', { metadata: { name: 'docs' } });
    // created by `istioctl install`; the derived ReferenceGrant for the certificate lives there
    ExternalNamespaces.of(this).add('istio-system');

    const pool = new MetalLbPool(this, 'kind', { addresses: ['172.18.255.200-172.18.255.250'] });

    const gateway = new Gateway(this, 'default-gateway', {
      namespace: 'cluster',
      gatewayClass: GatewayClass.fromName('istio'), // installed by istioctl
      loadBalancerAddress: pool.address('172.18.255.200'),
      listeners: [
        Listener.http({ name: 'http', hostname: `*.${DOMAIN}`, routeNamespaces: RouteNamespaces.same() }),
        Listener.https({
          name: 'https',
          hostname: `*.${DOMAIN}`,
          certificates: [TlsCertificate.fromSecret('default-tls', { namespace: 'istio-system' })],
          routeNamespaces: RouteNamespaces.all(),
        }),
      ],
    });

    gateway.addHttpRoute('https-redirect', {
      namespace: 'cluster',
      sectionName: 'http',
      rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: 301 })] }],
    });

    const docserver = new kplus.Deployment(this, 'docserver', {
      metadata: { name: 'docserver', namespace: 'docs' },
      replicas: 1,
      containers: [{ image: 'ghcr.io/example/docserver:3.1.0', portNumber: 8000, securityContext: { user: 1000, group: 1000 } }],
    }).exposeViaService({ name: 'docserver', ports: [{ port: 80, targetPort: 8000 }] });

    const api = new HttpRoute(this, 'api', {
      namespace: 'api',
      parents: [ParentRef.gateway(gateway, { sectionName: 'https' })],
      hostnames: [`api.${DOMAIN}`],
    });
    api.addRule({
      name: 'spec-index',
      matches: [PathMatch.exact('/')],
      filters: [HttpFilter.redirect({ path: PathModifier.replaceFullPath('/__apispec/'), statusCode: 302 })],
    });
    api.addRule({
      name: 'docs',
      matches: [PathMatch.prefix('/')],
      backends: [Backend.fromService(docserver)],
    });
  }
}

export function createApp(outdir?: string): App {
  const app = new App({ outdir });
  new KindIstioChart(app, 'kind-istio');
  return app;
}
