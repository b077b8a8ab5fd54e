/**
 * The CEL outcome cache (cel-walk.ts) is bounded by the characters of its keys, not by a count of
 * values: at 10,000 routes (more than the 4,096 values a node kept before) a second validation of
 * the same objects evaluates no rule again, and gives the same violations.
 */
import * as celModule from '../../src/validate/cel';
import { validateObject } from '../../src/validate';

function route(i: number, path: string) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: 'apps' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: `svc${i}`, port: 8080 }] }],
    },
  };
}

test('a second validation of 6,000 distinct routes evaluates no rule again, with the same violations', () => {
  // every tenth path breaks a CEL rule of the path match (no leading slash)
  const objects = Array.from({ length: 6000 }, (_, i) => route(i, i % 10 === 0 ? `svc-${i}` : `/svc-${i}`));
  const first = objects.map((o) => validateObject(o));
  expect(first.filter((v) => v.length > 0).length).toBe(600);
  const spy = jest.spyOn(celModule, 'evaluateRule');
  try {
    const second = objects.map((o) => validateObject(o));
    expect(spy).not.toHaveBeenCalled();
    expect(second).toEqual(first);
  } finally {
    spy.mockRestore();
  }
});
