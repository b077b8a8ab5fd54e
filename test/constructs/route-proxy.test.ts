/**
 * Route proxy options in the constructs (`proxy` of HttpRoute / GrpcRoute, `maxRequestBodySize` of
 * GatewayProxy): synth writes the annotations, bad values fail naming the route, prop, value and a
 * fix, the proxy compiles them; `check` of the YAML warns when another controller serves the route.
 */
import { Size } from 'cdk8s';
import { Backend, checkApp, Gateway, GatewayClass, GatewayProxy, GrpcMatch, HeaderMatch, HttpRoute, Listener, ParentRef, PathMatch } from '../../src';
import { PROXY_OPTION_ANNOTATIONS } from '../../src/model';
import { cli, tempTree } from '../cli/helpers';
import { find, newChart, synth } from '../util';

function builtinApp() {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  return { app, chart, gateway };
}

test('synth writes the options as annotations of the route, canonical and sorted', () => {
  const { app, gateway } = builtinApp();
  gateway.addHttpRoute('upload', {
    namespace: 'gateway',
    hostnames: ['www.example.com'],
    proxy: {
      maxRequestBodySize: Size.mebibytes(100),
      clientBodyBufferSize: Size.kibibytes(64),
      allowSourceRanges: ['2001:DB8::/32', '192.168.0.0/16', '10.0.0.0/8', '10.0.0.0/8'],
      denySourceRanges: ['10.1.2.3/32'],
    },
    rules: [{ matches: [PathMatch.prefix('/upload')], backends: [Backend.fromName('upload', { port: 8080 })] }],
  });
  gateway.addGrpcRoute('grpc', { namespace: 'gateway', hostnames: ['grpc.example.com'], proxy: { maxRequestBodySize: Size.kibibytes(0) }, rules: [{ matches: [GrpcMatch.service('my.Svc')], backends: [Backend.fromName('grpc', { port: 50051 })] }] });
  const objects = synth(app);
  expect(find(objects, 'HTTPRoute', 'upload', 'gateway').metadata.annotations).toEqual({
    'cdk8s-gateway.dev/external-backends': 'Service gateway/upload',
    [PROXY_OPTION_ANNOTATIONS.maxRequestBodySize]: '100Mi',
    [PROXY_OPTION_ANNOTATIONS.clientBodyBufferSize]: '64Ki',
    [PROXY_OPTION_ANNOTATIONS.allowSourceRanges]: '10.0.0.0/8, 192.168.0.0/16, 2001:db8::/32',
    [PROXY_OPTION_ANNOTATIONS.denySourceRanges]: '10.1.2.3',
  });
  expect(find(objects, 'GRPCRoute', 'grpc', 'gateway').metadata.annotations[PROXY_OPTION_ANNOTATIONS.maxRequestBodySize]).toBe('0');
});

test('a route without proxy options gets none of the annotations', () => {
  const { app, gateway } = builtinApp();
  gateway.addHttpRoute('plain', { namespace: 'gateway', rules: [{ backends: [Backend.fromRef({ name: 'x', port: 80 })] }] });
  const annotations = find(synth(app), 'HTTPRoute', 'plain', 'gateway').metadata.annotations ?? {};
  for (const k of Object.values(PROXY_OPTION_ANNOTATIONS)) expect(annotations[k]).toBeUndefined();
});

test('bad values fail in the constructor, naming the route, the prop, the value and a fix', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ allowSourceRanges: ['10.0.0.1/8'] }, /\[test\/r\] proxy\.allowSourceRanges\[0\]: "10\.0\.0\.1\/8" has host bits set: it denotes the network 10\.0\.0\.0\/8\. Fix: write "10\.0\.0\.0\/8" for the network, or "10\.0\.0\.1" for the single address/],
    [{ denySourceRanges: ['10.0.0.0/8', 'example.com'] }, /proxy\.denySourceRanges\[1\]: "example\.com" is not an IP address\. Fix: write a CIDR/],
    [{ allowSourceRanges: [] }, /proxy\.allowSourceRanges: \[\] is empty\. Fix: .*an empty allow list would refuse everyone/],
    [{ clientBodyBufferSize: Size.kibibytes(0) }, /proxy\.clientBodyBufferSize: "0 KiB" is 0: a body buffer holds at least one byte\. Fix: use e\.g\. Size\.kibibytes\(16\)/],
    [{ clientBodyBufferSize: Size.gibibytes(2) }, /proxy\.clientBodyBufferSize: "2097152 KiB" is larger than 1 GiB, memory nginx would allocate/],
    [{ maxRequestBodySize: Size.tebibytes(2048) }, /proxy\.maxRequestBodySize: .* is larger than 1048576 GiB\. Fix: use Size\.kibibytes\(0\) for no limit/],
  ];
  for (const [proxy, message] of cases) {
    const { chart, gateway } = builtinApp();
    expect(() => new HttpRoute(chart, 'r', { parents: [ParentRef.gateway(gateway)], proxy: proxy as any, rules: [{ backends: [Backend.fromName('x', { port: 80 })] }] })).toThrow(message);
  }
});

test('GatewayProxy: a proxy-wide body limit; routes with their own limit keep it, 0 lifts it', () => {
  const { app, chart, gateway } = builtinApp();
  gateway.addHttpRoute('own', { namespace: 'gateway', proxy: { maxRequestBodySize: Size.mebibytes(8), allowSourceRanges: ['10.0.0.0/8'] }, rules: [{ matches: [PathMatch.prefix('/own')], backends: [Backend.fromName('a', { port: 80 })] }] });
  gateway.addHttpRoute('free', { namespace: 'gateway', proxy: { maxRequestBodySize: Size.kibibytes(0) }, rules: [{ matches: [PathMatch.prefix('/free')], backends: [Backend.fromName('a', { port: 80 })] }] });
  gateway.addHttpRoute('other', { namespace: 'gateway', rules: [{ matches: [PathMatch.prefix('/other')], backends: [Backend.fromName('a', { port: 80 })] }] });
  new GatewayProxy(chart, 'proxy', { gateway, maxRequestBodySize: Size.mebibytes(1) });
  const conf: string = find(synth(app), 'ConfigMap', 'gw-proxy-config', 'gateway').data['nginx.conf'];
  expect(conf).toMatch(/^ {2}client_max_body_size 1m;$/m);
  const location = (p: string) => conf.slice(conf.indexOf(`location "${p}/"`), conf.indexOf('}', conf.indexOf(`location "${p}/"`)));
  expect(location('/own')).toMatch(/client_max_body_size 8m;\n\s+allow 10\.0\.0\.0\/8;\n\s+deny all;/);
  expect(location('/free')).toMatch(/client_max_body_size 0;/);
  expect(location('/other')).not.toMatch(/client_max_body_size/);
});

test('GatewayProxy without the option keeps the unlimited default line', () => {
  const { app, chart, gateway } = builtinApp();
  gateway.addHttpRoute('r', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  new GatewayProxy(chart, 'proxy', { gateway });
  const conf: string = find(synth(app), 'ConfigMap', 'gw-proxy-config', 'gateway').data['nginx.conf'];
  expect(conf.match(/client_max_body_size/g)).toEqual(['client_max_body_size']);
  expect(conf).toMatch(/^ {2}client_max_body_size 0;$/m);
  expect(conf).not.toMatch(/\b(allow|deny) /);
});

test('GatewayProxy maxRequestBodySize out of range fails naming the prop', () => {
  const { chart, gateway } = builtinApp();
  expect(() => new GatewayProxy(chart, 'proxy', { gateway, maxRequestBodySize: Size.tebibytes(2048) })).toThrow(/\[test\/proxy\] maxRequestBodySize: .* is larger than 1048576 GiB\. Fix: use Size\.kibibytes\(0\) for no limit/);
});

test('a route with proxy options on a Gateway of another controller: a warning at synth that they are not honoured', () => {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.envoyGateway(chart, 'eg'), listeners: [Listener.http()] });
  gateway.addHttpRoute('r', { namespace: 'gateway', proxy: { allowSourceRanges: ['10.0.0.0/8'] }, rules: [{ matches: [PathMatch.prefix('/').withHeaders(HeaderMatch.exact('x', 'y'))], backends: [Backend.fromName('a', { port: 80 })] }] });
  const w = checkApp(app).diagnostics.filter((d) => d.code === 'AnnotationNotHonoured');
  expect(w).toEqual([
    expect.objectContaining({
      severity: 'warning',
      field: 'metadata.annotations',
      message: `${PROXY_OPTION_ANNOTATIONS.allowSourceRanges} is honoured only by the built-in proxy (controller cdk8s-gateway.dev/nginx-proxy); Gateway gateway/gw is served by gateway.envoyproxy.io/gatewayclass-controller, which ignores it: requests through it are served without it`,
      fix: expect.stringMatching(/gateway\.envoyproxy\.io\/gatewayclass-controller's own policy resources/),
    }),
  ]);
});

const yaml = (controller: string, annotations: Record<string, string>) => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: cls }
spec: { controllerName: ${controller} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: cls
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { ports: [{ port: 80 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: default
  annotations:
${Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;

test('check: a malformed value is an InvalidAnnotation error with the field, the value and the fix (exit 1)', async () => {
  const dir = tempTree({ 'in.yaml': yaml('cdk8s-gateway.dev/nginx-proxy', { [PROXY_OPTION_ANNOTATIONS.maxRequestBodySize]: '8m', [PROXY_OPTION_ANNOTATIONS.allowSourceRanges]: '10.0.0.0/8' }) });
  const r = await cli(['check', `${dir}/in.yaml`, '--format', 'json']);
  expect(r.code).toBe(1);
  const d = (JSON.parse(r.stdout).diagnostics as { severity: string; code: string; field: string; message: string; fix: string }[]).filter((x) => x.code === 'InvalidAnnotation');
  expect(d).toEqual([
    expect.objectContaining({
      severity: 'error',
      field: `metadata.annotations[${PROXY_OPTION_ANNOTATIONS.maxRequestBodySize}]`,
      message: expect.stringMatching(/^"8m" is not a whole number of bytes \("m" is milli in a Kubernetes quantity\).*; the built-in proxy answers the route's requests with 500 until it is fixed/),
      fix: 'write "8Mi"',
    }),
  ]);
});

test('check: the same annotations on a Gateway of another controller are a warning (exit 0); on the built-in controller, nothing', async () => {
  const annotations = { [PROXY_OPTION_ANNOTATIONS.maxRequestBodySize]: '8Mi', [PROXY_OPTION_ANNOTATIONS.denySourceRanges]: '10.0.0.0/8' };
  const dir = tempTree({ 'other.yaml': yaml('istio.io/gateway-controller', annotations), 'builtin.yaml': yaml('cdk8s-gateway.dev/nginx-proxy', annotations) });
  const other = await cli(['check', `${dir}/other.yaml`, '--format', 'json']);
  expect(other.code).toBe(0);
  const w = (JSON.parse(other.stdout).diagnostics as { severity: string; code: string; message: string }[]).filter((x) => x.code === 'AnnotationNotHonoured');
  expect(w).toEqual([
    expect.objectContaining({
      severity: 'warning',
      message: `${PROXY_OPTION_ANNOTATIONS.maxRequestBodySize}, ${PROXY_OPTION_ANNOTATIONS.denySourceRanges} are honoured only by the built-in proxy (controller cdk8s-gateway.dev/nginx-proxy); Gateway default/gw is served by istio.io/gateway-controller, which ignores them: requests through it are served without them`,
    }),
  ]);
  const builtin = await cli(['check', `${dir}/builtin.yaml`, '--format', 'json']);
  expect(builtin.code).toBe(0);
  expect((JSON.parse(builtin.stdout).diagnostics as { code: string }[]).filter((x) => x.code === 'AnnotationNotHonoured' || x.code === 'InvalidAnnotation')).toEqual([]);
});

test('check of a route alone (its Gateway elsewhere, --assume-external): a malformed value is still an error', async () => {
  const route = yaml('cdk8s-gateway.dev/nginx-proxy', { [PROXY_OPTION_ANNOTATIONS.denySourceRanges]: '10.0.0.1/8' }).split('---\n').slice(-1)[0];
  const dir = tempTree({ 'route.yaml': route });
  const r = await cli(['check', `${dir}/route.yaml`, '--assume-external', '--format', 'json']);
  const d = (JSON.parse(r.stdout).diagnostics as { severity: string; code: string; fix: string }[]).filter((x) => x.code === 'InvalidAnnotation');
  expect(d).toEqual([expect.objectContaining({ severity: 'error', fix: 'write "10.0.0.0/8" for the network, or "10.0.0.1" for the single address' })]);
  expect(r.code).toBe(1);
});
