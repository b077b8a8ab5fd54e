/**
 * The Gateway API channel objects are validated against: `channel: 'experimental'` (`--channel`)
 * applies the experimental CRDs' schemas and CEL rules to every Gateway API object; without it the
 * channel is inferred from the input.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { experimentalEvidence } from '../../src/resolve/schema';
import { cli as runCli } from '../cli/helpers';

const base: KubeObject[] = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'cls' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' }, spec: { gatewayClassName: 'cls', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } },
];
/** A header value with CR/LF: the standard CRD takes it, the experimental one's pattern refuses it. */
const crlfRoute: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-A', value: 'a\r\nInjected: 1' }] } }], backendRefs: [{ name: 'web', port: 80 }] }] },
};
const experimentalCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
  metadata: { name: 'httproutes.gateway.networking.k8s.io', annotations: { 'gateway.networking.k8s.io/channel': 'experimental' } },
};
const schemaErrors = (objs: KubeObject[], channel?: 'standard' | 'experimental') =>
  resolve(objs, channel ? { channel } : {}).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.field}`);
const FIELD = 'spec.rules[0].filters[0].requestHeaderModifier.set[0].value';

test('standard channel (explicit, or nothing experimental in the input): the CR/LF header value passes', () => {
  expect(schemaErrors([...base, crlfRoute], 'standard')).toEqual([]);
  expect(schemaErrors([...base, crlfRoute])).toEqual([]);
});

test('experimental channel: the experimental CRD refuses the CR/LF header value', () => {
  expect(schemaErrors([...base, crlfRoute], 'experimental')).toEqual([`SchemaViolation ${FIELD}`]);
});

test('an experimental-channel CRD in the input (as GatewayApiCrds emits) selects the experimental channel', () => {
  expect(schemaErrors([...base, crlfRoute, experimentalCrd])).toEqual([`SchemaViolation ${FIELD}`]);
  expect(experimentalEvidence([experimentalCrd], 'default')?.why).toContain('httproutes.gateway.networking.k8s.io');
  expect(schemaErrors([...base, crlfRoute, experimentalCrd], 'standard')).toEqual([]);
});

test('evidence: a kind of the experimental API group, or a version only that channel serves', () => {
  expect(experimentalEvidence([{ apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XListenerSet', metadata: { name: 'l', namespace: 'a' } }], 'default')?.why).toMatch(/XListenerSet/);
  expect(experimentalEvidence([{ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: { name: 't', namespace: 'a' } }], 'default')?.why).toMatch(/TCPRoute of version v1alpha2/);
  expect(experimentalEvidence(base, 'default')).toBeUndefined();
  const standardCrd = { ...experimentalCrd, metadata: { ...experimentalCrd.metadata, annotations: { 'gateway.networking.k8s.io/channel': 'standard' } } };
  expect(experimentalEvidence([standardCrd], 'default')).toBeUndefined();
});

test('cdk8s-gateway check --channel experimental exits 1 on the CR/LF value; --channel standard exits 0; a bad channel is a usage error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'channel-'));
  const file = path.join(dir, 'in.json');
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...base, crlfRoute] }));
  try {
    const exp = await runCli(['check', file, '--channel', 'experimental']);
    expect(exp.code).toBe(1);
    expect(exp.stdout).toContain(`error SchemaViolation HTTPRoute default/web ${FIELD}`);
    expect((await runCli(['check', file, '--channel', 'standard'])).code).toBe(0);
    const bad = await runCli(['check', file, '--channel', 'beta']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--channel.*beta.*standard, experimental/s);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
