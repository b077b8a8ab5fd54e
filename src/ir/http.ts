/** HTTP(S) ports: servers per hostname, the match entries of their routes in precedence order, and their locations. */
import type { ResolvedGrpcMatch } from '../resolve/matches';
import type { ResolvedListener, RouteAttachment } from '../resolve/model';
import { compareRoutes, grpcSpecificity, httpSpecificityOf, normalizePrefix } from '../resolve/precedence';
import { arr, cmp, cmpTuple, Json, rec, str } from '../resolve/util';
import { buildAction } from './actions';
import { Ctx, keyOfUpstream, refOfRoute, unsupported } from './context';
import { compareSpecificity, covers, isWildcard, ownerOf, specificity } from './hostnames';
import { buildLocations, MatchEntry } from './locations';
import { ActionIR, ConditionIR, HttpPortIR, HttpServerIR } from './types';
import type { ObjectRef } from '../model';

export const HTTP_KINDS = new Set(['HTTPRoute', 'GRPCRoute']);

export function buildHttpPort(ctx: Ctx, port: number, protocol: 'HTTP' | 'HTTPS', listeners: ResolvedListener[], behindStream: boolean): HttpPortIR {
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


function compareEntries(a: MatchEntry, b: MatchEntry): number {
  return cmpTuple(a.key, b.key) || compareRoutes(a.route, b.route) || cmpTuple(a.position, b.position);
}

/**
 * A match's specificity for the location candidates (`../resolve/precedence`), one tuple shape for
 * HTTP and GRPC matches on the same server, after the hostname's (`host0`, `host1`): [path type, -path length, path, method, -headers,
 * -query]; a GRPC match ranks as an Exact path by service length, then method length. The path
 * itself breaks ties between different paths of one length, so candidate order is deterministic.
 * (An HTTP match's tuple is built in {@link routeEntries}, from what it read of the match.)
 */
function grpcPrecedenceKey(host0: number, host1: number, m: Json): (string | number)[] {
  const [service, method, headers] = grpcSpecificity(m as ResolvedGrpcMatch);
  return [host0, host1, 0, service * 100000 + method, '', 1, headers, 0];
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
      routeEntries(ctx, a, port, protocol, spec, entries);
    }
  }
  entries.sort(compareEntries);
  const locations = buildLocations(entries);
  const used = new Set<string>();
  for (const l of locations) for (const c of l.candidates) used.add(c.action);
  // the used actions, each once (the last entry holding it), by id
  const byId = new Map<string, ActionIR>();
  for (const e of entries) if (used.has(e.action.id)) byId.set(e.action.id, e.action);
  const actions = [...byId.values()].sort((a, b) => cmp(a.id, b.id));
  for (const a of actions) {
    for (const b of a.backends) if (b.upstream) ctx.used.add(keyOfUpstream(ctx, b.upstream));
    for (const m of a.mirrors) if (m.upstream) ctx.used.add(keyOfUpstream(ctx, m.upstream));
  }
  // optional properties set one by one, in the IR's key order
  const server = {} as { -readonly [K in keyof HttpServerIR]: HttpServerIR[K] };
  if (hostname !== undefined) server.hostname = hostname;
  if (owner) server.listener = owner.id;
  if (protocol === 'HTTPS' && owner) server.tls = owner.clientValidation ? { certificates: owner.certificates, clientValidation: owner.clientValidation } : { certificates: owner.certificates };
  server.locations = locations;
  server.actions = actions;
  return server;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
}

/** Whether a condition of `kind` on `name` is among `conditions` from `start` on (a match lists few). */
function seen(conditions: readonly ConditionIR[], start: number, kind: 'header' | 'query', name: string): boolean {
  for (let i = start; i < conditions.length; i++) {
    const c = conditions[i];
    if (c.kind === kind && c.name === name) return true;
  }
  return false;
}

/** Appends the match entries of route `a` to `out`. */
function routeEntries(ctx: Ctx, a: RouteAttachment, port: number, protocol: 'HTTP' | 'HTTPS', spec: [number, number], out: MatchEntry[]): void {
  // the route's reference and a match's field name only name a diagnostic: built when one is reported
  let routeRef: ObjectRef | undefined;
  const ref = (): ObjectRef => (routeRef ??= refOfRoute(ctx, a.kind, a.namespace, a.name));
  for (const rule of a.rules) {
    if (!rule.valid) continue;
    const matches: Json[] = a.kind === 'GRPCRoute' && !rule.matches.length ? [{}] : rule.matches;
    matches: for (let mi = 0; mi < matches.length; mi++) {
      const m = matches[mi];
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
          unsupported(ctx, ref(), `spec.rules[${rule.index}].matches[${mi}].path.type`, `path match type ${t} is not supported; the match is not served`);
          continue;
        }
        pathType = t;
        path = str(p.value) ?? '/';
        // (a prefix without a trailing slash is normalised already: no regex for it)
        if (t === 'PathPrefix' && (path === '' || path.charCodeAt(path.length - 1) === 0x2f)) path = normalizePrefix(path);
        const method = str(m.method);
        if (method !== undefined) conditions.push({ kind: 'method', value: method });
      }
      // the first match of each header (case-insensitively) and query parameter name decides
      const headerStart = conditions.length;
      for (const x of arr(m.headers)) {
        const h = rec(x);
        const name = (str(h.name) ?? '').toLowerCase();
        if (seen(conditions, headerStart, 'header', name)) continue;
        const type = str(h.type) ?? 'Exact';
        if (type !== 'Exact' && type !== 'RegularExpression') {
          unsupported(ctx, ref(), `spec.rules[${rule.index}].matches[${mi}].headers`, `header match type ${type} is not supported; the match is not served`);
          continue matches;
        }
        conditions.push({ kind: 'header', name, type, value: str(h.value) ?? '' });
      }
      const queryStart = conditions.length;
      for (const x of arr(m.queryParams)) {
        const q = rec(x);
        const name = str(q.name) ?? '';
        if (seen(conditions, queryStart, 'query', name)) continue;
        const type = str(q.type) ?? 'Exact';
        if (type !== 'Exact' && type !== 'RegularExpression') {
          unsupported(ctx, ref(), `spec.rules[${rule.index}].matches[${mi}].queryParams`, `query parameter match type ${type} is not supported; the match is not served`);
          continue matches;
        }
        conditions.push({ kind: 'query', name, type, value: str(q.value) ?? '' });
      }
      const action = buildAction(ctx, a, rule, mi, { type: pathType, value: path }, port, protocol, ref);
      // an HTTP match's specificity from what was just read (httpSpecificity(m) would read the
      // match again, with a Set per list): its path type and path, a method, its distinct header
      // names (case-insensitive) and query names
      let key: (string | number)[];
      if (a.kind === 'GRPCRoute') key = grpcPrecedenceKey(-spec[0], -spec[1], m);
      else {
        const [type, length, method, headers, query] = httpSpecificityOf(pathType, path.length, conditions.length > 0 && conditions[0].kind === 'method', queryStart - headerStart, conditions.length - queryStart);
        key = [-spec[0], -spec[1], type, length, path, method, headers, query];
      }
      out.push({ action, pathType, path, conditions, key, route: a, position: [rule.index, mi] });
    }
  }
}
