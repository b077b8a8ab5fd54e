/** Step 4 of validation: the CEL `x-kubernetes-validations` rules of every node, on the defaulted object. */
import { CelMemo, evaluateRule, toCel } from './cel';
import { FAST_PASSES, FastPass } from './cel-fast';
import { appendFieldPath, FieldPath } from './field-path';
import { SchemaNode } from './schema-types';
import { Ctx, isPlainObject, small } from './values';

/**
 * Outcomes of a node's rules for one value (per rule: undefined = passed, else the message).
 * Rules are pure functions of `self`, so outcomes are cached per schema node and value (small values
 * only, keyed by their JSON): objects built by the same code share most sub-objects.
 */
const outcomeCache = new WeakMap<SchemaNode, Map<string, ReadonlyArray<string | undefined>>>();
const MAX_CACHED_KEY = 512;
const MAX_CACHED_VALUES = 4096;

/**
 * Per schema node with rules: the plain-JS pass checks of all its rules (see cel-fast.ts) and the
 * outcome "all passed", or null when some rule has none (its rules are always evaluated by CEL).
 * Computed once per compiled node.
 */
const fastPassesOf = new WeakMap<SchemaNode, { readonly checks: ReadonlyArray<FastPass | undefined>; readonly passed: ReadonlyArray<undefined> } | null>();

function fastPasses(node: SchemaNode): { readonly checks: ReadonlyArray<FastPass | undefined>; readonly passed: ReadonlyArray<undefined> } | null {
  let f = fastPassesOf.get(node);
  if (f === undefined) {
    const rules = node.rules!;
    const checks = rules.map((r) => (r.transition ? undefined : FAST_PASSES.get(r.rule)));
    const usable = rules.every((r, i) => r.transition || (checks[i] !== undefined && checks[i]!.applies(node)));
    f = usable ? { checks, passed: Object.freeze(rules.map(() => undefined)) } : null;
    fastPassesOf.set(node, f);
  }
  return f;
}

/** Whether every rule of `node` certainly holds for `value` by its plain-JS check (never throws). */
function allPassFast(checks: ReadonlyArray<FastPass | undefined>, value: unknown): boolean {
  try {
    for (const c of checks) if (c !== undefined && c.pass(value) !== true) return false;
    return true;
  } catch {
    return false;
  }
}

function ruleFailures(node: SchemaNode, value: unknown, memo: CelMemo, resource: boolean): ReadonlyArray<string | undefined> {
  if (!resource) {
    // the common shapes of the rules every route evaluates pass without CEL (nor a cache key)
    const fast = fastPasses(node);
    if (fast && allPassFast(fast.checks, value)) return fast.passed;
  }
  let key: string | undefined;
  let cache: Map<string, ReadonlyArray<string | undefined>> | undefined;
  if (!resource) {
    key = typeof value === 'string' ? `s${value}` : JSON.stringify(value);
    if (key.length <= MAX_CACHED_KEY) {
      cache = outcomeCache.get(node);
      const hit = cache?.get(key);
      if (hit) return hit;
    }
  }
  const self = toCel(node, value, memo, resource);
  const out = node.rules!.map((r) => {
    if (r.transition) return undefined; // needs oldSelf: creation has no old object
    const outcome = evaluateRule(r, self);
    return outcome.ok ? undefined : outcome.message;
  });
  if (key !== undefined && key.length <= MAX_CACHED_KEY) {
    if (!cache) {
      cache = new Map();
      outcomeCache.set(node, cache);
    } else if (cache.size >= MAX_CACHED_VALUES) {
      cache.clear();
    }
    cache.set(key, out);
  }
  return out;
}

export function celWalk(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx, memo: CelMemo, resource: boolean): void {
  if (!node.celBelow || value === null || value === undefined) return;
  if (node.rules) {
    const failures = ruleFailures(node, value, memo, resource);
    for (let i = 0; i < failures.length; i++) {
      const message = failures[i];
      if (message === undefined) continue;
      const r = node.rules[i];
      const field = r.fieldPath ? appendFieldPath(path, r.fieldPath) : path;
      ctx.out.push({
        field: field.toString(),
        type: 'cel',
        message,
        rule: r.rule,
        value: small(value),
        ...(r.reason !== undefined && r.reason !== 'FieldValueInvalid' ? { reason: r.reason } : {}),
      });
    }
  }
  if (Array.isArray(value)) {
    const items = node.items;
    if (items && items.celBelow) for (let i = 0; i < value.length; i++) celWalk(items, value[i], path.index(i), ctx, memo, items.embeddedResource);
  } else if (isPlainObject(value)) {
    if (node.properties) {
      const names = node.celPropertyNames!;
      const nodes = node.celPropertyNodes!;
      for (let i = 0; i < names.length; i++) {
        const k = names[i];
        if (resource && k === 'metadata') continue;
        const v = value[k];
        if (v !== undefined && v !== null) celWalk(nodes[i], v, path.child(k), ctx, memo, nodes[i].embeddedResource);
      }
    } else if (typeof node.additionalProperties === 'object' && node.additionalProperties.celBelow) {
      const ap = node.additionalProperties;
      for (const k in value) celWalk(ap, value[k], path.key(k), ctx, memo, ap.embeddedResource);
    }
  }
}
