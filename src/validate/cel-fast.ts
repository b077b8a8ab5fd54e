/**
 * Plain-JS pass checks of the CEL rules every route of a large app evaluates (HTTPRoute's rule
 * list, rules, paths and backendRefs, the route kinds' parentRefs), keyed by the rule's exact text
 * in the bundled schemas (standard channel; other texts are evaluated by CEL). Each
 * answers `true` only when the rule certainly evaluates to `true` on `self` — the defaulted JSON
 * value, which `toCel` hands to CEL as maps of the declared properties present (strings as is:
 * `applies` checks the node declares the properties a check reads, without a `format`). Anything
 * else — a rule that fails, a value of an unusual shape — gives `false`, and the rules are then
 * evaluated by CEL as ever: failures, their messages and evaluation errors always come from CEL.
 *
 * A rule text the table does not hold is evaluated by CEL (a schema update that changes a rule's
 * text only loses the shortcut). test/validate/cel-fast.test.ts checks every entry against CEL.
 */
import { SchemaNode } from './schema-types';
import { isPlainObject } from './values';

/** A rule's pass check and the node shape it needs. */
export interface FastPass {
  /** `self` certainly satisfies the rule (false: undecided, let CEL evaluate it) */
  readonly pass: (self: unknown) => boolean;
  /** whether the check reads `self` the way CEL sees it for values of `node` */
  readonly applies: (node: SchemaNode) => boolean;
}

/** `node` declares `props`, visible to CEL (under their escaped names), strings without a format. */
const declares = (...props: string[]) => (node: SchemaNode): boolean =>
  props.every((p) => node.properties?.get(p) !== undefined && node.celNames?.get(p) !== undefined && node.properties.get(p)!.format === undefined);

/** `node` declares `props`, visible to CEL (checks that read only their presence). */
const declared = (...props: string[]) => (node: SchemaNode): boolean => props.every((p) => node.properties?.get(p) !== undefined && node.celNames?.get(p) !== undefined);

/** `has(x.<k>)` is certainly false: `toCel` leaves undefined properties out. */
const absent = (x: Record<string, unknown>, k: string): boolean => x[k] === undefined;
/** `has(x.<k>)` is certainly true (null, which CEL may see either way, is neither). */
const present = (x: Record<string, unknown>, k: string): boolean => x[k] !== undefined && x[k] !== null;

// --- HTTPRoute spec.rules: at most 128 matches over the first 16 rules -----------------------------

const matchesTotalRule = Array.from({ length: 16 }, (_, i) => `(self.size() > ${i} ? self[${i}].matches.size() : 0)`).join(' + ') + ' <= 128';

function matchesTotal(self: unknown): boolean {
  if (!Array.isArray(self)) return false;
  let total = 0;
  for (let i = 0; i < self.length && i < 16; i++) {
    const r = self[i];
    if (!isPlainObject(r) || !Array.isArray(r.matches)) return false;
    total += r.matches.length;
  }
  return total <= 128;
}

// --- HTTPRoute spec.rules[]: redirects and rewrites ---------------------------------------------

/** Every element of a list is a map without `field` (absent list: vacuously). */
function noneHas(list: unknown, field: string): boolean {
  if (list === undefined) return true;
  if (!Array.isArray(list)) return false;
  for (const f of list) if (!isPlainObject(f) || !absent(f, field)) return false;
  return true;
}

function ruleFilters(field: string) {
  return (self: unknown): boolean =>
    isPlainObject(self) && (absent(self, 'backendRefs') || Array.isArray(self.backendRefs)) && (absent(self, 'filters') || noneHas(self.filters, field));
}

function backendFilters(field: string) {
  return (self: unknown): boolean => {
    if (!isPlainObject(self)) return false;
    if (absent(self, 'backendRefs')) return true;
    const refs = self.backendRefs;
    if (!Array.isArray(refs)) return false;
    for (const b of refs) if (!isPlainObject(b) || (!absent(b, 'filters') && !noneHas(b.filters, field))) return false;
    return true;
  };
}

// --- HTTPRoute spec.rules[].matches[].path ----------------------------------------------------------

const PATH_TYPES = new Set(['Exact', 'PathPrefix']);
const PATH_CHARS = '^(?:[-A-Za-z0-9/._~!$&\'()*+,;=:@]|[%][0-9a-fA-F]{2})+$';
const PATH_CHARS_RE = new RegExp(PATH_CHARS);

/** `(self.type in ['Exact','PathPrefix']) ? <test of self.value> : true` */
function pathValue(test: (value: string) => boolean) {
  return (self: unknown): boolean => {
    if (!isPlainObject(self) || typeof self.type !== 'string') return false;
    if (!PATH_TYPES.has(self.type)) return true;
    return typeof self.value === 'string' && test(self.value);
  };
}

const pathCond = (test: string) => `(self.type in ['Exact','PathPrefix']) ? ${test} : true`;

// --- parentRefs: distinct, and a parent listed with and without a sectionName not mixed ---------------

/** The parentRefs as the rules read them, or undefined when some field is not certainly a string or absent. */
function parentRefsOf(self: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(self)) return undefined;
  for (const p of self) {
    if (!isPlainObject(p) || typeof p.group !== 'string' || typeof p.kind !== 'string' || typeof p.name !== 'string') return undefined;
    if ((!absent(p, 'namespace') && typeof p.namespace !== 'string') || (!absent(p, 'sectionName') && typeof p.sectionName !== 'string')) return undefined;
  }
  return self as Record<string, unknown>[];
}

/** `(!has(x.f) || x.f == '')` */
const unset = (x: Record<string, unknown>, f: string): boolean => x[f] === undefined || x[f] === '';
/** both unset, or both set and equal */
const same = (a: Record<string, unknown>, b: Record<string, unknown>, f: string): boolean =>
  (unset(a, f) && unset(b, f)) || (a[f] !== undefined && b[f] !== undefined && a[f] === b[f]);
const sameParent = (a: Record<string, unknown>, b: Record<string, unknown>): boolean => a.group === b.group && a.kind === b.kind && a.name === b.name && same(a, b, 'namespace');

const PARENT_COND =
  "p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ ))";

function sectionNamesAgree(self: unknown): boolean {
  const refs = parentRefsOf(self);
  if (!refs) return false;
  for (const a of refs) for (const b of refs) if (sameParent(a, b) && unset(a, 'sectionName') !== unset(b, 'sectionName')) return false;
  return true;
}

function parentsDistinct(self: unknown): boolean {
  const refs = parentRefsOf(self);
  if (!refs) return false;
  for (const a of refs) {
    let n = 0;
    for (const b of refs) if (sameParent(a, b) && same(a, b, 'sectionName')) n++;
    if (n !== 1) return false;
  }
  return true;
}

const PARENT_REF = (n: SchemaNode): boolean => n.items !== undefined && declares('group', 'kind', 'name', 'namespace', 'sectionName')(n.items);

// --- the table ----------------------------------------------------------------------------------

const PATH = declares('type', 'value');
const RULE = declared('backendRefs', 'filters', 'matches');

/** The pass checks by rule text. */
export const FAST_PASSES: ReadonlyMap<string, FastPass> = new Map<string, FastPass>([
  [matchesTotalRule, { pass: matchesTotal, applies: (n) => n.items !== undefined && declared('matches')(n.items) }],
  [
    "(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true",
    { pass: ruleFilters('requestRedirect'), applies: RULE },
  ],
  [
    "(has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true",
    { pass: ruleFilters('requestRedirect'), applies: RULE },
  ],
  [
    "(has(self.filters) && self.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true",
    { pass: ruleFilters('urlRewrite'), applies: RULE },
  ],
  [
    "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true",
    { pass: backendFilters('requestRedirect'), applies: RULE },
  ],
  [
    "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true",
    { pass: backendFilters('urlRewrite'), applies: RULE },
  ],
  [pathCond("self.value.startsWith('/')"), { pass: pathValue((v) => v.startsWith('/')), applies: PATH }],
  [pathCond("!self.value.contains('//')"), { pass: pathValue((v) => !v.includes('//')), applies: PATH }],
  [pathCond("!self.value.contains('/./')"), { pass: pathValue((v) => !v.includes('/./')), applies: PATH }],
  [pathCond("!self.value.contains('/../')"), { pass: pathValue((v) => !v.includes('/../')), applies: PATH }],
  [pathCond("!self.value.contains('%2f')"), { pass: pathValue((v) => !v.includes('%2f')), applies: PATH }],
  [pathCond("!self.value.contains('%2F')"), { pass: pathValue((v) => !v.includes('%2F')), applies: PATH }],
  [pathCond("!self.value.contains('#')"), { pass: pathValue((v) => !v.includes('#')), applies: PATH }],
  [pathCond("!self.value.endsWith('/..')"), { pass: pathValue((v) => !v.endsWith('/..')), applies: PATH }],
  [pathCond("!self.value.endsWith('/.')"), { pass: pathValue((v) => !v.endsWith('/.')), applies: PATH }],
  [
    "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
    { pass: (self) => isPlainObject(self) && typeof self.type === 'string' && (PATH_TYPES.has(self.type) || self.type === 'RegularExpression'), applies: PATH },
  ],
  // (ASCII character classes, anchored at both ends: ECMAScript matches exactly the strings RE2 does)
  [pathCond(`self.value.matches(r"""${PATH_CHARS}""")`), { pass: pathValue((v) => PATH_CHARS_RE.test(v)), applies: PATH }],
  [
    `self.all(p1, self.all(p2, ${PARENT_COND} ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))`,
    { pass: sectionNamesAgree, applies: PARENT_REF },
  ],
  [
    `self.all(p1, self.exists_one(p2, ${PARENT_COND} && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))`,
    { pass: parentsDistinct, applies: PARENT_REF },
  ],
  // --- HTTPRoute and GRPCRoute backendRefs[]: a Service backend needs a port
  [
    "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true",
    {
      pass: (self) => isPlainObject(self) && typeof self.group === 'string' && typeof self.kind === 'string' && (!(self.group === '' && self.kind === 'Service') || present(self, 'port')),
      applies: (n) => declares('group', 'kind')(n) && declared('port')(n),
    },
  ],
]);
