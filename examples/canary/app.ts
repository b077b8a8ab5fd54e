/**
 * Scenario 3 — canary, blue-green and mirroring across versions (and clusters).
 *
 * `helloworld` v1 and v2 run side by side in namespace `hello` (each a Deployment behind its own
 * Service on port 5000, selected by `app: helloworld` + `version: v1|v2`), next to an `echoserver`
 * that only receives copies of live traffic. Gateway `hello-gateway` has one HTTPS listener for
 * `*.<domain>` whose certificate is the Secret `hello-tls` (created with `kubectl create secret
 * tls` in each cluster, so it is not part of the app). It is served by the built-in nginx proxy,
 * so the weights below end up as `split_clients` shares in the compiled `nginx.conf`.
 *
 * Route `helloworld` on `app.<domain>`:
 * - `/v1` shifts 80/20 from v1 to v2,
 * - `/app` is the 90/10 canary,
 * - `/remote` spreads 50/50 over this cluster's v1 and the remote cluster's helloworld, reached as
 *   the multi-cluster `ServiceImport` `helloworld-remote` (the multi-cluster services controller
 *   creates it from a ServiceExport in the remote cluster; the proxy resolves it as
 *   `helloworld-remote.hello.svc.clusterset.local`),
 * - everything else goes to v1, and a copy of every request is mirrored to `echoserver`.
 * Route `blue-green` on `bluegreen.<domain>`: all traffic on blue (v1) while green (v2) is
 * verified by testers sending `x-env: green`; the switch is one commit flipping the weights.
 *
 * The same manifests are applied to both clusters (EKS primary, GKE remote).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Backend,
  Gateway,
  GatewayClass,
  GatewayProxy,
  HeaderMatch,
  HttpFilter,
  HttpMatch,
  HttpRoute,
  Listener,
  ParentRef,
  PathMatch,
  TlsCertificate,
} from '../../src';

export const DOMAIN = 'example.com';
const NS = 'hello';

/** A Deployment of `image` whose pods carry `labels`, exposed as Service `name` on `port`. */
function versioned(scope: Construct, name: string, image: string, labels: Record<string, string>, port: number): kplus.Service {
  const deployment = new kplus.Deployment(scope, name, {
    metadata: { name, namespace: NS },
    replicas: 2,
    // select the pods by app/version labels (not cdk8s-plus's per-construct label), as the
    // Services of a canary setup do
    select: false,
    podMetadata: { labels },
    containers: [{ image, portNumber: port, securityContext: { user: 1000, group: 1000 } }],
  });
  deployment.select(kplus.LabelSelector.of({ labels }));
  return new kplus.Service(scope, `${name}-service`, {
    metadata: { name, namespace: NS },
    selector: kplus.Pods.select(scope, `${name}-pods`, { labels }),
    ports: [{ name: 'http', port, targetPort: port }],
  });
}

export class CanaryChart extends Chart {
  public readonly gateway: Gateway;
  public readonly proxy: GatewayProxy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new kplus.Namespace(this, 'hello-ns', { metadata: { name: NS } });

    const v1 = versioned(this, 'helloworld-v1', 'docker.io/istio/examples-helloworld-v1:1.0', { app: 'helloworld', version: 'v1' }, 5000);
    const v2 = versioned(this, 'helloworld-v2', 'docker.io/istio/examples-helloworld-v2:1.0', { app: 'helloworld', version: 'v2' }, 5000);
    const echoserver = versioned(this, 'echoserver', 'registry.k8s.io/e2e-test-images/echoserver:2.5', { app: 'echoserver' }, 8080);

    this.gateway = new Gateway(this, 'hello-gateway', {
      namespace: NS,
      gatewayClass: GatewayClass.builtin(this, 'class'),
      listeners: [
        Listener.https({
          name: 'https',
          hostname: `*.${DOMAIN}`,
          // `kubectl create secret tls hello-tls --cert=… --key=… -n hello` in each cluster
          certificates: [TlsCertificate.fromSecret('hello-tls')],
        }),
      ],
    });
    const parents = [ParentRef.gateway(this.gateway, { sectionName: 'https' })];

    const hello = new HttpRoute(this, 'helloworld', { namespace: NS, parents, hostnames: [`app.${DOMAIN}`] });
    hello.addRule({
      name: 'shift',
      matches: [PathMatch.prefix('/v1')],
      backends: [Backend.fromService(v1, { weight: 80 }), Backend.fromService(v2, { weight: 20 })],
    });
    hello.addRule({
      name: 'canary',
      matches: [PathMatch.prefix('/app')],
      backends: [Backend.fromService(v1, { weight: 90 }), Backend.fromService(v2, { weight: 10 })],
    });
    hello.addRule({
      name: 'multi-cluster',
      matches: [PathMatch.prefix('/remote')],
      backends: [
        Backend.fromService(v1, { weight: 50 }),
        // the remote cluster's helloworld (multicluster.x-k8s.io ServiceImport, not part of the app)
        Backend.fromServiceImport('helloworld-remote', { port: 5000, weight: 50 }),
      ],
    });
    hello.addRule({
      name: 'mirrored',
      backends: [Backend.fromService(v1)],
      // a copy of each request goes to the echoserver; its answers are dropped
      filters: [HttpFilter.mirror(Backend.fromService(echoserver))],
    });

    const blueGreen = new HttpRoute(this, 'blue-green', { namespace: NS, parents, hostnames: [`bluegreen.${DOMAIN}`] });
    blueGreen.addRule({
      name: 'live',
      // blue (v1) takes everything while green (v2) is verified; the switch is flipping these
      // weights to 0 / 100 (and back again to roll back)
      backends: [Backend.fromService(v1, { weight: 100 }), Backend.fromService(v2, { weight: 0 })],
    });
    blueGreen.addRule({
      name: 'green-preview',
      // testers reach green directly with a header
      matches: [HttpMatch.of({ headers: [HeaderMatch.exact('x-env', 'green')] })],
      backends: [Backend.fromService(v2)],
    });

    // the data plane: nginx compiled from the routes above (the weights become split_clients shares)
    this.proxy = new GatewayProxy(this, 'proxy', { gateway: this.gateway });
  }
}

export function createApp(outdir?: string): App {
  const app = new App({ outdir });
  new CanaryChart(app, 'canary');
  return app;
}
