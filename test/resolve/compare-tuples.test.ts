import { cmpTuple, cmpTuple2, cmpTuple3 } from '../../src/resolve/util';

// cmpTuple2 / cmpTuple3 are cmpTuple without building the tuples (sort comparators of large inputs)
const VALUES: (string | number)[] = ['', 'a', 'b', 'a/b', 'B', 'é', '10', '9', 'undefined', 0, 1, 9, 10, -1, undefined as unknown as string];

test('cmpTuple2 and cmpTuple3 order every pair of tuples as cmpTuple does', () => {
  let seed = 7;
  const pick = () => VALUES[(seed = (seed * 1103515245 + 12345) % 2147483648) % VALUES.length];
  for (let i = 0; i < 20000; i++) {
    const a = [pick(), pick(), pick()];
    const b = [pick(), pick(), pick()];
    // (half the time with equal leading elements, so later ones decide)
    if (i % 2) b[0] = a[0];
    if (i % 4 === 1) b[1] = a[1];
    expect(Math.sign(cmpTuple2(a[0], a[1], b[0], b[1]))).toBe(Math.sign(cmpTuple([a[0], a[1]], [b[0], b[1]])));
    expect(Math.sign(cmpTuple3(a[0], a[1], a[2], b[0], b[1], b[2]))).toBe(Math.sign(cmpTuple(a, b)));
  }
});
