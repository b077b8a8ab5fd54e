import * as fc from 'fast-check';
import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { applyPlaceholders, loadBase, loadCases } from './conformance-harness';

/** Unchanged input (in any order) must give byte-identical output. */
describe('determinism', () => {
  const base = loadBase();
  const cases = loadCases().filter((c: any) => ['ListenerSetProtocolConflict', 'BackendTLSPolicyConflictResolution', 'GatewayHTTPListenerIsolation', 'HTTPRouteReferenceGrant'].includes(c.name));
  for (const c of cases) {
    test(`${c.name}: input order does not change the result`, () => {
      const objs: KubeObject[] = [...base, ...c.manifests.flatMap((m: any) => m.documents).filter((d: any) => d).map((d: any) => applyPlaceholders(d))];
      const want = JSON.stringify(resolve(objs));
      fc.assert(
        fc.property(fc.shuffledSubarray(objs, { minLength: objs.length, maxLength: objs.length }), (shuffled) => JSON.stringify(resolve(shuffled)) === want),
        { numRuns: 15 },
      );
    });
  }

  test('the input is not mutated', () => {
    const objs = JSON.parse(JSON.stringify(base));
    resolve(objs);
    expect(objs).toEqual(base);
  });
});
