/**
 * Route options Gateway API has no field for (`ActionIR.client`, from the route's
 * `cdk8s-gateway.dev/…` annotations): `client_max_body_size`, `client_body_buffer_size` and
 * `allow` / `deny`, applied where each candidate is finally served.
 *
 * Where nginx checks what (nginx 1.22, and later):
 * - a `Content-Length` over `client_max_body_size` is refused (413) when nginx picks the location
 *   from the URI (find-config phase) — never after `error_page … = @named`, which jumps past that
 *   phase. A location whose candidates dispatch to named locations therefore carries the largest
 *   limit of its candidates (0 if one is unlimited), and the named location of a candidate with a
 *   smaller limit tests `$content_length` itself ({@link contentLengthGuard});
 * - a chunked body is counted while it is read, against the location that reads it: the named
 *   (or per-backend) location that proxies, which carries its candidate's limit;
 * - `allow` / `deny` run in the access phase of the location that proxies (a location that only
 *   dispatches returns in the rewrite phase, before it). Redirects, fixed answers and CORS
 *   preflights return in the rewrite phase too: they answer before the source check, as in
 *   ingress-nginx.
 */
import { ActionIR, LocationIR } from '../../ir/types';
import { RenderContext } from './context';
import { ServerState } from './http-state';
import { regex, UnsafeValueError } from './quote';

/** An nginx size: the largest of g (if `giga`), m, k that divides it, else bytes. */
export function nginxSize(bytes: number, giga = true): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`nginxSize: ${bytes} is not a whole number of bytes`);
  if (bytes === 0) return '0';
  for (const [suffix, f] of [...(giga ? ([['g', 2 ** 30]] as const) : []), ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
    if (bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}

/** The body limit that applies to an action: its route's, else the proxy-wide default (0 = none). */
export function effectiveBodyLimit(ctx: RenderContext, a: ActionIR): number {
  return a.client?.maxRequestBodySize ?? ctx.opts.maxRequestBodySize;
}

/** The largest of the limits (0 = none wins). */
function largest(limits: readonly number[]): number {
  return limits.some((l) => l === 0) ? 0 : Math.max(...limits);
}

/**
 * The actions whose named location must test `Content-Length` itself: those with a limit smaller
 * than the largest limit of a location they are candidates of. Computed for the whole server
 * before any named location is rendered (a named location is shared by every location that
 * dispatches to it).
 */
export function guardedActions(ctx: RenderContext, st: ServerState): Set<string> {
  const out = new Set<string>();
  for (const loc of st.server.locations) {
    // a single candidate's limit is its location's largest: nothing to guard
    if (loc.candidates.length < 2) continue;
    const limits = loc.candidates.map((c) => effectiveBodyLimit(ctx, st.actions.get(c.action)!));
    const max = largest(limits);
    loc.candidates.forEach((c, i) => {
      if (limits[i] !== 0 && limits[i] !== max) out.add(c.action);
    });
  }
  return out;
}

/**
 * The `client_max_body_size` of a location whose candidates are dispatched to named locations: the
 * largest of theirs, as a directive when it differs from the http block's.
 */
export function dispatchingLocationLimit(ctx: RenderContext, st: ServerState, loc: LocationIR): string[] {
  const limits = loc.candidates.map((c) => effectiveBodyLimit(ctx, st.actions.get(c.action)!));
  if (!limits.length) return [];
  const max = largest(limits);
  return max === ctx.opts.maxRequestBodySize ? [] : [`client_max_body_size ${nginxSize(max)};`];
}

/** `if ($content_length …) { return 413; }` for a named location whose caller allowed a larger body. */
export function contentLengthGuard(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  const limit = effectiveBodyLimit(ctx, a);
  if (limit === 0 || !st.guarded.has(a.id)) return [];
  return [
    '# Content-Length is checked against client_max_body_size only where the URI picks the location, not after a jump to a named location',
    `if ($content_length ~ ${regex(greaterThan(BigInt(limit)))}) {`,
    '  return 413;',
    '}',
  ];
}

/**
 * A regex matching the decimal numbers (leading zeros allowed, as nginx parses Content-Length)
 * greater than `n`: more digits, or as many with a larger digit after a common prefix.
 */
export function greaterThan(n: bigint): string {
  const d = n.toString();
  const alts = [`[1-9][0-9]{${d.length},}`];
  for (let i = 0; i < d.length; i++) {
    const digit = Number(d[i]);
    if (digit === 9) continue;
    const next = digit + 1 === 9 ? '9' : `[${digit + 1}-9]`;
    const rest = d.length - i - 1;
    alts.push(`${d.slice(0, i)}${next}${rest ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(?:${alts.join('|')})$`;
}

/**
 * The directives of an action's route options in the location that serves it (inline, named, or a
 * per-backend named location): body limit (when not the http block's), body buffer, and the
 * source check (`deny` entries first, then `allow` entries and `deny all` — ingress-nginx's order,
 * so a denied address inside an allowed network is refused). The source check only where the
 * request is proxied (`proxied`): redirects and fixed answers return before the access phase.
 */
export function clientDirectives(ctx: RenderContext, a: ActionIR, proxied: boolean): string[] {
  const out: string[] = [];
  const c = a.client;
  const limit = effectiveBodyLimit(ctx, a);
  if (!Number.isSafeInteger(limit) || limit < 0 || (c?.clientBodyBufferSize !== undefined && (!Number.isSafeInteger(c.clientBodyBufferSize) || c.clientBodyBufferSize < 1))) {
    throw new UnsafeValueError(`body size ${limit} / buffer ${c?.clientBodyBufferSize} is not a whole number of bytes`, String(limit));
  }
  if (limit !== ctx.opts.maxRequestBodySize) out.push(`client_max_body_size ${nginxSize(limit)};`);
  if (!c) return out;
  if (c.clientBodyBufferSize !== undefined) out.push(`client_body_buffer_size ${nginxSize(c.clientBodyBufferSize, false)};`);
  if (proxied) {
    for (const r of c.denySourceRanges ?? []) out.push(`deny ${sourceRange(r)};`);
    if (c.allowSourceRanges?.length) {
      for (const r of c.allowSourceRanges) out.push(`allow ${sourceRange(r)};`);
      out.push('deny all;');
    }
  }
  return out;
}

/** A canonical range (model/proxy-options.ts) as an nginx token: digits, hex, `.`, `:`, `/` only. */
function sourceRange(r: string): string {
  if (!/^[0-9a-f.:]+(\/[0-9]{1,3})?$/.test(r)) throw new UnsafeValueError(`source range ${JSON.stringify(r.slice(0, 60))} is not an address or CIDR`, r);
  return r;
}
