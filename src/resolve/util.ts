/**
 * Small pure helpers shared by the resolver stages: tolerant readers for untyped manifest data,
 * ordering, hostname algebra and label selectors.
 */

/** An untyped JSON object. */
export type Json = Record<string, unknown>;

/** `v` as an object, or `{}` when it is not one. */
export function rec(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** `v` as an array, or `[]` when it is not one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `v` as a string, or `undefined`. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `v` as a number (integers written as strings are accepted), or `undefined`. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Byte-wise string comparison (locale independent, so output is stable everywhere). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares tuples of strings/numbers element by element. */
export function cmpTuple(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return cmp(String(x), String(y));
  }
  return a.length - b.length;
}

/** {@link cmpTuple} of two different elements (which decide the comparison, even as 0). */
function cmpDifferent(x: string | number, y: string | number): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return cmp(String(x), String(y));
}

/**
 * `cmpTuple([a1, a2], [b1, b2])` without building the tuples: sort comparators over every object
 * of a large input allocated two arrays per comparison.
 */
export function cmpTuple2(a1: string | number, a2: string | number, b1: string | number, b2: string | number): number {
  if (a1 !== b1) return cmpDifferent(a1, b1);
  return a2 !== b2 ? cmpDifferent(a2, b2) : 0;
}

/** `cmpTuple([a1, a2, a3], [b1, b2, b3])` without building the tuples (see {@link cmpTuple2}). */
export function cmpTuple3(a1: string | number, a2: string | number, a3: string | number, b1: string | number, b2: string | number, b3: string | number): number {
  if (a1 !== b1) return cmpDifferent(a1, b1);
  if (a2 !== b2) return cmpDifferent(a2, b2);
  return a3 !== b3 ? cmpDifferent(a3, b3) : 0;
}

/** `ns/name` key. */
/**
 * `splitApiVersion(apiVersion).group === group`, without the split (no object and no strings for
 * the checks that run over every input object).
 */
export function inGroup(apiVersion: string, group: string): boolean {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? group === '' : i === group.length && apiVersion.startsWith(group);
}

/** `splitApiVersion(apiVersion).group.startsWith(prefix)`, without the split. */
export function groupStartsWith(apiVersion: string, prefix: string): boolean {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? prefix === '' : i >= prefix.length && apiVersion.startsWith(prefix);
}

export function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Unique sorted list. */
export function uniqSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(cmp);
}

/** `a, b, c` or a placeholder when empty. */
export function list(values: readonly string[], none = '(none)'): string {
  return values.length ? values.join(', ') : none;
}

// ---------------------------------------------------------------------------------------------
// Hostnames

/** Whether `hostname` is a wildcard (`*.example.com`). */
export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/**
 * Whether the wildcard `pattern` (`*.example.com`) matches `hostname`. The wildcard stands for one
 * or more labels, so `*.example.com` matches `a.example.com` and `a.b.example.com`, never `example.com`.
 * A wildcard `hostname` matches when its suffix lies inside the pattern's (`*.a.example.com`).
 */
function wildcardCovers(pattern: string, hostname: string): boolean {
  const suffix = pattern.slice(1); // `.example.com`
  const h = isWildcard(hostname) ? hostname.slice(1) : hostname;
  return h.length > suffix.length && h.toLowerCase().endsWith(suffix.toLowerCase());
}

/**
 * The hostname two hostnames have in common (the more specific of the two), or `undefined` when
 * they do not intersect. Hostnames compare case-insensitively.
 */
export function intersectHostname(a: string, b: string): string | undefined {
  if (a.toLowerCase() === b.toLowerCase()) return b;
  if (isWildcard(a) && wildcardCovers(a, b)) return b;
  if (isWildcard(b) && wildcardCovers(b, a)) return a;
  return undefined;
}

/**
 * Effective hostnames of a route on a listener: the intersection of the listener hostname (absent
 * = any) with the route's `spec.hostnames` (empty = any). `[]` means "every hostname"; `undefined`
 * means no intersection (the route cannot attach to that listener).
 */
export function effectiveHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] | undefined {
  if (!routeHostnames.length) return listenerHostname ? [listenerHostname] : [];
  if (!listenerHostname) return uniqSorted(routeHostnames);
  const out: string[] = [];
  for (const h of routeHostnames) {
    const i = intersectHostname(listenerHostname, h);
    if (i !== undefined) out.push(i);
  }
  return out.length ? uniqSorted(out) : undefined;
}

/**
 * Gateway API tie-break precedence: the oldest object (creationTimestamp) first, objects without a
 * timestamp after those with one, then namespace/name.
 */
export function oldestFirst(a: { readonly creationTimestamp?: string; readonly namespace: string; readonly name: string }, b: { readonly creationTimestamp?: string; readonly namespace: string; readonly name: string }): number {
  const ta = a.creationTimestamp ?? '';
  const tb = b.creationTimestamp ?? '';
  if (ta !== tb) {
    if (!ta) return 1;
    if (!tb) return -1;
    return ta < tb ? -1 : 1;
  }
  return cmpTuple2(a.namespace, a.name, b.namespace, b.name);
}

// ---------------------------------------------------------------------------------------------
// Label selectors

/** Evaluates a `metav1.LabelSelector` against a label set. An empty selector matches everything. */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = rec(selector);
  for (const [k, v] of Object.entries(rec(s.matchLabels))) {
    if (labels[k] !== v) return false;
  }
  for (const e of arr(s.matchExpressions)) {
    const x = rec(e);
    const k = str(x.key) ?? '';
    const values = arr(x.values).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, k);
    switch (str(x.operator)) {
      case 'In':
        if (!has || !values.includes(labels[k])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[k])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Human form of a label selector, e.g. `env=prod, tier in (a,b)`. */
export function describeSelector(selector: unknown): string {
  const s = rec(selector);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec(s.matchLabels)).sort(([a], [b]) => cmp(a, b))) parts.push(`${k}=${String(v)}`);
  for (const e of arr(s.matchExpressions)) {
    const x = rec(e);
    const op = str(x.operator) ?? '?';
    const vals = arr(x.values).map(String).join(',');
    parts.push(op === 'Exists' ? `${String(x.key)}` : op === 'DoesNotExist' ? `!${String(x.key)}` : `${String(x.key)} ${op.toLowerCase()} (${vals})`);
  }
  return parts.length ? parts.join(', ') : '(everything)';
}

/** Decodes a Secret `data` value (base64) or passes a `stringData` value through. */
export function decodeSecretValue(v: unknown, base64: boolean): string | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!base64) return s;
  try {
    return Buffer.from(s, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

/** Levenshtein edit distance (small strings only). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `target` when it is plausibly a typo of it (for "did you mean"). */
export function closest(target: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of [...candidates].sort(cmp)) {
    const d = editDistance(target.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD > 0 && bestD <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined;
}

/** Sorted, de-duplicated list for messages, shortened after `max` entries. */
export function names(values: Iterable<string>, max = 12): string {
  const all = uniqSorted(values);
  if (!all.length) return '(none)';
  return all.length > max ? `${all.slice(0, max).join(', ')}, … (${all.length - max} more)` : all.join(', ');
}
