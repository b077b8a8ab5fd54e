import * as fc from 'fast-check';
import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';

/** Malformed input (wrong types anywhere) never throws; the result stays well-formed. */
describe('robustness', () => {
  const kinds = ['Gateway', 'GatewayClass', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'ReferenceGrant', 'BackendTLSPolicy'];
  const gwObj = fc.record({
    apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
    kind: fc.constantFrom(...kinds),
    metadata: fc.record({ name: fc.constantFrom('a', 'b', 'web'), namespace: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }) }),
    spec: fc.oneof(
      fc.anything(),
      fc.record({
        gatewayClassName: fc.anything(),
        listeners: fc.oneof(fc.anything(), fc.array(fc.record({ name: fc.anything(), port: fc.anything(), protocol: fc.constantFrom('HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP', 7), hostname: fc.anything(), tls: fc.anything(), allowedRoutes: fc.anything() }))),
        parentRefs: fc.oneof(fc.anything(), fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'web'), sectionName: fc.anything(), port: fc.anything(), kind: fc.anything() }))),
        parentRef: fc.anything(),
        rules: fc.oneof(fc.anything(), fc.array(fc.record({ backendRefs: fc.anything(), filters: fc.anything(), matches: fc.anything() }))),
        hostnames: fc.anything(),
        targetRefs: fc.anything(),
        validation: fc.anything(),
        from: fc.anything(),
        to: fc.anything(),
      }),
    ),
  });
  const core = fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constantFrom('Service', 'Secret', 'ConfigMap', 'Namespace'),
    metadata: fc.record({ name: fc.constantFrom('a', 'b', 'web'), namespace: fc.constantFrom('x', 'y'), labels: fc.anything() }),
    spec: fc.anything(),
    data: fc.anything(),
  });

  test('arbitrary objects', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(gwObj, core, fc.anything()), { maxLength: 12 }), (objs) => {
        const res = resolve(objs as unknown as KubeObject[]);
        JSON.stringify(res);
        return Array.isArray(res.status) && Array.isArray(res.diagnostics) && Array.isArray(res.model.gateways);
      }),
      { numRuns: 300 },
    );
  });
});
