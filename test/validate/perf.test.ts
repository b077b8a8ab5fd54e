/**
 * 1,000 typical HTTPRoutes validate clean, each on its own (the constructs validate every object at
 * synth). The time per object is printed for information only: speed is measured by the benchmarks
 * in bench/ (docs/benchmarks.md), never asserted by a unit test on a shared machine.
 */
import { KubeObject } from '../../src/model';
import { validateObject } from '../../src/validate';

function route(i: number): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `route-${i}`, namespace: 'apps', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'https' }],
      hostnames: [`app${i}.example.com`],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: `/api/${i}` }, headers: [{ name: 'x-env', value: 'prod' }] }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: String(i) }] } }],
          backendRefs: [
            { name: 'api', port: 8080, weight: 90 },
            { name: 'api-canary', port: 8080, weight: 10 },
          ],
        },
        { matches: [{ path: { type: 'Exact', value: '/healthz' } }], backendRefs: [{ name: 'api', port: 8080 }] },
      ],
    },
  };
}

test('1,000 typical HTTPRoutes validate with no violation', () => {
  const objects = Array.from({ length: 1000 }, (_, i) => route(i));
  const t0 = process.hrtime.bigint();
  expect(validateObject(objects[0])).toEqual([]); // cold: loads the bundle, compiles schema + rules
  const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  for (let i = 0; i < 300; i++) validateObject(objects[i]); // warm-up
  const t1 = process.hrtime.bigint();
  let violations = 0;
  for (const o of objects) violations += validateObject(o).length;
  const totalMs = Number(process.hrtime.bigint() - t1) / 1e6;
  expect(violations).toBe(0);
  console.log(`validate: first HTTPRoute (cold) ${coldMs.toFixed(1)} ms; 1000 HTTPRoutes ${totalMs.toFixed(1)} ms = ${(totalMs / 1000 * 1000).toFixed(0)} µs/object`);
});
