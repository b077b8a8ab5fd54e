import { canonicalJson, deepEqual, show, small, typeName } from '../../src/validate/values';

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
