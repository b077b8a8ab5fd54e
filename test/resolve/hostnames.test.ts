import * as fc from 'fast-check';
import { effectiveHostnames, intersectHostname } from '../../src/resolve';

describe('hostname algebra', () => {
  test.each([
    ['example.com', 'example.com', 'example.com'],
    ['Example.com', 'example.com', 'example.com'],
    ['*.example.com', 'a.example.com', 'a.example.com'],
    ['*.example.com', 'a.b.example.com', 'a.b.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['a.example.com', '*.example.com', 'a.example.com'],
    ['*.example.com', '*.foo.example.com', '*.foo.example.com'],
    ['*.foo.example.com', '*.example.com', '*.foo.example.com'],
    ['foo.com', 'bar.com', undefined],
    ['*.com', 'xexample.com', 'xexample.com'],
    ['*.example.com', 'xexample.com', undefined],
  ])('%s ∩ %s = %s', (a, b, want) => {
    expect(intersectHostname(a, b)).toBe(want);
  });

  test('effective hostnames', () => {
    expect(effectiveHostnames(undefined, [])).toEqual([]);
    expect(effectiveHostnames('a.com', [])).toEqual(['a.com']);
    expect(effectiveHostnames(undefined, ['b.com', 'a.com'])).toEqual(['a.com', 'b.com']);
    expect(effectiveHostnames('*.example.com', ['bar.com'])).toBeUndefined();
  });

  test('intersection is symmetric up to case', () => {
    const label = fc.stringMatching(/^[a-z]{1,3}$/);
    const host = fc.tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 3 })).map(([w, ls]) => (w ? `*.${ls.join('.')}` : ls.join('.')));
    fc.assert(
      fc.property(host, host, (a, b) => {
        const x = intersectHostname(a, b);
        const y = intersectHostname(b, a);
        return x?.toLowerCase() === y?.toLowerCase();
      }),
    );
  });
});
