/**
 * OpenAPI `pattern`s are RE2 (Go regexp). The validator runs them as ECMAScript RegExps translated
 * from RE2; this checks that every bundled pattern translates and compiles, and that the translation
 * agrees with the RE2 engine on generated inputs.
 */
import * as fc from 'fast-check';
import { BUNDLE_IDS, loadBundle, schemaEntry } from '../../src/validate/bundles';
import { compilePattern, compileRe2, LONG_INPUT, translateRe2 } from '../../src/validate/regex';

function collectPatterns(node: unknown, out: Set<string>): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Record<string, any>;
  if (typeof n.pattern === 'string') out.add(n.pattern);
  for (const v of Object.values(n.properties ?? {})) collectPatterns(v, out);
  for (const k of ['items', 'additionalProperties', 'not']) collectPatterns(n[k], out);
  for (const k of ['allOf', 'anyOf', 'oneOf']) for (const s of n[k] ?? []) collectPatterns(s, out);
}

const patterns = new Set<string>();
for (const id of BUNDLE_IDS) for (const s of Object.values(loadBundle(id).schemas)) collectPatterns(s.schema, patterns);

test('the bundles use 20 distinct patterns', () => {
  expect(patterns.size).toBe(20);
});

test.each([...patterns])('translates to an ECMAScript RegExp that compiles: %s', (p) => {
  const t = translateRe2(p);
  expect(t).toBeDefined();
  expect(() => new RegExp(t!.source, t!.flags)).not.toThrow();
  expect((compilePattern(p) as { regexp?: unknown }).regexp).toBeInstanceOf(RegExp);
});

test('every bundled schema compiles (patterns, rules)', () => {
  for (const id of BUNDLE_IDS) for (const key of Object.keys(loadBundle(id).schemas)) expect(schemaEntry(id, key)).toBeDefined();
});

test('the translation agrees with RE2 on generated inputs', () => {
  // inputs built from the characters these patterns care about, plus some outside ASCII
  const alphabet = fc.constantFrom(...'aZ09-._~/:*%?#@!$&\'()+,;=\\ \t\n\r`|^[]{}'.split(''), 'é', '😀', '\u2028');
  const input = fc.oneof(fc.string({ unit: alphabet, maxLength: 24 }), fc.domain(), fc.webUrl(), fc.ipV4(), fc.ipV6());
  for (const p of patterns) {
    const js = compilePattern(p);
    const re2 = compileRe2(p);
    fc.assert(
      fc.property(input, (s) => js.test(s) === re2.test(s)),
      { numRuns: 300, seed: 42 },
    );
  }
});

test('RE2 constructs with a different meaning in JS are translated or left to RE2', () => {
  const agree = (p: string, s: string) => {
    expect(compilePattern(p).test(s)).toBe(compileRe2(p).test(s));
  };
  agree('^a.b$', 'a\rb'); // JS `.` excludes \r, RE2 only \n
  agree('^a.b$', 'a\nb');
  agree('^\\s$', '\u00a0'); // RE2 \s is ASCII only
  agree('^(?i)abc$', 'ABC');
  agree('^a{$', 'a{');
  agree('^\\Qa.b\\E$', 'a.b'); // not translatable: runs on RE2
  agree('^[[:alpha:]]+$', 'abc');
  expect(translateRe2('^\\Qa.b\\E$')).toBeUndefined();
});

test('long inputs run on RE2 (linear): no quadratic backtracking on unanchored alternatives', () => {
  // Gateway spec.addresses[].type: `^Hostname|IPAddress|NamedAddress|<domain>/<path>$` is unanchored after the first `|`
  const p = "^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$";
  expect(patterns.has(p)).toBe(true);
  const input = 'a'.repeat(50_000) + '!';
  expect(input.length).toBeGreaterThan(LONG_INPUT);
  // the backtracking RegExp is never consulted for a long input (RE2 is linear by construction;
  // speed itself is not a unit test's business)
  const m = compilePattern(p) as { regexp?: RegExp };
  expect(m.regexp).toBeInstanceOf(RegExp);
  const backtracking = jest.spyOn(m.regexp!, 'test');
  expect(compilePattern(p).test(input)).toBe(false);
  expect(compilePattern(p).test('x'.repeat(2000) + 'IPAddress')).toBe(true);
  expect(backtracking).not.toHaveBeenCalled();
  expect(compilePattern(p).test('IPAddress')).toBe(true);
  expect(backtracking).toHaveBeenCalledTimes(1);
});
