/**
 * GatewayStack under Pulumi mocks. Ordering and parentage are read from what the mock
 * monitor receives (see harness.ts): `parent` URN and `dependencies` of each
 * RegisterResourceRequest.
 */
import { installMocks, Registered, settle, valueOf } from './harness';

// mocks first: the modules below register resources
const statuses: Record<string, Record<string, unknown>> = {};
const rec = installMocks({ state: (_type, name) => statuses[name] });

import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, App, Chart } from 'cdk8s';
import { ClusterGatewayApi, GatewayApiCrds } from '../../src';
import { GatewayStack, GatewayStackArgs, PHASES, planObjects } from '../../src/pulumi';
import { fixtureChart, FixtureOptions } from './fixtures';

async function deploy(args: Partial<GatewayStackArgs> & { fixture?: FixtureOptions } = {}, opts: pulumi.ComponentResourceOptions = {}, name = 'stack') {
  rec.reset();
  const { fixture, ...rest } = args;
  const stack = new GatewayStack(name, { app: (app) => fixtureChart(app, fixture), ...rest }, opts);
  await settle([stack, ...Object.values(stack.resources), ...Object.values(stack.prerequisites).filter((r): r is pulumi.Resource => !!r)]);
  return stack;
}

const child = (key: string, stack = 'stack') => rec.byName(`${stack}/${key}`);
/** a waits for b, directly or transitively */
const waitsFor = (a: Registered, b: Registered) => rec.closure(a).has(b.urn);

describe('registration', () => {
  test('one resource per synthesized object: typed classes for built-in kinds, CustomResource for CRD kinds', async () => {
    const stack = await deploy();
    const children = rec.registered.filter((r) => r.parent === rec.byName('stack').urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition stack/CustomResourceDefinition/widgets.example.com',
      'kubernetes:apps/v1:Deployment stack/Deployment/web/web',
      'kubernetes:cert-manager.io/v1:Certificate stack/Certificate/certs/www',
      'kubernetes:cert-manager.io/v1:Certificate stack/Certificate/web/internal',
      'kubernetes:cert-manager.io/v1:ClusterIssuer stack/ClusterIssuer/selfsigned',
      'kubernetes:cert-manager.io/v1:Issuer stack/Issuer/web/local',
      'kubernetes:core/v1:ConfigMap stack/ConfigMap/web/web-config',
      'kubernetes:core/v1:Namespace stack/Namespace/certs',
      'kubernetes:core/v1:Namespace stack/Namespace/infra',
      'kubernetes:core/v1:Namespace stack/Namespace/metallb-system',
      'kubernetes:core/v1:Namespace stack/Namespace/web',
      'kubernetes:core/v1:Secret stack/Secret/web/web-secret',
      'kubernetes:core/v1:Service stack/Service/infra/edge-proxy',
      'kubernetes:core/v1:Service stack/Service/web/web',
      'kubernetes:example.com/v1:Widget stack/Widget/web/gadget',
      'kubernetes:gateway.networking.k8s.io/v1:Gateway stack/Gateway/infra/edge',
      'kubernetes:gateway.networking.k8s.io/v1:GatewayClass stack/GatewayClass/istio',
      'kubernetes:gateway.networking.k8s.io/v1:HTTPRoute stack/HTTPRoute/web/web',
      'kubernetes:gateway.networking.k8s.io/v1:ReferenceGrant stack/ReferenceGrant/certs/infra-gateway-to-secret',
      'kubernetes:metallb.io/v1beta1:IPAddressPool stack/IPAddressPool/metallb-system/lan',
      'kubernetes:metallb.io/v1beta1:L2Advertisement stack/L2Advertisement/metallb-system/lan',
    ]);
    expect(Object.keys(stack.resources).sort()).toEqual(stack.objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).sort());
    expect(stack.resources['Service/web/web']).toBeInstanceOf(k8s.core.v1.Service);
    expect(stack.resources['Gateway/infra/edge']).toBeInstanceOf(k8s.apiextensions.CustomResource);
  });

  test('inputs are the synthesized objects', async () => {
    const stack = await deploy();
    const gw = child('Gateway/infra/edge').inputs;
    expect(gw).toEqual(stack.objects.find((o) => o.kind === 'Gateway'));
    expect(child('Service/infra/edge-proxy').inputs.spec.type).toBe('LoadBalancer');
    // the typed Secret class marks data / stringData as Pulumi secrets (encrypted in the state)
    expect(child('Secret/web/web-secret').inputs.stringData).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { token: 'not-a-secret' } });
  });

  test('every object is a child of the component (parent URN and URN type chain)', async () => {
    await deploy();
    const component = rec.byName('stack');
    expect(component.type).toBe('cdk8s-gateway:index:GatewayStack');
    expect(component.custom).toBe(false);
    const children = rec.registered.filter((r) => r !== component);
    expect(children.length).toBe(21);
    for (const r of children) {
      expect(r.parent).toBe(component.urn);
      expect(r.urn).toBe(`urn:pulumi:stack::project::cdk8s-gateway:index:GatewayStack$${r.type}::${r.name}`);
    }
  });

  test('an App and a Chart are accepted too; a Chart deploys its own objects', async () => {
    rec.reset();
    const app = new App();
    fixtureChart(app);
    const fromApp = new GatewayStack('from-app', { app });
    const app2 = new App();
    const chart = fixtureChart(app2);
    new Chart(app2, 'other').node.addDependency(chart);
    new ApiObject(app2.node.findChild('other') as Chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'web' } });
    const fromChart = new GatewayStack('from-chart', { app: chart });
    await settle([fromApp, fromChart]);
    expect(Object.keys(fromApp.resources)).toHaveLength(21);
    expect(Object.keys(fromChart.resources)).toHaveLength(21);
    expect(fromChart.resources['ConfigMap/web/elsewhere']).toBeUndefined();
  });
});

describe('ordering (dependsOn)', () => {
  test('CRDs → Namespaces → cluster-scoped → Secrets/ConfigMaps → workloads and Gateway API objects', async () => {
    await deploy();
    const crd = child('CustomResourceDefinition/widgets.example.com');
    const namespaces = ['certs', 'infra', 'metallb-system', 'web'].map((n) => child(`Namespace/${n}`));
    const cluster = [child('GatewayClass/istio'), child('ClusterIssuer/selfsigned')];
    const config = [child('Secret/web/web-secret'), child('ConfigMap/web/web-config')];
    const workloads = ['Deployment/web/web', 'Service/web/web', 'Gateway/infra/edge', 'HTTPRoute/web/web', 'Widget/web/gadget', 'IPAddressPool/metallb-system/lan', 'Certificate/certs/www'].map((k) => child(k));
    const layers = [[crd], namespaces, cluster, config, workloads];
    for (let i = 1; i < layers.length; i++) {
      for (const later of layers[i]) {
        for (const earlier of layers.slice(0, i).flat()) expect([later.name, waitsFor(later, earlier)]).toEqual([later.name, true]);
      }
    }
    // nothing waits the other way round
    expect(waitsFor(crd, namespaces[0])).toBe(false);
    expect(waitsFor(namespaces[0], cluster[0])).toBe(false);
    // edges go to the nearest earlier phase only (the rest is transitive)
    expect(child('Namespace/web').dependencies).toEqual([crd.urn]);
  });

  test('cert-manager: issuers before the certificates that name them', async () => {
    await deploy();
    expect(child('Certificate/certs/www').dependencies).toContain(child('ClusterIssuer/selfsigned').urn);
    expect(child('Certificate/web/internal').dependencies).toContain(child('Issuer/web/local').urn);
    expect(waitsFor(child('Issuer/web/local'), child('Certificate/web/internal'))).toBe(false);
  });

  test('MetalLB: pools before advertisements and before the Services that take addresses from them', async () => {
    await deploy();
    const pool = child('IPAddressPool/metallb-system/lan');
    expect(child('L2Advertisement/metallb-system/lan').dependencies).toContain(pool.urn);
    expect(child('Service/infra/edge-proxy').dependencies).toContain(pool.urn);
    // a ClusterIP Service without MetalLB annotations does not wait for pools
    expect(waitsFor(child('Service/web/web'), pool)).toBe(false);
  });

  test('ReferenceGrants before the objects they admit', async () => {
    await deploy();
    expect(child('Gateway/infra/edge').dependencies).toContain(child('ReferenceGrant/certs/infra-gateway-to-secret').urn);
    expect(waitsFor(child('HTTPRoute/web/web'), child('ReferenceGrant/certs/infra-gateway-to-secret'))).toBe(false);
  });

  test('registration order respects every edge (a dependency is registered before its dependents)', async () => {
    const stack = await deploy();
    const order = stack.plan.map((p) => p.key);
    for (const p of stack.plan) for (const d of p.dependsOn) expect(order.indexOf(d)).toBeLessThan(order.indexOf(p.key));
    expect(new Set(stack.plan.map((p) => p.phase))).toEqual(new Set(PHASES));
  });

  test('a dependency cycle is reported, not registered', () => {
    // a ReferenceGrant that admits ReferenceGrants from its own namespace, and a second one in that namespace
    const app = new App();
    const chart = new Chart(app, 'c');
    const grant = (ns: string, from: string) => new ApiObject(chart, `g-${ns}`, {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'g', namespace: ns },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'ReferenceGrant', namespace: from }], to: [{ group: '', kind: 'Secret' }] },
    });
    grant('a', 'b');
    grant('b', 'a');
    expect(() => new GatewayStack('cycle', { app })).toThrow(/dependency cycle/);
  });
});

describe('names are stable', () => {
  const names = () => rec.registered.map((r) => `${r.type} ${r.name}`).sort();

  test('re-synthesizing the same app gives the same logical names', async () => {
    await deploy();
    const first = names();
    await deploy();
    expect(names()).toEqual(first);
  });

  test('renaming a construct id (metadata.name pinned) changes no logical name', async () => {
    await deploy({ fixture: { gatewayId: 'edge' } });
    const first = names();
    await deploy({ fixture: { gatewayId: 'renamed-gateway-construct' } });
    expect(names()).toEqual(first);
  });

  test('logical names come from kind/namespace/name, not construct paths', () => {
    const plan = planObjects([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' } }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }]);
    expect(plan.map((p) => p.key)).toEqual(['ConfigMap/n/a', 'Namespace/n']);
  });

  test('a name generated from the construct path is warned about', async () => {
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    try {
      const app = new App();
      const chart = new Chart(app, 'c');
      new ApiObject(chart, 'unpinned', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } });
      new ApiObject(chart, 'pinned', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pinned' } });
      new GatewayStack('warn', { app });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/ConfigMap "c-unpinned-c8[0-9a-f]{6}" \(c\/unpinned\).*Pin the name/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('providers', () => {
  test('a provider passed to the component reaches every object', async () => {
    rec.reset();
    const provider = new k8s.Provider('cluster-a', { kubeconfig: 'unused-under-mocks' });
    const stack = await deploy({ prerequisites: { gatewayApiCrds: true, metallb: true, certManager: true } }, { provider });
    await settle([provider]);
    const providerUrn = await valueOf(provider.urn);
    const children = rec.registered.filter((r) => r.parent === rec.byName('stack').urn);
    expect(children.length).toBe(24);
    for (const r of children) expect([r.name, r.provider.startsWith(`${providerUrn}::`)]).toEqual([r.name, true]);
    expect(Object.keys(stack.resources)).toHaveLength(21);
  });

  test('`providers` works the same; two stacks for two clusters do not collide', async () => {
    rec.reset();
    const a = new k8s.Provider('a', {});
    const b = new k8s.Provider('b', {});
    const one = new GatewayStack('primary', { app: (app) => fixtureChart(app) }, { providers: [a] });
    const two = new GatewayStack('remote', { app: (app) => fixtureChart(app) }, { providers: { kubernetes: b } });
    await settle([one, two, ...Object.values(one.resources), ...Object.values(two.resources), a, b]);
    const [ua, ub] = [await valueOf(a.urn), await valueOf(b.urn)];
    expect(rec.byName('primary/Gateway/infra/edge').provider.startsWith(`${ua}::`)).toBe(true);
    expect(rec.byName('remote/Gateway/infra/edge').provider.startsWith(`${ub}::`)).toBe(true);
    expect(new Set(rec.registered.map((r) => r.urn)).size).toBe(rec.registered.length);
  });
});

describe('prerequisites', () => {
  test('off by default', async () => {
    const stack = await deploy();
    expect(stack.prerequisites).toEqual({});
    expect(rec.registered.filter((r) => r.type.startsWith('kubernetes:helm') || r.type.startsWith('kubernetes:yaml'))).toEqual([]);
  });

  test('Gateway API CRDs from the pinned upstream release, before every Gateway API object', async () => {
    await deploy({ prerequisites: { gatewayApiCrds: true } });
    const crds = rec.byName('stack/gateway-api-crds');
    expect(crds.type).toBe('kubernetes:yaml/v2:ConfigFile');
    expect(crds.inputs).toEqual({ file: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml' });
    for (const key of ['GatewayClass/istio', 'Gateway/infra/edge', 'HTTPRoute/web/web', 'ReferenceGrant/certs/infra-gateway-to-secret']) {
      expect(child(key).dependencies).toContain(crds.urn);
    }
    expect(child('Deployment/web/web').dependencies).not.toContain(crds.urn);
  });

  test('experimental channel', async () => {
    await deploy({ prerequisites: { gatewayApiCrds: { channel: 'experimental' } } });
    expect(rec.byName('stack/gateway-api-crds').inputs.file).toBe('https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/experimental-install.yaml');
  });

  test("the app is validated against the channel of the CRDs the stack installs (that channel's CEL rules)", () => {
    // a CR/LF in a header value: the standard CRDs accept it, the experimental ones refuse it
    const app = (a: App) => {
      new ApiObject(fixtureChart(a), 'crlf', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'crlf', namespace: 'web' },
        spec: { parentRefs: [{ name: 'edge', namespace: 'infra' }], rules: [{ matches: [{ headers: [{ name: 'x', value: 'a\r\nb' }] }], backendRefs: [{ name: 'web', port: 80 }] }] },
      });
    };
    expect(() => new GatewayStack('std', { app, prerequisites: { gatewayApiCrds: true } })).not.toThrow();
    expect(() => new GatewayStack('exp', { app, prerequisites: { gatewayApiCrds: { channel: 'experimental' } } })).toThrow(/spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value/);
    // an app that declared another channel contradicts the CRDs the stack installs
    const declared = (a: App) => {
      fixtureChart(a);
      ClusterGatewayApi.of(a).useChannel('standard');
    };
    expect(() => new GatewayStack('both', { app: declared, prerequisites: { gatewayApiCrds: { channel: 'experimental' } } })).toThrow(/contradicts the channel declared before \(standard\)/);
  });

  test('MetalLB and cert-manager Helm releases, pinned, before the objects that need them', async () => {
    await deploy({ prerequisites: { gatewayApiCrds: true, metallb: true, certManager: { values: { config: { enableGatewayAPI: true } } } } });
    const metallb = rec.byName('stack/metallb');
    const certManager = rec.byName('stack/cert-manager');
    expect(metallb.type).toBe('kubernetes:helm.sh/v3:Release');
    expect(metallb.inputs).toMatchObject({
      name: 'metallb', chart: 'metallb', version: '0.16.1', repositoryOpts: { repo: 'https://metallb.github.io/metallb' },
      namespace: 'metallb-system',
      // the app declares Namespace metallb-system: Helm must not create it, the release waits for it
      createNamespace: false,
    });
    expect(metallb.dependencies).toEqual([child('Namespace/metallb-system').urn]);
    expect(certManager.inputs).toMatchObject({
      name: 'cert-manager', chart: 'cert-manager', version: 'v1.21.1', repositoryOpts: { repo: 'https://charts.jetstack.io' },
      namespace: 'cert-manager', createNamespace: true,
      values: { crds: { enabled: true }, config: { enableGatewayAPI: true } },
    });
    expect(certManager.dependencies).toEqual([rec.byName('stack/gateway-api-crds').urn]);
    for (const key of ['IPAddressPool/metallb-system/lan', 'L2Advertisement/metallb-system/lan', 'Service/infra/edge-proxy']) {
      expect(child(key).dependencies).toContain(metallb.urn);
    }
    for (const key of ['ClusterIssuer/selfsigned', 'Issuer/web/local', 'Certificate/certs/www', 'Certificate/web/internal']) {
      expect(child(key).dependencies).toContain(certManager.urn);
    }
    expect(child('Deployment/web/web').dependencies).not.toContain(metallb.urn);
    expect(child('Gateway/infra/edge').dependencies).not.toContain(certManager.urn);
  });
});

describe('options', () => {
  const annotations = (key: string) => child(key).inputs.metadata.annotations ?? {};

  test('skipAwait and patchForce set the provider annotations on every object', async () => {
    await deploy({ skipAwait: true, patchForce: true });
    for (const key of ['Deployment/web/web', 'Gateway/infra/edge', 'Namespace/web', 'Service/infra/edge-proxy']) {
      expect(annotations(key)).toMatchObject({ 'pulumi.com/skipAwait': 'true', 'pulumi.com/patchForce': 'true' });
    }
    // the object's own annotations are kept
    expect(annotations('Service/infra/edge-proxy')['metallb.io/address-pool']).toBe('lan');
  });

  test('no annotations by default', async () => {
    await deploy();
    expect(Object.keys(annotations('Deployment/web/web')).filter((k) => k.startsWith('pulumi.com/'))).toEqual([]);
  });

  test('waitForGatewayProgrammed: condition=Programmed on controller-served Gateways, never on the built-in class', async () => {
    await deploy({ waitForGatewayProgrammed: { timeoutSeconds: 300 }, skipAwait: true });
    expect(annotations('Gateway/infra/edge')).toEqual({ 'pulumi.com/waitFor': 'condition=Programmed', 'pulumi.com/timeoutSeconds': '300' });
    await deploy({ waitForGatewayProgrammed: true, fixture: { gatewayClass: 'builtin' } });
    expect(annotations('Gateway/infra/edge')['pulumi.com/waitFor']).toBeUndefined();
  });

  test('importExisting adopts objects through the import resource option', async () => {
    await deploy({ importExisting: ['Namespace/web', 'Service/web/web'] });
    expect(child('Namespace/web').importId).toBe('web');
    expect(child('Service/web/web').importId).toBe('web/web');
    expect(child('Deployment/web/web').importId).toBe('');
    expect(() => new GatewayStack('typo', { app: (app) => fixtureChart(app), importExisting: ['Service/web'] })).toThrow(/importExisting names no object of the app: Service\/web/);
  });
});

describe('outputs', () => {
  test('gatewayAddresses: the Gateway status addresses and the proxy Service load-balancer IP', async () => {
    statuses['stack/Gateway/infra/edge'] = { status: { addresses: [{ type: 'IPAddress', value: '192.168.1.240' }] } };
    statuses['stack/Service/infra/edge-proxy'] = { status: { loadBalancer: { ingress: [{ ip: '192.168.1.240' }, { hostname: 'edge.lan' }] } } };
    try {
      const stack = await deploy();
      expect(await valueOf(stack.gatewayAddresses)).toEqual({ 'infra/edge': ['192.168.1.240', 'edge.lan'] });
    } finally {
      delete statuses['stack/Gateway/infra/edge'];
      delete statuses['stack/Service/infra/edge-proxy'];
    }
  });

  test('gatewayAddresses is empty until something assigns an address', async () => {
    const stack = await deploy();
    expect(await valueOf(stack.gatewayAddresses)).toEqual({ 'infra/edge': [] });
  });
});

describe('validation', () => {
  test('a whole-app validation error rejects the component with the synth message, registering nothing', () => {
    rec.reset();
    expect(() => new GatewayStack('bad', { app: (app) => fixtureChart(app, { sectionName: 'nope', gatewayClass: 'builtin' }) }))
      .toThrow(/\[fixture\/web-route\] spec\.parentRefs\[0\]\.sectionName: sectionName "nope" names no listener of Gateway infra\/edge \(its listeners: http, https\).*NoMatchingParent/s);
    expect(rec.registered).toEqual([]);
  });

  test('a built-in kind without a typed class is refused by name', () => {
    const app = new App();
    new ApiObject(new Chart(app, 'c'), 'lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'x' } });
    expect(() => new GatewayStack('lease', { app })).toThrow(/coordination\.k8s\.io\/v1 Lease "l" has no typed @pulumi\/kubernetes class/);
  });

  test('something that is not an app is refused', () => {
    expect(() => new GatewayStack('x', { app: {} as any })).toThrow(/must be a cdk8s App, a Chart or a function/);
  });

  test('the Gateway API CRDs from both the app (GatewayApiCrds) and prerequisites are refused, naming the fix', () => {
    const app = (a: App) => {
      new GatewayApiCrds(new Chart(a, 'crds'), 'crds', { safeUpgradesPolicy: false });
      return fixtureChart(a);
    };
    expect(() => new GatewayStack('twice', { app, prerequisites: { gatewayApiCrds: true } })).toThrow(
      /holds Gateway API CRDs \(backendtlspolicies\.gateway\.networking\.k8s\.io, .*prerequisites\.gatewayApiCrds installs them too.*Fix: drop prerequisites\.gatewayApiCrds/,
    );
  });
});
