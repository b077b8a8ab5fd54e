/**
 * Several controllers in one input (`resolveControllers`): the constructs' whole-app check and
 * `cdk8s-gateway check` run the resolver once per controller and merge the results.
 */
import { KubeObject } from '../../src/model';
import { controllersOf, resolve, resolveControllers } from '../../src/resolve';

const G = 'gateway.networking.k8s.io/v1';
const objects: KubeObject[] = [
  { apiVersion: G, kind: 'GatewayClass', metadata: { name: 'builtin' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } },
  { apiVersion: G, kind: 'GatewayClass', metadata: { name: 'istio' }, spec: { controllerName: 'istio.io/gateway-controller' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gw' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
  { apiVersion: G, kind: 'Gateway', metadata: { name: 'a', namespace: 'gw' }, spec: { gatewayClassName: 'builtin', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } },
  { apiVersion: G, kind: 'Gateway', metadata: { name: 'b', namespace: 'gw' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'app' }, spec: { ports: [{ port: 80 }] } },
  {
    apiVersion: G,
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'app' },
    spec: {
      parentRefs: [{ name: 'a', namespace: 'gw' }, { name: 'b', namespace: 'gw', sectionName: 'nope' }],
      // the same match twice: a ShadowedRule warning, which every controller's run reports
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/x' } }], backendRefs: [{ name: 'svc', port: 80 }] }, { matches: [{ path: { type: 'PathPrefix', value: '/x' } }], backendRefs: [{ name: 'svc', port: 80 }] }],
    },
  },
];

test('the controllers of an input: the built-in one and every GatewayClass controllerName, sorted', () => {
  expect(controllersOf(objects)).toEqual(['cdk8s-gateway.dev/nginx-proxy', 'istio.io/gateway-controller']);
  expect(controllersOf([])).toEqual(['cdk8s-gateway.dev/nginx-proxy']);
});

test('each Gateway is checked by its own controller; findings once; route parents joined', () => {
  const r = resolveControllers(objects);
  expect([...r.results.keys()]).toEqual(['cdk8s-gateway.dev/nginx-proxy', 'istio.io/gateway-controller']);
  // the istio Gateway's bad sectionName is found (the built-in run alone does not check it)
  expect(resolve(objects).diagnostics.map((d) => d.code)).not.toContain('NoMatchingParent');
  expect(r.diagnostics.filter((d) => d.code === 'NoMatchingParent').map((d) => d.field)).toEqual(['spec.parentRefs[1].sectionName']);
  // reported by both runs, listed once
  expect(r.diagnostics.filter((d) => d.code === 'ShadowedRule')).toHaveLength(1);
  const route = r.status.find((s) => s.kind === 'HTTPRoute')!;
  const parents = route.status.parents as { parentRef: { name: string }; controllerName: string; conditions: { type: string; status: string }[] }[];
  expect(parents.map((p) => `${p.parentRef.name} ${p.controllerName} ${p.conditions.find((c) => c.type === 'Accepted')!.status}`)).toEqual([
    'a cdk8s-gateway.dev/nginx-proxy True',
    'b istio.io/gateway-controller False',
  ]);
  expect(r.status.filter((s) => s.kind === 'Gateway').map((s) => s.name)).toEqual(['a', 'b']);
  expect(r.status.filter((s) => s.kind === 'GatewayClass').map((s) => s.name)).toEqual(['builtin', 'istio']);
});

test('an explicit controller list checks only those', () => {
  const r = resolveControllers(objects, { controllers: ['istio.io/gateway-controller'] });
  expect(r.controllers).toEqual(['istio.io/gateway-controller']);
  expect(r.status.filter((s) => s.kind === 'Gateway').map((s) => s.name)).toEqual(['b']);
});
