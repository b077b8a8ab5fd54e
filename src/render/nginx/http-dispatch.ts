/**
 * Locations of one server and the `map` dispatch choosing among the candidates (method, header,
 * query and path conditions) of a location.
 */
import { CandidateIR, ConditionIR, HttpPortIR, HttpServerIR, LocationIR } from '../../ir/types';
import { block, indentBody, RenderContext } from './context';
import { actionBody } from './http-actions';
import { contentLengthGuard, dispatchingLocationLimit, guardedActions } from './http-client';
import { ServerState } from './http-state';
import { checkPcre } from './pcre';
import { complex, escapeRegexLiteral, headerVariable, identifier, literal, MAX_TOKEN, pathValue, regex, UnsafeValueError } from './quote';
import { appendAll } from '../../model/arrays';

/** The locations of a server, appended to `out` (its lines so far are not read). */
export function renderLocations(ctx: RenderContext, port: HttpPortIR, s: HttpServerIR, out: string[] = []): string[] {
  const st: ServerState = {
    port,
    server: s,
    actions: new Map(),
    named: new Map(),
    namedTaken: new Set(),
    namedBodies: [],
    ifLocations: new Map(),
    internal: [],
    reserved: new Set(),
    rendered: new Map(),
    guarded: new Set(),
    inline: { unconditional: new Map(), conditional: new Map() },
  };
  for (const a of s.actions) st.actions.set(a.id, a);
  for (const l of s.locations) if (l.kind === 'exact') st.reserved.add(l.path);
  st.guarded = guardedActions(ctx, st);
  // rendered in IR order (named location names depend on it), written in nginx's order: the
  // literal (exact, prefix) locations sorted, then the regex ones in IR order
  const literalLocations: { key: string; exact: boolean; lines: LocationLines }[] = [];
  const regexLocations: LocationLines[] = [];
  for (const loc of s.locations) {
    const lines = renderLocation(ctx, st, loc);
    if (loc.kind === 'regex') regexLocations.push(lines);
    else literalLocations.push({ key: nginxKey(loc.path), exact: loc.kind === 'exact', lines });
  }
  for (const x of st.internal) literalLocations.push({ key: nginxKey(x.path), exact: true, lines: x.lines });
  const start = out.length;
  sortNginx(literalLocations);
  for (const x of literalLocations) appendLocation(out, x.lines);
  for (const lines of regexLocations) appendLocation(out, lines);
  appendAll(out, st.namedBodies);
  if (st.namedBodies.length || refers404(out, start)) out.push(...block('location @gw_404', ['return 404;']));
  // the IR builds the conditions of each server (they are its own): nothing rendered for them is
  // looked up again, and is let go here rather than kept (and copied by every garbage collection)
  // while the other servers render
  const memo = dispatchState(ctx);
  memo.conditions.clear();
  memo.tests.clear();
  return out;
}

/** Whether a line of `lines` from `start` on names `@gw_404`. */
function refers404(lines: readonly string[], start: number): boolean {
  for (let i = start; i < lines.length; i++) if (lines[i].includes('@gw_404')) return true;
  return false;
}

/**
 * Exact and prefix locations in the order nginx sorts them into (`ngx_http_cmp_locations`: names
 * compared byte by byte with `/` lowest, a name before its extensions, an exact location before
 * the prefix location of the same name). The order does not change what a location matches
 * (nginx builds its location tree from the sorted list), but nginx 1.22 sorts by insertion: a
 * configuration listing every exact location before every prefix one (`= /svc1` … then `/svc1/`
 * …) cost it a compare per pair, 41% of `nginx -t` for 10,000 routes (docs/benchmarks.md,
 * section 2); in its own order, one compare per location.
 */
export function nginxLocationOrder<T extends { readonly path: string; readonly exact: boolean }>(locations: readonly T[]): T[] {
  const keyed = locations.map((l) => ({ l, key: nginxKey(l.path), exact: l.exact }));
  sortNginx(keyed);
  return keyed.map((x) => x.l);
}

/** A location name as {@link sortNginx} compares it: `/` lowest. */
function nginxKey(path: string): string {
  return path.replace(/\//g, '\0');
}

/** Sorts locations keyed by {@link nginxKey} into nginx's order (see {@link nginxLocationOrder}), in place. */
function sortNginx<K extends { readonly key: string; readonly exact: boolean }>(keyed: K[]): void {
  const exactFirst = (a: K, b: K) => (a.exact === b.exact ? 0 : a.exact ? -1 : 1);
  // UTF-16 code units order strings as UTF-8 bytes do, unless a surrogate meets a character of
  // U+E000–U+FFFF: with a surrogate anywhere (paths are ASCII once checked), the bytes themselves
  if (keyed.some((x) => /[\uD800-\uDFFF]/.test(x.key))) {
    const bytes = new Map(keyed.map((x) => [x, Buffer.from(x.key, 'utf8')]));
    keyed.sort((a, b) => Buffer.compare(bytes.get(a)!, bytes.get(b)!) || exactFirst(a, b));
  } else keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : exactFirst(a, b)));
}

function locationHead(loc: LocationIR): string {
  if (loc.kind === 'exact') return `location = ${literal(pathValue(loc.path, 'path'), 'path')}`;
  if (loc.kind === 'prefix') return `location ${literal(pathValue(loc.path, 'path'), 'path')}`;
  return `location ~ ${regex(`^(?:${checkPcre(loc.path, 'path regular expression')})$`)}`;
}

/**
 * A location's lines: as `block` returns them, or, for a location serving one action itself, its
 * head and its (shared) indented body, which stand for `block(head, body)` without a list of
 * their own (see {@link inlineBody}).
 */
type LocationLines = readonly string[] | { readonly head: string; readonly inner: readonly string[] };

function appendLocation(out: string[], l: LocationLines): void {
  if (isLineList(l)) appendAll(out, l);
  else {
    out.push(`${l.head} {`);
    appendAll(out, l.inner);
    out.push('}');
  }
}

function isLineList(l: LocationLines): l is readonly string[] {
  return Array.isArray(l);
}

function renderLocation(ctx: RenderContext, st: ServerState, loc: LocationIR): LocationLines {
  let head: string;
  try {
    head = locationHead(loc);
  } catch (e) {
    for (const c of loc.candidates) {
      const a = st.actions.get(c.action)!;
      if (a.pathMatch.value === loc.path || (loc.kind !== 'regex' && a.pathMatch.value === loc.path.replace(/\/$/, ''))) {
        ctx.reject(ctx.ref(a.source.kind, a.source.namespace, a.source.name), `spec.rules[${a.source.rule}].matches[${a.source.match}]`, e, 'the match is not served');
      }
    }
    return [];
  }
  // one candidate (the usual location): no list of them
  if (loc.candidates.length === 1) {
    const c = loc.candidates[0];
    const conds = candidateConditions(ctx, st, c);
    if (!conds) return block(head, ['return 404;']);
    if (!conds.length) return { head, inner: inlineBody(ctx, st, undefined, c.action)! };
    const inner = inlineBody(ctx, st, conds, c.action);
    if (inner) return { head, inner };
  }
  // candidates whose conditions render
  const cands: Cand[] = [];
  for (const c of loc.candidates) {
    const conds = candidateConditions(ctx, st, c);
    if (conds) cands.push({ action: c.action, conds });
    if (conds && !conds.length) break;
  }
  if (!cands.length) return block(head, ['return 404;']);
  if (!cands[0].conds.length) return { head, inner: inlineBody(ctx, st, undefined, cands[0].action)! };
  const last = cands[cands.length - 1];
  const conditional = last.conds.length ? cands : cands.slice(0, -1);
  if (conditional.length === 1 && last.conds.length) {
    // one conditional candidate, nothing else: its `if`s return 404 before the action, inlined as
    // an admin would write it (no jump to a named location, whose lookup is a linear scan by
    // name). Not when the action adds response headers: an `if` block inherits `add_header …
    // always`, which would decorate the 404.
    const inner = inlineBody(ctx, st, last.conds, last.action);
    if (inner) return { head, inner };
  }
  // named locations in candidate order
  for (const c of cands) namedFor(ctx, st, c.action);
  const fallback = last.conds.length ? '@gw_404' : namedFor(ctx, st, last.action);
  // the body limit nginx checks on Content-Length here, before the jump (see http-client.ts)
  const limit = dispatchingLocationLimit(ctx, st, loc);
  // one conditional candidate: its conditions as `if`s in the location, no map
  if (conditional.length === 1) return block(head, [...limit, ...ifDispatch(ctx, conditional[0].conds, namedFor(ctx, st, conditional[0].action), fallback)]);
  const target = dispatch(ctx, st, conditional, fallback);
  return block(head, [...limit, 'recursive_error_pages on;', `error_page 418 = ${target};`, 'return 418;']);
}

/**
 * The body of a location that serves one action itself, indented as `block` indents it: the `if`
 * tests of `conds` returning 404 (none when undefined), then the action's body; undefined when the
 * action adds response headers after tests (see renderLocation). The locations of one match (`= /p`
 * and `/p/`) have the same body: computed once per server, conditions and action.
 */
function inlineBody(ctx: RenderContext, st: ServerState, conds: readonly Cond[] | undefined, action: string): readonly string[] | undefined {
  const memo = st.inline;
  if (!conds) {
    let lines = memo.unconditional.get(action);
    if (!lines) memo.unconditional.set(action, (lines = indentBody(actionBody(ctx, st, st.actions.get(action)!))));
    return lines;
  }
  // conditions belong to one match, so to one action (another is computed each time)
  const hit = memo.conditional.get(conds);
  if (hit?.action === action) return hit.lines ?? undefined;
  const body = actionBody(ctx, st, st.actions.get(action)!);
  const lines = body.some((l) => l.startsWith('add_header ')) ? null : indentBody(appendAll(ifTestLines(ctx, conds, '404'), body));
  if (!hit) memo.conditional.set(conds, { action, lines });
  return lines ?? undefined;
}

/** A candidate whose conditions render: its action and its distinct conditions. */
interface Cand {
  readonly action: string;
  readonly conds: readonly Cond[];
}

/**
 * One rendered condition. `test` is the negated `if` condition (true when the condition does NOT
 * hold); `source` + `re` define its 0/1 atom `map` (created only when a regex dispatch map needs
 * it); `header` is set for an Exact header match, which a hash dispatch may test instead.
 */
interface Cond {
  readonly id: string;
  readonly test: string;
  readonly source: string;
  readonly re: string;
  readonly header?: { readonly variable: string; readonly value: string };
  /** A method or Exact query match: the pattern its value part takes in a combined test (no capturing group). */
  readonly part?: { readonly source: '$request_method' | '$args'; readonly re: string };
}

/**
 * The lines of a location (or named location) that sends the request to `target` when every
 * condition holds and to `fallback` otherwise: `if`s, no `map` per location (nginx builds a large
 * temporary hash for every `map` block, so a `map` per location would dominate `nginx -t`). An
 * `if` holding only `return` is safe in a location. Every `if` costs a location configuration
 * (≈ 8 KB per nginx process), so the conditions that can be are tested by one `if` (see
 * {@link ifTests}).
 */
function ifDispatch(ctx: RenderContext, conds: readonly Cond[], target: string, fallback: string): string[] {
  const direct = fallback === '@gw_404';
  const out = ['recursive_error_pages on;', `error_page 418 = ${target};`];
  if (!direct) out.push(`error_page 419 = ${fallback};`);
  out.push(...ifTestLines(ctx, conds, direct ? '404' : '419'), 'return 418;');
  return out;
}

/** `if (a condition does not hold) { return <status>; }` for the conditions (see {@link ifTests}). */
function ifTestLines(ctx: RenderContext, conds: readonly Cond[], status: string): string[] {
  const out: string[] = [];
  for (const t of ifTests(ctx, conds)) out.push(`if (${t}) {`, `  return ${status};`, '}');
  return out;
}

/**
 * The negated `if` tests of a candidate's conditions. Exact header matches that can be hashed (see
 * {@link headerIndex}; here the request's own value is tested, case-sensitively, by the regex), one
 * method match and the Exact query matches are tested together when there are two or more of them:
 * one `map` per combination of sources (shared by every location) joins them with line feeds,
 * `"$http_x_t\n$request_method\n$args"`, and one regex tests the whole, e.g. `^t0\nGET\n(?=…v=0…)`.
 * Sound because every part but the last (`$args`, tested by look-aheads anchored at its start, each
 * the atom's own regex) never contains a line feed: over HTTP/1 nginx ends a header line at a line
 * feed and refuses a carriage return in a value, over HTTP/2 it refuses NUL, CR and LF in a field
 * value (test/render/dispatch.test.ts), and a method is a token — so the n-th line feed
 * always ends the n-th part. An expected value is printable ASCII (no line feed either). The
 * request's value is read directly: the classifier and verification maps a hash dispatch needs
 * (two lookups and a back-reference regex per request) are not involved. The other conditions keep
 * an `if` each.
 */
function ifTests(ctx: RenderContext, conds: readonly Cond[]): readonly string[] {
  // the same candidate's conditions are tested by several locations (`= /p` and `/p/`): the
  // tests are the same, and computing them again only repeats lookups that find what the first
  // computation registered
  const memo = dispatchState(ctx).tests;
  let tests = memo.get(conds);
  if (!tests) memo.set(conds, (tests = computeIfTests(ctx, conds)));
  return tests;
}

function computeIfTests(ctx: RenderContext, conds: readonly Cond[]): string[] {
  const index = headerIndex(ctx);
  // the combined parts, in one pass: hashable headers (one per variable), the first method, every Exact query
  const headers: { readonly variable: string; readonly value: string }[] = [];
  let method: Cond | undefined;
  let query = '';
  const combined = new Set<Cond>();
  for (const c of conds) {
    const h = c.header;
    if (h && index.hashable(h) && !headers.some((x) => x.variable === h.variable)) {
      headers.push(h);
      combined.add(c);
    }
    if (c.part?.source === '$request_method' && !method) {
      method = c;
      combined.add(c);
    } else if (c.part?.source === '$args') {
      query += `(?=${c.part.re})`;
      combined.add(c);
    }
  }
  if (combined.size < 2) return conds.map((c) => c.test);
  let key = '';
  let re = '^';
  for (const h of headers) {
    key += `${key ? '\\n' : ''}${h.variable}`;
    re += `${re.length > 1 ? '\\n' : ''}${escapeRegexLiteral(h.value)}`;
  }
  if (method) {
    key += `${key ? '\\n' : ''}$request_method`;
    re += `${re.length > 1 ? '\\n' : ''}${method.part!.re}`;
  }
  if (query) {
    key += `${key ? '\\n' : ''}$args`;
    re += `${re.length > 1 ? '\\n' : ''}${query}`;
  } else re += '$';
  const variable = ctx.httpVar('gw_k', key, (name) => block(`map "${key}" $${name}`, [`default "${key}";`]));
  const out = [`$${variable} !~ ${regex(re)}`];
  for (const c of conds) if (!combined.has(c)) out.push(c.test);
  return out;
}

/** Distinct atoms per dispatch map (each adds up to ~11 characters to the composite key). */
const CHUNK_ATOMS = 250;

/** Fewest consecutive candidates testing the same header for a hash dispatch. */
const HASH_RUN = 2;

/**
 * The error_page target (a `$variable` or a named location) choosing, among `cands`, the first whose
 * conditions all hold, else `fallback`. The list is cut into segments, chained through their
 * fallbacks (each segment's fallback is the next segment):
 *
 * - a run of consecutive candidates that each test the same header for an exact value (one that
 *   can be hashed, see {@link headerIndex}): one hash `map` from the header's verified value to the
 *   candidates testing that value — a lookup whose cost does not depend on how many values there
 *   are. A value's remaining conditions are tested by a named location of `if`s (one candidate)
 *   or a regex dispatch map (several);
 * - one candidate: a named location of `if`s;
 * - otherwise: the regex dispatch over 0/1 atoms ({@link regexChain}).
 */
function dispatch(ctx: RenderContext, st: ServerState, cands: readonly Cand[], fallback: string): string {
  type Segment = { kind: 'hash'; variable: string; cands: Cand[] } | { kind: 'regex'; cands: Cand[] };
  const segments: Segment[] = [];
  const index = headerIndex(ctx);
  for (let i = 0; i < cands.length; ) {
    let best: { variable: string; end: number } | undefined;
    for (const c of cands[i].conds) {
      if (!c.header || !index.hashable(c.header)) continue;
      const v = c.header.variable;
      if (best?.variable === v) continue;
      let end = i + 1;
      while (end < cands.length && cands[end].conds.some((x) => x.header?.variable === v && index.hashable(x.header))) end++;
      if (!best || end > best.end) best = { variable: v, end };
    }
    if (best && best.end - i >= HASH_RUN) {
      segments.push({ kind: 'hash', variable: best.variable, cands: cands.slice(i, best.end) });
      i = best.end;
      continue;
    }
    const prev = segments[segments.length - 1];
    if (prev?.kind === 'regex') prev.cands.push(cands[i]);
    else segments.push({ kind: 'regex', cands: [cands[i]] });
    i++;
  }
  let next = fallback;
  for (const seg of segments.reverse()) {
    if (seg.kind === 'hash') next = hashDispatch(ctx, st, seg.variable, seg.cands, next);
    else if (seg.cands.length === 1) next = ifLocation(ctx, st, seg.cands[0].conds, namedFor(ctx, st, seg.cands[0].action), next);
    else next = `$${regexChain(ctx, seg.cands.map((c) => ({ atoms: c.conds.map((x) => atomVar(ctx, x)), target: namedFor(ctx, st, c.action) })), next)}`;
  }
  return next;
}

/**
 * A hash `map` on the verified value of header `variable`: each value tested by `cands` → the
 * first of those candidates whose other conditions hold (else `fallback`); any other value →
 * `fallback`. Returns `$variable`.
 */
function hashDispatch(ctx: RenderContext, st: ServerState, variable: string, cands: readonly Cand[], fallback: string): string {
  const index = headerIndex(ctx);
  const groups = new Map<string, { conds: Cond[]; target: string }[]>();
  for (const c of cands) {
    const tested = c.conds.find((x) => x.header?.variable === variable && index.hashable(x.header))!;
    const value = tested.header!.value;
    let g = groups.get(value);
    if (!g) groups.set(value, (g = []));
    g.push({ conds: c.conds.filter((x) => x !== tested), target: namedFor(ctx, st, c.action) });
  }
  const verified = index.verified(variable, [...groups.keys()]);
  const entries: string[] = [];
  for (const [value, g] of groups) {
    let target: string;
    if (!g[0].conds.length) target = g[0].target;
    else if (g.length === 1) target = ifLocation(ctx, st, g[0].conds, g[0].target, fallback);
    else target = `$${regexChain(ctx, g.map((x) => ({ atoms: x.conds.map((y) => atomVar(ctx, y)), target: x.target })), fallback)}`;
    entries.push(`${hashKey(value)} ${target};`);
  }
  const name = ctx.httpVar('gw_d', `$${verified}\u0000${entries.join('\n')}\u0000${fallback}`, (n) => block(`map $${verified} $${n}`, [...entries, `default ${fallback};`]));
  return `$${name}`;
}

/** A named location of `if`s (see {@link ifDispatch}), shared within the server by content. */
function ifLocation(ctx: RenderContext, st: ServerState, conds: readonly Cond[], target: string, fallback: string): string {
  const body = ifDispatch(ctx, conds, target, fallback);
  const key = body.join('\n');
  const hit = st.ifLocations.get(key);
  if (hit) return hit;
  let name = `${target}_if`;
  for (let i = 2; st.namedTaken.has(name); i++) name = `${target}_if${i}`;
  st.namedTaken.add(name);
  st.ifLocations.set(key, name);
  st.namedBodies.push(...block(`location ${name}`, body));
  return name;
}

/** The regex `map` chain choosing the first candidate whose atoms all hold, else `fallback`; returns the variable name. */
function regexChain(ctx: RenderContext, cands: readonly { atoms: string[]; target: string }[], fallback: string): string {
  const unconditional = cands.findIndex((c) => !c.atoms.length);
  const conditional = unconditional < 0 ? cands : cands.slice(0, unconditional);
  if (unconditional >= 0) fallback = cands[unconditional].target;
  // long candidate lists are chained in chunks (each map's default is the next map) so no key
  // exceeds nginx's limits
  const chunks: (typeof cands)[] = [];
  let current: (typeof cands)[number][] = [];
  let atoms = new Set<string>();
  for (const c of conditional) {
    const more = c.atoms.filter((a) => !atoms.has(a)).length;
    if (current.length && atoms.size + more > CHUNK_ATOMS) {
      chunks.push(current);
      current = [];
      atoms = new Set();
    }
    current.push(c);
    for (const a of c.atoms) atoms.add(a);
  }
  if (current.length) chunks.push(current);
  let variable = '';
  for (const chunk of chunks.reverse()) {
    const atomList = [...new Set(chunk.flatMap((x) => x.atoms))];
    const pos = new Map(atomList.map((a, i) => [a, i]));
    const entries = chunk.map((x) => {
      const positions = x.atoms.map((a) => pos.get(a)!).sort((a, b) => a - b);
      let re = '^';
      let at = 0;
      for (const p of positions) {
        if (p > at) re += `.{${p - at}}`;
        re += '1';
        at = p + 1;
      }
      return `${regex(`~${re}`)} ${x.target};`;
    });
    const key = atomList.map((a) => `$${a}`).join('');
    const def = fallback;
    variable = ctx.httpVar('gw_d', `${key}\u0000${entries.join('\n')}\u0000${def}`, (name) => block(`map "${key}" $${name}`, [...entries, `default ${def};`]));
    fallback = `$${variable}`;
  }
  return variable;
}

function namedFor(ctx: RenderContext, st: ServerState, id: string): string {
  const hit = st.named.get(id);
  if (hit) return hit;
  const a = st.actions.get(id)!;
  let name = `@gw_${identifier(`${a.source.namespace}_${a.source.name}_r${a.source.rule}_m${a.source.match}`)}`;
  for (let i = 2; st.namedTaken.has(name); i++) name = `@gw_${identifier(`${a.source.namespace}_${a.source.name}_r${a.source.rule}_m${a.source.match}`)}_${i}`;
  st.named.set(id, name);
  st.namedTaken.add(name);
  st.namedBodies.push(...block(`location ${name}`, [...contentLengthGuard(ctx, st, a), ...actionBody(ctx, st, a)]));
  return name;
}

/**
 * The rendered conditions of a candidate; undefined when one cannot be rendered (reported). The
 * IR shares one conditions list between the locations of a match (`= /p` and `/p/`): rendered
 * once (a list that cannot be is rendered, and reported, each time, as before).
 */
function candidateConditions(ctx: RenderContext, st: ServerState, c: CandidateIR): readonly Cond[] | undefined {
  const memo = dispatchState(ctx).conditions;
  const hit = memo.get(c.conditions);
  if (hit) return hit;
  const out = renderConditions(ctx, st, c);
  if (out) memo.set(c.conditions, out);
  return out;
}

function renderConditions(ctx: RenderContext, st: ServerState, c: CandidateIR): Cond[] | undefined {
  // the first condition of each id (a match lists few: a scan, no Map)
  const out: Cond[] = [];
  for (const cond of c.conditions) {
    try {
      const r = condition(cond);
      if (!hasId(out, r.id)) out.push(r);
    } catch (e) {
      const a = st.actions.get(c.action)!;
      ctx.reject(ctx.ref(a.source.kind, a.source.namespace, a.source.name), `spec.rules[${a.source.rule}].matches[${a.source.match}]`, e, 'the match is not served');
      return undefined;
    }
  }
  return out;
}

function hasId(conds: readonly Cond[], id: string): boolean {
  for (const c of conds) if (c.id === id) return true;
  return false;
}

const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;

/** Percent-encoding-tolerant literal: each reserved character may also arrive as `%XX`. */
function queryLiteral(v: string): string {
  // the usual value (letters, digits, `_.~-`) stands for itself
  if (UNRESERVED.test(v)) return v;
  let out = '';
  for (const ch of v) {
    if (/[A-Za-z0-9_.~-]/.test(ch)) out += ch;
    else {
      const hex = Buffer.from(ch, 'utf8')
        .toString('hex')
        .toUpperCase()
        .match(/../g)!
        .map((h) => `%(?:${h[0]}|${h[0].toLowerCase()})(?:${h[1]}|${h[1].toLowerCase()})`)
        .join('');
      out += `(?:${escapeRegexLiteral(ch)}${ch === ' ' ? '|\\+' : ''}|${hex})`;
    }
  }
  return out;
}

/** One condition: its regex over a variable (the 0/1 atom), its negated `if` test, and for an Exact header match the value. */
function condition(c: ConditionIR): Cond {
  let source: string;
  let re: string;
  let test: string | undefined;
  let header: Cond['header'];
  let part: Cond['part'];
  switch (c.kind) {
    case 'method':
      if (!/^[A-Z]+$/.test(c.value)) throw new UnsafeValueError(`method ${JSON.stringify(c.value)} is not an HTTP method`, c.value);
      source = '$request_method';
      re = `^${c.value}$`;
      test = `$request_method != ${c.value}`;
      part = { source: '$request_method', re: c.value };
      break;
    case 'header':
      source = headerVariable(c.name);
      if (c.type === 'Exact') {
        re = `^${escapeRegexLiteral(checkValue(c.value))}$`;
        header = { variable: source, value: c.value };
        // `=` / `!=` in `if` compare bytes exactly (case-sensitively), like the regex
        try {
          test = `${source} != ${complex(c.value, 'header value')}`;
        } catch {
          test = undefined; // too long once `$` is spelled out: the regex form below
        }
      } else re = `^(?:${checkPcre(c.value, 'header regular expression')})$`;
      break;
    case 'query': {
      if (!/^[A-Za-z0-9!$'()*+,;:@._~-]+$/.test(c.name) || c.name.length > 256) throw new UnsafeValueError(`query parameter name ${JSON.stringify(c.name)} is not supported (letters, digits and URL sub-delimiters only)`, c.name);
      const n = escapeRegexLiteral(c.name);
      const value = c.type === 'Exact' ? queryLiteral(checkValue(c.value)) : `(?:${checkPcre(c.value, 'query parameter regular expression')})`;
      // the first occurrence of the parameter decides
      source = '$args';
      re = `^(?:(?!${n}=)[^&]*&)*${n}=${value}(?:&|$)`;
      if (c.type === 'Exact') part = { source: '$args', re: re.slice(1) };
      break;
    }
    case 'pathPrefix':
      source = '$uri';
      re = c.value === '/' ? '^/' : `^${escapeRegexLiteral(pathValue(c.value))}(?:/|$)`;
      break;
    case 'pathRegex':
      source = '$uri';
      re = `^(?:${checkPcre(c.value, 'path regular expression')})$`;
      break;
  }
  const key = regex(`~${re}`);
  // one shape for every condition (header / part undefined when absent): no property added later
  return { id: `${source} ${key}`, source, re: key, test: test ?? `${source} !~ ${key.slice(0, 1)}${key.slice(2)}`, header, part };
}

/** The 0/1 atom `map` of a condition (shared by content); returns the variable name (without `$`). */
function atomVar(ctx: RenderContext, c: Cond): string {
  return ctx.httpVar('gw_a', c.id, (name) => block(`map ${c.source} $${name}`, [`${c.re} 1;`, 'default 0;']));
}

/**
 * A string key of a hash `map`: nginx lower-cases it (and the looked-up value); a leading `\`
 * keeps a key from being read as a regex (`~`), a parameter (`default`, `include`) or an escape.
 */
function hashKey(v: string): string {
  return literal(`\\${v}`, 'header value');
}

/**
 * Exact header values a hash `map` can test, for one Gateway (one http block).
 *
 * nginx `map` string keys are compared case-insensitively (both sides lower-cased), while Gateway
 * API header values match case-sensitively. So for a header with exact values E₁…Eₙ:
 *
 * 1. a classifier `map $http_h $gw_hN { \E₁ "E₁"; … default ""; }` gives the one Eᵢ equal to the
 *    request's value up to case (only values no other Eⱼ of the header equals up to case are used:
 *    the lookup must be unambiguous, and nginx refuses two keys equal up to case);
 * 2. a verification `map "$gw_hN\t$http_h" $gw_vN { "~^([^\t]*)\t\1$" $1; default ""; }` keeps it
 *    only when the request's value is byte-for-byte equal. The separator is a tab, which no Eᵢ
 *    contains (values are printable ASCII, see checkValue), so `[^\t]*` can only match the
 *    classifier's output and the back-reference compares the whole request value with it
 *    (a tab in the request value cannot make it match);
 * 3. dispatch maps then look up `$gw_vN`, which is either "" or exactly one Eᵢ: a case-insensitive
 *    lookup among distinct-up-to-case keys finds exactly Eᵢ.
 *
 * The empty value is never hashed (the classifier's "no match" is "").
 */
interface HeaderIndex {
  hashable(h: { variable: string; value: string }): boolean;
  /** Registers `values` with the header's classifier; returns the verified-value variable (without `$`). */
  verified(variable: string, values: readonly string[]): string;
}

/** What the dispatch of one Gateway (one render context) computes once: see {@link dispatchState}. */
interface DispatchState {
  readonly index: HeaderIndex;
  /** Rendered conditions by the IR's conditions list (see {@link candidateConditions}). */
  readonly conditions: Map<readonly ConditionIR[], readonly Cond[]>;
  /** `if` tests by rendered conditions (see {@link ifTests}). */
  readonly tests: Map<readonly Cond[], readonly string[]>;
}

/** Per render context (one Gateway), released with it. */
const states = new WeakMap<RenderContext, DispatchState>();

function dispatchState(ctx: RenderContext): DispatchState {
  let state = states.get(ctx);
  if (!state) states.set(ctx, (state = { index: buildHeaderIndex(ctx), conditions: new Map(), tests: new Map() }));
  return state;
}

function headerIndex(ctx: RenderContext): HeaderIndex {
  return dispatchState(ctx).index;
}

function buildHeaderIndex(ctx: RenderContext): HeaderIndex {
  // every exact value per header variable, over the whole Gateway, by lower-cased value
  // (the value itself while it is the only one of its lower-cased form, null once there are two:
  // all hashable() asks, without a Set per value)
  const byHeader = new Map<string, Map<string, string | null>>();
  // header name → its variable (null: not one nginx reads), computed once per name
  const variables = new Map<string, string | null>();
  const variableOf = (name: string): string | null => {
    let v = variables.get(name);
    if (v === undefined) {
      try {
        v = headerVariable(name);
      } catch {
        v = null;
      }
      variables.set(name, v);
    }
    return v;
  };
  for (const port of ctx.gw.httpPorts) {
    for (const s of port.servers) {
      for (const loc of s.locations) {
        for (const c of loc.candidates) {
          for (const cond of c.conditions) {
            if (cond.kind !== 'header' || cond.type !== 'Exact') continue;
            const variable = variableOf(cond.name);
            if (variable === null) continue;
            let values = byHeader.get(variable);
            if (!values) byHeader.set(variable, (values = new Map()));
            const low = cond.value.toLowerCase();
            const same = values.get(low);
            if (same === undefined) values.set(low, cond.value);
            else if (same !== null && same !== cond.value) values.set(low, null);
          }
        }
      }
    }
  }
  /** header variable → value → whether it can be hashed */
  const ok = new Map<string, Map<string, boolean>>();
  const classifiers = new Map<string, { values: Set<string>; verified: string }>();
  const index: HeaderIndex = {
    hashable({ variable, value }) {
      let known = ok.get(variable);
      if (!known) ok.set(variable, (known = new Map()));
      let r = known.get(value);
      if (r === undefined) {
        const only = byHeader.get(variable)?.get(value.toLowerCase());
        r = value !== '' && only !== undefined && only !== null;
        if (r) {
          try {
            checkValue(value);
            // a printable value grows at most 12 times once escaped (`$` → `${gw_dollar}`), plus
            // quotes and `\`: a short one fits in a token, no need to write it to find out
            if (value.length * 12 + 4 > MAX_TOKEN) {
              hashKey(value);
              complex(value, 'header value');
            }
          } catch {
            r = false;
          }
        }
        known.set(value, r);
      }
      return r;
    },
    verified(variable, values) {
      let cl = classifiers.get(variable);
      if (!cl) {
        const set = new Set<string>();
        const classVar = ctx.httpVarDeferred('gw_h', variable, (name) => () => block(`map ${variable} $${name}`, [...[...set].map((v) => `${hashKey(v)} ${complex(v, 'header value')};`), 'default "";']));
        const verified = ctx.httpVar('gw_v', variable, (name) => block(`map "$${classVar}\\t${variable}" $${name}`, [`${regex('~^([^\\t]*)\\t\\1$')} $1;`, 'default "";']));
        cl = { values: set, verified };
        classifiers.set(variable, cl);
      }
      for (const v of values) cl.values.add(v);
      return cl.verified;
    },
  };
  return index;
}

function checkValue(v: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[^\u0020-\u007e]/.test(v)) throw new UnsafeValueError(`value ${JSON.stringify(v.slice(0, 60))} contains control or non-ASCII characters`, v);
  return v;
}
