/**
 * `check` runs the MetalLB checks the constructs run at synth (one function,
 * src/resolve/metallb.ts): same findings, on the object at fault.
 */
import { metallbFindings } from '../../src/resolve/metallb';
import { cli, tempTree } from './helpers';

const POOLS = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: a, namespace: metallb-system }
spec: { addresses: [192.168.1.240/28] }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: b, namespace: metallb-system }
spec: { addresses: [10.0.0.0/8, 192.168.1.250-192.168.1.252] }
---
apiVersion: v1
kind: Namespace
metadata: { name: metallb-system }
---
apiVersion: v1
kind: Namespace
metadata: { name: apps }
`;
const ADVERT = `---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: all, namespace: metallb-system }
`;
const SERVICE = `---
apiVersion: v1
kind: Service
metadata: { name: outside, namespace: apps, annotations: { metallb.io/loadBalancerIPs: 192.168.7.1 } }
spec: { type: LoadBalancer, ports: [{ port: 80 }] }
`;

test('overlapping pools and an address outside every pool are errors, on the pool that sorts last and on the Service', async () => {
  const dir = tempTree({ 'in.yaml': POOLS + ADVERT + SERVICE });
  const r = await cli(['check', 'in.yaml'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/in\.yaml:6: error MetalLbPoolOverlap IPAddressPool metallb-system\/b spec\.addresses\[1\]: "192\.168\.1\.250-192\.168\.1\.252" overlaps "192\.168\.1\.240\/28" of IPAddressPool metallb-system\/a, and MetalLB rejects overlapping pools/);
  expect(r.stdout).toMatch(/error MetalLbAddressOutsidePools Service apps\/outside metadata\.annotations\[metallb\.io\/loadBalancerIPs\]: "192\.168\.7\.1" is outside every MetalLB pool/);
  expect(r.stdout).not.toMatch(/IPAddressPool metallb-system\/a spec/);
});

test('pools without any advertisement in the input: a warning each (the input may be partial)', async () => {
  const dir = tempTree({ 'in.yaml': POOLS });
  const r = await cli(['check', 'in.yaml'], { cwd: dir });
  expect(r.stdout.match(/warning MetalLbPoolNotAnnounced/g)).toHaveLength(2);
  expect(r.stdout).toContain('(the input holds no advertisement, so it may be partial)');
});

test('an advertisement for another pool only: the unannounced pool is an error', () => {
  const objs = [
    { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'a', namespace: 'm' }, spec: { addresses: ['10.0.0.0/24'] } },
    { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'b', namespace: 'm' }, spec: { addresses: ['10.0.1.0/24'] } },
    { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'a', namespace: 'm' }, spec: { ipAddressPools: ['a'] } },
  ];
  expect(metallbFindings(objs).map((f) => `${f.severity} ${f.code} ${f.object.name}`)).toEqual(['error MetalLbPoolNotAnnounced b']);
});

test('an input without IPAddressPools gets no MetalLB finding', () => {
  expect(metallbFindings([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer', loadBalancerIP: '1.2.3.4' } }])).toEqual([]);
});
