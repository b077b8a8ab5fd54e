import { Diagnostic, GATEWAY_API_VERSION, KubeObject, ObjectRef, sortDiagnostics } from '../model';
import type {
  ResolvedBackend,
  ResolvedBackendTLS,
  ResolvedGateway,
  ResolvedListener,
  ResolvedModel,
  ResolvedRule,
  RouteAttachment,
} from '../resolve/model';
import { compareSpecificity, covers, isWildcard, ownerOf, specificity } from './hostnames';
import { appendAll } from '../model/arrays';
import { compareRoutes, grpcSpecificity, httpSpecificity, mirrorPercent, normalizePrefix, splitPercentages } from '../resolve/precedence';
import type { ResolvedGrpcMatch, ResolvedHttpMatch } from '../resolve/matches';
import { arr, cmp, cmpTuple, Json, num, rec, str } from '../resolve/util';
import {
  ActionIR,
  BackendIR,
  BackendTlsIR,
  CandidateIR,
  ConditionIR,
  CorsIR,
  DataplaneIR,
  GatewayIR,
  HeaderModifierIR,
  HttpPortIR,
  HttpServerIR,
  LocationIR,
  MirrorIR,
  PathModifierIR,
  RedirectIR,
  StreamPortIR,
  TlsRouteIR,
  UpstreamIR,
} from './types';

/** Diagnostic code for everything the data plane cannot honour. */
export const UNSUPPORTED_BY_DATAPLANE = 'UnsupportedByDataplane';

/** Byte-wise comparison (locale independent); kept here for callers of the IR module. */
export { cmp };

interface Ctx {
  readonly diags: Diagnostic[];
  readonly apiVersions: ReadonlyMap<string, string>;
  readonly upstreamNames: ReadonlyMap<string, string>;
  readonly upstreamKeys: ReadonlyMap<string, string>;
  readonly upstreamParts: ReadonlyMap<string, { namespace: string; service: string; port: number }>;
  readonly used: Set<string>;
}

function refOfRoute(ctx: Ctx, kind: string, namespace: string, name: string): ObjectRef {
  return { apiVersion: ctx.apiVersions.get(`${kind}/${namespace}/${name}`) ?? GATEWAY_API_VERSION, kind, namespace, name };
}

function unsupported(ctx: Ctx, object: ObjectRef, field: string | undefined, message: string, fix?: string, severity: 'error' | 'warning' = 'error'): void {
  ctx.diags.push({ severity, code: UNSUPPORTED_BY_DATAPLANE, message, object, ...(field !== undefined ? { field } : {}), ...(fix ? { fix } : {}) });
}

/** `<namespace>/<service>:<port>`. */
export function upstreamKey(namespace: string, service: string, port: number): string {
  return `${namespace}/${service}:${port}`;
}

/** Deterministic, collision-free upstream names for a set of keys (sorted first). */
export function upstreamNames(keys: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const k of [...new Set(keys)].sort(cmp)) {
    const base = `up_${k.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    out.set(k, name);
  }
  return out;
}

/**
 * Compiles the resolved model into the dataplane IR. Pure: plain data in, plain sorted data out.
 *
 * @param model the resolver's model (`resolve(objects).model`)
 * @param objects the same input objects (Service kinds, route apiVersions for diagnostics)
 */
export function buildDataplane(model: ResolvedModel, objects: readonly KubeObject[]): DataplaneIR {
  const apiVersions = new Map<string, string>();
  const serviceImports = new Set<string>();
  for (const o of objects) {
    if (!o || typeof o !== 'object' || !o.metadata) continue;
    const ns = o.metadata.namespace ?? 'default';
    apiVersions.set(`${o.kind}/${ns}/${o.metadata.name ?? ''}`, o.apiVersion);
  }
  for (const r of model.routes) for (const rule of r.rules) for (const b of [...rule.backends, ...rule.mirrors]) if (b.kind === 'ServiceImport') serviceImports.add(`${b.namespace}/${b.name}`);
  const gateways = model.gateways.filter((g) => g.accepted).map((g) => buildGateway(g, apiVersions, serviceImports));
  return { gateways };
}

function allBackends(g: ResolvedGateway): Map<string, { namespace: string; service: string; port: number }> {
  const out = new Map<string, { namespace: string; service: string; port: number }>();
  for (const l of g.listeners) for (const a of l.routes) for (const r of a.rules) for (const b of [...r.backends, ...r.mirrors]) if (b.valid && b.port !== undefined) out.set(upstreamKey(b.namespace, b.name, b.port), { namespace: b.namespace, service: b.name, port: b.port });
  return out;
}

function buildGateway(g: ResolvedGateway, apiVersions: ReadonlyMap<string, string>, serviceImports: ReadonlySet<string>): GatewayIR {
  const parts = allBackends(g);
  const names = upstreamNames(parts.keys());
  const ctx: Ctx = { diags: [], apiVersions, upstreamNames: names, upstreamKeys: new Map([...names].map(([k, v]) => [v, k])), upstreamParts: parts, used: new Set() };
  const listeners = g.listeners.filter((l) => l.programmed);
  const ports = [...new Set(listeners.map((l) => l.port))].sort((a, b) => a - b);
  const httpPorts: HttpPortIR[] = [];
  const streamPorts: StreamPortIR[] = [];
  for (const port of ports) {
    const on = listeners.filter((l) => l.port === port);
    const https = on.filter((l) => l.protocol === 'HTTPS');
    const http = on.filter((l) => l.protocol === 'HTTP');
    const tls = on.filter((l) => l.protocol === 'TLS');
    const tcp = on.filter((l) => l.protocol === 'TCP');
    const udp = on.filter((l) => l.protocol === 'UDP');
    if (http.length) httpPorts.push(buildHttpPort(ctx, port, 'HTTP', http, false));
    if (https.length) httpPorts.push(buildHttpPort(ctx, port, 'HTTPS', https, tls.length > 0));
    if (tls.length) streamPorts.push(buildTlsPort(ctx, port, tls, https));
    if (tcp.length) streamPorts.push(buildL4Port(ctx, port, 'TCP', tcp));
    if (udp.length) streamPorts.push(buildL4Port(ctx, port, 'UDP', udp));
    for (const l of on) {
      if (!['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'].includes(l.protocol)) {
        unsupported(ctx, { apiVersion: GATEWAY_API_VERSION, kind: l.source.kind, namespace: l.source.namespace, name: l.source.name }, `listener ${l.name}`, `protocol ${l.protocol} is not served by the nginx data plane`);
      }
    }
  }
  const upstreams: UpstreamIR[] = [...ctx.used]
    .map((k) => {
      const m = ctx.upstreamParts.get(k)!;
      return { name: ctx.upstreamNames.get(k)!, key: k, namespace: m.namespace, service: m.service, port: m.port, kind: serviceImports.has(`${m.namespace}/${m.service}`) ? ('ServiceImport' as const) : ('Service' as const) };
    })
    .sort((a, b) => cmp(a.name, b.name));
  return {
    namespace: g.namespace,
    name: g.name,
    httpPorts,
    streamPorts,
    upstreams,
    ...(g.backendClientCertificate ? { backendClientCertificate: g.backendClientCertificate } : {}),
    diagnostics: sortDiagnostics(dedupeDiags(ctx.diags)),
  };
}

function dedupeDiags(d: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return d.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP servers

const HTTP_KINDS = new Set(['HTTPRoute', 'GRPCRoute']);

function buildHttpPort(ctx: Ctx, port: number, protocol: 'HTTP' | 'HTTPS', listeners: ResolvedListener[], behindStream: boolean): HttpPortIR {
  const names = new Set<string>();
  for (const l of listeners) {
    if (l.hostname !== undefined) names.add(l.hostname.toLowerCase());
    for (const a of l.routes) if (HTTP_KINDS.has(a.kind)) for (const h of a.hostnames) names.add(h.toLowerCase());
  }
  const servers: HttpServerIR[] = [];
  for (const name of [...names].sort(cmp)) {
    const owner = ownerOf(listeners, name);
    servers.push(buildServer(ctx, port, protocol, name, owner));
  }
  servers.push(buildServer(ctx, port, protocol, undefined, ownerOf(listeners, undefined)));
  const out: HttpPortIR = {
    port,
    protocol,
    listeners: listeners.map((l) => ({ id: l.id, ...(l.hostname !== undefined ? { hostname: l.hostname.toLowerCase() } : {}), protocol: l.protocol })),
    servers,
    ...(behindStream ? { behindStream: true } : {}),
  };
  if (protocol === 'HTTPS' && listeners.length > 1) {
    const sniOwners = listeners
      .filter((l) => l.hostname !== undefined)
      .map((l) => ({ hostname: l.hostname!.toLowerCase(), listener: l.id }))
      .sort((a, b) => cmp(a.hostname, b.hostname));
    const def = ownerOf(listeners, undefined);
    return { ...out, sniOwners, ...(def ? { sniDefaultOwner: def.id } : {}) };
  }
  return out;
}

/** One match of one rule on one server, before location assignment. */
interface MatchEntry {
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
function compareEntries(a: MatchEntry, b: MatchEntry): number {
  return cmpTuple(a.key, b.key) || compareRoutes(a.route, b.route) || cmpTuple(a.position, b.position);
}

/**
 * A match's specificity for the location candidates (`../resolve/precedence`), one tuple shape for
 * HTTP and GRPC matches on the same server: [path type, -path length, path, method, -headers,
 * -query]; a GRPC match ranks as an Exact path by service length, then method length. The path
 * itself breaks ties between different paths of one length, so candidate order is deterministic.
 */
function precedenceKey(kind: string, m: Json, path: string): (string | number)[] {
  if (kind === 'GRPCRoute') {
    const [service, method, headers] = grpcSpecificity(m as ResolvedGrpcMatch);
    return [0, service * 100000 + method, '', 1, headers, 0];
  }
  const [type, length, method, headers, query] = httpSpecificity(m as ResolvedHttpMatch);
  return [type, length, path, method, headers, query];
}

/** The HTTP routes of a listener by the hostnames they can serve (a server looks only at its candidates). */
interface RouteIndex {
  /** routes without hostnames: every server */
  readonly any: number[];
  /** lower-cased exact hostname → routes listing it */
  readonly exact: Map<string, number[]>;
  /** routes with a wildcard hostname: checked against every server name */
  readonly wildcard: number[];
}
const routeIndexes = new WeakMap<ResolvedListener, RouteIndex>();

function routeIndex(l: ResolvedListener): RouteIndex {
  let ix = routeIndexes.get(l);
  if (ix) return ix;
  ix = { any: [], exact: new Map(), wildcard: [] };
  l.routes.forEach((a, i) => {
    if (!HTTP_KINDS.has(a.kind)) return;
    if (!a.hostnames.length) {
      ix!.any.push(i);
      return;
    }
    let wild = false;
    for (const h of new Set(a.hostnames.map((x) => x.toLowerCase()))) {
      if (isWildcard(h)) {
        wild = true;
        continue;
      }
      const list = ix!.exact.get(h);
      if (list) list.push(i);
      else ix!.exact.set(h, [i]);
    }
    if (wild) ix!.wildcard.push(i);
  });
  routeIndexes.set(l, ix);
  return ix;
}

/** Indices (in listener order) of the routes that may serve `hostname` (`covers` decides). */
function candidateRoutes(l: ResolvedListener, hostname: string | undefined): number[] {
  const ix = routeIndex(l);
  if (hostname === undefined) return ix.any;
  return [...new Set([...ix.any, ...(ix.exact.get(hostname.toLowerCase()) ?? []), ...ix.wildcard])].sort((a, b) => a - b);
}

function buildServer(ctx: Ctx, port: number, protocol: 'HTTP' | 'HTTPS', hostname: string | undefined, owner: ResolvedListener | undefined): HttpServerIR {
  const entries: MatchEntry[] = [];
  if (owner) {
    for (const i of candidateRoutes(owner, hostname)) {
      const a = owner.routes[i];
      if (!HTTP_KINDS.has(a.kind)) continue;
      let spec: [number, number] | undefined;
      if (!a.hostnames.length) spec = [0, 0];
      else {
        for (const h of a.hostnames) {
          if (hostname === undefined || !covers(h, hostname)) continue;
          const s = specificity(h.toLowerCase());
          if (!spec || compareSpecificity(s, spec) < 0) spec = s;
        }
      }
      if (!spec) continue;
      entries.push(...routeEntries(ctx, a, port, protocol, spec));
    }
  }
  entries.sort(compareEntries);
  const locations = buildLocations(entries);
  const used = new Set<string>();
  for (const l of locations) for (const c of l.candidates) used.add(c.action);
  const actions = [...new Map(entries.filter((e) => used.has(e.action.id)).map((e) => [e.action.id, e.action])).values()].sort((a, b) => cmp(a.id, b.id));
  for (const a of actions) {
    for (const b of a.backends) if (b.upstream) ctx.used.add(keyOfUpstream(ctx, b.upstream));
    for (const m of a.mirrors) if (m.upstream) ctx.used.add(keyOfUpstream(ctx, m.upstream));
  }
  return {
    ...(hostname !== undefined ? { hostname } : {}),
    ...(owner ? { listener: owner.id } : {}),
    ...(protocol === 'HTTPS' && owner
      ? { tls: { certificates: owner.certificates, ...(owner.clientValidation ? { clientValidation: owner.clientValidation } : {}) } }
      : {}),
    locations,
    actions,
  };
}

function keyOfUpstream(ctx: Ctx, name: string): string {
  return ctx.upstreamKeys.get(name)!;
}

export { normalizePrefix, splitPercentages };

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
}

function routeEntries(ctx: Ctx, a: RouteAttachment, port: number, protocol: 'HTTP' | 'HTTPS', spec: [number, number]): MatchEntry[] {
  const out: MatchEntry[] = [];
  const ref = refOfRoute(ctx, a.kind, a.namespace, a.name);
  for (const rule of a.rules) {
    if (!rule.valid) continue;
    const matches: Json[] = a.kind === 'GRPCRoute' && !rule.matches.length ? [{}] : rule.matches;
    matches.forEach((m, mi) => {
      const field = `spec.rules[${rule.index}].matches[${mi}]`;
      const conditions: ConditionIR[] = [];
      let pathType: 'Exact' | 'PathPrefix' | 'RegularExpression' = 'PathPrefix';
      let path = '/';
      if (a.kind === 'GRPCRoute') {
        const method = rec(m.method);
        const service = str(method.service);
        const meth = str(method.method);
        if (str(method.type) === 'RegularExpression') {
          if (service !== undefined || meth !== undefined) {
            pathType = 'RegularExpression';
            path = `/${service !== undefined ? `(?:${service})` : '[^/]+'}/${meth !== undefined ? `(?:${meth})` : '[^/]+'}`;
          }
        } else if (service !== undefined && meth !== undefined) {
          pathType = 'Exact';
          path = `/${service}/${meth}`;
        } else if (service !== undefined) {
          pathType = 'PathPrefix';
          path = `/${service}`;
        } else if (meth !== undefined) {
          pathType = 'RegularExpression';
          path = `/[^/]+/${escapeRegex(meth)}`;
        }
      } else {
        const p = rec(m.path);
        const t = str(p.type) ?? 'PathPrefix';
        if (t !== 'Exact' && t !== 'PathPrefix' && t !== 'RegularExpression') {
          unsupported(ctx, ref, `${field}.path.type`, `path match type ${t} is not supported; the match is not served`);
          return;
        }
        pathType = t;
        path = str(p.value) ?? '/';
        if (t === 'PathPrefix') path = normalizePrefix(path);
        const method = str(m.method);
        if (method !== undefined) conditions.push({ kind: 'method', value: method });
      }
      const seenHeaders = new Set<string>();
      for (const h of arr(m.headers).map(rec)) {
        const name = str(h.name) ?? '';
        if (seenHeaders.has(name.toLowerCase())) continue;
        seenHeaders.add(name.toLowerCase());
        const type = str(h.type) ?? 'Exact';
        if (type !== 'Exact' && type !== 'RegularExpression') {
          unsupported(ctx, ref, `${field}.headers`, `header match type ${type} is not supported; the match is not served`);
          return;
        }
        conditions.push({ kind: 'header', name: name.toLowerCase(), type, value: str(h.value) ?? '' });
      }
      const seenQuery = new Set<string>();
      for (const q of arr(m.queryParams).map(rec)) {
        const name = str(q.name) ?? '';
        if (seenQuery.has(name)) continue;
        seenQuery.add(name);
        const type = str(q.type) ?? 'Exact';
        if (type !== 'Exact' && type !== 'RegularExpression') {
          unsupported(ctx, ref, `${field}.queryParams`, `query parameter match type ${type} is not supported; the match is not served`);
          return;
        }
        conditions.push({ kind: 'query', name, type, value: str(q.value) ?? '' });
      }
      const action = buildAction(ctx, a, rule, mi, { type: pathType, value: path }, port, protocol, ref);
      out.push({ action, pathType, path, conditions, key: [-spec[0], -spec[1], ...precedenceKey(a.kind, m, path)], route: a, position: [rule.index, mi] });
    });
  }
  return out;
}

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
  const inOrder = (...lists: number[][]): MatchEntry[] => [...new Set(lists.flat())].sort((a, b) => a - b).map((i) => entries[i]);
  const out: LocationIR[] = [];
  for (const x of [...exact].sort(cmp)) {
    const cands: CandidateIR[] = [];
    for (const e of inOrder(exactAt.get(x) ?? [], prefixesOf(x), regexEntries)) {
      if (e.pathType === 'RegularExpression') cands.push({ action: e.action.id, conditions: [{ kind: 'pathRegex', value: e.path }, ...e.conditions] });
      else cands.push({ action: e.action.id, conditions: e.conditions });
    }
    out.push({ kind: 'exact', path: x, candidates: finish(cands) });
  }
  for (const p of [...prefix].sort(cmp)) {
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

// ---------------------------------------------------------------------------------------------
// Actions

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

function backendProtocol(b: ResolvedBackend, grpc: boolean): BackendIR['protocol'] {
  if (grpc) return 'grpc';
  const p = (b.appProtocol ?? '').toLowerCase();
  if (p === 'kubernetes.io/h2c') return 'h2c';
  if (p === 'kubernetes.io/ws' || p === 'kubernetes.io/wss') return 'ws';
  return 'http';
}

function backendTls(t: ResolvedBackendTLS | undefined): BackendTlsIR | undefined {
  if (!t) return undefined;
  const sans = t.subjectAltNames
    .map((s) => (str(s.type) === 'Hostname' ? str(s.hostname) : str(s.type) === 'URI' ? str(s.uri) : undefined))
    .filter((s): s is string => s !== undefined);
  return { policy: t.policy, valid: t.valid, hostname: t.hostname, caCertificates: t.caCertificates, system: t.wellKnownCACertificates === 'System', subjectAltNames: sans };
}

function buildAction(
  ctx: Ctx,
  a: RouteAttachment,
  rule: ResolvedRule,
  mi: number,
  pathMatch: ActionIR['pathMatch'],
  port: number,
  protocol: 'HTTP' | 'HTTPS',
  ref: ObjectRef,
): ActionIR {
  const grpc = a.kind === 'GRPCRoute';
  const ruleField = `spec.rules[${rule.index}]`;
  const first = (type: string): Json | undefined => rule.filters.find((f) => str(f.type) === type);
  const rh = first('RequestHeaderModifier');
  const sh = first('ResponseHeaderModifier');
  const rr = first('RequestRedirect');
  const rw = first('URLRewrite');
  const cors = first('CORS');
  let returnStatus: number | undefined = rule.errorStatus;
  rule.filters.forEach((f, fi) => {
    const type = str(f.type);
    if (type === 'ExternalAuth') {
      unsupported(ctx, ref, `${ruleField}.filters[${fi}]`, 'ExternalAuth is not supported by the nginx data plane; requests matching the rule are answered 500 (never served unauthenticated)', 'remove the filter, or use a controller that implements ExternalAuth');
      returnStatus ??= 500;
    } else if (type === 'ExtensionRef' && rule.errorStatus === undefined) {
      unsupported(ctx, ref, `${ruleField}.filters[${fi}]`, 'ExtensionRef filters are not understood by the nginx data plane; requests matching the rule are answered 500', 'remove the filter');
      returnStatus ??= 500;
    }
  });
  for (const k of Object.keys(rule.extra).sort(cmp)) {
    if (k === 'timeouts') continue;
    if (k === 'sessionPersistence') {
      unsupported(ctx, ref, `${ruleField}.${k}`, `${k} is not implemented by the nginx data plane; the rule is served without it`, `remove ${k}, or use a controller that implements it`);
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
      unsupported(ctx, ref, `${ruleField}.filters`, `${where}.path ReplacePrefixMatch needs a PathPrefix match (match ${mi} is ${pathMatch.type}); requests are answered 500`);
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
    const upstream = target.valid && target.port !== undefined ? ctx.upstreamNames.get(upstreamKey(target.namespace, target.name, target.port)) : undefined;
    const tls = backendTls(target.tls);
    mirrors.push({ ...(upstream ? { upstream } : {}), percent, protocol: backendProtocol(target, grpc), ...(tls ? { tls } : {}) });
  });
  const percents = splitPercentages(rule.backends.map((b) => b.weight));
  const backends: BackendIR[] = rule.backends.map((b, i) => {
    const upstream = b.valid && b.port !== undefined ? ctx.upstreamNames.get(upstreamKey(b.namespace, b.name, b.port)) : undefined;
    const tls = backendTls(b.tls);
    const bf = (type: string) => b.filters.find((f) => str(f.type) === type);
    const brh = bf('RequestHeaderModifier');
    const bsh = bf('ResponseHeaderModifier');
    b.filters.forEach((f, fi) => {
      const t = str(f.type);
      if (t !== 'RequestHeaderModifier' && t !== 'ResponseHeaderModifier') {
        unsupported(ctx, ref, `${b.field}.filters[${fi}]`, `backendRef filter ${t} is not supported by the nginx data plane (only header modifiers); it is ignored`);
      }
    });
    return {
      field: b.field,
      namespace: b.namespace,
      name: b.name,
      ...(b.port !== undefined ? { port: b.port } : {}),
      weight: b.weight,
      percent: percents[i],
      ...(upstream ? { upstream } : {}),
      ...(b.reason ? { reason: b.reason } : {}),
      protocol: backendProtocol(b, grpc),
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
  };
}

// ---------------------------------------------------------------------------------------------
// Stream (TLS / TCP / UDP)

function l4Backends(ctx: Ctx, rule: ResolvedRule | undefined): BackendIR[] {
  if (!rule) return [];
  const percents = splitPercentages(rule.backends.map((b) => b.weight));
  return rule.backends.map((b, i) => {
    const upstream = b.valid && b.port !== undefined ? ctx.upstreamNames.get(upstreamKey(b.namespace, b.name, b.port)) : undefined;
    if (upstream) ctx.used.add(upstreamKey(b.namespace, b.name, b.port!));
    return {
      field: b.field,
      namespace: b.namespace,
      name: b.name,
      ...(b.port !== undefined ? { port: b.port } : {}),
      weight: b.weight,
      percent: percents[i],
      ...(upstream ? { upstream } : {}),
      ...(b.reason ? { reason: b.reason } : {}),
      protocol: 'http' as const,
    };
  });
}

function buildTlsPort(ctx: Ctx, port: number, tls: ResolvedListener[], https: ResolvedListener[]): StreamPortIR {
  const byHost = new Map<string, TlsRouteIR>();
  let def: TlsRouteIR | undefined;
  // listeners in specificity order; within, routes oldest first: the first claim of a hostname wins
  const sorted = [...tls].sort((a, b) => compareSpecificity(specificity(a.hostname), specificity(b.hostname)));
  for (const l of sorted) {
    for (const a of [...l.routes].filter((x) => x.kind === 'TLSRoute').sort(compareRoutes)) {
      const ref = refOfRoute(ctx, a.kind, a.namespace, a.name);
      if (a.rules.length > 1) unsupported(ctx, ref, 'spec.rules', 'TLSRoute rules beyond the first are not served (one backend set per hostname)');
      const route: TlsRouteIR = {
        listener: l.id,
        mode: l.tlsMode ?? 'Passthrough',
        route: { kind: a.kind, namespace: a.namespace, name: a.name },
        certificates: l.certificates,
        backends: l4Backends(ctx, a.rules[0]),
      };
      if (!a.hostnames.length) {
        def ??= route;
        continue;
      }
      for (const h of a.hostnames) {
        const k = h.toLowerCase();
        // isolation: the hostname belongs to the most specific TLS listener covering it
        if (ownerOf(tls, k)?.id !== l.id) continue;
        if (!byHost.has(k)) byHost.set(k, { ...route, hostname: k });
      }
    }
  }
  const tlsRoutes = [...byHost.values()].sort((a, b) => cmp(a.hostname!, b.hostname!));
  const httpsHostnames = https.length ? [...new Set(https.map((l) => l.hostname?.toLowerCase() ?? '*'))].sort(cmp) : undefined;
  return { port, protocol: 'TLS', tlsRoutes, ...(def ? { tlsDefault: def } : {}), ...(httpsHostnames ? { httpsHostnames } : {}) };
}

function buildL4Port(ctx: Ctx, port: number, protocol: 'TCP' | 'UDP', listeners: ResolvedListener[]): StreamPortIR {
  const kind = protocol === 'TCP' ? 'TCPRoute' : 'UDPRoute';
  const routes = listeners.flatMap((l) => l.routes.filter((a) => a.kind === kind)).sort(compareRoutes);
  const chosen = routes[0];
  for (const r of routes.slice(1)) {
    if (r.namespace === chosen.namespace && r.name === chosen.name) continue;
    unsupported(
      ctx,
      refOfRoute(ctx, r.kind, r.namespace, r.name),
      'spec.parentRefs',
      `${kind} ${chosen.namespace}/${chosen.name} (older) already serves port ${port}; a ${protocol} port can forward to one route's backends only, so this route receives no traffic there`,
      'attach each route to its own listener / port',
      'warning',
    );
  }
  if (chosen && chosen.rules.length > 1) unsupported(ctx, refOfRoute(ctx, chosen.kind, chosen.namespace, chosen.name), 'spec.rules', `${kind} rules beyond the first are not served`);
  return {
    port,
    protocol,
    backends: l4Backends(ctx, chosen?.rules[0]),
    ...(chosen ? { route: { kind: chosen.kind, namespace: chosen.namespace, name: chosen.name } } : {}),
  };
}
