/**
 * The namespace check (`ResolveOptions.namespaces`): namespaces the input uses that no Namespace
 * of the input creates. The same computation serves `cdk8s-gateway check`, the constructs'
 * whole-app validation and `AppNamespaces`.
 */
import { KubeObject } from '../../src/model';
import { resolve, resolveControllers, uncreatedNamespaces } from '../../src/resolve';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
  ...extra,
});
const svc = (name: string, ns?: string) => obj('v1', 'Service', name, ns, { spec: { ports: [{ port: 80 }] } });
const ns = (name: string) => obj('v1', 'Namespace', name);
const check = (objects: KubeObject[], options: Parameters<typeof resolve>[1] = {}) =>
  resolve(objects, { namespaces: {}, ...options }).diagnostics.filter((d) => d.code === 'NamespaceNotCreated' || d.field === 'metadata.namespace');

test('one warning per namespace, on its first object by kind and name, counting and naming the objects in it', () => {
  const diags = check([svc('web', 'apps'), svc('api', 'apps'), obj('v1', 'ConfigMap', 'cfg', 'apps'), svc('db', 'data')]);
  expect(diags.map((d) => [d.severity, d.code, `${d.object.kind} ${d.object.namespace}/${d.object.name}`, d.field])).toEqual([
    ['warning', 'NamespaceNotCreated', 'ConfigMap apps/cfg', 'metadata.namespace'],
    ['warning', 'NamespaceNotCreated', 'Service data/db', 'metadata.namespace'],
  ]);
  expect(diags[0].message).toBe(
    'namespace "apps" is used by 3 objects: ConfigMap apps/cfg, Service apps/api, Service apps/web; no Namespace object of these manifests creates it, so applying these manifests to an empty cluster fails with namespaces "apps" not found',
  );
  expect(diags[0].fix).toContain("`new AppNamespaces(chart, 'namespaces')`");
  expect(diags[0].fix).toContain("`ExternalNamespaces.of(app).add('apps')`");
  expect(diags[0].fix).toContain('`--external-namespace apps`');
});

test('more than five objects: five named, the rest counted', () => {
  const objects = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => svc(n, 'apps'));
  expect(check(objects)[0].message).toMatch(/^namespace "apps" is used by 7 objects: Service apps\/a, Service apps\/b, Service apps\/c, Service apps\/d, Service apps\/e and 2 more;/);
});

test('default, kube-system, kube-public and kube-node-lease exist on every cluster', () => {
  expect(check([svc('a', 'default'), svc('b', 'kube-system'), svc('c', 'kube-public'), svc('d', 'kube-node-lease'), svc('e')])).toEqual([]);
});

test('a Namespace of the input creates it', () => {
  expect(check([svc('web', 'apps'), ns('apps')])).toEqual([]);
});

test('external namespaces are not reported', () => {
  expect(check([svc('web', 'apps'), svc('x', 'istio-system')], { namespaces: { external: ['apps', 'istio-system'] } })).toEqual([]);
});

test('assumeExternal: an AssumedExternal info instead of the warning', () => {
  const diags = check([svc('web', 'apps')], { namespaces: { assumeExternal: true } });
  expect(diags.map((d) => [d.severity, d.code, d.field])).toEqual([['info', 'AssumedExternal', 'metadata.namespace']]);
  expect(diags[0].message).toBe('Namespace apps is not in the input: assumed to exist outside it, not checked (that it exists before the 1 object using it is applied: Service apps/web)');
});

test('cluster-scoped objects use no namespace (built-in kinds, GatewayClass, kinds the input’s CRDs declare cluster-scoped)', () => {
  const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget' } } });
  const objects = [
    obj('gateway.networking.k8s.io/v1', 'GatewayClass', 'c', 'stray'),
    obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', 'stray'),
    crd,
    obj('example.com/v1', 'Widget', 'w', 'stray'),
  ];
  expect(check(objects)).toEqual([]);
  expect(check([obj('example.com/v1', 'Widget', 'w', 'stray')]).map((d) => d.object.name)).toEqual(['w']);
});

test('objects without metadata.namespace use the default namespace (`-n`)', () => {
  const diags = check([svc('web')], { defaultNamespace: 'team' });
  expect(diags.map((d) => `${d.object.namespace}/${d.object.name}`)).toEqual(['team/web']);
});

test('a namespace holding only MetalLB objects is MetalLB’s own (its installation creates it)', () => {
  const pool = obj('metallb.io/v1beta1', 'IPAddressPool', 'lan', 'metallb-system', { spec: { addresses: ['192.168.1.240/28'] } });
  expect(check([pool])).toEqual([]);
  expect(check([pool, svc('x', 'metallb-system')]).map((d) => d.object.kind)).toEqual(['IPAddressPool']);
});

test('objects outside the input (alsoUsedBy) count but are not named; an object of the input is reported', () => {
  const d = check([svc('web', 'apps')], { namespaces: { alsoUsedBy: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'proxy' }] } });
  expect(d.map((x) => x.object.kind)).toEqual(['Service']);
  expect(d[0].message).toMatch(/^namespace "apps" is used by 2 objects: Service apps\/web and 1 more;/);
});

test('off unless asked for; reported once when the input has several controllers', () => {
  expect(resolve([svc('web', 'apps')]).diagnostics).toEqual([]);
  const istio = obj('gateway.networking.k8s.io/v1', 'GatewayClass', 'istio', undefined, { spec: { controllerName: 'istio.io/gateway-controller' } });
  const r = resolveControllers([istio, svc('web', 'apps')], { namespaces: {} });
  expect(r.controllers).toHaveLength(2);
  expect(r.diagnostics.filter((d) => d.code === 'NamespaceNotCreated')).toHaveLength(1);
});

test('uncreatedNamespaces lists them sorted, with their objects', () => {
  expect(uncreatedNamespaces([svc('b', 'zeta'), svc('a', 'alpha'), ns('beta'), svc('c', 'beta')])).toEqual([
    { namespace: 'alpha', objects: [{ apiVersion: 'v1', kind: 'Service', namespace: 'alpha', name: 'a' }], alsoUsedBy: [] },
    { namespace: 'zeta', objects: [{ apiVersion: 'v1', kind: 'Service', namespace: 'zeta', name: 'b' }], alsoUsedBy: [] },
  ]);
});
