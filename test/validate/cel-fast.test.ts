/**
 * The plain-JS pass checks of src/validate/cel-fast.ts: each may answer "passes" only where CEL
 * evaluates the rule to true (random values of the shapes the rules read, and junk), each rule text
 * of the table is a rule of the bundled schemas (a schema update that changes one is noticed), and
 * the usual values of a route take the shortcut.
 */
import * as fc from 'fast-check';
import { BUNDLE_IDS, loadBundle, schemaEntry } from '../../src/validate/bundles';
import { evaluateRule, toCel } from '../../src/validate/cel';
import { FAST_PASSES } from '../../src/validate/cel-fast';
import { CompiledRule, SchemaNode } from '../../src/validate/schema-types';

/** Every (node, rule) of the bundled schemas whose rule text the table holds. */
function tableRules(): { where: string; node: SchemaNode; rule: CompiledRule }[] {
  const out: { where: string; node: SchemaNode; rule: CompiledRule }[] = [];
  const walk = (n: SchemaNode | undefined, where: string): void => {
    if (!n) return;
    for (const r of n.rules ?? []) if (FAST_PASSES.has(r.rule)) out.push({ where, node: n, rule: r });
    for (const [k, c] of n.properties ?? []) walk(c, `${where}.${k}`);
    walk(n.items, `${where}[]`);
    for (const s of [...(n.allOf ?? []), ...(n.anyOf ?? []), ...(n.oneOf ?? [])]) walk(s, where);
  };
  for (const b of BUNDLE_IDS) for (const key of Object.keys(loadBundle(b).schemas)) walk(schemaEntry(b, key)!.root, `${b} ${key} `);
  return out;
}

const RULES = tableRules();

const pathString = fc.string({ unit: fc.constantFrom('/', '.', '%', '2', 'f', 'F', '#', 'a', '-', ' ', 'é', '\n'), maxLength: 8 });
const pathMatch = fc.record({ type: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression', 'Other'), value: fc.oneof(pathString, fc.constant(undefined), fc.constant(null)) }, { requiredKeys: [] });
const modifier = fc.record({ path: fc.record({ type: fc.constantFrom('ReplacePrefixMatch', 'ReplaceFullPath'), replacePrefixMatch: fc.constant('/x') }, { requiredKeys: [] }) }, { requiredKeys: [] });
const filter = fc.oneof(fc.record({ type: fc.constant('RequestRedirect'), requestRedirect: modifier }, { requiredKeys: [] }), fc.record({ type: fc.constant('URLRewrite'), urlRewrite: modifier }, { requiredKeys: [] }), fc.record({ type: fc.constant('RequestHeaderModifier') }), fc.constant(null));
const backendRef = fc.record(
  {
    group: fc.constantFrom('', 'example.com'),
    kind: fc.constantFrom('Service', 'Other'),
    name: fc.constant('svc'),
    port: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constant(null)),
    filters: fc.oneof(fc.array(filter, { maxLength: 3 }), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const rule = fc.record(
  {
    matches: fc.oneof(fc.array(fc.record({ path: pathMatch }, { requiredKeys: [] }), { maxLength: 12 }), fc.constant(null)),
    filters: fc.oneof(fc.array(filter, { maxLength: 3 }), fc.constant(null), fc.constant('x')),
    backendRefs: fc.oneof(fc.array(fc.oneof(backendRef, fc.constant(null)), { maxLength: 3 }), fc.constant(null), fc.constant(3)),
  },
  { requiredKeys: [] },
);
const parentRef = fc.record(
  {
    group: fc.constantFrom('gateway.networking.k8s.io', 'example.com'),
    kind: fc.constantFrom('Gateway', 'ListenerSet'),
    name: fc.constantFrom('a', 'b'),
    namespace: fc.constantFrom('', 'ns', 'other', null),
    sectionName: fc.constantFrom('', 's', 't', null),
    port: fc.constantFrom(80, 443),
  },
  { requiredKeys: [] },
);
const value = fc.oneof(
  pathMatch,
  backendRef,
  rule,
  fc.array(fc.oneof(rule, fc.constant(null)), { maxLength: 20 }),
  fc.array(parentRef, { maxLength: 4 }),
  fc.array(parentRef, { maxLength: 2 }),
  fc.anything({ maxDepth: 2 }),
);

/** Whether CEL evaluates the rule to true on the value as validation hands it over. */
function celPasses(node: SchemaNode, r: CompiledRule, v: unknown): boolean {
  let self;
  try {
    self = toCel(node, v, new Map());
  } catch {
    return false;
  }
  return evaluateRule(r, self).ok;
}

describe('plain-JS pass checks of CEL rules', () => {
  test('every rule text of the table is a rule of the bundled schemas, on nodes the check applies to', () => {
    const texts = new Set(RULES.map((x) => x.rule.rule));
    expect([...FAST_PASSES.keys()].filter((t) => !texts.has(t))).toEqual([]);
    const httpRoute = RULES.filter((x) => x.where.startsWith('gateway-api-standard gateway.networking.k8s.io/v1/HTTPRoute'));
    for (const x of httpRoute) expect(FAST_PASSES.get(x.rule.rule)!.applies(x.node)).toBe(true);
  });

  test.each(RULES.filter((x, i) => RULES.findIndex((y) => y.rule.rule === x.rule.rule) === i).map((x) => [x.where, x] as const))('%s: passes only where CEL passes', (_where, x) => {
    const check = FAST_PASSES.get(x.rule.rule)!;
    let passed = 0;
    fc.assert(
      fc.property(value, (v) => {
        let fast = false;
        try {
          fast = check.pass(v);
        } catch {
          fast = false;
        }
        if (fast) {
          passed++;
          expect(celPasses(x.node, x.rule, v)).toBe(true);
        }
      }),
      { numRuns: 3000, seed: 42 },
    );
    expect(passed).toBeGreaterThan(0);
  });

  test('the values of a usual route take the shortcut', () => {
    const route = { matches: [{ path: { type: 'PathPrefix', value: '/svc1' } }], backendRefs: [{ group: '', kind: 'Service', name: 'svc1', port: 8080, weight: 1 }] };
    const byText = (t: string) => FAST_PASSES.get(t)!;
    for (const x of RULES.filter((y) => y.where.includes('/v1/HTTPRoute'))) {
      const parents = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'gateway' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'gateway', sectionName: 'https' }];
      const v = x.where.endsWith('.spec.parentRefs') ? parents.slice(0, 1) : x.where.endsWith('.spec.rules') ? [route] : x.where.endsWith('.spec.rules[]') ? route : x.where.endsWith('.path') ? route.matches[0].path : x.where.endsWith('backendRefs[]') ? route.backendRefs[0] : undefined;
      if (v === undefined) continue;
      expect(byText(x.rule.rule).pass(v)).toBe(true);
      expect(celPasses(x.node, x.rule, v)).toBe(true);
    }
  });
});
