/** The location algebra: nginx locations (exact, prefix, regex) with their candidate actions (see docs/dataplane.md). */
import type { RouteAttachment } from '../resolve/model';
import { cmp } from '../resolve/util';
import { ActionIR, CandidateIR, ConditionIR, LocationIR } from './types';

/** One match of one rule on one server, before location assignment. */
export interface MatchEntry {
  readonly action: ActionIR;
  readonly pathType: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly path: string;
  readonly conditions: ConditionIR[];
  /** Hostname specificity, then match specificity (see {@link precedenceKey}). */
  readonly key: (string | number)[];
  /** Ties: route precedence, then rule index and match index. */
  readonly route: RouteAttachment;
  readonly position: [number, number];
}

/** Entries in the order nginx must try them. */

/** Whether `path` (normalised, exact) lies under prefix `p` element-wise. */
export function underPrefix(path: string, p: string): boolean {
  return p === '/' || path === p || path.startsWith(`${p}/`);
}

/** Sort order of regex locations (nginx evaluates them in config order): longest first. */
function regexOrder(a: string, b: string): number {
  return b.length - a.length || cmp(a, b);
}

/**
 * The location algebra: one location per distinct path, each with the candidates that can answer
 * the requests nginx's location tree sends it (see docs/dataplane.md).
 */
export function buildLocations(entries: readonly MatchEntry[]): LocationIR[] {
  const exact = new Set<string>();
  const prefix = new Set<string>();
  const regex = new Set<string>();
  for (const e of entries) {
    if (e.pathType === 'Exact') exact.add(e.path);
    else if (e.pathType === 'RegularExpression') regex.add(e.path);
    else if (e.path === '/') prefix.add('/');
    else {
      exact.add(e.path);
      prefix.add(`${e.path}/`);
    }
  }
  prefix.add('/');
  const regexes = [...regex].sort(regexOrder);
  // entries by path and type (indices keep the precedence order of `entries`): a location looks
  // only at the entries that can match it, not at every entry (linear, not locations × entries)
  const exactAt = new Map<string, number[]>();
  const prefixAt = new Map<string, number[]>();
  const regexEntries: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.pathType === 'RegularExpression') regexEntries.push(i);
    else {
      const at = e.pathType === 'Exact' ? exactAt : prefixAt;
      const list = at.get(e.path);
      if (list) list.push(i);
      else at.set(e.path, [i]);
    }
  }
  // the indices of the entries a location looks at, gathered into one array reused for every
  // location (read before the next is gathered): no arrays per location
  const gathered: number[] = [];
  const gather = (list: readonly number[] | undefined): void => {
    if (list) for (let i = 0; i < list.length; i++) gathered.push(list[i]);
  };
  /** Gathers the PathPrefix entries whose prefix `path` lies under (`underPrefix`): `/`, its ancestors, itself. */
  const gatherPrefixesOf = (path: string): void => {
    gather(prefixAt.get('/'));
    if (path !== '/') {
      for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) gather(prefixAt.get(path.slice(0, i)));
      gather(prefixAt.get(path));
    }
  };
  /** The gathered indices, each once, in precedence order (usually one or two, in order already). */
  const inOrder = (): readonly number[] => {
    let sorted = true;
    for (let i = 1; i < gathered.length && sorted; i++) sorted = gathered[i - 1] < gathered[i];
    if (sorted) return gathered;
    return [...new Set(gathered)].sort((a, b) => a - b);
  };
  const out: LocationIR[] = [];
  // a location's candidates end with its first unconditional one (nothing after it can answer)
  // sort() without a comparator orders strings by UTF-16 code units, as cmp does (without a call per comparison)
  for (const x of [...exact].sort()) {
    gathered.length = 0;
    gather(exactAt.get(x));
    gatherPrefixesOf(x);
    gather(regexEntries);
    const cands: CandidateIR[] = [];
    for (const i of inOrder()) {
      const e = entries[i];
      const conditions = e.pathType === 'RegularExpression' ? [{ kind: 'pathRegex' as const, value: e.path }, ...e.conditions] : e.conditions;
      cands.push({ action: e.action.id, conditions });
      if (!conditions.length) break;
    }
    out.push({ kind: 'exact', path: x, candidates: cands });
  }
  for (const p of [...prefix].sort()) {
    gathered.length = 0;
    gatherPrefixesOf(p === '/' ? '/' : p.slice(0, -1));
    const cands: CandidateIR[] = [];
    for (const i of inOrder()) {
      const e = entries[i];
      cands.push({ action: e.action.id, conditions: e.conditions });
      if (!e.conditions.length) break;
    }
    out.push({ kind: 'prefix', path: p, candidates: cands });
  }
  regexes.forEach((r, ri) => {
    const later = new Set(regexes.slice(ri + 1));
    const cands: CandidateIR[] = [];
    for (const e of entries) {
      if (e.pathType === 'RegularExpression' && e.path === r) cands.push({ action: e.action.id, conditions: e.conditions });
      else if (e.pathType === 'RegularExpression' && later.has(e.path)) cands.push({ action: e.action.id, conditions: [{ kind: 'pathRegex', value: e.path }, ...e.conditions] });
      else if (e.pathType === 'PathPrefix') cands.push({ action: e.action.id, conditions: e.path === '/' ? e.conditions : [{ kind: 'pathPrefix', value: e.path }, ...e.conditions] });
    }
    const unconditional = cands.findIndex((c) => !c.conditions.length);
    out.push({ kind: 'regex', path: r, candidates: unconditional < 0 ? cands : cands.slice(0, unconditional + 1) });
  });
  return out;
}
