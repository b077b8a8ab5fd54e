/**
 * Scenario 1 — homelab: retire the hand-kept reverse proxy.
 *
 * Gateway `web-gateway` in namespace `gateway`, pinned to 192.168.1.240 of a MetalLB L2
 * pool. The old nginx server block becomes one `HttpsFrontDoor`: port 80 301-redirects
 * to HTTPS, `www` has its own listener and certificate, the apps and the NAS share one
 * listener and one SAN certificate, every certificate comes from Let's Encrypt (HTTP-01
 * through the gateway itself) and every HTTPS response carries HSTS. Each app keeps its
 * route in its own namespace; namespaces opt in with the label `web-gateway-access: "true"`.
 * The NAS stays outside the cluster (172.30.1.77:5001, HTTPS) and is routed at
 * `nas.<domain>` through an `ExternalService`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AcmeSolver,
  Backend,
  BackendTls,
  ClusterIssuer,
  ExternalService,
  Gateway,
  GatewayClass,
  GatewayProxy,
  HttpRoute,
  HttpsFrontDoor,
  MetalLbPool,
  PathMatch,
  RouteNamespaces,
} from '../../src';

export const DOMAIN = 'example.com';
const ACCESS_LABEL = { 'web-gateway-access': 'true' };

/** One app: namespace (labelled for the gateway), Deployment, Service and its HTTPRoute through the front door. */
function webApp(scope: Construct, name: string, image: string, hostname: string, https: HttpsFrontDoor): HttpRoute {
  new kplus.Namespace(scope, `${name}-ns`, { metadata: { name, labels: ACCESS_LABEL } });
  const deployment = new kplus.Deployment(scope, `${name}-deployment`, {
    metadata: { name, namespace: name },
    replicas: 2,
    containers: [{ image, portNumber: 8080, securityContext: { user: 101, group: 101 } }],
  });
  const service = deployment.exposeViaService({ name, ports: [{ port: 80, targetPort: 8080 }] });
  return https.addHttpRoute(`${name}-route`, {
    name,
    namespace: name,
    hostnames: [hostname],
    rules: [{ matches: [PathMatch.prefix('/')], backends: [Backend.fromService(service)] }],
  });
}

export class HomelabChart extends Chart {
  public readonly gateway: Gateway;
  public readonly https: HttpsFrontDoor;
  public readonly proxy: GatewayProxy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const gatewayClass = GatewayClass.builtin(this, 'class');
    new kplus.Namespace(this, 'gateway-ns', { metadata: { name: 'gateway' } });

    // the gateway's address: MetalLB answers ARP for it on the LAN
    const lan = new MetalLbPool(this, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });

    this.gateway = new Gateway(this, 'web-gateway', {
      namespace: 'gateway',
      gatewayClass,
      loadBalancerAddress: lan.address('192.168.1.240'),
    });

    // Let's Encrypt, validating each name through the gateway's own port-80 listener
    const letsEncrypt = ClusterIssuer.letsEncryptProduction(this, 'letsencrypt-prod', {
      email: `admin@${DOMAIN}`,
      solvers: [AcmeSolver.http01Gateway(this.gateway)],
    });

    // HTTP → HTTPS (301), HTTPS listeners with their certificates, HSTS for two years
    this.https = new HttpsFrontDoor(this, 'https', {
      gateway: this.gateway,
      issuer: letsEncrypt,
      routeNamespaces: RouteNamespaces.selector({ matchLabels: ACCESS_LABEL }),
      hsts: { maxAgeSeconds: 63072000 },
    });
    this.https.addHost(`www.${DOMAIN}`, { name: 'https-www' });
    this.https.addHosts([`photos.${DOMAIN}`, `wiki.${DOMAIN}`, `nas.${DOMAIN}`], { name: 'https-apps' });

    webApp(this, 'blog', 'ghcr.io/example/blog:1.4.2', `www.${DOMAIN}`, this.https);
    webApp(this, 'photos', 'ghcr.io/example/photos:2.0.1', `photos.${DOMAIN}`, this.https);
    webApp(this, 'wiki', 'ghcr.io/example/wiki:0.9.0', `wiki.${DOMAIN}`, this.https);

    // The NAS web UI outside the cluster, over HTTPS. Its certificate is checked against the NAS's
    // own CA (nas-ca.pem next to this file: the public certificate only), kept in a ConfigMap.
    new kplus.Namespace(this, 'nas-ns', { metadata: { name: 'nas', labels: ACCESS_LABEL } });
    const nas = new ExternalService(this, 'nas', {
      namespace: 'nas',
      address: '172.30.1.77',
      port: 5001,
      tls: BackendTls.fromCaPem(`nas.${DOMAIN}`, fs.readFileSync(path.join(__dirname, 'nas-ca.pem'), 'utf8')),
    });
    this.https.addHttpRoute('nas-route', {
      name: 'nas',
      namespace: 'nas',
      hostnames: [`nas.${DOMAIN}`],
      rules: [{ backends: [Backend.fromExternalService(nas)] }],
    });

    // The data plane: nginx compiled from the routes above, 2 replicas on different nodes, behind
    // the MetalLB address — no gateway controller runs in the cluster.
    this.proxy = new GatewayProxy(this, 'proxy', { gateway: this.gateway });
  }
}

export function createApp(outdir?: string): App {
  const app = new App({ outdir });
  new HomelabChart(app, 'homelab');
  return app;
}
