/**
 * Proxying to backends: `proxy_pass` / `grpc_pass`, traffic splits, retries, timeouts, path
 * rewrites, upstream TLS (BackendTLSPolicy) and request mirrors.
 */
import { ActionIR, BackendIR, BackendTlsIR, MirrorIR } from '../../ir/types';
import { block, RenderContext } from './context';
import { modifiesRequestHeaders, requestHeaders } from './http-headers';
import { ServerState } from './http-state';
import { caPath } from './paths';
import { complex, complexParts, duration, escapeRegexLiteral, hostname as hostnameToken, literal, pathValue, regex } from './quote';

/** Internal URI prefix for mirror subrequest locations. */
const INTERNAL_PREFIX = '/_cdk8s_gateway_internal';

/** System CA bundle (Debian / the official nginx image) for `WellKnownCACertificates: System`. */
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** How many times a request may be sent (1 + retries). */
export function tries(a: ActionIR): number {
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

export function isGrpc(b: BackendIR): boolean {
  return b.protocol === 'grpc' || b.protocol === 'h2c';
}

export function runtimeTarget(out: string[], address: string): string {
  out.push(`set $gw_target ${complex(address, 'backend address')};`);
  return '$gw_target';
}

export function shapeKey(a: ActionIR, b: BackendIR): string {
  return JSON.stringify([b.protocol, b.tls ?? null, a.grpc]);
}

/** `split_clients` over `$request_id`; values `""` mean "answer 500". */
export function splitVariable(ctx: RenderContext, entries: { percent: number; value: string }[]): string {
  const lines: string[] = [];
  entries.forEach((e, i) => {
    const v = e.value === '' ? '""' : e.value;
    lines.push(i === entries.length - 1 ? `* ${v};` : `${e.percent.toFixed(2).replace(/\.?0+$/, '')}% ${v};`);
  });
  return ctx.httpVar('gw_s', lines.join('\n'), (name) => block(`split_clients $request_id $${name}`, lines));
}

/** The directives proxying to `b`, appended to `out` (a new list by default). */
export function proxyDirectives(ctx: RenderContext, st: ServerState, a: ActionIR, b: BackendIR, target: string, out: string[] = []): string[] {
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
export function timeoutDirectives(a: ActionIR, grpc: boolean): string[] {
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
export function tlsHonoured(ctx: RenderContext, t: BackendTlsIR): boolean {
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

export function mirrorDirectives(ctx: RenderContext, st: ServerState, m: MirrorIR): string[] {
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
  st.internal.push({ path: uri, lines: block(`location = ${literal(uri)}`, body) });
  return [`mirror ${literal(uri)};`];
}
