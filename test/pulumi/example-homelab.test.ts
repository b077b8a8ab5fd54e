/**
 * The issue's "done when": the Pulumi program of examples/pulumi-homelab, run under mocks,
 * registers every object of scenario 1 with the right type, as a child of the component,
 * after the prerequisites and in the documented order. The expectations are derived from
 * the homelab chart itself (synthesized here independently), so they follow the example
 * as it grows (MetalLB pool, cert-manager objects, the NAS Service, the proxy).
 */
import { installMocks, Registered } from './harness';

const rec = installMocks();

import * as pulumi from '@pulumi/pulumi';
import { KubeObject, splitApiVersion } from '../../src/model';
import { GatewayStack, planObjects, TYPED_KINDS } from '../../src/pulumi';
import * as YAML from 'yaml';
import { createApp } from '../../examples/homelab/app';

function expectedType(o: KubeObject): string {
  if (TYPED_KINDS[`${o.apiVersion}/${o.kind}`]) {
    const { group, version } = splitApiVersion(o.apiVersion);
    return `kubernetes:${group === '' ? 'core' : group}/${version}:${o.kind}`;
  }
  return `kubernetes:${o.apiVersion}:${o.kind}`;
}

let program: { gatewayAddresses: Record<string, string[]>; objects: string[] };
let objects: KubeObject[];
let component: Registered;
let children: Registered[];
const byKey = (key: string) => rec.byName(`homelab/${key}`);

beforeAll(async () => {
  // run the program the way `pulumi up` does: under a root Stack, then drain the RPC queue
  program = await pulumi.runtime.runInPulumiStack(async () => {
    return require('../../examples/pulumi-homelab/index');
  }) as any;
  await pulumi.runtime.disconnect();
  objects = YAML.parseAllDocuments(createApp().synthYaml()).map((d) => d.toJS()).filter(Boolean);
  component = rec.byName('homelab');
  children = rec.registered.filter((r) => r.parent === component.urn);
}, 60_000);

test('the component is registered with its type token, on the explicit provider', () => {
  expect(component.type).toBe(GatewayStack.TYPE);
  expect(GatewayStack.TYPE).toBe('cdk8s-gateway:index:GatewayStack');
  expect(component.parent).toBe(rec.registered.find((x) => x.type === 'pulumi:pulumi:Stack')!.urn);
  const k8sProvider = rec.registered.find((r) => r.type === 'pulumi:providers:kubernetes' && r.name === 'homelab-k8s')!;
  expect(k8sProvider.inputs).toMatchObject({ enableServerSideApply: 'true' });
  for (const c of children) expect([c.name, c.provider.startsWith(`${k8sProvider.urn}::`)]).toEqual([c.name, true]);
});

test('every object of scenario 1 is registered once, with its typed class or as a CustomResource, as a child of the component', () => {
  expect(objects.length).toBeGreaterThanOrEqual(16);
  const registered = children.filter((c) => !c.type.startsWith('kubernetes:helm') && !c.type.startsWith('kubernetes:yaml'));
  const expected = objects.map((o) => `${expectedType(o)} homelab/${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).sort();
  expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(expected);
  for (const r of registered) expect(r.urn).toBe(`urn:pulumi:stack::project::cdk8s-gateway:index:GatewayStack$${r.type}::${r.name}`);
  expect(program.objects).toEqual(objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).sort());
  // the scenario's anchors
  for (const key of ['GatewayClass/cdk8s-gateway', 'Namespace/gateway', 'Gateway/gateway/web-gateway', 'HTTPRoute/gateway/https-redirect']) expect(byKey(key)).toBeDefined();
  for (const app of ['blog', 'photos', 'wiki']) {
    expect(byKey(`Namespace/${app}`).type).toBe('kubernetes:core/v1:Namespace');
    expect(byKey(`Deployment/${app}/${app}`).type).toBe('kubernetes:apps/v1:Deployment');
    expect(byKey(`Service/${app}/${app}`).type).toBe('kubernetes:core/v1:Service');
    expect(byKey(`HTTPRoute/${app}/${app}`).type).toBe('kubernetes:gateway.networking.k8s.io/v1:HTTPRoute');
  }
  expect(byKey('Gateway/gateway/web-gateway').inputs.spec.listeners.map((l: any) => l.name)).toEqual(expect.arrayContaining(['http', 'https-www', 'https-apps']));
});

test('the prerequisites of a bare cluster are installed, pinned', () => {
  expect(byKey('gateway-api-crds')).toMatchObject({ type: 'kubernetes:yaml/v2:ConfigFile', inputs: { file: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml' } });
  expect(byKey('metallb')).toMatchObject({ type: 'kubernetes:helm.sh/v3:Release', inputs: { chart: 'metallb', version: '0.16.1', repositoryOpts: { repo: 'https://metallb.github.io/metallb' } } });
  expect(byKey('cert-manager')).toMatchObject({ type: 'kubernetes:helm.sh/v3:Release', inputs: { chart: 'cert-manager', version: 'v1.21.1', repositoryOpts: { repo: 'https://charts.jetstack.io' }, values: { crds: { enabled: true } } } });
});

test('ordering: every planned edge and prerequisite reaches the engine as a dependency', () => {
  const prerequisite = { gatewayApiCrds: byKey('gateway-api-crds'), metallb: byKey('metallb'), certManager: byKey('cert-manager') };
  const plan = planObjects(objects);
  for (const p of plan) {
    const r = byKey(p.key);
    const expected = [...p.dependsOn.map((k) => byKey(k).urn), ...p.needs.map((n) => prerequisite[n].urn)].sort();
    expect([p.key, r.dependencies]).toEqual([p.key, expected]);
  }
  // the rules, read on the scenario: CRDs before Gateway API objects, namespaces before what lives in them,
  // the class before the Gateway, the Gateway before nothing it does not need
  const gw = byKey('Gateway/gateway/web-gateway');
  for (const p of plan.filter((x) => x.group === 'gateway.networking.k8s.io')) expect(rec.closure(byKey(p.key)).has(prerequisite.gatewayApiCrds.urn)).toBe(true);
  for (const o of objects.filter((x) => x.metadata.namespace)) {
    const ns = objects.find((n) => n.kind === 'Namespace' && n.metadata.name === o.metadata.namespace);
    if (ns) expect([o.kind, o.metadata.name, rec.closure(byKey(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).has(byKey(`Namespace/${ns.metadata.name}`).urn)]).toEqual([o.kind, o.metadata.name, true]);
  }
  expect(rec.closure(gw).has(byKey('GatewayClass/cdk8s-gateway').urn)).toBe(true);
  // MetalLB and cert-manager objects (when the chart has them) wait for their releases
  for (const p of plan.filter((x) => x.group === 'metallb.io')) expect(rec.closure(byKey(p.key)).has(prerequisite.metallb.urn)).toBe(true);
  for (const p of plan.filter((x) => x.group === 'cert-manager.io')) expect(rec.closure(byKey(p.key)).has(prerequisite.certManager.urn)).toBe(true);
  for (const p of plan.filter((x) => x.object.kind === 'Certificate')) {
    const ref = (p.object as any).spec.issuerRef;
    const issuer = plan.find((x) => x.object.kind === (ref.kind ?? 'Issuer') && x.object.metadata.name === ref.name);
    if (issuer) expect(byKey(p.key).dependencies).toContain(byKey(issuer.key).urn);
  }
  for (const p of plan.filter((x) => x.object.kind === 'L2Advertisement' || x.object.kind === 'BGPAdvertisement')) {
    expect(plan.some((x) => x.object.kind === 'IPAddressPool' && rec.closure(byKey(p.key)).has(byKey(x.key).urn))).toBe(true);
  }
});

test('gatewayAddresses is a stack output, per Gateway', () => {
  expect(Object.keys(program.gatewayAddresses)).toEqual(['gateway/web-gateway']);
});

test('registrations per type', () => {
  const counts: Record<string, number> = {};
  for (const c of [component, ...children]) counts[c.type] = (counts[c.type] ?? 0) + 1;
  const expected: Record<string, number> = { 'cdk8s-gateway:index:GatewayStack': 1, 'kubernetes:helm.sh/v3:Release': 2, 'kubernetes:yaml/v2:ConfigFile': 1 };
  for (const o of objects) expected[expectedType(o)] = (expected[expectedType(o)] ?? 0) + 1;
  expect(counts).toEqual(expected);
});
