/** The location algebra: nginx locations (exact, prefix, regex) with their candidate actions (see docs/dataplane.md). */
import { appendAll } from '../model/arrays';
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
  const finish = (cands: CandidateIR[]): CandidateIR[] => {
    const i = cands.findIndex((c) => !c.conditions.length);
    return i < 0 ? cands : cands.slice(0, i + 1);
  };
  // entries by path and type (indices keep the precedence order of `entries`): a location looks
  // only at the entries that can match it, not at every entry (linear, not locations × entries)
  const exactAt = new Map<string, number[]>();
  const prefixAt = new Map<string, number[]>();
  const regexEntries: number[] = [];
  entries.forEach((e, i) => {
    if (e.pathType === 'RegularExpression') regexEntries.push(i);
    else {
      const at = e.pathType === 'Exact' ? exactAt : prefixAt;
      const list = at.get(e.path);
      if (list) list.push(i);
      else at.set(e.path, [i]);
    }
  });
  /** Indices of the PathPrefix entries whose prefix `path` lies under (`underPrefix`): `/`, its ancestors, itself. */
  const prefixesOf = (path: string): number[] => {
    const out: number[] = [...(prefixAt.get('/') ?? [])];
    if (path !== '/') {
      for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) appendAll(out, prefixAt.get(path.slice(0, i)) ?? []);
      appendAll(out, prefixAt.get(path) ?? []);
    }
    return out;
  };
  /** The entries of the index lists, each once, in precedence order (usually one or two: no set for those). */
  const inOrder = (...lists: number[][]): MatchEntry[] => {
    let all: number[] = [];
    for (const l of lists) appendAll(all, l);
    if (all.length > 1) all = [...new Set(all)].sort((a, b) => a - b);
    return all.map((i) => entries[i]);
  };
  const out: LocationIR[] = [];
  // sort() without a comparator orders strings by UTF-16 code units, as cmp does (without a call per comparison)
  for (const x of [...exact].sort()) {
    const cands: CandidateIR[] = [];
    for (const e of inOrder(exactAt.get(x) ?? [], prefixesOf(x), regexEntries)) {
      if (e.pathType === 'RegularExpression') cands.push({ action: e.action.id, conditions: [{ kind: 'pathRegex', value: e.path }, ...e.conditions] });
      else cands.push({ action: e.action.id, conditions: e.conditions });
    }
    out.push({ kind: 'exact', path: x, candidates: finish(cands) });
  }
  for (const p of [...prefix].sort()) {
    const base = p === '/' ? '/' : p.slice(0, -1);
    const cands: CandidateIR[] = [];
    for (const e of inOrder(prefixesOf(base))) cands.push({ action: e.action.id, conditions: e.conditions });
    out.push({ kind: 'prefix', path: p, candidates: finish(cands) });
  }
  regexes.forEach((r, ri) => {
    const later = new Set(regexes.slice(ri + 1));
    const cands: CandidateIR[] = [];
    for (const e of entries) {
      if (e.pathType === 'RegularExpression' && e.path === r) cands.push({ action: e.action.id, conditions: e.conditions });
      else if (e.pathType === 'RegularExpression' && later.has(e.path)) cands.push({ action: e.action.id, conditions: [{ kind: 'pathRegex', value: e.path }, ...e.conditions] });
      else if (e.pathType === 'PathPrefix') cands.push({ action: e.action.id, conditions: e.path === '/' ? e.conditions : [{ kind: 'pathPrefix', value: e.path }, ...e.conditions] });
    }
    out.push({ kind: 'regex', path: r, candidates: finish(cands) });
  });
  return out;
}
