/** The ordering rules as plain data (no Pulumi involved). */
import { KubeObject } from '../../src/model';
import { planObjects } from '../../src/pulumi/plan';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, rest: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest }) as KubeObject;

function deps(objects: KubeObject[]): Record<string, string[]> {
  return Object.fromEntries(planObjects(objects).map((p) => [p.key, [...p.dependsOn, ...p.needs.map((n) => `<${n}>`)]]));
}

test('phases: each object waits for the nearest earlier phase that has objects', () => {
  const plan = planObjects([
    obj('apps/v1', 'Deployment', 'web', 'web'),
    obj('v1', 'Secret', 's', 'web'),
    obj('v1', 'Namespace', 'web'),
    obj('gateway.networking.k8s.io/v1', 'GatewayClass', 'c'),
  ]);
  expect(plan.map((p) => [p.key, p.phase, p.dependsOn])).toEqual([
    ['Deployment/web/web', 'workloads', ['Secret/web/s']],
    ['Secret/web/s', 'config', ['GatewayClass/c']],
    ['Namespace/web', 'namespaces', []],
    ['GatewayClass/c', 'cluster', ['Namespace/web']],
  ]);
  // without Secrets / ConfigMaps the workloads wait for the cluster-scoped objects directly
  expect(deps([obj('apps/v1', 'Deployment', 'web', 'web'), obj('v1', 'Namespace', 'web')])).toEqual({ 'Deployment/web/web': ['Namespace/web'], 'Namespace/web': [] });
});

test('prerequisites by API group and by annotation', () => {
  expect(deps([
    obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'r', 'a'),
    obj('gateway.networking.x-k8s.io/v1alpha1', 'XListenerSet', 'l', 'a'),
    obj('metallb.io/v1beta1', 'IPAddressPool', 'p', 'metallb-system'),
    obj('cert-manager.io/v1', 'ClusterIssuer', 'i'),
    obj('v1', 'Service', 'annotated', 'a', { metadata: { name: 'annotated', namespace: 'a', annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } } }),
  ])).toEqual({
    'HTTPRoute/a/r': ['ClusterIssuer/i', '<gatewayApiCrds>'],
    'XListenerSet/a/l': ['ClusterIssuer/i', '<gatewayApiCrds>'],
    'IPAddressPool/metallb-system/p': ['ClusterIssuer/i', '<metallb>'],
    'ClusterIssuer/i': ['<certManager>'],
    'Service/a/annotated': ['ClusterIssuer/i', 'IPAddressPool/metallb-system/p', '<metallb>'],
  });
});

test('MetalLB: a pool annotation picks that pool; advertisements take the pools they list (or all of their namespace)', () => {
  const pools = [obj('metallb.io/v1beta1', 'IPAddressPool', 'a', 'metallb-system'), obj('metallb.io/v1beta1', 'IPAddressPool', 'b', 'metallb-system'), obj('metallb.io/v1beta1', 'IPAddressPool', 'c', 'other')];
  const d = deps([
    ...pools,
    obj('metallb.io/v1beta1', 'L2Advertisement', 'only-a', 'metallb-system', { spec: { ipAddressPools: ['a'] } }),
    obj('metallb.io/v1beta1', 'BGPAdvertisement', 'all', 'metallb-system', { spec: {} }),
    obj('v1', 'Service', 'lb', 'x', { metadata: { name: 'lb', namespace: 'x', annotations: { 'metallb.universe.tf/address-pool': 'b' } }, spec: { type: 'LoadBalancer' } }),
    obj('v1', 'Service', 'plain-lb', 'x', { spec: { type: 'LoadBalancer' } }),
    obj('v1', 'Service', 'cluster-ip', 'x', { spec: { type: 'ClusterIP' } }),
  ]);
  expect(d['L2Advertisement/metallb-system/only-a']).toEqual(['IPAddressPool/metallb-system/a', '<metallb>']);
  expect(d['BGPAdvertisement/metallb-system/all']).toEqual(['IPAddressPool/metallb-system/a', 'IPAddressPool/metallb-system/b', '<metallb>']);
  expect(d['Service/x/lb']).toEqual(['IPAddressPool/metallb-system/b', '<metallb>']);
  expect(d['Service/x/plain-lb']).toEqual(['IPAddressPool/metallb-system/a', 'IPAddressPool/metallb-system/b', 'IPAddressPool/other/c']);
  expect(d['Service/x/cluster-ip']).toEqual([]);
});

test('cert-manager: issuerRef (Issuer by default, same namespace) and gateway-shim annotations', () => {
  const d = deps([
    obj('cert-manager.io/v1', 'Issuer', 'local', 'a'),
    obj('cert-manager.io/v1', 'Issuer', 'local', 'b'),
    obj('cert-manager.io/v1', 'ClusterIssuer', 'le'),
    obj('cert-manager.io/v1', 'Certificate', 'c', 'a', { spec: { issuerRef: { name: 'local' } } }),
    obj('cert-manager.io/v1', 'Certificate', 'external', 'a', { spec: { issuerRef: { name: 'x', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' } } }),
    obj('gateway.networking.k8s.io/v1', 'Gateway', 'gw', 'a', { metadata: { name: 'gw', namespace: 'a', annotations: { 'cert-manager.io/cluster-issuer': 'le' } } }),
  ]);
  expect(d['Certificate/a/c']).toEqual(['ClusterIssuer/le', 'Issuer/a/local', '<certManager>']);
  expect(d['Certificate/a/external']).toEqual(['ClusterIssuer/le', '<certManager>']);
  expect(d['Gateway/a/gw']).toEqual(['ClusterIssuer/le', '<certManager>', '<gatewayApiCrds>']);
});

test('ReferenceGrants come before the objects of the kinds and namespaces they admit', () => {
  const d = deps([
    obj('gateway.networking.k8s.io/v1', 'ReferenceGrant', 'g', 'backend', { spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'front' }], to: [{ group: '', kind: 'Service' }] } }),
    obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'r', 'front'),
    obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'r', 'elsewhere'),
    obj('gateway.networking.k8s.io/v1', 'GRPCRoute', 'g', 'front'),
  ]);
  expect(d['HTTPRoute/front/r']).toEqual(['ReferenceGrant/backend/g', '<gatewayApiCrds>']);
  expect(d['HTTPRoute/elsewhere/r']).toEqual(['<gatewayApiCrds>']);
  expect(d['GRPCRoute/front/g']).toEqual(['<gatewayApiCrds>']);
});

test('two objects with the same kind/namespace/name are refused', () => {
  expect(() => planObjects([obj('v1', 'ConfigMap', 'a', 'n'), obj('v1', 'ConfigMap', 'a', 'n')])).toThrow(/two objects are both ConfigMap\/n\/a/);
});
