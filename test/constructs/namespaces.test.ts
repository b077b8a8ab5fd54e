/**
 * Namespaces of a construct app: a namespace the app's objects use and nothing in the app creates
 * is a `NamespaceNotCreated` warning at synth; `ExternalNamespaces` declares the ones created
 * elsewhere; `AppNamespaces` (opt-in) emits them.
 */
import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AppNamespaces,
  Backend,
  checkApp,
  ExternalNamespaces,
  Gateway,
  GatewayClass,
  HttpRoute,
  Listener,
  MetalLbPool,
  ParentRef,
  RouteNamespaces,
} from '../../src';
import { planObjects } from '../../src/pulumi/plan';
import { newChart, synth, synthError } from '../util';

const ACCESS = { 'gateway-access': 'true' };

/** A Gateway in `edge` admitting routes by namespace label, and a route in each of `apps`. */
function app(apps: string[] = ['blog', 'wiki']) {
  const { app: a, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', {
    namespace: 'edge',
    gatewayClass: GatewayClass.builtin(chart, 'class'),
    listeners: [Listener.http({ routeNamespaces: RouteNamespaces.selector({ matchLabels: ACCESS }) })],
  });
  for (const n of apps) new HttpRoute(chart, n, { namespace: n, parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName(n, { port: 80 })] }] });
  return { app: a, chart, gateway };
}

const notCreated = (a: ReturnType<typeof app>['app']) => checkApp(a).diagnostics.filter((d) => d.code === 'NamespaceNotCreated');

/** stderr of `f` (the synth warnings). */
function stderrOf(f: () => void): string {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    f();
    return spy.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    spy.mockRestore();
  }
}

test('synth warns once per namespace nothing creates, naming the construct, the namespace and its objects', () => {
  const { app: a, chart } = app(['blog']);
  new kplus.ConfigMap(chart, 'blog-config', { metadata: { name: 'blog-config', namespace: 'blog' } });
  const out = stderrOf(() => synth(a));
  const lines = out.split('\n').filter((l) => l.includes('NamespaceNotCreated'));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^cdk8s-gateway warning: \[test\/blog-config\] metadata\.namespace: namespace "blog" is used by 2 objects: ConfigMap blog\/blog-config, HTTPRoute blog\/blog; .*Fix: add a v1 Namespace named "blog".*\(NamespaceNotCreated\)$/);
  expect(lines[1]).toMatch(/^cdk8s-gateway warning: \[test\/gw\] metadata\.namespace: namespace "edge" is used by 1 object: Gateway edge\/gw;/);
});

test('a warning, not an error: synth succeeds', () => {
  const { app: a } = app();
  expect(() => stderrOf(() => synth(a))).not.toThrow();
  expect(notCreated(a).map((d) => [d.severity, `${d.object.kind} ${d.object.namespace}`])).toEqual([
    ['warning', 'Gateway edge'],
    ['warning', 'HTTPRoute blog'],
    ['warning', 'HTTPRoute wiki'],
  ]);
});

test('no warning for default and kube-system', () => {
  const { app: a, chart } = newChart();
  new kplus.ConfigMap(chart, 'a', { metadata: { name: 'a' } });
  new kplus.ConfigMap(chart, 'b', { metadata: { name: 'b', namespace: 'default' } });
  new kplus.ConfigMap(chart, 'c', { metadata: { name: 'c', namespace: 'kube-system' } });
  expect(notCreated(a)).toEqual([]);
});

test('no warning when the app creates the Namespace', () => {
  const { app: a, chart } = app(['blog']);
  new kplus.Namespace(chart, 'edge-ns', { metadata: { name: 'edge' } });
  new ApiObject(chart, 'blog-ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'blog' } });
  expect(notCreated(a)).toEqual([]);
});

test('no warning for namespaces declared external (app-wide, from any scope)', () => {
  const { app: a, chart } = app();
  ExternalNamespaces.of(chart).add('edge', 'blog');
  ExternalNamespaces.of(a).add('wiki');
  expect(ExternalNamespaces.of(a).namespaces).toEqual(['blog', 'edge', 'wiki']);
  expect(notCreated(a)).toEqual([]);
});

test('ExternalNamespaces rejects a name that is not a namespace', () => {
  const { app: a } = app();
  expect(() => ExternalNamespaces.of(a).add('Istio_System')).toThrow(/ExternalNamespaces\.add: "Istio_System" is not a DNS label.*Fix:/);
});

test('a namespace used only by MetalLB objects is MetalLB’s own: no warning', () => {
  const { app: a, chart } = newChart();
  new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
  expect(notCreated(a)).toEqual([]);
});

describe('AppNamespaces', () => {
  test('emits a Namespace with an explicit name for every namespace used, sorted, before the objects of its chart; no warning', () => {
    const { app: a, chart } = app(['wiki', 'blog']);
    new AppNamespaces(chart, 'namespaces', { labels: ACCESS });
    const objs = synth(a);
    const namespaces = objs.filter((o) => o.kind === 'Namespace');
    expect(namespaces).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'blog', labels: ACCESS } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge', labels: ACCESS } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wiki', labels: ACCESS } },
    ]);
    const firstNamespaced = objs.findIndex((o) => o.metadata.namespace !== undefined);
    expect(objs.slice(firstNamespaced - 3, firstNamespaced).map((o) => o.kind)).toEqual(['Namespace', 'Namespace', 'Namespace']);
    expect(notCreated(a)).toEqual([]);
  });

  test('without the labels a Selector listener rejects the routes: the resolver sees the created Namespaces', () => {
    const { app: a, chart } = app(['blog']);
    new AppNamespaces(chart, 'namespaces');
    expect(synthError(a)).toMatch(/\[test\/blog\].*the labels of namespace blog do not match selector gateway-access=true.*NotAllowedByListeners/);
  });

  test('labels make a Selector listener admit the routes', () => {
    const { app: a, chart } = app();
    new AppNamespaces(chart, 'namespaces', { namespaceLabels: { blog: ACCESS, wiki: ACCESS } });
    expect(checkApp(a).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const objs = synth(a);
    expect(objs.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o.metadata.labels])).toEqual([
      ['blog', ACCESS],
      ['edge', undefined],
      ['wiki', ACCESS],
    ]);
  });

  test('common labels, addLabels and include', () => {
    const { app: a, chart } = app(['blog']);
    const namespaces = new AppNamespaces(chart, 'namespaces', { labels: { team: 'web' }, include: ['staging'] });
    namespaces.addLabels('blog', ACCESS).addLabels('blog', { team: 'blog' });
    expect(namespaces.namespaces).toEqual(['blog', 'edge', 'staging']);
    expect(synth(a).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.labels)).toEqual([
      { 'gateway-access': 'true', 'team': 'blog' },
      { team: 'web' },
      { team: 'web' },
    ]);
  });

  test('leaves out namespaces created elsewhere, external ones, default and kube-*, and MetalLB’s', () => {
    const { app: a, chart } = app(['blog', 'wiki']);
    new kplus.Namespace(chart, 'blog-ns', { metadata: { name: 'blog', labels: ACCESS } });
    ExternalNamespaces.of(a).add('wiki');
    new kplus.ConfigMap(chart, 'cm', { metadata: { name: 'cm', namespace: 'kube-system' } });
    new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
    const namespaces = new AppNamespaces(chart, 'namespaces');
    expect(namespaces.namespaces).toEqual(['edge']);
    expect(synth(a).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort()).toEqual(['blog', 'edge']);
  });

  test('objects added after it count; the output is byte-stable', () => {
    const build = () => {
      const { app: a, chart } = newChart();
      new AppNamespaces(chart, 'namespaces');
      new kplus.ConfigMap(chart, 'z', { metadata: { name: 'z', namespace: 'zeta' } });
      new kplus.ConfigMap(chart, 'a', { metadata: { name: 'a', namespace: 'alpha' } });
      return a;
    };
    const yaml = build().synthYaml();
    expect(build().synthYaml()).toBe(yaml);
    expect(yaml.split('---\n').map((d) => /kind: (\w+)\n/.exec(d)?.[1] + ' ' + /\n  name: (\S+)/.exec(d)?.[1])).toEqual([
      'Namespace alpha',
      'Namespace zeta',
      'ConfigMap z',
      'ConfigMap a',
    ]);
  });

  test('a namespace used in another chart is created too; cdk8s orders the charts by their dependency', () => {
    const { app: a, chart } = newChart();
    const other = new Chart(a, 'apps');
    new kplus.ConfigMap(other, 'cm', { metadata: { name: 'cm', namespace: 'apps' } });
    new AppNamespaces(chart, 'namespaces');
    other.addDependency(chart);
    expect(synth(a).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['Namespace apps', 'ConfigMap cm']);
    expect(notCreated(a)).toEqual([]);
  });

  test('labels for a namespace the app already creates fail synth, naming the fix', () => {
    const { app: a, chart } = app(['blog']);
    new kplus.Namespace(chart, 'blog-ns', { metadata: { name: 'blog' } });
    new AppNamespaces(chart, 'namespaces', { namespaceLabels: { blog: ACCESS } });
    expect(synthError(a)).toMatch(/\[test\/namespaces\] namespaceLabels\.blog: the app already creates Namespace blog \(test\/blog-ns\/Resource\).*Fix: put the labels on that Namespace/);
  });

  test('one per app; default and kube-* cannot be created; labels are checked', () => {
    const { chart } = app();
    new AppNamespaces(chart, 'namespaces');
    expect(() => new AppNamespaces(chart, 'more')).toThrow(/second AppNamespaces of this app \(the first is test\/namespaces\)/);
    const { chart: c2 } = newChart();
    expect(() => new AppNamespaces(c2, 'n', { include: ['kube-system'] })).toThrow(/"kube-system" exists on every cluster and cannot be created/);
    const { chart: c3 } = newChart();
    expect(() => new AppNamespaces(c3, 'n', { labels: { 'bad key!': 'x' } })).toThrow(/labels\[bad key!\]/);
  });

  test('the Pulumi plan applies the created Namespaces before the objects in them', () => {
    const { app: a, chart } = app(['blog']);
    new AppNamespaces(chart, 'namespaces', { namespaceLabels: { blog: ACCESS } });
    const plan = planObjects(synth(a));
    expect(plan.filter((p) => p.phase === 'namespaces').map((p) => p.key)).toEqual(['Namespace/blog', 'Namespace/edge']);
    // each phase waits for the nearest earlier one: the GatewayClass for the Namespaces, the route for the GatewayClass
    expect(plan.find((p) => p.key === 'GatewayClass/cdk8s-gateway')!.dependsOn).toEqual(['Namespace/blog', 'Namespace/edge']);
    expect(plan.find((p) => p.key === 'HTTPRoute/blog/blog')!.dependsOn).toEqual(['GatewayClass/cdk8s-gateway']);
  });
});
