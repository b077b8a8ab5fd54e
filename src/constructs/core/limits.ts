import { schemaLimit } from '../../validate/limits';

/** The limits read so far, per kind and path (as many as the constructs' checks name: a fixed set). */
const limits = new Map<string, Map<string, number>>();

/**
 * The limit (`maxItems` / `maxLength`) of a Gateway API v1 field in the bundled CRD schema, e.g.
 * `gwLimit('HTTPRoute', 'spec.rules[].matches')` → 64: the constructs' early checks use the numbers
 * the API server enforces. Every route reads several per construct: they are looked up per kind
 * and path, without building `schemaLimit`'s key each time. @internal
 */
export function gwLimit(kind: string, path: string): number {
  let byPath = limits.get(kind);
  if (!byPath) limits.set(kind, (byPath = new Map()));
  let n = byPath.get(path);
  if (n === undefined) {
    n = schemaLimit(`gateway.networking.k8s.io/v1/${kind}`, path);
    byPath.set(path, n);
  }
  return n;
}
