import { Diagnostic } from '../model';
import { diagnostic } from './conditions';
import { Obj } from './inventory';
import { arr, Json, rec, str } from './util';

/**
 * Stage "rewrites": a `URLRewrite` or `RequestRedirect` filter with path type `ReplaceFullPath` in an
 * HTTPRoute rule that has `PathPrefix` matches replaces the whole request path, so everything after
 * the prefix is silently dropped (`/api/users/1` → `/v2`). Usually `ReplacePrefixMatch` was meant
 * (`/api/users/1` → `/v2/users/1`). Warning `PathDropped`, one per filter (rule-level and
 * backendRef-level filters).
 */

/** Diagnostic code. */
export const PATH_DROPPED = 'PathDropped';

/** `prefix` + a sample rest of path. */
function sample(prefix: string): string {
  return `${prefix.replace(/\/+$/, '')}/rest/of/path`;
}

/** The path `ReplacePrefixMatch` would produce for the sample request. */
function prefixReplaced(replacement: string): string {
  return `${replacement.replace(/\/+$/, '')}/rest/of/path`;
}

/**
 * The path values of a rule's PathPrefix matches (CRD defaults applied: no match is `PathPrefix /`,
 * a match without path or type is PathPrefix, without value `/`), as `withDefaultHttpMatches` gives
 * them, without copying the matches.
 */
function prefixPaths(matches: unknown[]): string[] {
  if (!matches.length) return ['/'];
  const out: string[] = [];
  for (let i = 0; i < matches.length; i++) {
    if (!(i in matches)) continue; // (as the array methods did: holes skipped)
    const path = rec(rec(matches[i]).path);
    if ((str(path.type) ?? 'PathPrefix') === 'PathPrefix') out.push(str(path.value) ?? '/');
  }
  return out;
}

/** The path config of a filter whose path type is ReplaceFullPath, if it is one. */
function fullPathRewrite(f: Json): { type: string; path: Json } | undefined {
  const type = str(f.type);
  const cfg = type === 'URLRewrite' ? rec(f.urlRewrite) : type === 'RequestRedirect' ? rec(f.requestRedirect) : undefined;
  if (!cfg) return undefined;
  const path = rec(cfg.path);
  return str(path.type) === 'ReplaceFullPath' ? { type: type!, path } : undefined;
}

/**
 * `PathDropped` warnings for the HTTPRoutes of the input. The rule's PathPrefix matches and the
 * filter's field are worked out only for a ReplaceFullPath filter (most rules have none).
 */
export function pathDroppedDiagnostics(routes: readonly Obj[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of routes) {
    if (r.kind !== 'HTTPRoute') continue;
    const rules = arr(r.spec.rules);
    for (let ri = 0; ri < rules.length; ri++) {
      if (!(ri in rules)) continue;
      const rule = rec(rules[ri]);
      let prefixes: string[] | undefined;
      const check = (f: Json, field: () => string) => {
        const hit = fullPathRewrite(f);
        if (!hit) return;
        prefixes ??= prefixPaths(arr(rule.matches));
        if (!prefixes.length) return;
        const { type, path } = hit;
        const full = str(path.replaceFullPath) ?? '/';
        const prefix = prefixes.find((p) => p !== '/') ?? prefixes[0];
        const shown = [...new Set(prefixes)].map((p) => `"${p}"`).join(', ');
        const effect = type === 'URLRewrite' ? `is sent to the backend as ${full}` : `is redirected to ${full}`;
        out.push(
          diagnostic(
            'warning',
            PATH_DROPPED,
            r.ref,
            `${field()}.${type === 'URLRewrite' ? 'urlRewrite' : 'requestRedirect'}.path`,
            `${type} ReplaceFullPath "${full}" on PathPrefix match ${shown} drops the rest of the path: a request for ${sample(prefix)} ${effect}`,
            `use type ReplacePrefixMatch with replacePrefixMatch: "${full}" to keep the rest of the path (${sample(prefix)} → ${prefixReplaced(full)}); keep ReplaceFullPath only if every request under ${prefix} should go to ${full}`,
          ),
        );
      };
      const filters = arr(rule.filters);
      for (let fi = 0; fi < filters.length; fi++) if (fi in filters) check(rec(filters[fi]), () => `spec.rules[${ri}].filters[${fi}]`);
      const backends = arr(rule.backendRefs);
      for (let bi = 0; bi < backends.length; bi++) {
        if (!(bi in backends)) continue;
        const bf = arr(rec(backends[bi]).filters);
        for (let fi = 0; fi < bf.length; fi++) if (fi in bf) check(rec(bf[fi]), () => `spec.rules[${ri}].backendRefs[${bi}].filters[${fi}]`);
      }
    }
  }
  return out;
}
