import { schemaLimit } from '../../validate/limits';

/**
 * The limit (`maxItems` / `maxLength`) of a Gateway API v1 field in the bundled CRD schema, e.g.
 * `gwLimit('HTTPRoute', 'spec.rules[].matches')` → 64: the constructs' early checks use the numbers
 * the API server enforces. @internal
 */
export function gwLimit(kind: string, path: string): number {
  return schemaLimit(`gateway.networking.k8s.io/v1/${kind}`, path);
}
