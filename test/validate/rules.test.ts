/**
 * Every CEL rule of every bundled CRD set parses and plans with the validator's environment, and
 * every function the rules call is provided by it (standard library or Kubernetes extensions).
 */
import * as path from 'path';
import { extractBundle, readYamlDocuments } from '../../scripts/schema-extract';
import { BUNDLE_IDS, BundleId, loadBundle } from '../../src/validate/bundles';
import { functionsOf, planExpression, unboundFunctions } from '../../src/validate/cel';
import { CRDS } from '../data/upstream';

interface RuleSite {
  readonly schema: string;
  readonly path: string;
  readonly rule: string;
  readonly messageExpression?: string;
}

function collectRules(node: unknown, where: string, schema: string, out: RuleSite[]): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Record<string, any>;
  for (const r of n['x-kubernetes-validations'] ?? []) out.push({ schema, path: where, rule: r.rule, messageExpression: r.messageExpression });
  for (const [k, v] of Object.entries(n.properties ?? {})) collectRules(v, `${where}.${k}`, schema, out);
  if (typeof n.items === 'object') collectRules(n.items, `${where}[]`, schema, out);
  if (typeof n.additionalProperties === 'object') collectRules(n.additionalProperties, `${where}{}`, schema, out);
  for (const k of ['allOf', 'anyOf', 'oneOf']) for (const s of n[k] ?? []) collectRules(s, where, schema, out);
}

function bundleRules(id: BundleId): RuleSite[] {
  const out: RuleSite[] = [];
  for (const [key, s] of Object.entries(loadBundle(id).schemas)) collectRules(s.schema, '', key, out);
  return out;
}

const OPERATOR = /^[_@!-]/;

/** Distinct rules / occurrences per bundle (served versions, i.e. what the bundles hold). */
const EXPECTED: Record<BundleId, { occurrences: number; distinct: number }> = {
  'gateway-api-standard': { occurrences: 272, distinct: 79 },
  'gateway-api-experimental': { occurrences: 350, distinct: 94 },
  'metallb': { occurrences: 10, distinct: 4 },
  'cert-manager': { occurrences: 2, distinct: 1 },
};

/** Non-operator functions the rules call (macros like all/exists/has are expanded by the parser). */
const EXPECTED_FUNCTIONS: Record<BundleId, string[]> = {
  'gateway-api-standard': ['contains', 'duration', 'endsWith', 'isIP', 'matches', 'size', 'split', 'startsWith', 'substring'],
  'gateway-api-experimental': ['contains', 'duration', 'endsWith', 'format.dns1123Label', 'isIP', 'matches', 'size', 'split', 'startsWith', 'substring', 'validate'],
  'metallb': ['duration', 'getMilliseconds', 'getSeconds', 'size'],
  'cert-manager': [],
};

describe.each(BUNDLE_IDS)('%s', (id) => {
  const sites = bundleRules(id);
  const distinct = [...new Set(sites.map((s) => s.rule))];

  test('rule counts', () => {
    expect({ occurrences: sites.length, distinct: distinct.length }).toEqual(EXPECTED[id]);
  });

  test('every distinct rule compiles', () => {
    const failed = distinct.map((r) => ({ r, error: planExpression(r).error })).filter((x) => x.error !== undefined);
    expect(failed).toEqual([]);
    for (const s of sites) if (s.messageExpression) expect(planExpression(s.messageExpression).error).toBeUndefined();
  });

  test('every function the rules call is provided by the environment', () => {
    const unbound = distinct.flatMap((r) => unboundFunctions(r).map((f) => `${f} in ${r}`));
    expect(unbound).toEqual([]);
    const used = new Set(distinct.flatMap((r) => functionsOf(r)).filter((f) => !OPERATOR.test(f)));
    expect([...used].sort()).toEqual(EXPECTED_FUNCTIONS[id]);
  });
});

test('the standard channel CRDs carry 295 rules (79 distinct) counting the versions that are not served', () => {
  const bundle = extractBundle(readYamlDocuments(path.join(CRDS, 'gateway-api', 'standard')));
  expect(bundle.notServed.length).toBe(5);
  // the bundle keeps served versions only; count the rest straight from the CRDs
  const docs = readYamlDocuments(path.join(CRDS, 'gateway-api', 'standard')) as any[];
  const all: RuleSite[] = [];
  for (const d of docs) {
    if (d.kind !== 'CustomResourceDefinition') continue;
    for (const v of d.spec.versions) collectRules(v.schema.openAPIV3Schema, '', `${d.spec.names.kind}/${v.name}`, all);
  }
  expect(all.length).toBe(295);
  expect(new Set(all.map((s) => s.rule)).size).toBe(79);
});

test('transition rules (oldSelf) are recognised', () => {
  const transition = BUNDLE_IDS.flatMap((id) => bundleRules(id)).filter((s) => planExpression(s.rule).idents.has('oldSelf'));
  expect([...new Set(transition.map((s) => s.rule))]).toEqual(['self == oldSelf']);
});
