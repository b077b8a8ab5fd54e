/**
 * Hostname ownership: which listener of a port serves a hostname, and which route hostnames cover
 * a server name. Gateway API wildcards (`*.example.com`) stand for one or more labels, exactly
 * like nginx's leading-wildcard `server_name`.
 */

import { isWildcard } from '../resolve/util';

export { isWildcard };

/**
 * Whether hostname `pattern` (exact or wildcard) covers hostname `name` (exact or wildcard): every
 * request Host matching `name` also matches `pattern`.
 */
export function covers(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === n) return true;
  if (!isWildcard(p)) return false;
  const suffix = p.slice(1); // `.example.com`
  const rest = isWildcard(n) ? n.slice(1) : n;
  return rest.length > suffix.length && rest.endsWith(suffix);
}

/**
 * Specificity of a hostname for listener / route precedence: exact beats wildcard, longer beats
 * shorter, absent (any) is least specific. Higher is more specific.
 */
export function specificity(h: string | undefined): [number, number] {
  if (h === undefined) return [0, 0];
  return isWildcard(h) ? [0, h.length] : [h.length, h.length];
}

/** Compares specificities, most specific first. */
export function compareSpecificity(a: [number, number], b: [number, number]): number {
  return b[0] - a[0] || b[1] - a[1];
}

/**
 * The listener owning requests for `name` among `listeners` (same port): the most specific one
 * whose hostname covers it; a listener without hostname owns everything else.
 */
export function ownerOf<L extends { readonly hostname?: string }>(listeners: readonly L[], name: string | undefined): L | undefined {
  let best: L | undefined;
  let bestSpec: [number, number] = [-1, -1];
  for (const l of listeners) {
    if (name === undefined ? l.hostname !== undefined : l.hostname !== undefined && !covers(l.hostname, name)) continue;
    const s = specificity(l.hostname);
    if (compareSpecificity(s, bestSpec) < 0) {
      best = l;
      bestSpec = s;
    }
  }
  return best;
}
