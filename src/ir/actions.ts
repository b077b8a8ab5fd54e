/** Actions: what one match of one rule does (proxy with weighted split, redirect, rewrite, headers, mirrors, CORS, retry, timeouts). */
import { ObjectRef } from '../model';
import type { ResolvedRule, RouteAttachment } from '../resolve/model';
import { mirrorPercent, splitPercentages } from '../resolve/precedence';
import { arr, Json, num, rec, str } from '../resolve/util';
import { Ctx, unsupported } from './context';
import { ActionIR, BackendIR, ClientOptionsIR, CorsIR, HeaderModifierIR, MirrorIR, PathModifierIR, RedirectIR } from './types';
import { backendIR, backendProtocol, backendTls, upstreamOf } from './upstreams';

function headerModifier(v: unknown): HeaderModifierIR {
  const x = rec(v);
  const firstPerName = (list: unknown): { name: string; value: string }[] => {
    const seen = new Set<string>();
    const out: { name: string; value: string }[] = [];
    for (const h of arr(list).map(rec)) {
      const name = str(h.name) ?? '';
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      out.push({ name, value: str(h.value) ?? '' });
    }
    return out;
  };
  const remove = [...new Set(arr(x.remove).filter((r): r is string => typeof r === 'string'))];
  return { set: firstPerName(x.set), add: firstPerName(x.add), remove };
}

const EMPTY_HEADERS: HeaderModifierIR = { set: [], add: [], remove: [] };

/** An IR object under construction: optional properties are set one by one, in the IR's key order. */
type Building<T> = { -readonly [K in keyof T]: T[K] };

function pathModifier(v: unknown): PathModifierIR | undefined {
  const x = rec(v);
  const type = str(x.type);
  if (type === 'ReplaceFullPath') return { type, value: str(x.replaceFullPath) ?? '/' };
  if (type === 'ReplacePrefixMatch') return { type, value: str(x.replacePrefixMatch) ?? '/' };
  return undefined;
}


export function buildAction(
  ctx: Ctx,
  a: RouteAttachment,
  rule: ResolvedRule,
  mi: number,
  pathMatch: ActionIR['pathMatch'],
  port: number,
  protocol: 'HTTP' | 'HTTPS',
  /** The route's reference, for diagnostics (built when one is reported). */
  ref: () => ObjectRef,
): ActionIR {
  const grpc = a.kind === 'GRPCRoute';
  // the rule's field path names a diagnostic only: built when one is reported
  const ruleField = (): string => `spec.rules[${rule.index}]`;
  // the first filter of each type (one pass; most rules have none)
  let rh: Json | undefined, sh: Json | undefined, rr: Json | undefined, rw: Json | undefined, cors: Json | undefined;
  let returnStatus: number | undefined = rule.errorStatus;
  // a malformed proxy option (an error of the resolver): never served without it
  if (a.proxyOptions?.invalid) returnStatus ??= 500;
  for (let fi = 0; fi < rule.filters.length; fi++) {
    const f = rule.filters[fi];
    const type = str(f.type);
    if (type === 'RequestHeaderModifier') rh ??= f;
    else if (type === 'ResponseHeaderModifier') sh ??= f;
    else if (type === 'RequestRedirect') rr ??= f;
    else if (type === 'URLRewrite') rw ??= f;
    else if (type === 'CORS') cors ??= f;
    else if (type === 'ExternalAuth') {
      unsupported(ctx, ref(), `${ruleField()}.filters[${fi}]`, 'ExternalAuth is not supported by the nginx data plane; requests matching the rule are answered 500 (never served unauthenticated)', 'remove the filter, or use a controller that implements ExternalAuth');
      returnStatus ??= 500;
    } else if (type === 'ExtensionRef' && rule.errorStatus === undefined) {
      unsupported(ctx, ref(), `${ruleField()}.filters[${fi}]`, 'ExtensionRef filters are not understood by the nginx data plane; requests matching the rule are answered 500', 'remove the filter');
      returnStatus ??= 500;
    }
  }
  if (Object.prototype.hasOwnProperty.call(rule.extra, 'sessionPersistence')) {
    const k = 'sessionPersistence';
    unsupported(ctx, ref(), `${ruleField()}.${k}`, `${k} is not implemented by the nginx data plane; the rule is served without it`, `remove ${k}, or use a controller that implements it`);
  }
  let redirect: RedirectIR | undefined;
  if (rr) {
    const x = rec(rr.requestRedirect);
    const scheme = str(x.scheme)?.toLowerCase();
    const hostname = str(x.hostname);
    const explicitPort = num(x.port);
    const listenerScheme = protocol === 'HTTPS' ? 'https' : 'http';
    const finalScheme = scheme ?? listenerScheme;
    const wellKnown = (s: string) => (s === 'http' ? 80 : s === 'https' ? 443 : undefined);
    const p = explicitPort ?? (scheme !== undefined ? wellKnown(scheme) ?? port : port);
    const path = pathModifier(x.path);
    const r: Partial<Building<RedirectIR>> = {};
    if (scheme !== undefined) r.scheme = scheme;
    if (hostname !== undefined) r.hostname = hostname;
    if (p !== wellKnown(finalScheme)) r.port = p;
    if (path) r.path = path;
    r.statusCode = num(x.statusCode) ?? 302;
    redirect = r as RedirectIR;
  }
  let rewrite: Building<NonNullable<ActionIR['rewrite']>> | undefined;
  if (rw) {
    const x = rec(rw.urlRewrite);
    const hostname = str(x.hostname);
    const path = pathModifier(x.path);
    rewrite = {};
    if (hostname !== undefined) rewrite.hostname = hostname;
    if (path) rewrite.path = path;
  }
  if (pathMatch.type !== 'PathPrefix') {
    if (redirect?.path?.type === 'ReplacePrefixMatch') returnStatus = prefixOnly(ctx, ref, ruleField(), 'requestRedirect', mi, pathMatch, returnStatus);
    if (rewrite?.path?.type === 'ReplacePrefixMatch') returnStatus = prefixOnly(ctx, ref, ruleField(), 'urlRewrite', mi, pathMatch, returnStatus);
  }
  const mirrors: MirrorIR[] = [];
  if (rule.mirrors.length) {
    let mirrorIndex = 0;
    for (const f of rule.filters) {
      if (str(f.type) !== 'RequestMirror') continue;
      const target = rule.mirrors[mirrorIndex++];
      const percent = mirrorPercent(f.requestMirror);
      if (!target || percent <= 0) continue;
      const upstream = upstreamOf(ctx, target);
      const tls = backendTls(target.tls);
      const m: Partial<Building<MirrorIR>> = {};
      if (upstream) m.upstream = upstream;
      m.percent = percent;
      m.protocol = backendProtocol(target, grpc);
      if (tls) m.tls = tls;
      mirrors.push(m as MirrorIR);
    }
  }
  // one backend (most rules): its share is 100, or 0 without weight (what splitPercentages gives)
  const percents = rule.backends.length === 1 ? [oneShare(rule.backends[0].weight)] : splitPercentages(rule.backends.map((b) => b.weight));
  const backends: BackendIR[] = [];
  for (let i = 0; i < rule.backends.length; i++) {
    const b = rule.backends[i];
    const tls = backendTls(b.tls);
    let brh: Json | undefined, bsh: Json | undefined;
    for (let fi = 0; fi < b.filters.length; fi++) {
      const f = b.filters[fi];
      const t = str(f.type);
      if (t === 'RequestHeaderModifier') brh ??= f;
      else if (t === 'ResponseHeaderModifier') bsh ??= f;
      else unsupported(ctx, ref(), `${b.field}.filters[${fi}]`, `backendRef filter ${t} is not supported by the nginx data plane (only header modifiers); it is ignored`);
    }
    const out: Building<BackendIR> = backendIR(ctx, b, percents[i], backendProtocol(b, grpc));
    if (tls) out.tls = tls;
    if (brh) out.requestHeaders = headerModifier(brh.requestHeaderModifier);
    if (bsh) out.responseHeaders = headerModifier(bsh.responseHeaderModifier);
    backends.push(out);
  }
  if (!redirect && returnStatus === undefined && !backends.some((b) => b.upstream && b.percent > 0)) returnStatus = 500;
  let timeouts: Building<NonNullable<ActionIR['timeouts']>> | undefined;
  if (rule.extra.timeouts !== undefined) {
    const t = rec(rule.extra.timeouts);
    const request = str(t.request);
    const backendRequest = str(t.backendRequest);
    if (request !== undefined || backendRequest !== undefined) {
      timeouts = {};
      if (request !== undefined) timeouts.request = request;
      if (backendRequest !== undefined) timeouts.backendRequest = backendRequest;
    }
  }
  let retry: ActionIR['retry'];
  if (rule.extra.retry !== undefined) {
    const x = rec(rule.extra.retry);
    const codes = arr(x.codes).map(num).filter((c): c is number => c !== undefined);
    retry = { attempts: Math.max(0, Math.floor(num(x.attempts) ?? 1)), codes: [...new Set(codes)].sort((p, q) => p - q), ...(str(x.backoff) !== undefined ? { backoff: str(x.backoff) } : {}) };
  }
  let corsIR: CorsIR | undefined;
  if (cors) {
    const x = rec(cors.cors);
    const list = (v: unknown) => arr(v).filter((s): s is string => typeof s === 'string');
    corsIR = {
      allowOrigins: list(x.allowOrigins),
      allowCredentials: x.allowCredentials === true,
      allowMethods: list(x.allowMethods),
      allowHeaders: list(x.allowHeaders),
      exposeHeaders: list(x.exposeHeaders),
      maxAge: num(x.maxAge) ?? 5,
    };
  }
  const source: Building<ActionIR['source']> = { kind: a.kind, namespace: a.namespace, name: a.name, rule: rule.index, match: mi };
  if (rule.name !== undefined) source.ruleName = rule.name;
  // optional properties set one by one, in the IR's key order (the order its JSON is written in)
  const id = `${a.kind}/${a.namespace}/${a.name}/${rule.index}/${mi}`;
  const requestHeaders = rh ? headerModifier(rh.requestHeaderModifier) : EMPTY_HEADERS;
  const responseHeaders = sh ? headerModifier(sh.responseHeaderModifier) : EMPTY_HEADERS;
  const client = clientOptions(a);
  // the usual action (proxy, no optional property): one literal, not a property added at a time
  if (returnStatus === undefined && !redirect && !rewrite && !corsIR && !retry && !timeouts && !client) return { id, source, pathMatch, requestHeaders, responseHeaders, mirrors, backends, grpc };
  const out = { id, source, pathMatch } as Building<ActionIR>;
  if (returnStatus !== undefined) out.returnStatus = returnStatus;
  else if (redirect) out.redirect = redirect;
  if (rewrite) out.rewrite = rewrite;
  out.requestHeaders = requestHeaders;
  out.responseHeaders = responseHeaders;
  if (corsIR) out.cors = corsIR;
  out.mirrors = mirrors;
  out.backends = backends;
  if (retry) out.retry = retry;
  if (timeouts) out.timeouts = timeouts;
  out.grpc = grpc;
  if (client) out.client = client;
  return out;
}

/** `splitPercentages([weight])[0]` without its arrays: all of it when the weight counts, else none (other numbers: computed). */
function oneShare(weight: number): number {
  return Number.isSafeInteger(weight) && weight >= 0 ? (weight > 0 ? 100 : 0) : splitPercentages([weight])[0];
}

/** A prefix replacement on a match that is not a prefix match: reported, and the rule answers 500. */
function prefixOnly(ctx: Ctx, ref: () => ObjectRef, ruleField: string, where: string, mi: number, pathMatch: ActionIR['pathMatch'], returnStatus: number | undefined): number {
  unsupported(ctx, ref(), `${ruleField}.filters`, `${where}.path ReplacePrefixMatch needs a PathPrefix match (match ${mi} is ${pathMatch.type}); requests are answered 500`);
  return returnStatus ?? 500;
}

function clientOptions(a: RouteAttachment): ClientOptionsIR | undefined {
  const o = a.proxyOptions;
  if (!o || o.invalid) return undefined;
  const client: Building<ClientOptionsIR> = {};
  if (o.maxRequestBodySize !== undefined) client.maxRequestBodySize = o.maxRequestBodySize;
  if (o.clientBodyBufferSize !== undefined) client.clientBodyBufferSize = o.clientBodyBufferSize;
  if (o.allowSourceRanges?.length) client.allowSourceRanges = [...o.allowSourceRanges];
  if (o.denySourceRanges?.length) client.denySourceRanges = [...o.denySourceRanges];
  return Object.keys(client).length ? client : undefined;
}
