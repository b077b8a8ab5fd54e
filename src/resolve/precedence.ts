/**
 * Gateway API precedence and shares, in one place for the data-plane compiler (IR), `explain` and
 * `check`:
 *
 * - match precedence (Gateway API v1.6.1): HTTPRoute — an Exact path, then RegularExpression
 *   (implementation-specific: after Exact, before PathPrefix), then the longest PathPrefix (trailing
 *   slashes ignored), then a method match, then the most header matches, then the most query-param
 *   matches; GRPCRoute — the longest service, then the longest method, then the most header matches;
 *   ties go to the oldest route (`creationTimestamp`; objects without one count as newest), then the
 *   route's namespace/name, then rule and match order;
 * - weight shares of a rule's backends ({@link splitPercentages});
 * - the share of requests a `RequestMirror` copies ({@link mirrorPercent}).
 *
 * Readers are tolerant: the resolved model may carry input that was not schema-checked.
 */
import type { ResolvedGrpcMatch, ResolvedHttpMatch, RequestMirrorFilter } from './matches';
import { arr, cmp, num, oldestFirst, rec, str } from './util';

/** Rank of a path match type (smaller = tried first); unknown types rank with PathPrefix. */
export const PATH_TYPE_RANK: Readonly<Record<string, number>> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

/** Normalises a PathPrefix value: trailing slashes are ignored (element-wise matching). */
export function normalizePrefix(p: string): string {
  const s = p.replace(/\/+$/, '');
  return s === '' ? '/' : s;
}

/** Number of entries of a header / query-param list that count: only the first of each name. */
export function distinctNames(list: unknown, caseInsensitive: boolean): number {
  const seen = new Set<string>();
  for (const x of arr(list)) {
    const name = str(rec(x).name) ?? '';
    seen.add(caseInsensitive ? name.toLowerCase() : name);
  }
  return seen.size;
}

/** The path a match is ranked by: type defaulted to PathPrefix, PathPrefix values normalised. */
export function rankedPath(m: ResolvedHttpMatch | null | undefined): { readonly type: string; readonly value: string } {
  const p = rec(m?.path);
  const type = str(p.type) ?? 'PathPrefix';
  const value = str(p.value) ?? '/';
  return { type, value: type === 'PathPrefix' ? normalizePrefix(value) : value };
}

/** HTTPRoute match specificity as a tuple compared element by element (smaller = tried first). */
export function httpSpecificity(m: ResolvedHttpMatch | null | undefined): number[] {
  const path = rankedPath(m);
  return httpSpecificityOf(path.type, path.value.length, str(m?.method) !== undefined, distinctNames(m?.headers, true), distinctNames(m?.queryParams, false));
}

/**
 * The HTTPRoute specificity tuple from what a reader of the match already has: its path type and
 * the length of its (normalised) path, whether it has a method, its distinct header names (case
 * insensitive) and query parameter names. The one place of the rule ({@link httpSpecificity}, the IR).
 */
export function httpSpecificityOf(pathType: string, pathLength: number, method: boolean, headerNames: number, queryNames: number): [number, number, number, number, number] {
  return [PATH_TYPE_RANK[pathType] ?? PATH_TYPE_RANK.PathPrefix, -pathLength, method ? 0 : 1, -headerNames, -queryNames];
}

/** GRPCRoute match specificity as a tuple compared element by element (smaller = tried first). */
export function grpcSpecificity(m: ResolvedGrpcMatch | null | undefined): number[] {
  const method = rec(m?.method);
  return [-(str(method.service)?.length ?? 0), -(str(method.method)?.length ?? 0), -distinctNames(m?.headers, true)];
}

/** Compares number tuples element by element. */
export function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** A route reference with what route precedence looks at. */
export interface RankedRoute {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly creationTimestamp?: string;
}

/** Route precedence: oldest first (no timestamp = newest), then namespace/name, then kind. */
export function compareRoutes(a: RankedRoute, b: RankedRoute): number {
  return oldestFirst(a, b) || cmp(a.kind, b.kind);
}

/** What the match ordering looks at for one entry (one match of one rule). */
export interface Rankable {
  readonly route: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly creationTimestamp?: string;
  readonly rule: number;
  readonly matchIndex: number;
  /** The match with defaults applied ({@link ResolvedHttpMatch} / {@link ResolvedGrpcMatch}); `null` when there is none. */
  readonly match: Readonly<Record<string, unknown>> | null;
  readonly valid?: boolean;
}

const KIND_ORDER = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

/** The specificity tuple of a match of a route of `kind` (empty for kinds without matches). */
export function matchSpecificity(kind: string, match: Readonly<Record<string, unknown>> | null): number[] {
  if (kind === 'HTTPRoute') return httpSpecificity(match as ResolvedHttpMatch | null);
  if (kind === 'GRPCRoute') return grpcSpecificity(match as ResolvedGrpcMatch | null);
  return [];
}

/**
 * Compares two entries of the same hostname by Gateway API match precedence: the one a request is
 * tried against first sorts first. Dropped rules (`valid: false`) sort last; route kinds in the
 * order HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute.
 */
export function compareMatchPrecedence(a: Rankable, b: Rankable): number {
  const dropped = Number(a.valid === false) - Number(b.valid === false);
  if (dropped) return dropped;
  const kinds = kindRank(a.route.kind) - kindRank(b.route.kind);
  if (kinds) return kinds;
  const spec = compareKeys(matchSpecificity(a.route.kind, a.match), matchSpecificity(b.route.kind, b.match));
  if (spec) return spec;
  const routes = oldestFirst({ ...a.route, creationTimestamp: a.creationTimestamp }, { ...b.route, creationTimestamp: b.creationTimestamp });
  return routes || a.rule - b.rule || a.matchIndex - b.matchIndex;
}

/** Sorts entries by {@link compareMatchPrecedence} and numbers them from 1 (dropped rules get 0); drops `creationTimestamp`. */
export function orderEntries<T extends Rankable>(entries: readonly T[]): (Omit<T, 'creationTimestamp'> & { order: number })[] {
  let n = 0;
  return [...entries].sort(compareMatchPrecedence).map((e) => {
    const { creationTimestamp: _ts, ...rest } = e as T & { creationTimestamp?: string };
    return { order: e.valid === false ? 0 : ++n, ...rest };
  });
}

/**
 * Weights → percentages of the rule's traffic: each share floored to 2 decimals (in integer
 * hundredths, so 57:43 is exactly 57% / 43%), the remainder to the last backend with a non-zero
 * weight, so the shares add up to exactly 100 (all 0 when every weight is 0).
 */
export function splitPercentages(weights: readonly number[]): number[] {
  const w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const total = w.reduce((a, b) => a + b, 0);
  if (total === 0) return w.map(() => 0);
  const hundredths = w.map((x) => Math.floor((x * 10000) / total));
  const last = w.map((x) => x > 0).lastIndexOf(true);
  hundredths[last] += 10000 - hundredths.reduce((a, b) => a + b, 0);
  return hundredths.map((h) => h / 100);
}

/**
 * Percentage of requests a `requestMirror` copies, 0–100 floored to 2 decimals: `percent`, else
 * `fraction` (numerator default 0, denominator default 100; a denominator ≤ 0 copies nothing), else 100.
 */
export function mirrorPercent(mirror: RequestMirrorFilter | Readonly<Record<string, unknown>> | undefined): number {
  const x = rec(mirror);
  let hundredths = 10000;
  const percent = num(x.percent);
  if (percent !== undefined) hundredths = Math.floor(percent * 100);
  else if (x.fraction !== undefined) {
    const f = rec(x.fraction);
    const n = num(f.numerator) ?? 0;
    const d = num(f.denominator) ?? 100;
    hundredths = d > 0 ? Math.floor((n * 10000) / d) : 0;
  }
  return Math.max(0, Math.min(10000, hundredths)) / 100;
}
