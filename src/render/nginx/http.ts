import { ActionIR, BackendIR, BackendTlsIR, CandidateIR, ConditionIR, HeaderModifierIR, HttpPortIR, HttpServerIR, LocationIR, MirrorIR } from '../../ir/types';
import { block, RenderContext, versionAtLeast } from './context';
import { caPath } from './paths';
import { checkPcre } from './pcre';
import {
  comment,
  complex,
  complexParts,
  duration,
  escapeRegexLiteral,
  headerName,
  headerValue,
  headerVariable,
  hostname as hostnameToken,
  identifier,
  integer,
  literal,
  MAX_TOKEN,
  pathValue,
  regex,
  UnsafeValueError,
} from './quote';
import { appendAll } from '../../model/arrays';

/** Internal URI prefix for mirror subrequest locations. */
export const INTERNAL_PREFIX = '/_cdk8s_gateway_internal';

/** System CA bundle (Debian / the official nginx image) for `WellKnownCACertificates: System`. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export { secretPathOf as secretPath, caPath } from './paths';

function listenAddress(ctx: RenderContext, port: number): string {
  const p = integer(port + ctx.opts.portOffset, 1, 65535, 'listen port');
  return ctx.opts.listenHost ? `${ctx.opts.listenHost.includes(':') ? `[${ctx.opts.listenHost}]` : ctx.opts.listenHost}:${p}` : p;
}

/** Internal (loopback) address of the HTTPS servers behind a TLS stream server on the same port. */
export function internalSocket(ctx: RenderContext, port: number): string {
  return ctx.internalAddress(`https-${port}`, port, 0);
}

/** Renders the servers of one HTTP(S) port. */
export function renderHttpPort(ctx: RenderContext, port: HttpPortIR): string[] {
  const out: string[] = [];
  const http2 = port.protocol === 'HTTP' && cleartextHttp2(ctx, port);
  let sniVar: string | undefined;
  const listenerIndex = new Map(port.listeners.map((l, i) => [l.id, String(i)]));
  if (port.sniOwners) {
    const entries: string[] = [];
    for (const o of port.sniOwners) {
      try {
        entries.push(`${hostnameToken(o.hostname)} ${listenerIndex.get(o.listener)};`);
      } catch {
        /* reported with the server */
      }
    }
    const def = port.sniDefaultOwner !== undefined ? listenerIndex.get(port.sniDefaultOwner)! : '-';
    sniVar = ctx.httpVar('gw_sni_', `${port.port}`, (v) => block(`map $ssl_server_name $${v}`, ['hostnames;', `default ${def};`, ...entries]));
  }
  for (const s of port.servers) {
    out.push('', ...renderServer(ctx, port, s, http2, sniVar ? { variable: sniVar, expected: s.listener !== undefined ? listenerIndex.get(s.listener)! : '-' } : undefined));
  }
  return out;
}

/**
 * nginx 1.22 cannot serve HTTP/1.1 and h2c (prior knowledge) on one cleartext port: the port
 * speaks h2c when every proxied action on it needs HTTP/2 (GRPCRoute, h2c backends).
 */
function cleartextHttp2(ctx: RenderContext, port: HttpPortIR): boolean {
  const actions = port.servers.flatMap((s) => s.actions).filter((a) => a.returnStatus === undefined && !a.redirect);
  const needs = actions.filter((a) => a.grpc || a.backends.some((b) => b.protocol === 'h2c'));
  if (!needs.length) return false;
  if (needs.length === actions.length) return true;
  for (const a of needs) {
    ctx.unsupported(
      ctx.ref(a.source.kind, a.source.namespace, a.source.name),
      `spec.rules[${a.source.rule}]`,
      `port ${port.port} also serves HTTP/1.1 routes, and nginx 1.22 cannot accept HTTP/1.1 and cleartext HTTP/2 (h2c) on one port: clients must reach this ${a.grpc ? 'gRPC' : 'h2c'} rule over HTTP/1.1 or HTTPS`,
      'serve gRPC / h2c routes on their own HTTP listener port, or on an HTTPS listener',
    );
  }
  return false;
}

interface SniCheck {
  readonly variable: string;
  readonly expected: string;
}

function renderServer(ctx: RenderContext, port: HttpPortIR, s: HttpServerIR, http2: boolean, sni: SniCheck | undefined): string[] {
  const body: string[] = [];
  const isDefault = s.hostname === undefined;
  const https = port.protocol === 'HTTPS';
  // nginx 1.25.1 moved HTTP/2 from a `listen` flag (deprecated since) to the `http2` directive
  const http2Directive = versionAtLeast(ctx.opts.nginxVersion, [1, 25, 1]);
  const flags = [https ? 'ssl' : '', (https || http2) && !http2Directive ? 'http2' : '', isDefault ? 'default_server' : ''].filter(Boolean);
  if (port.behindStream) body.push(`listen ${internalSocket(ctx, port.port)} ${[...flags, 'proxy_protocol'].join(' ')};`);
  else body.push(`listen ${listenAddress(ctx, port.port)}${flags.length ? ' ' + flags.join(' ') : ''};`);
  if ((https || http2) && http2Directive) body.push('http2 on;');
  let name = '""';
  if (!isDefault) {
    try {
      name = hostnameToken(s.hostname!);
    } catch (e) {
      ctx.reject(ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), undefined, e, 'no server is generated for it');
      return [];
    }
  }
  body.push(`server_name ${name};`);
  if (port.behindStream) body.push('set_real_ip_from 127.0.0.1;', 'real_ip_header proxy_protocol;');
  let reject = false;
  if (https) {
    const certs = s.tls?.certificates ?? [];
    if (!s.listener || !certs.length) {
      body.push('ssl_reject_handshake on;');
      reject = true;
    } else {
      let lines: string[];
      try {
        for (const c of s.tls?.clientValidation?.caCertificates.slice(0, 1) ?? []) caPath(c);
        lines = ctx.certificateDirectives('ssl', certs, 'reject', ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), `listener ${s.listener} on port ${port.port}`, (p) => literal(p, 'certificate path'));
      } catch (e) {
        ctx.reject(ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), 'spec.listeners', e, 'the listener rejects TLS handshakes');
        body.push('ssl_reject_handshake on;', 'return 404;');
        return block('server', body);
      }
      body.push(...lines);
      if (lines.length === 1 && lines[0] === 'ssl_reject_handshake on;') {
        body.push('return 404;');
        return block('server', body);
      }
      body.push('ssl_protocols TLSv1.2 TLSv1.3;');
      const cv = s.tls?.clientValidation;
      if (cv && cv.caCertificates.length) {
        const insecure = cv.mode === 'AllowInsecureFallback';
        body.push(`ssl_verify_client ${insecure ? 'optional_no_ca' : 'on'};`, `ssl_client_certificate ${literal(caPath(cv.caCertificates[0], ctx.opts.caFiles), 'CA path')};`, 'ssl_verify_depth 5;');
        // a missing / invalid client certificate closes the connection (no HTTP answer), the
        // closest nginx gets to failing the handshake (TLS 1.3 checks the certificate after it)
        if (!insecure) body.push('error_page 495 496 = @gw_client_certificate;', ...block('location @gw_client_certificate', ['return 444;']));
        ctx.useConfigMap(cv.caCertificates[0]);
        if (cv.caCertificates.length > 1) {
          ctx.unsupported(ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), 'spec.tls.frontend', 'only the first CA certificate reference of frontend validation is used by nginx (one ssl_client_certificate per server)', 'put every CA in one ConfigMap ca.crt bundle');
        }
      }
    }
  }
  if (reject || !s.listener) {
    body.push('return 404;');
    return block('server', body);
  }
  if (sni) body.push(`if ($${sni.variable} != ${sni.expected}) {`, '  return 421;', '}');
  body.push('proxy_http_version 1.1;');
  for (const [n, v] of defaultRequestHeaders(port.port, false)) body.push(`proxy_set_header ${n} ${v};`);
  for (const [n, v] of defaultRequestHeaders(port.port, true)) body.push(`grpc_set_header ${n} ${v};`);
  appendAll(body, renderLocations(ctx, port, s));
  return block('server', body);
}

// ---------------------------------------------------------------------------------------------
// Locations and dispatch

interface ServerState {
  readonly port: HttpPortIR;
  readonly server: HttpServerIR;
  readonly actions: Map<string, ActionIR>;
  /** action id → named location (only for dispatched actions). */
  readonly named: Map<string, string>;
  /** The values of `named` (taken location names). */
  readonly namedTaken: Set<string>;
  readonly namedBodies: string[];
  readonly internal: string[];
  readonly reserved: Set<string>;
  readonly rendered: Map<string, string[]>;
}

function renderLocations(ctx: RenderContext, port: HttpPortIR, s: HttpServerIR): string[] {
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

// ---------------------------------------------------------------------------------------------
// Action bodies

function actionBody(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  const hit = st.rendered.get(a.id);
  if (hit) return hit;
  const body = renderAction(ctx, st, a);
  st.rendered.set(a.id, body);
  return body;
}

function renderAction(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  try {
    const lines = actionDirectives(ctx, st, a);
    // values are checked one by one; a directive combining several (a redirect URL) may still be too long
    const long = lines.find((l) => l.length > MAX_TOKEN);
    if (long) throw new UnsafeValueError(`a directive of the rule is longer than nginx accepts (${long.length} > ${MAX_TOKEN} characters)`, long);
    return [comment(`${a.source.kind} ${a.source.namespace}/${a.source.name} rule ${a.source.rule}${a.source.ruleName ? ` (${a.source.ruleName})` : ''} match ${a.source.match}`), ...lines];
  } catch (e) {
    ctx.reject(ctx.ref(a.source.kind, a.source.namespace, a.source.name), `spec.rules[${a.source.rule}]`, e, 'requests matching the rule are answered 500');
    return ['return 500;'];
  }
}

function actionDirectives(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  const out: string[] = [];
  const cors = a.cors ? corsDirectives(ctx, a) : undefined;
  if (cors) out.push(...cors.headers, ...cors.preflight);
  if (a.returnStatus !== undefined) {
    out.push(`return ${integer(a.returnStatus, 200, 599, 'status')};`);
    return out;
  }
  if (a.redirect) {
    out.push(...redirectDirectives(st, a));
    return out;
  }
  const mirrors = a.mirrors.flatMap((m) => mirrorDirectives(ctx, st, m));
  const live = a.backends.filter((b) => b.percent > 0);
  const usable = (b: BackendIR) => b.upstream !== undefined && (!b.tls || tlsHonoured(ctx, b.tls));
  const shapes = new Set(live.filter(usable).map((b) => shapeKey(a, b)));
  if (live.length === 1 || (shapes.size <= 1 && live.every((b) => !b.requestHeaders && !b.responseHeaders))) {
    // one proxy body; the split (if any) picks the upstream
    const valid = live.filter(usable);
    const first = valid[0];
    if (!first) return [...out, 'return 500;'];
    let target: string;
    if (live.length === 1) {
      const t = ctx.target(first.upstream!, tries(a));
      target = t.runtime ? runtimeTarget(out, t.value) : t.value;
    } else {
      const split = splitVariable(
        ctx,
        live.map((b) => ({ percent: b.percent, value: usable(b) ? ctx.target(b.upstream!, tries(a)).value : '' })),
      );
      out.push(`if ($${split} = "") {`, '  return 500;', '}');
      target = `$${split}`;
    }
    const more = live.length === 1 && first.responseHeaders ? [first.responseHeaders] : [];
    out.push(...responseHeaderDirectives(a.responseHeaders, isGrpc(first) ? 'grpc' : 'proxy', more), ...mirrors, ...timeoutDirectives(a, isGrpc(first)));
    out.push(...proxyDirectives(ctx, st, a, first, target));
    return out;
  }
  // heterogeneous backends: the split picks a named location per backend; everything that acts
  // after the rewrite phase (headers, mirrors) lives there
  const values = live.map((b, i) => {
    if (!usable(b)) return { percent: b.percent, value: '' };
    const name = `@gw_${identifier(`${a.source.namespace}_${a.source.name}_r${a.source.rule}_m${a.source.match}_b${i}`)}`;
    const t = ctx.target(b.upstream!, tries(a));
    const body: string[] = [];
    const target = t.runtime ? runtimeTarget(body, t.value) : t.value;
    if (cors) body.push(...cors.headers);
    body.push(...responseHeaderDirectives(a.responseHeaders, isGrpc(b) ? 'grpc' : 'proxy', b.responseHeaders ? [b.responseHeaders] : []));
    body.push(...mirrors, ...timeoutDirectives(a, isGrpc(b)));
    body.push(...proxyDirectives(ctx, st, a, b, target));
    st.namedBodies.push(...block(`location ${name}`, body));
    return { percent: b.percent, value: name };
  });
  const split = splitVariable(ctx, values);
  out.push(`if ($${split} = "") {`, '  return 500;', '}', 'recursive_error_pages on;', `error_page 418 = $${split};`, 'return 418;');
  return out;
}

/** How many times a request may be sent (1 + retries). */
function tries(a: ActionIR): number {
  return a.retry ? Math.min(a.retry.attempts, 10) + 1 : 1;
}

/** Status codes nginx's `*_next_upstream` can retry on. */
const RETRIABLE = new Set([403, 404, 429, 500, 502, 503, 504]);

function retryDirectives(ctx: RenderContext, a: ActionIR, module: 'proxy' | 'grpc'): string[] {
  const r = a.retry;
  if (!r || r.attempts < 1) return [];
  const ref = ctx.ref(a.source.kind, a.source.namespace, a.source.name);
  const field = `spec.rules[${a.source.rule}].retry`;
  const bad = r.codes.filter((c) => !RETRIABLE.has(c));
  if (bad.length) ctx.unsupported(ref, `${field}.codes`, `nginx can retry only on ${[...RETRIABLE].join(', ')}; codes ${bad.join(', ')} are not retried`, 'remove those codes');
  if (r.attempts > 10) ctx.unsupported(ref, `${field}.attempts`, `at most 10 retries are configured (asked: ${r.attempts})`, 'lower attempts', 'warning');
  if (r.backoff !== undefined) ctx.unsupported(ref, `${field}.backoff`, 'nginx retries immediately; backoff is not applied', 'remove backoff', 'warning');
  const conditions = ['error', 'timeout', ...r.codes.filter((c) => RETRIABLE.has(c)).map((c) => `http_${c}`)];
  return [`${module}_next_upstream ${conditions.join(' ')};`, `${module}_next_upstream_tries ${tries(a)};`];
}

function isGrpc(b: BackendIR): boolean {
  return b.protocol === 'grpc' || b.protocol === 'h2c';
}

function runtimeTarget(out: string[], address: string): string {
  out.push(`set $gw_target ${complex(address, 'backend address')};`);
  return '$gw_target';
}

function shapeKey(a: ActionIR, b: BackendIR): string {
  return JSON.stringify([b.protocol, b.tls ?? null, a.grpc]);
}

/** `split_clients` over `$request_id`; values `""` mean "answer 500". */
function splitVariable(ctx: RenderContext, entries: { percent: number; value: string }[]): string {
  const lines: string[] = [];
  entries.forEach((e, i) => {
    const v = e.value === '' ? '""' : e.value;
    lines.push(i === entries.length - 1 ? `* ${v};` : `${e.percent.toFixed(2).replace(/\.?0+$/, '')}% ${v};`);
  });
  return ctx.httpVar('gw_s', lines.join('\n'), (name) => block(`split_clients $request_id $${name}`, lines));
}

function proxyDirectives(ctx: RenderContext, st: ServerState, a: ActionIR, b: BackendIR, target: string): string[] {
  const out: string[] = [];
  const grpc = b.protocol === 'grpc' || b.protocol === 'h2c';
  const module = grpc ? 'grpc' : 'proxy';
  const tls = b.tls;
  // the server level holds the default header set; a location that changes any header must
  // repeat all of them (location-level *_set_header replaces the inherited ones)
  if (modifiesRequestHeaders(a, b)) {
    for (const [name, value] of requestHeaders(ctx, st, a, b, grpc)) out.push(`${module}_set_header ${name} ${value};`);
  }
  if (tls) out.push(...upstreamTls(ctx, module, tls));
  // long-lived WebSocket connections, unless the rule sets its own timeouts
  if (b.protocol === 'ws' && !timeoutDirectives(a, false).length) out.push('proxy_read_timeout 3600s;', 'proxy_send_timeout 3600s;');
  out.push(...retryDirectives(ctx, a, module));
  const rw = a.rewrite?.path;
  if (rw) out.push(...rewriteDirectives(a, rw.type, rw.value));
  const scheme = grpc ? (tls ? 'grpcs' : 'grpc') : tls ? 'https' : 'http';
  out.push(`${module}_pass ${scheme}://${target};`);
  return out;
}

function modifiesRequestHeaders(a: ActionIR, b: BackendIR | undefined): boolean {
  const m = (x: HeaderModifierIR | undefined) => !!x && (x.set.length > 0 || x.add.length > 0 || x.remove.length > 0);
  return a.rewrite?.hostname !== undefined || m(a.requestHeaders) || m(b?.requestHeaders);
}

/** Request headers every proxied request carries (set at server level, inherited by locations). */
export function defaultRequestHeaders(port: number, grpc: boolean): [string, string][] {
  const h: [string, string][] = [
    ['Host', '$gw_host'],
    ['X-Forwarded-For', '$proxy_add_x_forwarded_for'],
    ['X-Real-IP', '$remote_addr'],
    ['X-Forwarded-Proto', '$scheme'],
    ['X-Forwarded-Host', '$host'],
    ['X-Forwarded-Port', String(port)],
  ];
  if (!grpc) h.push(['Upgrade', '$http_upgrade'], ['Connection', '$gw_connection']);
  return h;
}

/** The full request header set of a proxy location (location-level headers replace inherited ones). */
function requestHeaders(ctx: RenderContext, st: ServerState, a: ActionIR, b: BackendIR, grpc: boolean): Map<string, string> {
  const h = new Map<string, [string, string]>(); // lower name → [quoted name, value]
  for (const [name, value] of defaultRequestHeaders(st.port.port, grpc)) h.set(name.toLowerCase(), [name, value]);
  if (a.rewrite?.hostname !== undefined) h.set('host', ['Host', complex(hostnameToken(a.rewrite.hostname, false, 'rewrite hostname'))]);
  for (const mod of [a.requestHeaders, b.requestHeaders]) {
    if (!mod) continue;
    for (const x of mod.set) h.set(x.name.toLowerCase(), [headerName(x.name), headerValue(x.value)]);
    for (const x of mod.add) {
      const name = headerName(x.name);
      const prev = h.get(x.name.toLowerCase());
      if (prev && prev[1] !== '$gw_host') {
        // added on top of a value set here: append to it
        h.set(x.name.toLowerCase(), [name, `"${prev[1].replace(/^"|"$/g, '')},${complexParts(x.value, 'header value')}"`]);
        continue;
      }
      headerValue(x.value);
      let variable: string | undefined;
      try {
        variable = headerVariable(x.name);
      } catch {
        variable = undefined; // nginx drops such incoming headers: add == set
      }
      if (!variable) {
        h.set(x.name.toLowerCase(), [name, complex(x.value)]);
        continue;
      }
      const v = variable;
      const map = ctx.httpVar('gw_h', `${v}\u0000${x.value}`, (n) => block(`map ${v} $${n}`, [`"" ${complex(x.value)};`, `default "${v},${complexParts(x.value)}";`]));
      h.set(x.name.toLowerCase(), [name, `$${map}`]);
    }
    for (const r of mod.remove) h.set(r.toLowerCase(), [headerName(r), '""']);
  }
  return new Map([...h.values()]);
}

function responseHeaderDirectives(rule: HeaderModifierIR, module: 'proxy' | 'grpc', more: HeaderModifierIR[]): string[] {
  const out: string[] = [];
  const hide = new Set<string>();
  const adds: string[] = [];
  const set = new Map<string, { name: string; value: string }>();
  for (const mod of [rule, ...more]) {
    for (const x of mod.set) set.set(x.name.toLowerCase(), x);
    for (const r of mod.remove) {
      hide.add(headerName(r));
      set.delete(r.toLowerCase());
    }
    for (const x of mod.add) adds.push(`add_header ${headerName(x.name)} ${headerValue(x.value)} always;`);
  }
  for (const x of set.values()) {
    hide.add(headerName(x.name));
    adds.unshift(`add_header ${headerName(x.name)} ${headerValue(x.value)} always;`);
  }
  for (const n of hide) out.push(`${module}_hide_header ${n};`);
  return [...out, ...adds];
}

/** The `rewrite` directives of URLRewrite path modifiers (applied to the normalised `$uri`). */
function rewriteDirectives(a: ActionIR, type: 'ReplaceFullPath' | 'ReplacePrefixMatch', value: string): string[] {
  const v = pathValue(value, 'rewrite path');
  if (type === 'ReplaceFullPath') return [`rewrite ^ ${complex(v)} break;`];
  const p = a.pathMatch.value;
  const r = v.replace(/\/+$/, '');
  if (p === '/') return [`rewrite ${regex('^(/.*)$')} "${complexParts(r)}$1" break;`];
  const ep = escapeRegexLiteral(pathValue(p));
  return [`rewrite ${regex(`^${ep}$`)} ${complex(r || '/')} break;`, `rewrite ${regex(`^${ep}(/.*)$`)} "${complexParts(r)}$1" break;`];
}

function redirectDirectives(st: ServerState, a: ActionIR): string[] {
  const r = a.redirect!;
  const code = integer(r.statusCode, 300, 399, 'redirect status code');
  const scheme = r.scheme ?? (st.port.protocol === 'HTTPS' ? 'https' : 'http');
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new UnsafeValueError(`redirect scheme ${JSON.stringify(scheme)} is not a URL scheme`, scheme);
  const host = r.hostname !== undefined ? complexParts(hostnameToken(r.hostname, false, 'redirect hostname')) : '$host';
  const port = r.port !== undefined ? `:${integer(r.port, 1, 65535, 'redirect port')}` : '';
  const base = `${scheme}://${host}${port}`;
  const path = r.path;
  if (!path) return [`return ${code} "${base}$request_uri";`];
  const v = pathValue(path.value, 'redirect path');
  if (path.type === 'ReplaceFullPath') return [`return ${code} "${base}${complexParts(v)}$is_args$args";`];
  const p = a.pathMatch.value;
  const rp = v.replace(/\/+$/, '');
  if (p === '/') return [`return ${code} "${base}${complexParts(rp)}$request_uri";`];
  const ep = escapeRegexLiteral(pathValue(p));
  return [
    `if ($request_uri ~ ${regex(`^${ep}(\\?.*)?$`)}) {`,
    `  return ${code} "${base}${complexParts(rp || '/')}$1";`,
    '}',
    `if ($request_uri ~ ${regex(`^${ep}(/[^?]*)(\\?.*)?$`)}) {`,
    `  return ${code} "${base}${complexParts(rp)}$1$2";`,
    '}',
    '# the raw request URI does not spell the prefix literally (percent-encoding, dot segments)',
    'return 400;',
  ];
}

function timeoutDirectives(a: ActionIR, grpc: boolean): string[] {
  const t = a.timeouts;
  if (!t) return [];
  const values = [t.request, t.backendRequest].filter((x): x is string => x !== undefined).map(duration).filter((x): x is string => x !== undefined);
  if (!values.length) return [];
  const ms = Math.min(...values.map((v) => Number(v.replace('ms', ''))));
  const m = grpc ? 'grpc' : 'proxy';
  return [`${m}_connect_timeout ${Math.min(ms, 60000)}ms;`, `${m}_read_timeout ${ms}ms;`, `${m}_send_timeout ${ms}ms;`];
}

function upstreamTls(ctx: RenderContext, module: 'proxy' | 'grpc', t: BackendTlsIR): string[] {
  const out = [`${module}_ssl_verify on;`, `${module}_ssl_server_name on;`, `${module}_ssl_name ${hostnameToken(t.hostname, false, 'BackendTLSPolicy hostname')};`, `${module}_ssl_verify_depth 5;`];
  if (t.system) out.push(`${module}_ssl_trusted_certificate ${SYSTEM_CA_BUNDLE};`);
  else {
    out.push(`${module}_ssl_trusted_certificate ${literal(caPath(t.caCertificates[0], ctx.opts.caFiles), 'CA path')};`);
    ctx.useConfigMap(t.caCertificates[0]);
  }
  out.push(`${module}_ssl_protocols TLSv1.2 TLSv1.3;`);
  const cc = ctx.gw.backendClientCertificate;
  if (cc) {
    out.push(...ctx.certificateDirectives(`${module}_ssl`, [cc], 'none', ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), 'the connection to the upstream', (p) => literal(p)));
  }
  return out;
}

/**
 * Whether nginx can verify upstream TLS as the policy says. nginx checks the certificate against
 * one name (`proxy_ssl_name`, also the SNI): subjectAltNames are honoured only when they include
 * the policy hostname (then verification is stricter than asked); otherwise the backend answers
 * 500 rather than connect with weaker verification.
 */
function tlsHonoured(ctx: RenderContext, t: BackendTlsIR): boolean {
  if (!t.valid) return false;
  if (!t.subjectAltNames.length) return true;
  const ref = ctx.ref('BackendTLSPolicy', t.policy.namespace, t.policy.name);
  if (t.subjectAltNames.some((s) => s.toLowerCase() === t.hostname.toLowerCase())) {
    ctx.unsupported(ref, 'spec.validation.subjectAltNames', `nginx verifies the backend certificate against one name: only the hostname ${t.hostname} is accepted, not the other subjectAltNames`, 'issue backend certificates for the policy hostname', 'warning');
    return true;
  }
  ctx.unsupported(ref, 'spec.validation.subjectAltNames', `nginx cannot verify the backend certificate against subjectAltNames other than the hostname ${t.hostname}; requests to the backend are answered 500`, 'add the hostname to subjectAltNames, or remove subjectAltNames');
  return false;
}

function mirrorDirectives(ctx: RenderContext, st: ServerState, m: MirrorIR): string[] {
  if (!m.upstream || (m.tls && !tlsHonoured(ctx, m.tls))) return [];
  let uri: string;
  do uri = `${INTERNAL_PREFIX}/mirror/${ctx.next('m')}`;
  while (st.reserved.has(uri));
  const grpc = m.protocol === 'grpc' || m.protocol === 'h2c';
  const module = grpc ? 'grpc' : 'proxy';
  const body: string[] = ['internal;'];
  if (m.percent < 100) {
    const v = splitVariable(ctx, [
      { percent: m.percent, value: '1' },
      { percent: 100 - m.percent, value: '""' },
    ]);
    body.push(`if ($${v} = "") {`, '  return 204;', '}');
  }
  const t = ctx.target(m.upstream);
  const target = t.runtime ? runtimeTarget(body, t.value) : t.value;
  if (m.tls) body.push(...upstreamTls(ctx, module, m.tls));
  const scheme = grpc ? (m.tls ? 'grpcs' : 'grpc') : m.tls ? 'https' : 'http';
  body.push(`${module}_pass ${scheme}://${target}$request_uri;`);
  st.internal.push(...block(`location = ${literal(uri)}`, body));
  return [`mirror ${literal(uri)};`];
}

// ---------------------------------------------------------------------------------------------
// CORS

function originRegex(o: string): string {
  if (o === '*') return '^.+$';
  // scheme://host[:port] with `*` standing for one or more host labels
  return `^${o.split('*').map(escapeRegexLiteral).join('[^/]+')}$`;
}

function corsDirectives(ctx: RenderContext, a: ActionIR): { headers: string[]; preflight: string[] } {
  const c = a.cors!;
  const origins = c.allowOrigins.map((o) => {
    // eslint-disable-next-line no-control-regex
    if (/[\s"\\\u0000-\u001f\u007f-\uffff]/.test(o) || !o.length) throw new UnsafeValueError(`CORS origin ${JSON.stringify(o)} is not valid`, o);
    return o;
  });
  if (!origins.length) return { headers: [], preflight: [] };
  const token = (s: string, what: string) => {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(s)) throw new UnsafeValueError(`CORS ${what} ${JSON.stringify(s)} is not a valid token`, s);
    return s;
  };
  const methods = c.allowMethods.map((m) => token(m, 'method'));
  const headers = c.allowHeaders.map((h) => token(h, 'header'));
  const expose = c.exposeHeaders.map((h) => token(h, 'header'));
  const originEntries = origins.map((o) => `${regex(`~${originRegex(o)}`)} $http_origin;`);
  const originVar = ctx.httpVar('gw_co', originEntries.join('\n'), (n) => block(`map $http_origin $${n}`, [...originEntries, 'default "";']));
  // a preflight (any origin) is answered here; it carries CORS headers only for allowed origins
  const anyPreflight = ctx.httpVar('gw_cp', 'any', (n) =>
    block(`map "$request_method|$http_access_control_request_method|$http_origin" $${n}`, ['"~^OPTIONS\\|.+\\|.+" 1;', 'default "";']),
  );
  const pfVar = ctx.httpVar('gw_cp', originVar, (n) =>
    block(`map "$request_method|$http_access_control_request_method|$${originVar}" $${n}`, ['"~^OPTIONS\\|.+\\|.+" 1;', 'default "";']),
  );
  const onPreflight = (value: string) => {
    const k = `${pfVar}\u0000${value}`;
    return ctx.httpVar('gw_cv', k, (n) => block(`map $${pfVar} $${n}`, [`1 ${value};`, 'default "";']));
  };
  const onAllowed = (value: string) => ctx.httpVar('gw_cv', `${originVar}\u0000${value}`, (n) => block(`map $${originVar} $${n}`, [`"" "";`, `default ${value};`]));
  const out: string[] = [];
  out.push(`add_header Access-Control-Allow-Origin $${originVar} always;`);
  if (c.allowCredentials) out.push(`add_header Access-Control-Allow-Credentials $${onAllowed('true')} always;`);
  if (expose.length) out.push(`add_header Access-Control-Expose-Headers $${onAllowed(complex(expose.join(', ')))} always;`);
  out.push('add_header Vary Origin always;');
  const m = methods.includes('*') ? '$http_access_control_request_method' : complex(methods.join(', '));
  out.push(`add_header Access-Control-Allow-Methods $${onPreflight(m)} always;`);
  if (headers.length) {
    const h = headers.includes('*') ? '$http_access_control_request_headers' : complex(headers.join(', '));
    out.push(`add_header Access-Control-Allow-Headers $${onPreflight(h)} always;`);
  }
  out.push(`add_header Access-Control-Max-Age $${onPreflight(integer(c.maxAge, -1, 86400 * 365, 'CORS maxAge'))} always;`);
  return { headers: out, preflight: [`if ($${anyPreflight} = 1) {`, '  return 204;', '}'] };
}
