/**
 * One synth synthesizes and resolves the app once for the whole-app checks and the built-in
 * proxy's compile together (cdk8s validates once per synthYaml and again per chart), and the
 * library's own `toJson` is the same as cdk8s's. These tests pin both: the shortcuts must never
 * serve a stale or different object.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { Node } from 'constructs';
import * as validationModule from '../../src/constructs/core/validation';
import * as resolveModule from '../../src/resolve/resolve';
import {
  Backend,
  checkApp,
  Gateway,
  GatewayClass,
  GatewayProxy,
  HttpRoute,
  Listener,
  ParentRef,
  PathMatch,
  RouteNamespaces,
} from '../../src';
import { newChart } from '../util';

function proxyApp() {
  const { app, chart } = newChart();
  const gw = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
  const route = new HttpRoute(chart, 'r', { namespace: 'apps', parents: [ParentRef.gateway(gw)], hostnames: ['a.example.com'], rules: [{ matches: [PathMatch.prefix('/one')], backends: [Backend.fromName('one', { port: 80 })] }] });
  const proxy = new GatewayProxy(chart, 'proxy', { gateway: gw });
  return { app, chart, gw, route, proxy };
}

const conf = (proxy: GatewayProxy): string => (proxy.configMap.toJson() as any).data['nginx.conf'];

/** A plain ApiObject HTTPRoute (not tracked by the library) whose spec reads `state` at synth time. */
function plainRoute(chart: Chart, state: { hostnames?: string[]; parentRefs?: object[] }): void {
  new ApiObject(chart, 'plain', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'plain', namespace: 'gateway' },
    spec: Lazy.any({ produce: () => ({ parentRefs: state.parentRefs ?? [{ name: 'gw' }], hostnames: state.hostnames, rules: [{ backendRefs: [{ name: 'x', port: 80 }] }] }) }),
  });
}

describe('one resolver run per synth', () => {
  test('synthYaml of an app with a proxy resolves the app once (checks and compile share it)', () => {
    const { app } = proxyApp();
    const spy = jest.spyOn(resolveModule, 'resolve');
    try {
      app.synthYaml();
      // the built-in controller is the app's only controller: one run, although cdk8s validates twice
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockClear();
      // a second synth of unchanged content re-checks the content, not the resolver
      app.synthYaml();
      expect(spy).toHaveBeenCalledTimes(0);
    } finally {
      spy.mockRestore();
    }
  });

  test('a second synth after a change sees the change (checks and proxy)', () => {
    const { app, route, proxy } = proxyApp();
    expect(app.synthYaml()).toContain('/one');
    route.addRule({ matches: [PathMatch.exact('/two')], backends: [Backend.fromName('two', { port: 80 })] });
    const y = app.synthYaml();
    expect(y).toMatch(/location = "\/two"/);
    expect(conf(proxy)).toMatch(/location = "\/two"/);
  });
});

describe('the proxy reads the app snapshot once per read of its configuration', () => {
  // each read checks the snapshot's freshness (a walk of the construct tree): the proxy's checks
  // and its checksum read the compile many times, but check the snapshot once
  test('validation, checksum, configuration size and files each take one snapshot', () => {
    const { app, proxy } = proxyApp();
    app.synthYaml();
    const config = (proxy as any).config;
    const spy = jest.spyOn(validationModule, 'appSnapshot');
    try {
      for (const read of [() => config.checksum(), () => config.configBytes(), () => config.configFiles(), () => config.checkConfigMapSizes(), () => (proxy as any).validateProxy()]) {
        spy.mockClear();
        read();
        expect(spy).toHaveBeenCalledTimes(1);
      }
    } finally {
      spy.mockRestore();
    }
  });

  test('a change between two reads in the same tick reaches the second read', () => {
    const { app, route, proxy } = proxyApp();
    app.synthYaml();
    const before = (proxy as any).config.checksum();
    route.addRule({ matches: [PathMatch.exact('/two')], backends: [Backend.fromName('two', { port: 80 })] });
    expect((proxy as any).config.checksum()).not.toBe(before);
    expect(conf(proxy)).toMatch(/location = "\/two"/);
  });
});

describe('the proxy never serves a stale compile when toJson is called without a synth', () => {
  test('after addRule', () => {
    const { app, route, proxy } = proxyApp();
    app.synthYaml();
    route.addRule({ matches: [PathMatch.exact('/added')], backends: [Backend.fromName('two', { port: 80 })] });
    expect(conf(proxy)).toMatch(/location = "\/added"/);
  });

  test('after a new route construct', () => {
    const { app, chart, gw, proxy } = proxyApp();
    app.synthYaml();
    new HttpRoute(chart, 'late', { namespace: 'apps', parents: [ParentRef.gateway(gw)], hostnames: ['late.example.com'], rules: [{ backends: [Backend.fromName('late', { port: 80 })] }] });
    expect(conf(proxy)).toContain('late.example.com');
  });

  test('after a JSON patch on a route', () => {
    const { app, route, proxy } = proxyApp();
    app.synthYaml();
    route.apiObject.addJsonPatch(JsonPatch.replace('/spec/hostnames/0', 'patched.example.com'));
    expect(conf(proxy)).toContain('patched.example.com');
  });

  test('after a change in a later tick of the event loop (a plain ApiObject the library does not track)', async () => {
    const { app, chart, proxy } = proxyApp();
    const hostnames = ['plain.example.com'];
    plainRoute(chart, { hostnames });
    app.synthYaml();
    expect(conf(proxy)).toContain('plain.example.com');
    hostnames[0] = 'changed.example.com';
    await new Promise((r) => setImmediate(r));
    expect(conf(proxy)).toContain('changed.example.com');
  });
});

describe('an object the library does not track, changed in the same tick', () => {
  test('a cdk8s-plus-like plain ApiObject changed right after a synth reaches the next compile', () => {
    const { app, chart, proxy } = proxyApp();
    const hostnames = ['plain.example.com'];
    plainRoute(chart, { hostnames });
    app.synthYaml();
    expect(conf(proxy)).toContain('plain.example.com');
    hostnames[0] = 'same-tick.example.com';
    // no await: same tick, same library generation, same number of constructs
    expect(conf(proxy)).toContain('same-tick.example.com');
    expect(app.synthYaml()).toContain('same-tick.example.com');
  });
});

describe('the construct tree is walked again only after it changed', () => {
  /** A plain ApiObject HTTPRoute on the proxy's Gateway for `host` (no call of this library: only the tree changes). */
  const plainHost = (chart: Chart, id: string, host: string) =>
    new ApiObject(chart, id, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: id, namespace: 'gateway' }, spec: { parentRefs: [{ name: 'gw' }], hostnames: [host], rules: [{ backendRefs: [{ name: 'x', port: 80 }] }] } });

  test('reads of the configuration after a synth, in the same tick, do not walk the tree', () => {
    const { app, proxy } = proxyApp();
    app.synthYaml();
    const children = jest.spyOn(Node.prototype, 'children', 'get');
    try {
      for (let i = 0; i < 5; i++) conf(proxy);
      expect(children).not.toHaveBeenCalled();
    } finally {
      children.mockRestore();
    }
  });

  test('a plain ApiObject added in the same tick reaches the next read', () => {
    const { app, chart, proxy } = proxyApp();
    app.synthYaml();
    plainHost(chart, 'added', 'added.example.com');
    expect(conf(proxy)).toContain('added.example.com');
  });

  test('a plain ApiObject removed in the same tick leaves the next read', () => {
    const { app, chart, proxy } = proxyApp();
    plainHost(chart, 'removed', 'removed.example.com');
    expect(app.synthYaml()).toContain('removed.example.com');
    expect(chart.node.tryRemoveChild('removed')).toBe(true);
    expect(conf(proxy)).not.toContain('removed.example.com');
    expect(app.synthYaml()).not.toContain('removed.example.com');
  });

  test('a plain ApiObject replaced by another of the same id in the same tick', () => {
    const { app, chart, proxy } = proxyApp();
    plainHost(chart, 'swap', 'before.example.com');
    app.synthYaml();
    chart.node.tryRemoveChild('swap');
    plainHost(chart, 'swap', 'after.example.com');
    expect(conf(proxy)).toContain('after.example.com');
    expect(conf(proxy)).not.toContain('before.example.com');
  });
});

describe('validation reuses a snapshot only while the app is unchanged', () => {
  test('a mistake added through the library in the same tick fails the next synth', () => {
    const { app, gw, route } = proxyApp();
    app.synthYaml();
    route.addParentRef(ParentRef.gateway(gw, { sectionName: 'nope' }));
    expect(() => app.synthYaml()).toThrow(/nope/);
  });

  test('a mistake in a plain ApiObject made in the same tick fails the next synth', () => {
    const { app, chart } = proxyApp();
    const parentRefs: object[] = [{ name: 'gw', namespace: 'gateway' }];
    plainRoute(chart, { parentRefs });
    app.synthYaml();
    parentRefs[0] = { name: 'gw', namespace: 'gateway', sectionName: 'missing-listener' };
    expect(() => app.synthYaml()).toThrow(/missing-listener/);
  });

  test('the objects the checks share are frozen, so no stage can change what is emitted', () => {
    const { chart, route } = proxyApp();
    const shared = checkApp(chart).objects.find((o) => o.kind === 'HTTPRoute')!;
    expect(Object.isFrozen(shared)).toBe(true);
    expect(() => { (shared as any).spec.hostnames.push('x.example.com'); }).toThrow(TypeError);
    expect(route.apiObject.toJson().spec.hostnames).toEqual(['a.example.com']);
  });
});

describe('serialized once per synth, handed out as copies', () => {
  test('a caller changing a returned object changes nothing else', () => {
    const { app, route } = proxyApp();
    const first = app.synthYaml();
    const json = route.apiObject.toJson();
    json.spec.hostnames[0] = 'mutated.example.com';
    json.metadata.name = 'mutated';
    expect(route.apiObject.toJson().spec.hostnames[0]).toBe('a.example.com');
    expect(app.synthYaml()).not.toContain('mutated');
    expect(first).not.toContain('mutated');
  });

  test('a change through the library after a synth in the same tick is serialized again', () => {
    const { app, route } = proxyApp();
    app.synthYaml();
    route.addHostname('b.example.com');
    expect(route.apiObject.toJson().spec.hostnames).toEqual(['a.example.com', 'b.example.com']);
    route.apiObject.metadata.addLabel('tier', 'web');
    expect(route.apiObject.toJson().metadata.labels).toEqual({ tier: 'web' });
  });
});

describe('the shared serialization is frozen as it is built', () => {
  const deeplyFrozen = (v: any): boolean => v === null || typeof v !== 'object' || (Object.isFrozen(v) && Object.values(v).every(deeplyFrozen));

  test.each([false, true])('with JSON patches %s: equal to cdk8s\'s toJson, deeply frozen, cluster-scoped objects without a namespace', (patched) => {
    const app = new App({ outdir: '.tmp/test-out' });
    const chart = new Chart(app, 'c', { namespace: 'team' });
    const cls = GatewayClass.builtin(chart, 'class');
    const gw = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: cls, listeners: [Listener.http()] });
    if (patched) {
      gw.apiObject.addJsonPatch(JsonPatch.add('/spec/infrastructure', { labels: { x: 'y' } }));
      cls.apiObject.addJsonPatch(JsonPatch.add('/metadata/labels', { p: 'q' }));
    }
    const shared = checkApp(chart).objects;
    for (const o of [cls.apiObject, gw.apiObject]) {
      const mine = shared.find((x) => x.kind === o.kind)!;
      expect(deeplyFrozen(mine)).toBe(true);
      const theirs = ApiObject.prototype.toJson.call(o);
      if (o === cls.apiObject) delete theirs.metadata.namespace;
      expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs));
      // a copy handed out in the same epoch is mutable and equal
      const copy = o.toJson();
      expect(Object.isFrozen(copy) || Object.isFrozen(copy.metadata)).toBe(false);
      expect(JSON.stringify(copy)).toBe(JSON.stringify(theirs));
    }
    expect((shared.find((x) => x.kind === 'GatewayClass') as any).metadata.namespace).toBeUndefined();
    if (patched) expect((shared.find((x) => x.kind === 'Gateway') as any).spec.infrastructure).toEqual({ labels: { x: 'y' } });
  });
});

describe('the library\'s toJson equals cdk8s\'s ApiObject.toJson', () => {
  const examplesDir = path.join(__dirname, '..', '..', 'examples');
  const examples = fs.readdirSync(examplesDir).filter((n) => fs.existsSync(path.join(examplesDir, n, 'app.ts'))).sort();

  function compareAll(app: App): number {
    let n = 0;
    for (const c of app.node.findAll()) {
      if (!(c instanceof ApiObject) || c.constructor.name !== 'GatewayApiObject') continue;
      const ours = c.toJson();
      const theirs = ApiObject.prototype.toJson.call(c);
      if ((c as any).clusterScoped) delete theirs.metadata.namespace;
      expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
      n++;
    }
    return n;
  }

  test.each(examples)('every object of example %s', (name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const app: App = require(path.join(examplesDir, name, 'app.ts')).createApp(path.join(__dirname, '..', '..', '.tmp', 'examples', name));
    expect(compareAll(app)).toBeGreaterThan(3);
  });

  test('labels, annotations, patches, chart labels and unsorted keys', () => {
    const app = new App({ outdir: '.tmp/test-out' });
    const chart = new Chart(app, 'c', { labels: { team: 'web' } });
    const gw = new Gateway(chart, 'gw', { namespace: 'gateway', labels: { a: 'b' }, annotations: { z: '1', y: '2' }, gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    gw.apiObject.metadata.addLabel('added', 'yes');
    gw.apiObject.addJsonPatch(JsonPatch.add('/spec/infrastructure', { labels: { x: 'y' } }));
    expect(compareAll(app)).toBe(2);
    const before = process.env.CDK8S_DISABLE_SORT;
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(compareAll(app)).toBe(2);
    } finally {
      if (before === undefined) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = before;
    }
  });

  test('metadata of every shape: finalizers, owner references, added attributes, empty and null values, lazies, tokens', () => {
    const app = new App({ outdir: '.tmp/test-out' });
    const chart = new Chart(app, 'c', { labels: { team: 'web' } });
    const gw = new Gateway(chart, 'gw', { namespace: 'gateway', labels: { a: 'b' }, gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    const md = gw.apiObject.metadata;
    md.addFinalizers('example.com/keep', 'example.com/other');
    md.addOwnerReference({ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '1234', controller: true });
    md.add('generateName', 'gw-');
    md.add('extra', { b: { empty: {}, none: [] }, a: [null, 1, { z: undefined, y: 'x' }], n: null, u: undefined, t: true, zero: 0, s: '' });
    md.add('emptyObject', {});
    md.add('emptyArray', []);
    md.add('nothing', null);
    expect(compareAll(app)).toBe(2);
    // values that are not plain data are resolved by cdk8s itself
    md.add('lazy', Lazy.any({ produce: () => ({ produced: ['yes'] }) }));
    md.add('token', { resolve: () => 'resolved' });
    expect(compareAll(app)).toBe(2);
    md.add('date', new Date(0));
    expect(() => gw.apiObject.toJson()).toThrow(/non-simple object of type 'Date'/);
  });

  test('an app with custom resolvers uses cdk8s\'s own resolution', () => {
    const seen: string[] = [];
    const app = new App({ outdir: '.tmp/test-out', resolvers: [{ resolve: (ctx) => { if (ctx.value === 'http') seen.push(ctx.key.join('.')); } }] });
    const chart = new Chart(app, 'c');
    new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    app.synthYaml();
    expect(seen).toContain('spec.listeners.0.name');
  });
});

describe('errors reach the construct that owns the object', () => {
  test("a library route's error is reported by that route, a plain object's by the app root with its path, each once", () => {
    const { app, chart, gw, route } = proxyApp();
    const other = new HttpRoute(chart, 'other', { namespace: 'apps', parents: [ParentRef.gateway(gw)], hostnames: ['b.example.com'], rules: [{ matches: [PathMatch.prefix('/two')], backends: [Backend.fromName('two', { port: 80 })] }] });
    route.addParentRef(ParentRef.gateway(gw, { sectionName: 'nope' }));
    plainRoute(chart, { parentRefs: [{ name: 'gw', namespace: 'gateway', sectionName: 'missing-listener' }] });
    let message = '';
    try {
      app.synthYaml();
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split('\n').filter((l) => /nope|missing-listener/.test(l));
    // cdk8s prefixes each message with the path of the construct whose validation reported it
    const nope = lines.filter((l) => l.includes('nope'));
    expect(nope.length).toBeGreaterThan(0);
    for (const l of nope) expect(l).toContain(`[${route.node.path}]`);
    const missing = lines.filter((l) => l.includes('missing-listener'));
    expect(missing.length).toBeGreaterThan(0);
    // reported by the root, naming the plain object's path inside the message
    for (const l of missing) expect(l).toContain(`[${chart.node.path}/plain]`);
    expect(message).not.toContain(`[${other.node.path}]`);
    // each finding once, though cdk8s validates more than once per synth
    expect(new Set(lines).size).toBe(lines.length);
  });
});
