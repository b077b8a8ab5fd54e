import { BUILTIN_CONTROLLER_NAME, Diagnostic, GATEWAY_GROUP, ObjectRef, Severity } from '../model';
import { diagnostic, REASON } from './conditions';
import { assumeExternal } from './external';
import { GatewayState, ListenerSetState } from './gateways';
import { grantFix, refPermitted } from './grants';
import { groupKindKey, Inventory, judgedAsBuiltin, MCS_GROUP, Obj, RouteKind } from './inventory';
import { admitNamespace, ListenerProblem, ListenerState, missingSeverity, partialNote } from './listeners';
import type { ResolvedFilter, ResolvedGrpcMatch, ResolvedHttpMatch } from './matches';
import { ResolvedBackend, ResolvedBackendTLS, ResolvedRule } from './model';
import { arr, closest, effectiveHostnames, intersectHostname, key, list, names, num, oldestFirst, rec, str, uniqSorted } from './util';

/** Normalised parentRef (defaults applied). */
export interface NormalizedParentRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** Outcome of one parentRef handled by the controller. */
export interface ParentOutcome {
  readonly index: number;
  readonly parentRef: NormalizedParentRef;
  readonly gateway: GatewayState;
  readonly accepted: boolean;
  readonly reason: string;
  readonly message: string;
  /** Listeners the route attached to, with the effective hostnames on each. */
  readonly listeners: { listener: ListenerState; hostnames: string[] }[];
}

/** Working state of one route with at least one parent handled by the controller. */
export interface RouteState {
  readonly obj: Obj;
  readonly kind: RouteKind;
  readonly hostnames: string[];
  readonly rules: ResolvedRule[];
  /** First backend problem (route `ResolvedRefs` False). */
  readonly refProblem?: ListenerProblem;
  /** Set when some (not all) rules are invalid: the `PartiallyInvalid` condition. */
  readonly partiallyInvalid?: ListenerProblem;
  readonly parents: ParentOutcome[];
}

/** Looks up upstream TLS for a backend Service port (from BackendTLSPolicies). */
export type BackendTlsLookup = (namespace: string, service: string, port: number | undefined) => ResolvedBackendTLS | undefined;

interface Ctx {
  readonly inv: Inventory;
  readonly diags: Diagnostic[];
}

const HOSTNAME_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);

/** Resolves every route: backends, parentRefs, listener attachment. Updates `attached` on listeners. */
export function resolveRoutes(
  ctx: Ctx,
  gateways: ReadonlyMap<string, GatewayState>,
  tlsLookup: BackendTlsLookup,
): RouteState[] {
  const listenerSets = new Map<string, ListenerSetState>();
  for (const g of gateways.values()) for (const s of g.listenerSets) listenerSets.set(key(s.obj.namespace, s.obj.name), s);
  const out: RouteState[] = [];
  for (const r of ctx.inv.routes) {
    const kind = r.kind as RouteKind;
    const parents: ParentOutcome[] = [];
    const seen = new Set<string>();
    const hostnames = HOSTNAME_KINDS.has(kind) ? arr(r.spec.hostnames).filter((h): h is string => typeof h === 'string') : [];
    const pending: { index: number; ref: NormalizedParentRef; gateway: GatewayState; listeners: ListenerState[]; parentDesc: string; detached?: ListenerProblem }[] = [];
    /** Some parent is assumed to exist outside the input (`assumeExternal`): the rules are still checked. */
    let externalParent = false;
    arr(r.spec.parentRefs).forEach((p, index) => {
      const x = rec(p);
      const ref: NormalizedParentRef = {
        group: str(x.group) ?? GATEWAY_GROUP,
        kind: str(x.kind) ?? 'Gateway',
        namespace: str(x.namespace) ?? r.namespace,
        name: str(x.name) ?? '',
        ...(str(x.sectionName) !== undefined ? { sectionName: str(x.sectionName) } : {}),
        ...(num(x.port) !== undefined ? { port: num(x.port) } : {}),
      };
      if (ref.group !== GATEWAY_GROUP || (ref.kind !== 'Gateway' && ref.kind !== 'ListenerSet')) return; // mesh / other parents
      const dedupe = JSON.stringify(ref);
      if (seen.has(dedupe)) return;
      seen.add(dedupe);
      const field = `spec.parentRefs[${index}]`;
      if (ref.kind === 'Gateway') {
        const gw = gateways.get(key(ref.namespace, ref.name));
        if (!gw) {
          if (!ctx.inv.gateways.has(key(ref.namespace, ref.name))) externalParent = missingParent(ctx, r.ref, field, ref, [...ctx.inv.gateways.values()]) || externalParent;
          return;
        }
        pending.push({ index, ref, gateway: gw, listeners: gw.listeners, parentDesc: `Gateway ${ref.namespace}/${ref.name}` });
      } else {
        const ls = listenerSets.get(key(ref.namespace, ref.name));
        if (!ls) {
          const present = ctx.inv.listenerSets.get(key(ref.namespace, ref.name));
          if (!present) externalParent = missingParent(ctx, r.ref, field, ref, [...ctx.inv.listenerSets.values()]) || externalParent;
          else if (ctx.inv.assumeExternal && !ctx.inv.gateways.has(listenerSetParentKey(present))) externalParent = true;
          return;
        }
        pending.push({ index, ref, gateway: ls.gateway, listeners: ls.listeners, parentDesc: `ListenerSet ${ref.namespace}/${ref.name}`, detached: ls.detached });
      }
    });
    if (!pending.length) {
      // the attachment cannot be checked, but the rules (backends, filters) can
      if (externalParent) resolveRules(ctx, r, kind, tlsLookup);
      continue;
    }

    const { rules, problem, unsupported } = resolveRules(ctx, r, kind, tlsLookup);
    const invalidRules = rules.filter((x) => !x.valid);
    const allInvalid = rules.length > 0 && invalidRules.length === rules.length;
    const ruleMessage = (xs: ResolvedRule[]) => `rule(s) ${xs.map((x) => x.name ?? String(x.index)).join(', ')} cannot be implemented (${uniqSorted(xs.map((x) => x.reason ?? '')).join(', ')})`;
    for (const p of pending) {
      const outcome = attach(ctx, r, kind, hostnames, p.index, p.ref, p.gateway, p.listeners, p.parentDesc, p.detached);
      parents.push(
        unsupported && outcome.accepted
          ? { ...outcome, accepted: false, reason: REASON.UnsupportedValue, message: unsupported, listeners: [] }
          : allInvalid && outcome.accepted
            ? { ...outcome, accepted: false, reason: invalidRules[0].reason ?? REASON.IncompatibleFilters, message: `no rule can be implemented: ${ruleMessage(invalidRules)}`, listeners: [] }
            : outcome,
      );
    }
    const partiallyInvalid = invalidRules.length && !allInvalid ? { reason: invalidRules[0].reason ?? REASON.UnsupportedValue, message: ruleMessage(invalidRules) } : undefined;
    out.push({ obj: r, kind, hostnames, rules, refProblem: problem, parents, ...(partiallyInvalid ? { partiallyInvalid } : {}) });
  }
  const final = resolveHttpGrpcConflicts(ctx, out);
  // attachedRoutes: a route counts once per listener
  for (const r of final) {
    const routeKey = `${r.kind}/${r.obj.namespace}/${r.obj.name}`;
    for (const p of r.parents) if (p.accepted) for (const l of p.listeners) l.listener.attached.add(routeKey);
  }
  return final;
}

/** Route precedence: oldest first, then namespace/name. */
const routeOrder = oldestFirst;

function hostnamesIntersect(a: readonly string[], b: readonly string[]): string | undefined {
  if (!a.length) return b[0] ?? '*';
  if (!b.length) return a[0];
  for (const x of a) for (const y of b) {
    const i = intersectHostname(x, y);
    if (i !== undefined) return i;
  }
  return undefined;
}

/**
 * An HTTPRoute and a GRPCRoute on one listener with intersecting hostnames: only the older (then
 * first by namespace/name) is accepted there (GRPCRoute spec). The loser keeps its other
 * listeners; with none left its parent is not Accepted (reason `HostnameConflict`).
 */
function resolveHttpGrpcConflicts(ctx: Ctx, routes: RouteState[]): RouteState[] {
  const entries: { route: RouteState; parent: ParentOutcome; listener: ListenerState; hostnames: string[] }[] = [];
  for (const r of routes) {
    if (r.kind !== 'HTTPRoute' && r.kind !== 'GRPCRoute') continue;
    for (const p of r.parents) if (p.accepted) for (const l of p.listeners) entries.push({ route: r, parent: p, listener: l.listener, hostnames: l.hostnames });
  }
  if (!entries.some((e) => e.route.kind === 'GRPCRoute') || !entries.some((e) => e.route.kind === 'HTTPRoute')) return routes;
  entries.sort((a, b) => routeOrder(a.route.obj, b.route.obj));
  const kept = new Map<ListenerState, typeof entries>();
  const dropped = new Map<ParentOutcome, Map<ListenerState, string>>();
  for (const e of entries) {
    const winners = kept.get(e.listener) ?? [];
    const w = winners.find((x) => x.route.kind !== e.route.kind && x.route !== e.route && hostnamesIntersect(x.hostnames, e.hostnames) !== undefined);
    if (w) {
      const shared = hostnamesIntersect(w.hostnames, e.hostnames)!;
      const why = `${w.route.kind} ${w.route.obj.namespace}/${w.route.obj.name} already serves hostname ${shared} on listener ${e.listener.name} and takes precedence (older, or first by namespace/name)`;
      const m = dropped.get(e.parent) ?? new Map<ListenerState, string>();
      m.set(e.listener, why);
      dropped.set(e.parent, m);
      ctx.diags.push(
        diagnostic(
          'error',
          REASON.HostnameConflict,
          e.route.obj.ref,
          `spec.parentRefs[${e.parent.index}]`,
          `${why}; this ${e.route.kind} is not attached there`,
          'give the HTTPRoute and the GRPCRoute distinct hostnames, or attach them to different listeners',
        ),
      );
      continue;
    }
    winners.push(e);
    kept.set(e.listener, winners);
  }
  if (!dropped.size) return routes;
  return routes.map((r) => {
    if (!r.parents.some((p) => dropped.has(p))) return r;
    const parents = r.parents.map((p) => {
      const d = dropped.get(p);
      if (!d) return p;
      const listeners = p.listeners.filter((l) => !d.has(l.listener));
      if (listeners.length) return { ...p, listeners };
      return { ...p, accepted: false, reason: REASON.HostnameConflict, message: [...d.values()].join('; '), listeners: [] };
    });
    return { ...r, parents };
  });
}

/** `namespace/name` of the Gateway a ListenerSet names as its parent. */
function listenerSetParentKey(ls: Obj): string {
  const p = rec(ls.spec.parentRef);
  return key(str(p.namespace) ?? ls.namespace, str(p.name) ?? '');
}

/** Reports a parentRef to an object absent from the input; true when it is assumed to exist outside it. */
function missingParent(ctx: Ctx, route: ObjectRef, field: string, ref: NormalizedParentRef, existing: Obj[]): boolean {
  if (ctx.inv.assumeExternal) {
    assumeExternal(ctx.diags, route, field, `${ref.kind} ${ref.namespace}/${ref.name}`, 'whether the route may attach: listeners, sectionName, port, hostnames and allowed namespaces; no status is computed for this parent');
    return true;
  }
  const present = existing.length > 0;
  const known = existing.map((o) => (o.namespace === ref.namespace ? o.name : `${o.namespace}/${o.name}`));
  const guess = closest(ref.name, known);
  ctx.diags.push(
    diagnostic(
      missingSeverity(present),
      REASON.NoMatchingParent,
      route,
      `${field}.name`,
      `${ref.kind} ${ref.namespace}/${ref.name} does not exist` + (present ? ` (${ref.kind}s in the input: ${names(known)})` : partialNote(false, ref.kind)),
      present ? (guess ? `did you mean ${guess}? set name to it` : `set name (and namespace) to one of ${names(known)}`) : `add ${ref.kind} ${ref.namespace}/${ref.name} to the input, or fix the parentRef`,
    ),
  );
  return false;
}

function attach(
  ctx: Ctx,
  r: Obj,
  kind: RouteKind,
  hostnames: string[],
  index: number,
  ref: NormalizedParentRef,
  gateway: GatewayState,
  all: ListenerState[],
  parentDesc: string,
  detached: ListenerProblem | undefined,
): ParentOutcome {
  const field = `spec.parentRefs[${index}]`;
  const base = { index, parentRef: ref, gateway };
  const reject = (reason: string, message: string, f: string, fix: string, severity: 'error' | 'warning' = 'error'): ParentOutcome => {
    ctx.diags.push(diagnostic(severity, reason, r.ref, f, message, fix));
    return { ...base, accepted: false, reason, message, listeners: [] };
  };
  if (detached) {
    return reject(
      REASON.NoMatchingParent,
      `${parentDesc} is not attached to its Gateway (${detached.reason}: ${detached.message})`,
      field,
      `fix ${parentDesc} first, or attach the route to the Gateway directly`,
      detached.uncertain ? 'warning' : 'error',
    );
  }
  const listenerNames = all.map((l) => l.name);
  let candidates = all;
  if (ref.sectionName !== undefined) {
    candidates = candidates.filter((l) => l.name === ref.sectionName);
    if (!candidates.length) {
      return reject(
        REASON.NoMatchingParent,
        `sectionName "${ref.sectionName}" names no listener of ${parentDesc} (its listeners: ${list(listenerNames)})`,
        `${field}.sectionName`,
        (closest(ref.sectionName, listenerNames) ? `did you mean ${closest(ref.sectionName, listenerNames)}? ` : '') +
          `set sectionName to one of ${list(listenerNames)}, or remove it to attach to every listener`,
      );
    }
  }
  if (ref.port !== undefined) {
    const before = candidates;
    candidates = candidates.filter((l) => l.port === ref.port);
    if (!candidates.length) {
      const ports = uniqSorted(before.map((l) => String(l.port))).map(Number).sort((a, b) => a - b);
      const msg =
        ref.sectionName !== undefined
          ? `listener ${ref.sectionName} of ${parentDesc} listens on port ${list(ports.map(String))}, not ${ref.port}`
          : `port ${ref.port} matches no listener of ${parentDesc} (listener ports: ${list(ports.map(String))})`;
      return reject(REASON.NoMatchingParent, msg, `${field}.port`, `set port to ${ports.length === 1 ? ports[0] : `one of ${ports.join(', ')}`}, or remove it`);
    }
  }
  // kinds and namespaces
  const why: string[] = [];
  const fixes: string[] = [];
  let undecidable = false;
  const allowed = candidates.filter((l) => {
    if (!l.supportedKinds.some((k) => k.kind === kind)) {
      why.push(`listener ${l.name} does not accept ${kind} (it accepts ${list(l.supportedKinds.map((k) => k.kind), 'no route kind')})`);
      fixes.push(`attach to a listener whose protocol serves ${kind}`);
      return false;
    }
    const adm = admitNamespace(ctx.inv, rec(l.allowedRoutes).namespaces, l.owner.namespace, r.namespace, 'Same');
    if (!adm.allowed) {
      if (adm.undecidable) undecidable = true;
      why.push(`listener ${l.name} does not admit routes from namespace ${r.namespace} (allowedRoutes.namespaces ${adm.reason})`);
      fixes.push(
        adm.undecidable
          ? `add Namespace ${r.namespace} (with its labels) to the input so the selector can be evaluated`
          : `set allowedRoutes.namespaces.from to All (or a Selector matching namespace ${r.namespace}) on listener ${l.name} of ${l.owner.kind} ${l.owner.namespace}/${l.owner.name}, or move the route into namespace ${l.owner.namespace}`,
      );
      return false;
    }
    return true;
  });
  if (!allowed.length) {
    return reject(
      REASON.NotAllowedByListeners,
      `${kind} ${r.namespace}/${r.name} may not attach to ${parentDesc}: ${why.join('; ')}`,
      field,
      uniqSorted(fixes).join('; or '),
      undecidable && why.length === 1 ? 'warning' : 'error',
    );
  }
  // hostnames
  const attached: { listener: ListenerState; hostnames: string[] }[] = [];
  for (const l of allowed) {
    const h = HOSTNAME_KINDS.has(kind) ? effectiveHostnames(l.hostname, hostnames) : [];
    if (h !== undefined) attached.push({ listener: l, hostnames: h });
  }
  if (!attached.length) {
    const lh = uniqSorted(allowed.map((l) => l.hostname ?? '(any)'));
    return reject(
      REASON.NoMatchingListenerHostname,
      `hostnames ${list(hostnames)} match no listener hostname of ${parentDesc} (listener hostnames: ${list(lh)})`,
      'spec.hostnames',
      `add a hostname matching ${list(lh)} to spec.hostnames, or attach to a listener without a hostname`,
    );
  }
  return {
    ...base,
    accepted: true,
    reason: REASON.Accepted,
    message: `attached to ${parentDesc} listener(s) ${attached.map((a) => a.listener.name).join(', ')}`,
    listeners: attached,
  };
}

// ---------------------------------------------------------------------------------------------
// Rules and backends

/** HTTPRoute matches with the CRD defaults applied (see {@link ResolvedRule.matches}). */
export function withDefaultHttpMatches(matches: unknown[]): ResolvedHttpMatch[] {
  const ms = matches.length ? matches : [{}];
  return ms.map((m) => {
    const x = { ...rec(m) };
    const path = rec(x.path);
    x.path = { type: str(path.type) ?? 'PathPrefix', value: str(path.value) ?? '/' };
    if (x.headers !== undefined) x.headers = arr(x.headers).map((h) => ({ type: 'Exact', ...rec(h) }));
    if (x.queryParams !== undefined) x.queryParams = arr(x.queryParams).map((q) => ({ type: 'Exact', ...rec(q) }));
    return x as ResolvedHttpMatch;
  });
}

function withDefaultGrpcMatches(matches: unknown[]): ResolvedGrpcMatch[] {
  return matches.map((m) => {
    const x = { ...rec(m) };
    if (x.method !== undefined) x.method = { type: 'Exact', ...rec(x.method) };
    if (x.headers !== undefined) x.headers = arr(x.headers).map((h) => ({ type: 'Exact', ...rec(h) }));
    return x as ResolvedGrpcMatch;
  });
}

function resolveRules(ctx: Ctx, r: Obj, kind: RouteKind, tlsLookup: BackendTlsLookup): { rules: ResolvedRule[]; problem?: ListenerProblem; unsupported?: string } {
  let problem: ListenerProblem | undefined;
  let unsupported: string | undefined;
  const rules: ResolvedRule[] = arr(r.spec.rules).map((raw, ri) => {
    const rule = rec(raw);
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rule)) if (!['name', 'matches', 'filters', 'backendRefs'].includes(k)) extra[k] = v;
    const filters = arr(rule.filters).map(rec) as ResolvedFilter[];
    const backends = arr(rule.backendRefs).map((b, bi) => {
      const res = resolveBackend(ctx, r, kind, rec(b), `spec.rules[${ri}].backendRefs[${bi}]`, tlsLookup);
      if (!res.valid && !problem) problem = { reason: res.reason!, message: res.message! };
      return res;
    });
    const mirrors: ResolvedBackend[] = [];
    filters.forEach((f, fi) => {
      if (str(f.type) !== 'RequestMirror') return;
      const res = resolveBackend(ctx, r, kind, rec(rec(f.requestMirror).backendRef), `spec.rules[${ri}].filters[${fi}].requestMirror.backendRef`, tlsLookup);
      if (!res.valid && !problem) problem = { reason: res.reason!, message: res.message! };
      mirrors.push(res);
    });
    const matches = kind === 'HTTPRoute' ? withDefaultHttpMatches(arr(rule.matches)) : kind === 'GRPCRoute' ? withDefaultGrpcMatches(arr(rule.matches)) : [];
    const check = checkFilters(ctx, r, kind, ri, filters);
    if (check.unsupported && !unsupported) unsupported = check.unsupported;
    if (check.refProblem && !problem) problem = check.refProblem;
    return {
      index: ri,
      ...(str(rule.name) !== undefined ? { name: str(rule.name) } : {}),
      matches,
      filters,
      backends,
      mirrors,
      extra,
      valid: !check.invalid,
      ...(check.invalid ? { reason: check.invalid } : {}),
      ...(check.unresolved ? { errorStatus: 500 } : {}),
    };
  });
  return { rules, problem, unsupported };
}

/**
 * Filter types of the Gateway API v1.6.1 enum, per route kind. Any other value makes the route not
 * Accepted (`UnsupportedValue`), as the spec requires. Whether the data plane implements a known
 * type (e.g. `ExternalAuth`) is the data-plane compiler's decision.
 */
export const KNOWN_FILTERS: Readonly<Record<string, readonly string[]>> = {
  HTTPRoute: ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'CORS', 'ExternalAuth', 'ExtensionRef'],
  GRPCRoute: ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'],
};

interface FilterCheck {
  /** Why the rule cannot be implemented at all (`IncompatibleFilters`). */
  readonly invalid?: string;
  /** An unknown filter type: the whole route is not Accepted. */
  readonly unsupported?: string;
  /** An ExtensionRef filter that does not resolve: requests matching the rule get a 500. */
  readonly unresolved?: boolean;
  /** A filter reference of a kind the controller does not support (route `ResolvedRefs` False, `InvalidKind`). */
  readonly refProblem?: ListenerProblem;
}

/** Validates a rule's filters. */
function checkFilters(ctx: Ctx, r: Obj, kind: RouteKind, ri: number, filters: Record<string, unknown>[]): FilterCheck {
  const known = KNOWN_FILTERS[kind];
  if (!known) return {};
  let unsupported: string | undefined;
  let unresolved = false;
  let refProblem: ListenerProblem | undefined;
  filters.forEach((f, fi) => {
    const type = str(f.type) ?? '';
    const field = `spec.rules[${ri}].filters[${fi}]`;
    if (!known.includes(type)) {
      unsupported ??= `filter type "${type}" (spec.rules[${ri}].filters[${fi}]) is not a ${kind} filter type`;
      ctx.diags.push(
        diagnostic('error', REASON.UnsupportedValue, r.ref, `${field}.type`, `filter type "${type}" is not a ${kind} filter type (known: ${known.join(', ')}); the route is not accepted`, `use one of ${known.join(', ')}`),
      );
      return;
    }
    if (type === 'ExtensionRef') {
      const x = rec(f.extensionRef);
      const group = str(x.group) ?? '';
      const ekind = str(x.kind) ?? '';
      const name = str(x.name) ?? '';
      if (!ctx.inv.byGroupKind.has(groupKindKey(group, ekind, r.namespace, name))) {
        const shown = `${group ? `${group}/` : ''}${ekind} ${r.namespace}/${name}`;
        if (ctx.inv.assumeExternal) {
          assumeExternal(ctx.diags, r.ref, `${field}.extensionRef`, shown, "whether the Gateway's controller understands this filter");
          return;
        }
        unresolved = true;
        const present = [...ctx.inv.byGroupKind.values()].some((o) => o.group === group && o.kind === ekind);
        ctx.diags.push(
          diagnostic(
            missingSeverity(present),
            'ExtensionRefNotFound',
            r.ref,
            `${field}.extensionRef`,
            `ExtensionRef filter ${shown} does not resolve${partialNote(present, ekind)}: requests matching rule ${ri} are answered with HTTP 500`,
            `create ${shown} (a kind the Gateway's controller understands), or remove the filter`,
          ),
        );
      } else if (ctx.inv.controllerName === BUILTIN_CONTROLLER_NAME) {
        // the built-in data plane implements no extension filter: an unsupported kind (as render says)
        const shown = `${group ? `${group}/` : ''}${ekind} ${r.namespace}/${name}`;
        const message = `ExtensionRef filter ${shown}: the built-in nginx data plane understands no ExtensionRef filter kind, so requests matching rule ${ri} are answered with HTTP 500`;
        unresolved = true;
        refProblem ??= { reason: REASON.InvalidKind, message };
        ctx.diags.push(diagnostic('error', REASON.InvalidKind, r.ref, `${field}.extensionRef`, message, `remove the filter, or attach the route to a Gateway whose controller implements ${ekind}`));
      }
    }
  });
  const types = filters.map((f) => str(f.type));
  let invalid: string | undefined;
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
    invalid = REASON.IncompatibleFilters;
    ctx.diags.push(
      diagnostic(
        'error',
        REASON.IncompatibleFilters,
        r.ref,
        `spec.rules[${ri}].filters`,
        'RequestRedirect and URLRewrite cannot be combined in one rule; the rule is dropped',
        'keep either the RequestRedirect or the URLRewrite filter (a redirect answers the client, a rewrite changes the request sent to the backend)',
      ),
    );
  }
  return { ...(invalid ? { invalid } : {}), ...(unsupported ? { unsupported } : {}), ...(unresolved ? { unresolved } : {}), ...(refProblem ? { refProblem } : {}) };
}

function resolveBackend(ctx: Ctx, r: Obj, kind: RouteKind, b: Record<string, unknown>, field: string, tlsLookup: BackendTlsLookup): ResolvedBackend {
  const group = str(b.group) ?? '';
  const bkind = str(b.kind) ?? 'Service';
  const name = str(b.name) ?? '';
  const namespace = str(b.namespace) ?? r.namespace;
  const port = num(b.port);
  const weight = num(b.weight) ?? 1;
  const filters = arr(b.filters).map(rec) as ResolvedFilter[];
  const base = { field, group, kind: bkind, namespace, name, ...(port !== undefined ? { port } : {}), weight, filters };
  const shownKind = group ? `${group}/${bkind}` : bkind;
  const invalid = (reason: string, message: string, fix: string, severity: Severity = 'error'): ResolvedBackend => {
    ctx.diags.push(diagnostic(severity, reason, r.ref, field, message, fix));
    return { ...base, valid: false, reason, message };
  };
  const isService = group === '' && bkind === 'Service';
  const isImport = group === MCS_GROUP && bkind === 'ServiceImport';
  if (!isService && !isImport && !judgedAsBuiltin(ctx.inv)) {
    // backend kinds beyond Service are implementation-specific: another controller decides
    ctx.diags.push(diagnostic('info', 'BackendNotChecked', r.ref, field, `backendRef kind ${shownKind} (${name}) is implementation-specific: not checked for controller ${ctx.inv.controllerName}`));
    return { ...base, valid: true };
  }
  if (!isService && !isImport) {
    return invalid(REASON.InvalidKind, `backendRef kind ${shownKind} (${name}) is not supported (supported: Service, ${MCS_GROUP}/ServiceImport)`, 'reference a Service: remove group and kind, or set group "" and kind Service');
  }
  const xref = { fromGroup: GATEWAY_GROUP, fromKind: kind, fromNamespace: r.namespace, toGroup: group, toKind: bkind, toNamespace: namespace, toName: name };
  if (!refPermitted(ctx.inv, xref)) {
    return invalid(REASON.RefNotPermitted, `${bkind} ${namespace}/${name} is in another namespace than the ${kind} and no ReferenceGrant in ${namespace} allows the reference`, grantFix(xref));
  }
  const pool = isService ? ctx.inv.services : ctx.inv.serviceImports;
  const target = pool.get(key(namespace, name));
  if (!target && ctx.inv.assumeExternal) {
    if (port === undefined) {
      return invalid(REASON.BackendNotFound, `backendRef ${bkind} ${namespace}/${name} has no port`, `set port to the ${bkind} port to send traffic to`);
    }
    assumeExternal(ctx.diags, r.ref, field, `${bkind} ${namespace}/${name}`, `that it exists and exposes port ${port}`);
    const tls = isService ? tlsLookup(namespace, name, port) : undefined;
    return { ...base, valid: true, ...(tls ? { tls } : {}) };
  }
  if (!target) {
    const present = pool.size > 0;
    const others = [...pool.values()].filter((s) => s.namespace === namespace).map((s) => s.name);
    return invalid(
      REASON.BackendNotFound,
      `${bkind} ${namespace}/${name} does not exist` + (present ? ` (${bkind}s in ${namespace}: ${names(others)})` : partialNote(false, bkind)),
      (closest(name, others)
        ? `did you mean ${closest(name, others)}? set name to it, or create ${bkind} ${namespace}/${name}`
        : others.length
          ? `set name to one of ${names(others)}, or create ${bkind} ${namespace}/${name}` : `create ${bkind} ${namespace}/${name}, or fix the name`) +
        ` (if it is deployed by other means, as cdk8s synth assumes for Backend.fromName: check with --assume-external)`,
      missingSeverity(present),
    );
  }
  const ports = arr(target.spec.ports).map(rec);
  const declared = ports.map((p) => num(p.port)).filter((p): p is number => p !== undefined);
  if (port === undefined) {
    return invalid(REASON.BackendNotFound, `backendRef ${bkind} ${namespace}/${name} has no port`, `set port to one of ${list(declared.map(String))}`);
  }
  let appProtocol: string | undefined;
  if (declared.length) {
    const hit = ports.find((p) => num(p.port) === port);
    if (!hit) {
      return invalid(REASON.BackendNotFound, `${bkind} ${namespace}/${name} has no port ${port} (its ports: ${list(declared.map(String))})`, `set port to one of ${list(declared.map(String))}`);
    }
    appProtocol = str(hit.appProtocol);
  }
  const tls = isService ? tlsLookup(namespace, name, port) : undefined;
  return { ...base, valid: true, ...(appProtocol ? { appProtocol } : {}), ...(tls ? { tls } : {}) };
}
