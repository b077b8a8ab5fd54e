/**
 * Locations of one server and the `map` dispatch choosing among the candidates (method, header,
 * query and path conditions) of a location.
 */
import { CandidateIR, ConditionIR, HttpPortIR, HttpServerIR, LocationIR } from '../../ir/types';
import { block, RenderContext } from './context';
import { actionBody } from './http-actions';
import { ServerState } from './http-state';
import { checkPcre } from './pcre';
import { escapeRegexLiteral, headerVariable, identifier, literal, pathValue, regex, UnsafeValueError } from './quote';
import { appendAll } from '../../model/arrays';

export function renderLocations(ctx: RenderContext, port: HttpPortIR, s: HttpServerIR): string[] {
  const st: ServerState = {
    port,
    server: s,
    actions: new Map(s.actions.map((a) => [a.id, a])),
    named: new Map(),
    namedTaken: new Set(),
    namedBodies: [],
    internal: [],
    reserved: new Set(s.locations.filter((l) => l.kind === 'exact').map((l) => l.path)),
    rendered: new Map(),
  };
  const out: string[] = [];
  for (const loc of s.locations) appendAll(out, renderLocation(ctx, st, loc));
  appendAll(out, st.namedBodies, st.internal);
  if (st.namedBodies.length || out.some((l) => l.includes('@gw_404'))) out.push(...block('location @gw_404', ['return 404;']));
  return out;
}

function locationHead(loc: LocationIR): string {
  if (loc.kind === 'exact') return `location = ${literal(pathValue(loc.path, 'path'), 'path')}`;
  if (loc.kind === 'prefix') return `location ${literal(pathValue(loc.path, 'path'), 'path')}`;
  return `location ~ ${regex(`^(?:${checkPcre(loc.path, 'path regular expression')})$`)}`;
}

function renderLocation(ctx: RenderContext, st: ServerState, loc: LocationIR): string[] {
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
  // candidates whose conditions render
  const cands: { c: CandidateIR; atoms: string[] }[] = [];
  for (const c of loc.candidates) {
    const atoms = conditionAtoms(ctx, st, c);
    if (atoms) cands.push({ c, atoms });
    if (atoms && !atoms.length) break;
  }
  if (!cands.length) return block(head, ['return 404;']);
  if (!cands[0].atoms.length) return block(head, actionBody(ctx, st, st.actions.get(cands[0].c.action)!));
  // dispatch: a composite key of 0/1 atoms, regexes in precedence order. Long candidate lists
  // are chained in chunks (each map's default is the next map) so no key exceeds nginx's limits.
  const targets = cands.map((x) => ({ atoms: x.atoms, target: namedFor(ctx, st, x.c.action) }));
  const v = dispatchChain(ctx, targets);
  return block(head, ['recursive_error_pages on;', `error_page 418 = $${v};`, 'return 418;']);
}

/** Distinct atoms per dispatch map (each adds up to ~11 characters to the composite key). */
const CHUNK_ATOMS = 250;

/** The `map` chain choosing the first candidate whose atoms all hold; returns the variable name. */
function dispatchChain(ctx: RenderContext, cands: readonly { atoms: string[]; target: string }[]): string {
  const unconditional = cands.findIndex((c) => !c.atoms.length);
  const conditional = unconditional < 0 ? cands : cands.slice(0, unconditional);
  let fallback = unconditional < 0 ? '@gw_404' : cands[unconditional].target;
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
  st.namedBodies.push(...block(`location ${name}`, actionBody(ctx, st, a)));
  return name;
}

/** The atom variables (each `1` when its condition holds) of a candidate; undefined when one cannot be rendered. */
function conditionAtoms(ctx: RenderContext, st: ServerState, c: CandidateIR): string[] | undefined {
  const out: string[] = [];
  for (const cond of c.conditions) {
    try {
      out.push(atom(ctx, cond));
    } catch (e) {
      const a = st.actions.get(c.action)!;
      ctx.reject(ctx.ref(a.source.kind, a.source.namespace, a.source.name), `spec.rules[${a.source.rule}].matches[${a.source.match}]`, e, 'the match is not served');
      return undefined;
    }
  }
  return [...new Set(out)];
}

/** Percent-encoding-tolerant literal: each reserved character may also arrive as `%XX`. */
function queryLiteral(v: string): string {
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

/** One condition as a `map` producing 1 / 0; returns the variable name (without `$`). */
function atom(ctx: RenderContext, c: ConditionIR): string {
  let source: string;
  let re: string;
  switch (c.kind) {
    case 'method':
      if (!/^[A-Z]+$/.test(c.value)) throw new UnsafeValueError(`method ${JSON.stringify(c.value)} is not an HTTP method`, c.value);
      source = '$request_method';
      re = `^${c.value}$`;
      break;
    case 'header':
      source = headerVariable(c.name);
      re = c.type === 'Exact' ? `^${escapeRegexLiteral(checkValue(c.value))}$` : `^(?:${checkPcre(c.value, 'header regular expression')})$`;
      break;
    case 'query': {
      if (!/^[A-Za-z0-9!$'()*+,;:@._~-]+$/.test(c.name) || c.name.length > 256) throw new UnsafeValueError(`query parameter name ${JSON.stringify(c.name)} is not supported (letters, digits and URL sub-delimiters only)`, c.name);
      const n = escapeRegexLiteral(c.name);
      const value = c.type === 'Exact' ? queryLiteral(checkValue(c.value)) : `(?:${checkPcre(c.value, 'query parameter regular expression')})`;
      // the first occurrence of the parameter decides
      source = '$args';
      re = `^(?:(?!${n}=)[^&]*&)*${n}=${value}(?:&|$)`;
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
  return ctx.httpVar('gw_a', `${source} ${key}`, (name) => block(`map ${source} $${name}`, [`${key} 1;`, 'default 0;']));
}

function checkValue(v: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[^\u0020-\u007e]/.test(v)) throw new UnsafeValueError(`value ${JSON.stringify(v.slice(0, 60))} contains control or non-ASCII characters`, v);
  return v;
}
