import { Diagnostic } from '../model';
import { diagnostic } from './conditions';
import { Obj } from './inventory';
import { withDefaultHttpMatches } from './routes';
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

/** `PathDropped` warnings for the HTTPRoutes of the input. */
export function pathDroppedDiagnostics(routes: readonly Obj[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of routes) {
    if (r.kind !== 'HTTPRoute') continue;
    arr(r.spec.rules).forEach((x, ri) => {
      const rule = rec(x);
      const prefixes = withDefaultHttpMatches(arr(rule.matches))
        .map((m) => rec(m.path))
        .filter((p) => str(p.type) === 'PathPrefix')
        .map((p) => str(p.value) ?? '/');
      if (!prefixes.length) return;
      const check = (f: Json, field: string) => {
        const type = str(f.type);
        const cfg = type === 'URLRewrite' ? rec(f.urlRewrite) : type === 'RequestRedirect' ? rec(f.requestRedirect) : undefined;
        if (!cfg) return;
        const path = rec(cfg.path);
        if (str(path.type) !== 'ReplaceFullPath') return;
        const full = str(path.replaceFullPath) ?? '/';
        const prefix = prefixes.find((p) => p !== '/') ?? prefixes[0];
        const shown = [...new Set(prefixes)].map((p) => `"${p}"`).join(', ');
        const effect = type === 'URLRewrite' ? `is sent to the backend as ${full}` : `is redirected to ${full}`;
        out.push(
          diagnostic(
            'warning',
            PATH_DROPPED,
            r.ref,
            `${field}.${type === 'URLRewrite' ? 'urlRewrite' : 'requestRedirect'}.path`,
            `${type} ReplaceFullPath "${full}" on PathPrefix match ${shown} drops the rest of the path: a request for ${sample(prefix)} ${effect}`,
            `use type ReplacePrefixMatch with replacePrefixMatch: "${full}" to keep the rest of the path (${sample(prefix)} → ${prefixReplaced(full)}); keep ReplaceFullPath only if every request under ${prefix} should go to ${full}`,
          ),
        );
      };
      arr(rule.filters).forEach((f, fi) => check(rec(f), `spec.rules[${ri}].filters[${fi}]`));
      arr(rule.backendRefs).forEach((b, bi) => arr(rec(b).filters).forEach((f, fi) => check(rec(f), `spec.rules[${ri}].backendRefs[${bi}].filters[${fi}]`)));
    });
  }
  return out;
}
