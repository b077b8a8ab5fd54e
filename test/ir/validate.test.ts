import { buildDataplane, IrInvariantError, validateDataplane } from '../../src/ir';
import { DataplaneIR, GatewayIR, HttpPortIR } from '../../src/ir/types';
import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { gateway, gatewayClass, httpRoute, service, to } from '../render/fixtures';

function built(): DataplaneIR {
  const objects: KubeObject[] = [
    gatewayClass(),
    gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
    service('a'),
    service('b'),
    httpRoute('r', { hostnames: ['a.example.com'], rules: [{ backendRefs: [to('a', 8080, 3), to('b', 8080, 1)] }] }),
  ];
  return buildDataplane(resolve(objects).model, objects);
}

/** A copy of the built IR with its only Gateway changed. */
function withGateway(f: (g: GatewayIR) => GatewayIR): DataplaneIR {
  const ir = built();
  return { ...ir, gateways: [f(ir.gateways[0])] };
}

function withPort(f: (p: HttpPortIR) => HttpPortIR): DataplaneIR {
  return withGateway((g) => ({ ...g, httpPorts: [f(g.httpPorts[0])] }));
}

function violated(ir: DataplaneIR): string | undefined {
  try {
    validateDataplane(ir);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(IrInvariantError);
    expect((e as Error).message).toMatch(/^internal error: dataplane IR invariant "/);
    return (e as IrInvariantError).invariant;
  }
}

test('a built IR satisfies every invariant', () => {
  expect(violated(built())).toBeUndefined();
});

test('gateways-unique: the same Gateway twice', () => {
  const ir = built();
  expect(violated({ ...ir, gateways: [ir.gateways[0], ir.gateways[0]] })).toBe('gateways-unique');
});

test('upstream-exists: a backend naming an upstream the Gateway does not define', () => {
  expect(violated(withGateway((g) => ({ ...g, upstreams: g.upstreams.slice(1) })))).toBe('upstream-exists');
});

test('upstreams-sorted-unique: upstreams out of order', () => {
  expect(violated(withGateway((g) => ({ ...g, upstreams: [...g.upstreams].reverse() })))).toBe('upstreams-sorted-unique');
});

test('ports-unique: the same HTTP port twice', () => {
  expect(violated(withGateway((g) => ({ ...g, httpPorts: [g.httpPorts[0], g.httpPorts[0]] })))).toBe('ports-unique');
});

test('server-names: the default server not last', () => {
  expect(violated(withPort((p) => ({ ...p, servers: [...p.servers].reverse() })))).toBe('server-names');
});

test('server-names: a hostname served twice', () => {
  expect(violated(withPort((p) => ({ ...p, servers: [p.servers[0], ...p.servers] })))).toBe('server-names');
});

test('action-exists: a location candidate naming a missing action', () => {
  expect(violated(withPort((p) => ({ ...p, servers: p.servers.map((s) => ({ ...s, actions: [] })) })))).toBe('action-exists');
});

test('shares: backend percentages that do not add up to 100', () => {
  const ir = withPort((p) => ({
    ...p,
    servers: p.servers.map((s) => ({ ...s, actions: s.actions.map((a) => ({ ...a, backends: a.backends.map((b) => ({ ...b, percent: 10 })) })) })),
  }));
  expect(violated(ir)).toBe('shares');
});

test('tls-material: a Secret in the inputs that nothing references', () => {
  const ir = built();
  expect(violated({ ...ir, inputs: { ...ir.inputs!, secrets: { 'ns/unused': { tlsCrt: 'x' } } } })).toBe('tls-material');
});
