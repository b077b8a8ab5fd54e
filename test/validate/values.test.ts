import { canonicalJson, copyArray, deepEqual, show, small, typeName } from '../../src/validate/values';

describe('validator values', () => {
  test('canonicalJson sorts object keys and drops undefined properties', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
  });

  test('deepEqual ignores properties that are undefined', () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  });

  test('deepEqual tells arrays from objects', () => {
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });

  test('small truncates long strings to 256 characters plus an ellipsis', () => {
    expect(small('x'.repeat(300))).toBe('x'.repeat(256) + '…');
  });

  test('show truncates the JSON of a value to 120 characters plus an ellipsis', () => {
    expect(show('y'.repeat(200))).toBe('"' + 'y'.repeat(119) + '…');
  });

  test('typeName tells integers from other numbers', () => {
    expect([typeName(1), typeName(1.5), typeName(null), typeName([])]).toEqual(['integer', 'number', 'null', 'array']);
  });
});

describe('copyArray is slice()', () => {
  // eslint-disable-next-line no-sparse-arrays
  const cases: unknown[][] = [[], [1], [1, 'a', null, { x: 1 }], Object.freeze([1, 2, 3]) as unknown[], [1, , 3], new Array(3)];
  test.each(cases.map((c, i) => [i, c]))('case %i', (_i, a) => {
    const c = copyArray(a as unknown[]);
    const s = (a as unknown[]).slice();
    expect(c).toEqual(s);
    expect(c.length).toBe(s.length);
    for (let i = 0; i < s.length; i++) expect(i in c).toBe(i in s);
    expect(Object.isFrozen(c)).toBe(false);
    c.push(9);
    expect(a).not.toContain(9);
  });
});
