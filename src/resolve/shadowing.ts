import { Diagnostic } from '../model';
import { diagnostic } from './conditions';
import { Obj } from './inventory';
import { ResolvedModel } from './model';
import { withDefaultHttpMatches } from './routes';
import { arr, cmp, Json, key, rec, str } from './util';

/**
 * Stage "shadowing": HTTPRoute rules (or single matches) that can never be selected because a match
 * of higher precedence takes every request they would match (`ShadowedRule`, warning).
 *
 * Gateway API orders the matches that fit a request by: Exact path, then the longest PathPrefix,
 * then a method match, then the most header matches, then the most query-parameter matches; ties go
 * to the oldest route (creationTimestamp), then the first by namespace/name, then the first rule of
 * the route in list order. Match A takes every request of match B only when A matches everything B
 * matches (A's conditions are a subset of B's) while ranking at least as high (no fewer conditions
 * of any kind) — with syntactic conditions that means A and B are the same match, after defaults,
 * header names compared case-insensitively and condition order ignored. So the stage reports only:
 *
 * - within one HTTPRoute: a match identical to a match of an earlier, valid rule (the earlier rule
 *   comes first in list order; hostnames and listeners are the same for both);
 * - across HTTPRoutes attached to the same listener: a match identical to a match of another route
 *   that certainly takes precedence (both carry `creationTimestamp`, the other is older, or as old and
 *   first by namespace/name) and serves every hostname this route serves there — on every listener
 *   the route is attached to. Without timestamps the creation order, hence the winner, is unknown,
 *   and nothing is reported.
 *
 * Semantic overlaps (a regular expression that covers an exact value, PathPrefix `/a/` vs `/a`) are not
 * reported: only what is certainly shadowed.
 */

/** Diagnostic code. */
export const SHADOWED_RULE = 'ShadowedRule';

/** A canonical form of an HTTPRoute match (defaults applied): equal keys match the same requests with the same precedence. */
export function matchKey(m: Json): string {
  const path = rec(m.path);
  const seenH = new Set<string>();
  const headers: string[] = [];
  for (const h of arr(m.headers)) {
    const x = rec(h);
    const name = (str(x.name) ?? '').toLowerCase();
    if (seenH.has(name)) continue; // only the first entry of an equivalent name counts
    seenH.add(name);
    headers.push(JSON.stringify([name, str(x.type) ?? 'Exact', str(x.value) ?? '']));
  }
  const seenQ = new Set<string>();
  const query: string[] = [];
  for (const q of arr(m.queryParams)) {
    const x = rec(q);
    const name = str(x.name) ?? '';
    if (seenQ.has(name)) continue;
    seenQ.add(name);
    query.push(JSON.stringify([name, str(x.type) ?? 'Exact', str(x.value) ?? '']));
  }
  return JSON.stringify([str(path.type) ?? 'PathPrefix', str(path.value) ?? '/', str(m.method) ?? '', headers.sort(cmp), query.sort(cmp)]);
}

/** Human form of a match: `PathPrefix /api, method GET, header x-env=canary, query v=2`. */
export function describeMatch(m: Json): string {
  const path = rec(m.path);
  const parts = [`${str(path.type) ?? 'PathPrefix'} ${str(path.value) ?? '/'}`];
  if (str(m.method)) parts.push(`method ${str(m.method)}`);
  for (const h of arr(m.headers)) {
    const x = rec(h);
    parts.push(`header ${str(x.name) ?? ''}${str(x.type) === 'RegularExpression' ? '~' : '='}${str(x.value) ?? ''}`);
  }
  for (const q of arr(m.queryParams)) {
    const x = rec(q);
    parts.push(`query ${str(x.name) ?? ''}${str(x.type) === 'RegularExpression' ? '~' : '='}${str(x.value) ?? ''}`);
  }
  return parts.join(', ');
}

/** Whether a rule is dropped by the data plane (RequestRedirect together with URLRewrite). */
function ruleInvalid(rule: Json): boolean {
  const types = arr(rule.filters).map((f) => str(rec(f).type));
  return types.includes('RequestRedirect') && types.includes('URLRewrite');
}

function ruleName(rule: Json, index: number): string {
  const name = str(rule.name);
  return name ? `rule ${index} ("${name}")` : `rule ${index}`;
}

interface Shadow {
  /** Who takes the requests, e.g. `rule 0` or `rule 1 of HTTPRoute apps/older`. */
  readonly by: string;
  /** Why it takes precedence. */
  readonly why: string;
  readonly fix: string;
}

interface RouteInfo {
  readonly obj: Obj;
  readonly rules: { raw: Json; valid: boolean; matches: Json[]; keys: string[] }[];
}

/** Whether a route's precedence can be certain: its creationTimestamp is known and parses. */
function stamped(r: { creationTimestamp?: string }): boolean {
  return !!r.creationTimestamp && !Number.isNaN(Date.parse(r.creationTimestamp));
}

/** Precedence between routes when it is certain: both timestamps known. */
function certainlyBefore(a: { namespace: string; name: string; creationTimestamp?: string }, b: { namespace: string; name: string; creationTimestamp?: string }): boolean {
  if (!stamped(a) || !stamped(b)) return false;
  const ta = Date.parse(a.creationTimestamp!);
  const tb = Date.parse(b.creationTimestamp!);
  if (ta !== tb) return ta < tb;
  return cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`) < 0;
}

/** Effective hostnames as a set; `[]` (every hostname) is its own element. */
function hostSet(hostnames: readonly string[]): Set<string> {
  return new Set(hostnames.length ? hostnames.map((h) => h.toLowerCase()) : ['\u0000any']);
}

/** A route's rules with their matches (defaults applied) and the matches' keys. */
function routeInfo(r: Obj): RouteInfo {
  const rules = arr(r.spec.rules).map((x) => {
    const raw = rec(x);
    const matches = withDefaultHttpMatches(arr(raw.matches));
    return { raw, valid: !ruleInvalid(raw), matches, keys: matches.map(matchKey) };
  });
  return { obj: r, rules };
}

/**
 * `ShadowedRule` warnings for the HTTPRoutes of the input (`routes`, the inventory's: one per
 * namespace/name), using the attachments of `model`.
 *
 * A route can lose a match to another route only when both have a creationTimestamp
 * (`certainlyBefore`): only those routes' matches are held for the comparison across routes; the
 * others are read one route at a time (a large input's matches are never all held at once).
 */
export function shadowedRuleDiagnostics(routes: readonly Obj[], model: ResolvedModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  const infos = new Map<string, RouteInfo>(); // the routes with a timestamp
  for (const r of routes) {
    if (r.kind === 'HTTPRoute' && stamped(r)) infos.set(key(r.namespace, r.name), routeInfo(r));
  }

  // across routes, per listener: which matches lose to another route there (only routes with a
  // timestamp can win or lose: `certainlyBefore`)
  const attachedListeners = new Map<string, number>();
  const acrossShadowed = new Map<string, { count: number; shadow: Shadow }>(); // `ns/name|ri|mj`
  for (const gw of infos.size ? model.gateways : []) {
    for (const l of gw.listeners) {
      const http = l.routes.filter((a) => a.kind === 'HTTPRoute' && stamped(a) && infos.has(key(a.namespace, a.name)));
      for (const a of http) attachedListeners.set(key(a.namespace, a.name), (attachedListeners.get(key(a.namespace, a.name)) ?? 0) + 1);
      if (http.length < 2) continue;
      const byKey = new Map<string, { route: (typeof http)[number]; ri: number; hosts: Set<string> }[]>();
      for (const a of http) {
        const info = infos.get(key(a.namespace, a.name))!;
        const hosts = hostSet(a.hostnames);
        info.rules.forEach((rule, ri) => {
          if (!rule.valid) return;
          for (const k of new Set(rule.keys)) {
            const list = byKey.get(k) ?? [];
            list.push({ route: a, ri, hosts });
            byKey.set(k, list);
          }
        });
      }
      const where = `listener ${l.name} of Gateway ${gw.namespace}/${gw.name}`;
      for (const a of http) {
        const info = infos.get(key(a.namespace, a.name))!;
        const hosts = hostSet(a.hostnames);
        info.rules.forEach((rule, ri) => {
          rule.keys.forEach((k, mj) => {
            const winner = (byKey.get(k) ?? []).find(
              (e) => e.route !== a && certainlyBefore(e.route, a) && [...hosts].every((h) => e.hosts.has(h)),
            );
            if (!winner) return;
            const id = `${key(a.namespace, a.name)}|${ri}|${mj}`;
            const prev = acrossShadowed.get(id);
            const older = winner.route.creationTimestamp !== a.creationTimestamp ? `created earlier, ${winner.route.creationTimestamp}` : `as old, and first by namespace/name`;
            acrossShadowed.set(id, {
              count: (prev?.count ?? 0) + 1,
              shadow: prev?.shadow ?? {
                by: `rule ${winner.ri} of HTTPRoute ${winner.route.namespace}/${winner.route.name}`,
                why: `has the identical match for the same hostnames on ${where} and takes precedence (${older})`,
                fix: `remove the duplicate match, or make it more specific (a method, header or query-parameter condition), or give HTTPRoute ${a.namespace}/${a.name} hostnames of its own`,
              },
            });
          });
        });
      }
    }
  }

  for (const r of routes) {
    if (r.kind !== 'HTTPRoute') continue;
    const id = key(r.namespace, r.name);
    const held = infos.get(id);
    // a route without a timestamp loses no match to another route; with one rule, none to itself
    if (!held && arr(r.spec.rules).length < 2) continue;
    const info = held ?? routeInfo(r);
    const firstValid = new Map<string, number>(); // match key → first valid rule index
    info.rules.forEach((rule, ri) => {
      const shadows: (Shadow | undefined)[] = rule.keys.map((k, mj) => {
        const first = firstValid.get(k);
        if (first !== undefined && first < ri) {
          return {
            by: ruleName(info.rules[first].raw, first),
            why: 'has the identical match and comes first in the route',
            fix: `remove ${ruleName(rule.raw, ri)} (or the match) or merge it into ${ruleName(info.rules[first].raw, first)}; to send part of the traffic here, make the match more specific (a method, header or query-parameter condition ranks higher)`,
          };
        }
        const across = acrossShadowed.get(`${id}|${ri}|${mj}`);
        return across && across.count === attachedListeners.get(id) ? across.shadow : undefined;
      });
      if (rule.valid) rule.keys.forEach((k) => firstValid.has(k) || firstValid.set(k, ri));
      if (!rule.valid) return; // already reported (IncompatibleFilters) and dropped
      const name = ruleName(rule.raw, ri);
      const explicit = arr(rule.raw.matches).length > 0;
      if (shadows.length && shadows.every((s) => s !== undefined)) {
        const all = shadows as Shadow[];
        const what = explicit ? `(${rule.matches.map(describeMatch).join(' | ')})` : '(no matches: every request)';
        const same = all.every((x) => x.by === all[0].by && x.why === all[0].why);
        const because = same
          ? `${all[0].by} ${all[0].why}, so it takes every request ${name} would match`
          : `each of its matches is taken by an identical match of higher precedence (${all.map((x, mj) => `match ${mj}: ${x.by}, which ${x.why}`).join('; ')})`;
        out.push(diagnostic('warning', SHADOWED_RULE, r.ref, `spec.rules[${ri}]`, `${name} ${what} can never be selected: ${because}`, all[0].fix));
        return;
      }
      shadows.forEach((s, mj) => {
        if (!s) return;
        out.push(
          diagnostic(
            'warning',
            SHADOWED_RULE,
            r.ref,
            `spec.rules[${ri}].matches[${mj}]`,
            `match ${mj} of ${name} (${describeMatch(rule.matches[mj])}) can never be selected: ${s.by} ${s.why}`,
            s.fix,
          ),
        );
      });
    });
  }
  return out;
}
