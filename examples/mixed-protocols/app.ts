/**
 * Scenario 4 — one gateway, many protocols and teams, one chart for every stage.
 *
 * Gateway `mixed-gateway` in namespace `infra`, served by the built-in nginx proxy
 * (a LoadBalancer Service with `externalTrafficPolicy: Local`, pinned by MetalLB):
 * - HTTP on 80 (only the HTTPS redirect, namespace `infra`),
 * - HTTPS on 443 for `*.<domain>`, terminated with a wildcard certificate that cert-manager
 *   issues from ClusterIssuer `letsencrypt-prod` by DNS-01 (a wildcard cannot use HTTP-01),
 *   routes from namespaces labelled `route-allowed=true`,
 * - TLS passthrough for `tls.<domain>` on 443 next to HTTPS (the proxy picks by SNI),
 *   routes from every namespace,
 * - gRPC (h2c) on 50051, routes from every namespace,
 * - MySQL over TCP on 3306, routes from labelled namespaces.
 * The game portal `game.<domain>` sends `/mario` and `/tetris` to their teams' namespaces
 * with the prefix rewritten to `/` (the ReferenceGrants in `mario-ns` and `tetris-ns` are
 * derived). `stage` switches class name, hostnames, address and TLS termination — what the
 * team used Helm values for.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AcmeSolver,
  Backend,
  CertManagerCert,
  ClusterIssuer,
  Gateway,
  GatewayClass,
  GatewayProxy,
  GrpcMatch,
  GrpcRoute,
  HttpFilter,
  HttpRoute,
  Listener,
  MetalLbPool,
  ParentRef,
  PathMatch,
  PathModifier,
  RouteKind,
  RouteNamespaces,
  TcpRoute,
  TlsRoute,
} from '../../src';

/** What differs between the stages. */
export interface Stage {
  readonly name: string;
  /** the GatewayClass of this stage's proxy */
  readonly className: string;
  readonly domain: string;
  /** the proxy's load-balancer address */
  readonly address: string;
  /** terminate HTTPS (else the web routes are served on plain HTTP) */
  readonly tls: boolean;
}

export const STAGES: { readonly [name: string]: Stage } = {
  dev: { name: 'dev', className: 'cdk8s-gateway-dev', domain: 'dev.example.com', address: '10.10.10.64', tls: false },
  staging: { name: 'staging', className: 'cdk8s-gateway-staging', domain: 'staging.example.com', address: '10.10.10.63', tls: true },
  prod: { name: 'prod', className: 'cdk8s-gateway', domain: 'example.com', address: '10.10.10.62', tls: true },
};

const ALLOWED = { 'route-allowed': 'true' };

export class MixedProtocolsChart extends Chart {
  public readonly gateway: Gateway;

  constructor(scope: Construct, id: string, stage: Stage) {
    super(scope, id);
    const d = stage.domain;
    const ns = (name: string, labels?: Record<string, string>) => new kplus.Namespace(this, `${name}-ns`, { metadata: { name, ...(labels ? { labels } : {}) } });
    ns('infra');
    ns('web', ALLOWED);
    ns('grpc');
    ns('db', ALLOWED);
    ns('secure');
    ns('games', ALLOWED);
    ns('mario-ns');
    ns('tetris-ns');

    const pool = new MetalLbPool(this, 'lb', { addresses: ['10.10.10.60-10.10.10.69'] });
    this.gateway = new Gateway(this, 'mixed-gateway', {
      namespace: 'infra',
      gatewayClass: GatewayClass.builtin(this, 'class', { name: stage.className }),
      loadBalancerAddress: pool.address(stage.address),
    });
    const gw = this.gateway;

    gw.addListener(Listener.http({ name: 'http', routeNamespaces: stage.tls ? RouteNamespaces.same() : RouteNamespaces.selector({ matchLabels: ALLOWED }) }));
    let webSection = 'http';
    if (stage.tls) {
      const letsEncrypt = ClusterIssuer.letsEncryptProduction(this, 'letsencrypt-prod', {
        email: `ops@${d}`,
        solvers: [AcmeSolver.dns01Route53({ region: 'eu-west-1' })],
      });
      const wildcard = new CertManagerCert(this, 'wildcard', { name: 'wildcard', gateway: gw, issuer: letsEncrypt, dnsNames: [`*.${d}`] });
      gw.addListener(Listener.https({ name: 'https', hostname: `*.${d}`, certificates: [wildcard], routeNamespaces: RouteNamespaces.selector({ matchLabels: ALLOWED }) }));
      gw.addHttpRoute('https-redirect', { namespace: 'infra', sectionName: 'http', rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: 301 })] }] });
      webSection = 'https';
    }
    gw.addListener(Listener.tls({ name: 'tls-passthrough', hostname: `tls.${d}`, routeNamespaces: RouteNamespaces.all(), routeKinds: [RouteKind.TLS_ROUTE] }));
    gw.addListener(Listener.http({ name: 'grpc', port: 50051, routeNamespaces: RouteNamespaces.all(), routeKinds: [RouteKind.GRPC_ROUTE] }));
    gw.addListener(Listener.tcp({ name: 'mysql', port: 3306, routeNamespaces: RouteNamespaces.selector({ matchLabels: ALLOWED }), routeKinds: [RouteKind.TCP_ROUTE] }));

    // the teams' routes (their Deployments and Services are deployed by the teams)
    new HttpRoute(this, 'web', {
      namespace: 'web',
      parents: [ParentRef.gateway(gw, { sectionName: webSection })],
      hostnames: [`www.${d}`],
      rules: [{ backends: [Backend.fromName('web', { port: 80 })] }],
    });
    new GrpcRoute(this, 'status', {
      namespace: 'grpc',
      parents: [ParentRef.gateway(gw, { sectionName: 'grpc' })],
      rules: [{ matches: [GrpcMatch.method('my.grpc.Service', 'GetStatus')], backends: [Backend.fromName('grpc-service', { port: 50051 })] }],
    });
    new TlsRoute(this, 'secure', {
      namespace: 'secure',
      parents: [ParentRef.gateway(gw, { sectionName: 'tls-passthrough' })],
      hostnames: [`tls.${d}`],
      backends: [Backend.fromName('secure-svc', { port: 443 })],
    });
    new TcpRoute(this, 'mysql', {
      namespace: 'db',
      parents: [ParentRef.gateway(gw, { sectionName: 'mysql' })],
      backends: [Backend.fromName('mysql-db', { port: 3306 })],
    });
    const game = (path: string, service: string) => ({
      matches: [PathMatch.prefix(path)],
      filters: [HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/') })],
      backends: [Backend.fromName(service, { namespace: `${service}-ns`, port: 80 })],
    });
    new HttpRoute(this, 'game-portal', {
      namespace: 'games',
      parents: [ParentRef.gateway(gw, { sectionName: webSection })],
      hostnames: [`game.${d}`],
      rules: [game('/mario', 'mario'), game('/tetris', 'tetris')],
    });

    // the data plane: nginx compiled from the routes above, LoadBalancer at the pinned address
    new GatewayProxy(this, 'proxy', { gateway: gw });
  }
}

/** The app for one stage (`prod` by default; `STAGE=dev npx ts-node main.ts` for another). */
export function createApp(outdir?: string, stage: string = 'prod'): App {
  const s = STAGES[stage];
  if (!s) throw new Error(`unknown stage ${JSON.stringify(stage)}: use one of ${Object.keys(STAGES).join(', ')}`);
  const app = new App({ outdir });
  new MixedProtocolsChart(app, `mixed-protocols-${s.name}`, s);
  return app;
}
