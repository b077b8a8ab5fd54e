import {
  compareMatchPrecedence,
  compareRoutes,
  distinctNames,
  grpcSpecificity,
  httpSpecificity,
  mirrorPercent,
  normalizePrefix,
  orderEntries,
  Rankable,
  splitPercentages,
} from '../../src/resolve/precedence';

const route = (name: string, kind = 'HTTPRoute', namespace = 'ns') => ({ kind, namespace, name });
const entry = (match: Record<string, unknown> | null, extra: Partial<Rankable> = {}): Rankable => ({ route: route('r'), rule: 0, matchIndex: 0, match, ...extra });
const path = (type: string, value: string) => ({ path: { type, value } });

describe('match precedence', () => {
  test('an Exact path goes before a longer PathPrefix', () => {
    expect(compareMatchPrecedence(entry(path('Exact', '/a')), entry(path('PathPrefix', '/abcdef')))).toBeLessThan(0);
  });

  test('RegularExpression goes after Exact and before PathPrefix', () => {
    const order = orderEntries([entry(path('PathPrefix', '/x'), { rule: 0 }), entry(path('RegularExpression', '/x.*'), { rule: 1 }), entry(path('Exact', '/x'), { rule: 2 })]);
    expect(order.map((e) => e.rule)).toEqual([2, 1, 0]);
  });

  test('the longest PathPrefix goes first; trailing slashes do not count', () => {
    expect(httpSpecificity(path('PathPrefix', '/api/'))).toEqual(httpSpecificity(path('PathPrefix', '/api')));
    expect(compareMatchPrecedence(entry(path('PathPrefix', '/api/v1')), entry(path('PathPrefix', '/api')))).toBeLessThan(0);
  });

  test('a method match goes before more header matches', () => {
    const withMethod = { ...path('PathPrefix', '/'), method: 'GET' };
    const withHeaders = { ...path('PathPrefix', '/'), headers: [{ type: 'Exact', name: 'a', value: '1' }, { type: 'Exact', name: 'b', value: '2' }] };
    expect(compareMatchPrecedence(entry(withMethod), entry(withHeaders))).toBeLessThan(0);
  });

  test('header names count once, case-insensitively; query names case-sensitively', () => {
    expect(distinctNames([{ name: 'X-A' }, { name: 'x-a' }], true)).toBe(1);
    expect(distinctNames([{ name: 'q' }, { name: 'Q' }], false)).toBe(2);
  });

  test('GRPC: the longest service, then the longest method, then the most headers', () => {
    expect(grpcSpecificity({ method: { type: 'Exact', service: 'a.B', method: 'Get' } })).toEqual([-3, -3, -0]);
    const long = entry({ method: { type: 'Exact', service: 'a.Bcd' } }, { route: route('r', 'GRPCRoute') });
    const short = entry({ method: { type: 'Exact', service: 'a.B', method: 'LongMethod' } }, { route: route('r', 'GRPCRoute') });
    expect(compareMatchPrecedence(long, short)).toBeLessThan(0);
  });

  test('ties go to the oldest route, routes without a timestamp last, then namespace/name', () => {
    const m = path('PathPrefix', '/');
    const old = entry(m, { route: route('z'), creationTimestamp: '2020-01-01T00:00:00Z' });
    const young = entry(m, { route: route('a'), creationTimestamp: '2024-01-01T00:00:00Z' });
    const none = entry(m, { route: route('0') });
    expect(orderEntries([none, young, old]).map((e) => e.route.name)).toEqual(['z', 'a', '0']);
    expect(compareRoutes(route('a'), route('b'))).toBeLessThan(0);
  });

  test('dropped rules sort last and get order 0', () => {
    const order = orderEntries([entry(path('Exact', '/'), { valid: false }), entry(path('PathPrefix', '/'), { rule: 1 })]);
    expect(order.map((e) => [e.rule, e.order])).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });
});

describe('splitPercentages', () => {
  test('shares add up to exactly 100, the remainder to the last non-zero weight', () => {
    expect(splitPercentages([1, 1, 1])).toEqual([33.33, 33.33, 33.34]);
    expect(splitPercentages([1, 1, 0])).toEqual([50, 50, 0]);
  });

  test('integer arithmetic: 57:43 is 57% / 43%', () => {
    expect(splitPercentages([57, 43])).toEqual([57, 43]);
    expect(splitPercentages([43, 82])).toEqual([34.4, 65.6]);
  });

  test('all-zero or no weights give zeros', () => {
    expect(splitPercentages([0, 0])).toEqual([0, 0]);
    expect(splitPercentages([])).toEqual([]);
  });
});

describe('mirrorPercent', () => {
  test('100 without percent or fraction', () => {
    expect(mirrorPercent({ backendRef: { name: 'x' } })).toBe(100);
  });

  test('percent, clamped to 0..100', () => {
    expect(mirrorPercent({ backendRef: {}, percent: 25 })).toBe(25);
    expect(mirrorPercent({ backendRef: {}, percent: 150 })).toBe(100);
  });

  test('fraction floored to 2 decimals, denominator default 100', () => {
    expect(mirrorPercent({ backendRef: {}, fraction: { numerator: 1, denominator: 3 } })).toBe(33.33);
    expect(mirrorPercent({ backendRef: {}, fraction: { numerator: 29, denominator: 50 } })).toBe(58);
    expect(mirrorPercent({ backendRef: {}, fraction: { numerator: 5 } })).toBe(5);
  });
});

test('normalizePrefix drops trailing slashes but keeps /', () => {
  expect(normalizePrefix('/a//')).toBe('/a');
  expect(normalizePrefix('///')).toBe('/');
});
