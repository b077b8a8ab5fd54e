/**
 * sortDiagnostics builds each sort key once (decorate-sort-undecorate) instead of twice per
 * comparison: these tests pin that the order is the one the per-comparison keys gave, ties (same
 * object, field, severity, code and message; e.g. a different `fix`) included: they keep their input
 * order.
 */
import * as fc from 'fast-check';
import { Diagnostic, sortDiagnostics } from '../../src/model';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** The implementation before: the key built inside the comparison. */
function sortedBefore(diags: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) =>
    [d.object.kind, d.object.namespace ?? '', d.object.name, d.field ?? '', String(SEVERITY_ORDER[d.severity]), d.code, d.message].join('\u0000');
  return [...diags].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const small = (xs: string[]) => fc.constantFrom(...xs);
const diagnostic: fc.Arbitrary<Diagnostic> = fc
  .record({
    kind: small(['HTTPRoute', 'Gateway', 'Service']),
    namespace: fc.option(small(['', 'a', 'b', 'é']), { nil: undefined }),
    name: small(['r', 'r1', 'R', 's\u0000']),
    field: fc.option(small(['', 'spec', 'spec.rules[0]']), { nil: undefined }),
    severity: fc.constantFrom('error' as const, 'warning' as const, 'info' as const),
    code: small(['A', 'B']),
    message: small(['m', 'n', '']),
    fix: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
  })
  .map((r) => ({
    object: { apiVersion: 'v1', kind: r.kind, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), name: r.name },
    ...(r.field !== undefined ? { field: r.field } : {}),
    severity: r.severity,
    code: r.code,
    message: r.message,
    ...(r.fix !== undefined ? { fix: r.fix } : {}),
  }) as Diagnostic);

describe('sortDiagnostics', () => {
  test('gives the order of the per-comparison keys (same elements, same positions)', () => {
    fc.assert(
      fc.property(fc.array(diagnostic, { maxLength: 40 }), (diags) => {
        const after = sortDiagnostics(diags);
        const before = sortedBefore(diags);
        expect(after.length).toBe(before.length);
        after.forEach((d, i) => expect(d).toBe(before[i]));
      }),
      { numRuns: 300 },
    );
  });

  test('ties keep their input order and the input is not modified', () => {
    const base = { object: { apiVersion: 'v1', kind: 'Service', namespace: 'a', name: 's' }, severity: 'error', code: 'C', message: 'm' } as const;
    const diags: Diagnostic[] = [{ ...base, fix: 'second' }, { ...base, severity: 'warning' }, { ...base, fix: 'first' }, { ...base }];
    const copy = [...diags];
    const sorted = sortDiagnostics(diags);
    expect(sorted).toEqual([diags[0], diags[2], diags[3], diags[1]]);
    expect(sorted[0]).toBe(diags[0]);
    expect(sorted[1]).toBe(diags[2]);
    expect(diags).toEqual(copy);
  });
});

test('sortDiagnostics orders as by the joined key (object, field, severity, code, message), missing parts as empty', () => {
  const joined = (d: any) => [d.object.kind, d.object.namespace ?? '', d.object.name, d.field ?? '', String({ error: 0, warning: 1, info: 2 }[d.severity as string]), d.code, d.message].join('\u0000');
  const parts = ['', 'a', 'b', 'a\u0000b', undefined, null];
  const diags: any[] = [];
  let i = 0;
  for (const kind of parts) for (const name of parts) for (const field of parts) {
    const severity = (['error', 'warning', 'info'] as const)[i % 3];
    diags.push({ severity, code: parts[i % parts.length], message: parts[(i * 7) % parts.length], object: { kind, name, ...(i % 2 ? { namespace: parts[i % 5] } : {}) }, ...(field === undefined ? {} : { field }) });
    i++;
  }
  const expected = diags.map((d, n) => ({ d, n, k: joined(d) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.n - b.n)).map((x) => x.d);
  expect(sortDiagnostics(diags)).toEqual(expected);
  expect(sortDiagnostics(diags).every((d, n) => d === expected[n])).toBe(true);
});
