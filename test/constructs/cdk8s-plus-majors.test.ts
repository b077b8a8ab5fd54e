/**
 * The app's own cdk8s-plus, whichever major it is: `cdk8s init` brings cdk8s-plus-33 today, the
 * newest is 34, and the proxy itself builds on 28. `Backend.fromService` takes any of them (a
 * structural type): this file compiles only if it does (ts-jest type-checks it), and the routes
 * synthesize to the same objects.
 */
import * as plus28 from 'cdk8s-plus-28';
import * as plus33 from 'cdk8s-plus-33';
import * as plus34 from 'cdk8s-plus-34';
import { Backend, Gateway, GatewayClass, GatewayProxy, Listener } from '../../src';
import { find, newChart, synth } from '../util';

type Major = typeof plus28 | typeof plus33 | typeof plus34;
const MAJORS: [string, Major][] = [
  ['cdk8s-plus-28', plus28],
  ['cdk8s-plus-33', plus33],
  ['cdk8s-plus-34', plus34],
];

describe.each(MAJORS)('%s', (_name, kplus) => {
  function app(servicePorts: number[], port?: number) {
    const { app: a, chart } = newChart();
    new kplus.Namespace(chart, 'ns', { metadata: { name: 'web' } });
    new kplus.Namespace(chart, 'gw-ns', { metadata: { name: 'gateway' } });
    const deployment = new kplus.Deployment(chart, 'web', { metadata: { name: 'web', namespace: 'web' }, containers: [{ image: 'nginx:1.30', portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
    const service = deployment.exposeViaService({ name: 'web', ports: servicePorts.map((p) => ({ name: `p${p}`, port: p, targetPort: 8080 })) });
    const gateway = new Gateway(chart, 'gw', { name: 'web-gateway', namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    // typed as the app's own Service class: compiles only with a structural parameter
    const backend = Backend.fromService(service, port === undefined ? {} : { port });
    gateway.addHttpRoute('site', { namespace: 'gateway', rules: [{ backends: [backend] }] });
    new GatewayProxy(chart, 'proxy', { gateway });
    return a;
  }

  test('Backend.fromService: the Service of this major is the backend, its only port inferred, the grant derived, the proxy routes to it', () => {
    const objs = synth(app([80]));
    const route = find(objs, 'HTTPRoute', 'site', 'gateway');
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'web', namespace: 'web', port: 80 }]);
    expect(objs.filter((o) => o.kind === 'ReferenceGrant').map((o: any) => [o.metadata.namespace, o.spec.from, o.spec.to])).toEqual([
      ['web', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'gateway' }], [{ group: '', kind: 'Service', name: 'web' }]],
    ]);
    const conf: string = find(objs, 'ConfigMap', 'web-gateway-proxy-config', 'gateway').data['nginx.conf'];
    expect(conf).toMatch(/server web\.web\.svc\.cluster\.local:80 resolve;/);
  });

  test('a port the Service does not expose fails synth, naming its ports', () => {
    expect(() => app([80, 443], 8443)).toThrow(/backendRefs\[\]\.port.*8443 is not a port of Service "web" \(its ports: 80, 443\)/);
    expect(() => app([80, 443])).toThrow(/cannot be inferred: Service "web" has several ports/);
  });
});
