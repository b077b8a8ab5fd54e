/** Step 4 of validation: the CEL `x-kubernetes-validations` rules of every node, on the defaulted object. */
import { CelMemo, evaluateRule, toCel } from './cel';
import { appendFieldPath, FieldPath } from './field-path';
import { SchemaNode } from './schema-types';
import { Ctx, isPlainObject, small } from './values';

/**
 * Outcomes of a node's rules for one value (per rule: undefined = passed, else the message).
 * Rules are pure functions of `self`, so outcomes are cached per schema node and value (small values
 * only, keyed by their JSON): objects built by the same code share most sub-objects, and a process
 * that synthesizes an app again (tests, watch mode, the benchmarks) reuses the outcomes of the
 * unchanged objects.
 *
 * A node's cache is bounded by the characters of its keys (MAX_CACHED_CHARS), not by a count of
 * values: 4,096 values per node cleared the cache over and over at 10,000 routes (each route's rules
 * have their own value), so no synth reused anything; 10,000 routes of bench/synth.ts take 2.7 Mi
 * characters in the largest node. The bound is the memory the count allowed at most (4,096 keys of
 * 512 characters) doubled.
 */
interface OutcomeCache {
  readonly values: Map<string, ReadonlyArray<string | undefined>>;
  chars: number;
}
const outcomeCache = new WeakMap<SchemaNode, OutcomeCache>();
const MAX_CACHED_KEY = 512;
const MAX_CACHED_CHARS = 2 * 4096 * MAX_CACHED_KEY;

function ruleFailures(node: SchemaNode, value: unknown, memo: CelMemo, resource: boolean): ReadonlyArray<string | undefined> {
  let key: string | undefined;
  let cache: OutcomeCache | undefined;
  if (!resource) {
    key = typeof value === 'string' ? `s${value}` : JSON.stringify(value);
    if (key.length <= MAX_CACHED_KEY) {
      cache = outcomeCache.get(node);
      const hit = cache?.values.get(key);
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
      cache = { values: new Map(), chars: 0 };
      outcomeCache.set(node, cache);
    } else if (cache.chars + key.length > MAX_CACHED_CHARS) {
      cache.values.clear();
      cache.chars = 0;
    }
    cache.values.set(key, out);
    cache.chars += key.length;
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
      for (const [k, child] of node.properties) {
        if (!child.celBelow || (resource && k === 'metadata')) continue;
        const v = value[k];
        if (v !== undefined && v !== null) celWalk(child, v, path.child(k), ctx, memo, child.embeddedResource);
      }
    } else if (typeof node.additionalProperties === 'object' && node.additionalProperties.celBelow) {
      const ap = node.additionalProperties;
      for (const k in value) celWalk(ap, value[k], path.key(k), ctx, memo, ap.embeddedResource);
    }
  }
}
