/**
 * `buildLocations` indexes the match entries by path so that a location looks only at the entries
 * that can match it. This property test holds it to the plain definition (every location scans every
 * entry, in precedence order), written out below as the reference.
 */
import * as fc from 'fast-check';
import { buildLocations, cmp, underPrefix } from '../../src/ir/build';

type Entries = Parameters<typeof buildLocations>[0];

/** The definition: one location per distinct path; candidates in entry order, cut after the first unconditional one. */
function reference(entries: Entries): ReturnType<typeof buildLocations> {
  const exact = new Set<string>();
  const prefix = new Set<string>(['/']);
  const regex = new Set<string>();
  for (const e of entries) {
    if (e.pathType === 'Exact') exact.add(e.path);
    else if (e.pathType === 'RegularExpression') regex.add(e.path);
    else if (e.path !== '/') {
      exact.add(e.path);
      prefix.add(`${e.path}/`);
    }
  }
  const finish = <T extends { conditions: unknown[] }>(c: T[]) => {
    const i = c.findIndex((x) => !x.conditions.length);
    return i < 0 ? c : c.slice(0, i + 1);
  };
  const regexes = [...regex].sort((a, b) => b.length - a.length || cmp(a, b));
  const out: ReturnType<typeof buildLocations> = [];
  for (const x of [...exact].sort(cmp)) {
    const c: any[] = [];
    for (const e of entries) {
      if (e.pathType === 'Exact' && e.path === x) c.push({ action: e.action.id, conditions: e.conditions });
      else if (e.pathType === 'PathPrefix' && underPrefix(x, e.path)) c.push({ action: e.action.id, conditions: e.conditions });
      else if (e.pathType === 'RegularExpression') c.push({ action: e.action.id, conditions: [{ kind: 'pathRegex', value: e.path }, ...e.conditions] });
    }
    out.push({ kind: 'exact', path: x, candidates: finish(c) });
  }
  for (const p of [...prefix].sort(cmp)) {
    const base = p === '/' ? '/' : p.slice(0, -1);
    const c: any[] = [];
    for (const e of entries) if (e.pathType === 'PathPrefix' && underPrefix(base, e.path)) c.push({ action: e.action.id, conditions: e.conditions });
    out.push({ kind: 'prefix', path: p, candidates: finish(c) });
  }
  regexes.forEach((r, ri) => {
    const later = new Set(regexes.slice(ri + 1));
    const c: any[] = [];
    for (const e of entries) {
      if (e.pathType === 'RegularExpression' && e.path === r) c.push({ action: e.action.id, conditions: e.conditions });
      else if (e.pathType === 'RegularExpression' && later.has(e.path)) c.push({ action: e.action.id, conditions: [{ kind: 'pathRegex', value: e.path }, ...e.conditions] });
      else if (e.pathType === 'PathPrefix') c.push({ action: e.action.id, conditions: e.path === '/' ? e.conditions : [{ kind: 'pathPrefix', value: e.path }, ...e.conditions] });
    }
    out.push({ kind: 'regex', path: r, candidates: finish(c) });
  });
  return out;
}

const segment = fc.constantFrom('a', 'b', 'ab', 'api', 'v1');
const pathArb = fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`);
const exactPath = fc.tuple(pathArb, fc.boolean()).map(([p, slash]) => (slash && p !== '/' ? `${p}/` : p));
const entryArb = fc.oneof(
  fc.record({ pathType: fc.constant('Exact' as const), path: exactPath }),
  fc.record({ pathType: fc.constant('PathPrefix' as const), path: pathArb }),
  fc.record({ pathType: fc.constant('RegularExpression' as const), path: fc.constantFrom('/a/.*', '/v[0-9]+', '.*') }),
);
const entriesArb = fc.array(fc.tuple(entryArb, fc.boolean()), { maxLength: 40 }).map((xs) =>
  xs.map(([e, conditional], i) => ({
    action: { id: `a${i}` },
    pathType: e.pathType,
    path: e.path,
    conditions: conditional ? [{ kind: 'header', name: 'x', type: 'Exact', value: String(i) }] : [],
    key: [i],
  })) as unknown as Entries,
);

test('the indexed location algebra equals the definition on any set of entries', () => {
  fc.assert(
    fc.property(entriesArb, (entries) => {
      expect(buildLocations(entries)).toEqual(reference(entries));
    }),
    { numRuns: 500 },
  );
});

test('20,000 prefix routes (one server): an exact and a prefix location each, plus /, each with its own route', () => {
  // at this size the former locations × entries scan took seconds; speed itself is measured in bench/
  const entries = Array.from({ length: 20000 }, (_, i) => ({ action: { id: `a${i}` }, pathType: 'PathPrefix', path: `/svc${i}`, conditions: [], key: [i] })) as unknown as Entries;
  const out = buildLocations(entries);
  expect(out).toHaveLength(40001);
  expect(out.find((l) => l.path === '/svc7/')!.candidates.map((c) => c.action)).toEqual(['a7']);
});
