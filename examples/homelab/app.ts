/**
 * Scenario 1 — homelab: retire the hand-kept reverse proxy.
 *
 * Gateway `web-gateway` in namespace `gateway` with an HTTP listener that 301-redirects
 * everything to HTTPS and two HTTPS listeners (www and a wildcard for the apps). Each app
 * keeps its route in its own namespace; namespaces opt in with the label
 * `web-gateway-access: "true"`. Every HTTPS response carries HSTS.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Backend,
  Gateway,
  GatewayClass,
  HttpFilter,
  Listener,
  ParentRef,
  PathMatch,
  RouteNamespaces,
  TlsCertificate,
  HttpRoute,
} from '../../src';

export const DOMAIN = 'example.com';
const ACCESS_LABEL = { 'web-gateway-access': 'true' };
const HSTS = HttpFilter.responseHeaders({ set: { 'Strict-Transport-Security': 'max-age=63072000' } });

/** One app: namespace (labelled for the gateway), Deployment, Service and its HTTPRoute. */
function webApp(scope: Construct, name: string, image: string, hostname: string, gateway: Gateway, sectionName: string): HttpRoute {
  new kplus.Namespace(scope, `${name}-ns`, { metadata: { name, labels: ACCESS_LABEL } });
  const deployment = new kplus.Deployment(scope, `${name}-deployment`, {
    metadata: { name, namespace: name },
    replicas: 2,
    containers: [{ image, portNumber: 8080, securityContext: { user: 101, group: 101 } }],
  });
  const service = deployment.exposeViaService({ name, ports: [{ port: 80, targetPort: 8080 }] });
  return new HttpRoute(scope, `${name}-route`, {
    name,
    namespace: name,
    parents: [ParentRef.gateway(gateway, { sectionName })],
    hostnames: [hostname],
    rules: [{ matches: [PathMatch.prefix('/')], filters: [HSTS], backends: [Backend.fromService(service)] }],
  });
}

export class HomelabChart extends Chart {
  public readonly gateway: Gateway;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const gatewayClass = GatewayClass.builtin(this, 'class');
    new kplus.Namespace(this, 'gateway-ns', { metadata: { name: 'gateway' } });

    this.gateway = new Gateway(this, 'web-gateway', {
      namespace: 'gateway',
      gatewayClass,
      listeners: [
        // port 80 admits only the redirect route in the gateway's own namespace
        Listener.http({ name: 'http' }),
        Listener.https({
          name: 'https-www',
          hostname: `www.${DOMAIN}`,
          certificates: [TlsCertificate.fromSecret('www-tls')],
          routeNamespaces: RouteNamespaces.selector({ matchLabels: ACCESS_LABEL }),
        }),
        Listener.https({
          name: 'https-apps',
          hostname: `*.${DOMAIN}`,
          certificates: [TlsCertificate.fromSecret('wildcard-tls')],
          routeNamespaces: RouteNamespaces.selector({ matchLabels: ACCESS_LABEL }),
        }),
      ],
    });

    // HTTP → HTTPS, permanently, for every host
    this.gateway.addHttpRoute('https-redirect', {
      namespace: 'gateway',
      sectionName: 'http',
      rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: 301 })] }],
    });

    webApp(this, 'blog', 'ghcr.io/example/blog:1.4.2', `www.${DOMAIN}`, this.gateway, 'https-www');
    webApp(this, 'photos', 'ghcr.io/example/photos:2.0.1', `photos.${DOMAIN}`, this.gateway, 'https-apps');
    webApp(this, 'wiki', 'ghcr.io/example/wiki:0.9.0', `wiki.${DOMAIN}`, this.gateway, 'https-apps');
  }
}

export function createApp(outdir?: string): App {
  const app = new App({ outdir });
  new HomelabChart(app, 'homelab');
  return app;
}
