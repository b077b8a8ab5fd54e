/** Actions: what one match of one rule does (proxy with weighted split, redirect, rewrite, headers, mirrors, CORS, retry, timeouts). */
import { ObjectRef } from '../model';
import type { ResolvedRule, RouteAttachment } from '../resolve/model';
import { mirrorPercent, splitPercentages } from '../resolve/precedence';
import { arr, cmp, Json, num, rec, str } from '../resolve/util';
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
  const ruleField = () => `spec.rules[${rule.index}]`;
  const first = (type: string): Json | undefined => rule.filters.find((f) => str(f.type) === type);
  const rh = first('RequestHeaderModifier');
  const sh = first('ResponseHeaderModifier');
  const rr = first('RequestRedirect');
  const rw = first('URLRewrite');
  const cors = first('CORS');
  let returnStatus: number | undefined = rule.errorStatus;
  // a malformed proxy option (an error of the resolver): never served without it
  if (a.proxyOptions?.invalid) returnStatus ??= 500;
  rule.filters.forEach((f, fi) => {
    const type = str(f.type);
    if (type === 'ExternalAuth') {
      unsupported(ctx, ref(), `${ruleField()}.filters[${fi}]`, 'ExternalAuth is not supported by the nginx data plane; requests matching the rule are answered 500 (never served unauthenticated)', 'remove the filter, or use a controller that implements ExternalAuth');
      returnStatus ??= 500;
    } else if (type === 'ExtensionRef' && rule.errorStatus === undefined) {
      unsupported(ctx, ref(), `${ruleField()}.filters[${fi}]`, 'ExtensionRef filters are not understood by the nginx data plane; requests matching the rule are answered 500', 'remove the filter');
      returnStatus ??= 500;
    }
  });
  for (const k of Object.keys(rule.extra).sort(cmp)) {
    if (k === 'timeouts') continue;
    if (k === 'sessionPersistence') {
      unsupported(ctx, ref(), `${ruleField()}.${k}`, `${k} is not implemented by the nginx data plane; the rule is served without it`, `remove ${k}, or use a controller that implements it`);
    }
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
    redirect = {
      ...(scheme !== undefined ? { scheme } : {}),
      ...(hostname !== undefined ? { hostname } : {}),
      ...(p !== wellKnown(finalScheme) ? { port: p } : {}),
      ...(path ? { path } : {}),
      statusCode: num(x.statusCode) ?? 302,
    };
  }
  let rewrite: ActionIR['rewrite'];
  if (rw) {
    const x = rec(rw.urlRewrite);
    const hostname = str(x.hostname);
    const path = pathModifier(x.path);
    rewrite = { ...(hostname !== undefined ? { hostname } : {}), ...(path ? { path } : {}) };
  }
  for (const [pm, where] of [
    [redirect?.path, 'requestRedirect'],
    [rewrite?.path, 'urlRewrite'],
  ] as const) {
    if (pm?.type === 'ReplacePrefixMatch' && pathMatch.type !== 'PathPrefix') {
      unsupported(ctx, ref(), `${ruleField()}.filters`, `${where}.path ReplacePrefixMatch needs a PathPrefix match (match ${mi} is ${pathMatch.type}); requests are answered 500`);
      returnStatus ??= 500;
    }
  }
  const mirrors: MirrorIR[] = [];
  let mirrorIndex = 0;
  rule.filters.forEach((f) => {
    if (str(f.type) !== 'RequestMirror') return;
    const target = rule.mirrors[mirrorIndex++];
    const percent = mirrorPercent(f.requestMirror);
    if (!target || percent <= 0) return;
    const upstream = upstreamOf(ctx, target);
    const tls = backendTls(target.tls);
    mirrors.push({ ...(upstream ? { upstream } : {}), percent, protocol: backendProtocol(target, grpc), ...(tls ? { tls } : {}) });
  });
  const percents = splitPercentages(rule.backends.map((b) => b.weight));
  const backends: BackendIR[] = rule.backends.map((b, i) => {
    const tls = backendTls(b.tls);
    const bf = (type: string) => b.filters.find((f) => str(f.type) === type);
    const brh = bf('RequestHeaderModifier');
    const bsh = bf('ResponseHeaderModifier');
    b.filters.forEach((f, fi) => {
      const t = str(f.type);
      if (t !== 'RequestHeaderModifier' && t !== 'ResponseHeaderModifier') {
        unsupported(ctx, ref(), `${b.field}.filters[${fi}]`, `backendRef filter ${t} is not supported by the nginx data plane (only header modifiers); it is ignored`);
      }
    });
    return {
      ...backendIR(ctx, b, percents[i], backendProtocol(b, grpc)),
      ...(tls ? { tls } : {}),
      ...(brh ? { requestHeaders: headerModifier(brh.requestHeaderModifier) } : {}),
      ...(bsh ? { responseHeaders: headerModifier(bsh.responseHeaderModifier) } : {}),
    };
  });
  if (!redirect && returnStatus === undefined && !backends.some((b) => b.upstream && b.percent > 0)) returnStatus = 500;
  const t = rec(rule.extra.timeouts);
  const timeouts = str(t.request) !== undefined || str(t.backendRequest) !== undefined
    ? { ...(str(t.request) !== undefined ? { request: str(t.request) } : {}), ...(str(t.backendRequest) !== undefined ? { backendRequest: str(t.backendRequest) } : {}) }
    : undefined;
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
  return {
    id: `${a.kind}/${a.namespace}/${a.name}/${rule.index}/${mi}`,
    source: { kind: a.kind, namespace: a.namespace, name: a.name, rule: rule.index, match: mi, ...(rule.name !== undefined ? { ruleName: rule.name } : {}) },
    pathMatch,
    ...(returnStatus !== undefined ? { returnStatus } : {}),
    ...(redirect && returnStatus === undefined ? { redirect } : {}),
    ...(rewrite ? { rewrite } : {}),
    requestHeaders: rh ? headerModifier(rh.requestHeaderModifier) : EMPTY_HEADERS,
    responseHeaders: sh ? headerModifier(sh.responseHeaderModifier) : EMPTY_HEADERS,
    ...(corsIR ? { cors: corsIR } : {}),
    mirrors,
    backends,
    ...(retry ? { retry } : {}),
    ...(timeouts ? { timeouts } : {}),
    grpc,
    ...clientOptions(a),
  };
}

function clientOptions(a: RouteAttachment): { client?: ClientOptionsIR } {
  const o = a.proxyOptions;
  if (!o || o.invalid) return {};
  const client: ClientOptionsIR = {
    ...(o.maxRequestBodySize !== undefined ? { maxRequestBodySize: o.maxRequestBodySize } : {}),
    ...(o.clientBodyBufferSize !== undefined ? { clientBodyBufferSize: o.clientBodyBufferSize } : {}),
    ...(o.allowSourceRanges?.length ? { allowSourceRanges: [...o.allowSourceRanges] } : {}),
    ...(o.denySourceRanges?.length ? { denySourceRanges: [...o.denySourceRanges] } : {}),
  };
  return Object.keys(client).length ? { client } : {};
}
