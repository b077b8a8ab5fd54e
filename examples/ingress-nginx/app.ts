/**
 * Scenario 5 — leaving ingress-nginx.
 *
 * The Ingresses for `kans.com` become one Gateway `kans-gateway` in namespace `kans` and its
 * routes; each ingress-nginx annotation maps to a Gateway API field:
 * - `nginx.ingress.kubernetes.io/ssl-redirect: "true"` → an HTTP listener whose only route
 *   redirects to HTTPS with 301 (ingress-nginx answered 308; `statusCode: 308` keeps that),
 * - `spec.tls[0].secretName: kans-tls` → the HTTPS listener's certificate, still issued by
 *   cert-manager from the cluster's existing ClusterIssuer `letsencrypt-prod`,
 * - the canary Ingress (`nginx.ingress.kubernetes.io/canary: "true"`, `canary-weight: "10"`) next
 *   to the main one → two weighted backendRefs on one rule: `svc-v1` 90, `svc-v2` 10,
 * - `nginx.ingress.kubernetes.io/rewrite-target: /$2` on `/api(/|$)(.*)` → a URLRewrite filter
 *   replacing the `/api` prefix with `/`.
 * ingress-nginx's `tcp-services` ConfigMap (`"8080": "tcp/foo-svc:8080"`, `"8090": "tcp/bar-svc:8090"`)
 * becomes a TCP-only Gateway `tcp-gateway` in namespace `tcp` with listeners `foo` (8080) and
 * `bar` (8090); each TCPRoute picks its listener by `sectionName`.
 *
 * Both gateways are served by the built-in nginx proxy (one GatewayProxy each). The apps and
 * their Services (`svc-v1`, `svc-v2`, `api`, `foo-svc`, `bar-svc`) stay as they were deployed
 * under ingress-nginx: only the routing moves.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Backend,
  CertManagerCert,
  Gateway,
  GatewayClass,
  GatewayProxy,
  HttpFilter,
  HttpRoute,
  IssuerRef,
  Listener,
  ParentRef,
  PathMatch,
  PathModifier,
  RouteKind,
  TcpRoute,
} from '../../src';

export const HOST = 'kans.com';

/** The share of the canary (`canary-weight`): 10 now, 50 when v2 takes half. */
export const CANARY_WEIGHT = 10;

export class IngressNginxChart extends Chart {
  public readonly gateway: Gateway;
  public readonly tcpGateway: Gateway;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const gatewayClass = GatewayClass.builtin(this, 'class');
    new kplus.Namespace(this, 'kans-ns', { metadata: { name: 'kans' } });
    new kplus.Namespace(this, 'tcp-ns', { metadata: { name: 'tcp' } });

    // --- kans.com: the main Ingress, its canary, the rewrite and the SSL redirect ---
    this.gateway = new Gateway(this, 'kans-gateway', { namespace: 'kans', gatewayClass });
    // the Secret the Ingress's spec.tls[0].secretName named, issued as before by cert-manager
    const cert = new CertManagerCert(this, 'kans', {
      gateway: this.gateway,
      issuer: IssuerRef.clusterIssuer('letsencrypt-prod'),
      dnsNames: [HOST],
      secretName: 'kans-tls',
    });
    this.gateway.addListener(Listener.http({ name: 'http', hostname: HOST }));
    this.gateway.addListener(Listener.https({ name: 'https', hostname: HOST, certificates: [cert] }));

    // ssl-redirect: "true"
    this.gateway.addHttpRoute('kans-ssl-redirect', {
      namespace: 'kans',
      sectionName: 'http',
      hostnames: [HOST],
      rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: 301 })] }],
    });

    new HttpRoute(this, 'kans-route', {
      name: 'kans',
      namespace: 'kans',
      parents: [ParentRef.gateway(this.gateway, { sectionName: 'https' })],
      hostnames: [HOST],
      rules: [
        {
          // rewrite-target: /$2 on /api(/|$)(.*): /api/users → /users
          name: 'api',
          matches: [PathMatch.prefix('/api')],
          filters: [HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/') })],
          backends: [Backend.fromName('api', { port: 8080 })],
        },
        {
          // the main Ingress (svc-v1) and the canary Ingress (svc-v2, canary-weight "10") in one
          // rule: 90 / 10. For canary-weight "50" set CANARY_WEIGHT to 50 (weights 50 / 50).
          name: 'site',
          matches: [PathMatch.prefix('/')],
          backends: [
            Backend.fromName('svc-v1', { port: 80, weight: 100 - CANARY_WEIGHT }),
            Backend.fromName('svc-v2', { port: 80, weight: CANARY_WEIGHT }),
          ],
        },
      ],
    });

    // --- the tcp-services ConfigMap: a TCP-only Gateway ---
    this.tcpGateway = new Gateway(this, 'tcp-gateway', {
      namespace: 'tcp',
      gatewayClass,
      listeners: [
        Listener.tcp({ name: 'foo', port: 8080, routeKinds: [RouteKind.TCP_ROUTE] }),
        Listener.tcp({ name: 'bar', port: 8090, routeKinds: [RouteKind.TCP_ROUTE] }),
      ],
    });
    new TcpRoute(this, 'foo', {
      namespace: 'tcp',
      parents: [ParentRef.gateway(this.tcpGateway, { sectionName: 'foo' })],
      backends: [Backend.fromName('foo-svc', { port: 8080 })],
    });
    new TcpRoute(this, 'bar', {
      namespace: 'tcp',
      parents: [ParentRef.gateway(this.tcpGateway, { sectionName: 'bar' })],
      backends: [Backend.fromName('bar-svc', { port: 8090 })],
    });

    // the data plane: one nginx proxy per Gateway, compiled from the routes above
    new GatewayProxy(this, 'kans-proxy', { gateway: this.gateway });
    new GatewayProxy(this, 'tcp-proxy', { gateway: this.tcpGateway });
  }
}

export function createApp(outdir?: string): App {
  const app = new App({ outdir });
  new IngressNginxChart(app, 'ingress-nginx');
  return app;
}
