import { caConfigMap, gateway, gatewayClass, referenceGrant, route, service, tlsSecret } from './fixtures';

test('gateway puts gatewayClassName and listeners before the extra spec fields', () => {
  const gw = gateway({ name: 'gw', namespace: 'infra', className: 'c', listeners: [], spec: { addresses: [] } });
  expect(Object.keys(gw.spec as object)).toEqual(['gatewayClassName', 'listeners', 'addresses']);
});

test('gateway without listeners leaves the key out', () => {
  expect(gateway({ name: 'gw', namespace: 'infra', className: 'c' }).spec).toEqual({ gatewayClassName: 'c' });
});

test('route uses the given spec as is when no parentRefs are given', () => {
  const spec = { rules: [] };
  expect(route({ name: 'r', namespace: 'n', spec }).spec).toBe(spec);
});

test('route parentRefs come first and the spec may override them', () => {
  const r = route({ name: 'r', namespace: 'n', parentRefs: [{ name: 'gw' }], spec: { parentRefs: [{ name: 'other' }] } });
  expect(r.spec).toEqual({ parentRefs: [{ name: 'other' }] });
});

test('route records a creation timestamp only when given', () => {
  expect(route({ name: 'r', namespace: 'n', spec: {} }).metadata).toEqual({ name: 'r', namespace: 'n' });
  expect(route({ name: 'r', namespace: 'n', spec: {}, created: 't' }).metadata.creationTimestamp).toBe('t');
});

test('service accepts port numbers and port entries', () => {
  expect(service('n', 's', [80, { port: 81, appProtocol: 'kubernetes.io/h2c' }]).spec).toEqual({ ports: [{ port: 80 }, { port: 81, appProtocol: 'kubernetes.io/h2c' }] });
});

test('tlsSecret base64-encodes the PEM pair', () => {
  const s = tlsSecret('n', 's', { cert: 'C', key: 'K' }) as any;
  expect(s.data).toEqual({ 'tls.crt': 'Qw==', 'tls.key': 'Sw==' });
});

test('caConfigMap keeps the bundle under ca.crt', () => {
  expect((caConfigMap('n', 'c', 'PEM') as any).data).toEqual({ 'ca.crt': 'PEM' });
});

test('gatewayClass defaults to the built-in controller', () => {
  expect((gatewayClass('x').spec as any).controllerName).toBe('cdk8s-gateway.dev/nginx-proxy');
});

test('referenceGrant lists from and to', () => {
  expect(referenceGrant('n', 'g', [{ kind: 'HTTPRoute' }], [{ kind: 'Service' }]).spec).toEqual({ from: [{ kind: 'HTTPRoute' }], to: [{ kind: 'Service' }] });
});
