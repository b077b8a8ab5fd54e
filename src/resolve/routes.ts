import { Diagnostic, GATEWAY_GROUP, ObjectRef } from '../model';
import { diagnostic, REASON } from './conditions';
import { assumeExternal } from './external';
import { GatewayState, ListenerSetState } from './gateways';
import { Inventory, Obj, RouteKind } from './inventory';
import { admitNamespace, ListenerProblem, ListenerState, missingSeverity, partialNote } from './listeners';
import { ResolvedRule, RouteProxyOptions } from './model';
import { routeProxyOptions } from './proxy-options';
import { BackendTlsLookup, resolveRules } from './rules';
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
  /** The route's proxy options (annotations), when any is set. */
  readonly proxyOptions?: RouteProxyOptions;
}


interface Ctx {
  readonly inv: Inventory;
  readonly diags: Diagnostic[];
}

const HOSTNAME_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);

/**
 * What a route's working state keeps of its resolved rules: `all`; `backends`, validity, backends
 * and mirrors only (what the status of BackendTLSPolicies reads); `none`.
 */
export type RulesKept = 'all' | 'backends' | 'none';

/** Resolves every route: backends, parentRefs, listener attachment. Updates `attached` on listeners. */
export function resolveRoutes(
  ctx: Ctx,
  gateways: ReadonlyMap<string, GatewayState>,
  tlsLookup: BackendTlsLookup,
  keep: RulesKept = 'all',
): RouteState[] {
  // one copy of each parent message (most routes of a Gateway share theirs)
  const messages = new Map<string, string>();
  const intern = (m: string): string => {
    const had = messages.get(m);
    if (had !== undefined) return had;
    messages.set(m, m);
    return m;
  };
  // the `Accepted` message of a parent attached to one listener, by parent (Gateway or ListenerSet
  // state) and listener: found without building and hashing the message for every route
  const acceptedOne = new Map<object, Map<ListenerState, string>>();
  const listenerSets = new Map<string, ListenerSetState>();
  for (const g of gateways.values()) for (const s of g.listenerSets) listenerSets.set(key(s.obj.namespace, s.obj.name), s);
  const out: RouteState[] = [];
  for (const r of ctx.inv.routes) {
    const kind = r.kind as RouteKind;
    const parents: ParentOutcome[] = [];
    const parentRefs = arr(r.spec.parentRefs);
    // (duplicates only among two or more parentRefs: no dedupe key for a single one)
    const seen = parentRefs.length > 1 ? new Set<string>() : undefined;
    const hostnames = HOSTNAME_KINDS.has(kind) ? arr(r.spec.hostnames).filter((h): h is string => typeof h === 'string') : [];
    const pending: { index: number; ref: NormalizedParentRef; parent: object; gateway: GatewayState; listeners: ListenerState[]; parentDesc: string; detached?: ListenerProblem }[] = [];
    /** Some parent is assumed to exist outside the input (`assumeExternal`): the rules are still checked. */
    let externalParent = false;
    parentRefs.forEach((p, index) => {
      const x = rec(p);
      // (optional keys stored, not spread from temporary literals; same keys in the same order)
      const ref: { -readonly [K in keyof NormalizedParentRef]: NormalizedParentRef[K] } = {
        group: str(x.group) ?? GATEWAY_GROUP,
        kind: str(x.kind) ?? 'Gateway',
        namespace: str(x.namespace) ?? r.namespace,
        name: str(x.name) ?? '',
      };
      const sectionName = str(x.sectionName);
      if (sectionName !== undefined) ref.sectionName = sectionName;
      const port = num(x.port);
      if (port !== undefined) ref.port = port;
      if (ref.group !== GATEWAY_GROUP || (ref.kind !== 'Gateway' && ref.kind !== 'ListenerSet')) return; // mesh / other parents
      if (seen) {
        const dedupe = JSON.stringify(ref);
        if (seen.has(dedupe)) return;
        seen.add(dedupe);
      }
      const field = `spec.parentRefs[${index}]`;
      if (ref.kind === 'Gateway') {
        const gw = gateways.get(key(ref.namespace, ref.name));
        if (!gw) {
          if (!ctx.inv.gateways.has(key(ref.namespace, ref.name))) externalParent = missingParent(ctx, r.ref, field, ref, [...ctx.inv.gateways.values()]) || externalParent;
          return;
        }
        pending.push({ index, ref, parent: gw, gateway: gw, listeners: gw.listeners, parentDesc: `Gateway ${ref.namespace}/${ref.name}` });
      } else {
        const ls = listenerSets.get(key(ref.namespace, ref.name));
        if (!ls) {
          const present = ctx.inv.listenerSets.get(key(ref.namespace, ref.name));
          if (!present) externalParent = missingParent(ctx, r.ref, field, ref, [...ctx.inv.listenerSets.values()]) || externalParent;
          else if (ctx.inv.assumeExternal && !ctx.inv.gateways.has(listenerSetParentKey(present))) externalParent = true;
          return;
        }
        pending.push({ index, ref, parent: ls, gateway: ls.gateway, listeners: ls.listeners, parentDesc: `ListenerSet ${ref.namespace}/${ref.name}`, detached: ls.detached });
      }
    });
    if (!pending.length) {
      // the attachment cannot be checked, but the rules (backends, filters) can
      if (externalParent) {
        resolveRules(ctx, r, kind, tlsLookup);
        routeProxyOptions(ctx.diags, r, kind, ctx.inv.controllerName, () => []);
      }
      continue;
    }

    const { rules, problem, unsupported } = resolveRules(ctx, r, kind, tlsLookup);
    const proxyOptions = routeProxyOptions(ctx.diags, r, kind, ctx.inv.controllerName, () => [...new Set(pending.map((p) => `${p.gateway.obj.namespace}/${p.gateway.obj.name}`))].sort());
    const invalidRules = rules.filter((x) => !x.valid);
    const allInvalid = rules.length > 0 && invalidRules.length === rules.length;
    const ruleMessage = (xs: ResolvedRule[]) => `rule(s) ${xs.map((x) => x.name ?? String(x.index)).join(', ')} cannot be implemented (${uniqSorted(xs.map((x) => x.reason ?? '')).join(', ')})`;
    for (const p of pending) {
      let one = acceptedOne.get(p.parent);
      if (!one) acceptedOne.set(p.parent, (one = new Map()));
      const outcome = attach(ctx, r, kind, hostnames, p.index, p.ref, p.gateway, p.listeners, p.parentDesc, p.detached, intern, one);
      parents.push(
        unsupported && outcome.accepted
          ? parentOutcome(outcome, false, REASON.UnsupportedValue, unsupported, [])
          : allInvalid && outcome.accepted
            ? parentOutcome(outcome, false, invalidRules[0].reason ?? REASON.IncompatibleFilters, `no rule can be implemented: ${ruleMessage(invalidRules)}`, [])
            : outcome,
      );
    }
    const partiallyInvalid = invalidRules.length && !allInvalid ? { reason: invalidRules[0].reason ?? REASON.UnsupportedValue, message: ruleMessage(invalidRules) } : undefined;
    const kept = keep === 'all' ? rules : keep === 'backends' ? rules.map(leanRule) : NO_RULES;
    // (every key always set: route states of one shape; nothing enumerates their keys)
    out.push({ obj: r, kind, hostnames, rules: kept, refProblem: problem, parents, partiallyInvalid, proxyOptions });
  }
  const final = resolveHttpGrpcConflicts(ctx, out);
  // attachedRoutes: a route counts once per listener (the inventory holds one object per kind/namespace/name)
  for (const r of final) {
    for (const p of r.parents) if (p.accepted) for (const l of p.listeners) l.listener.attached.add(r.obj);
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
      if (listeners.length) return parentOutcome(p, p.accepted, p.reason, p.message, listeners);
      return parentOutcome(p, false, REASON.HostnameConflict, [...d.values()].join('; '), []);
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
  intern: (message: string) => string,
  /** the `Accepted` messages of this parent attached to one listener, by listener */
  acceptedOne: Map<ListenerState, string>,
): ParentOutcome {
  // (the field and the listener names are needed only to reject)
  const field = (): string => `spec.parentRefs[${index}]`;
  const base = { index, parentRef: ref, gateway };
  const reject = (reason: string, message: string, f: string, fix: string, severity: 'error' | 'warning' = 'error'): ParentOutcome => {
    ctx.diags.push(diagnostic(severity, reason, r.ref, f, message, fix));
    return parentOutcome(base, false, reason, message, []);
  };
  if (detached) {
    return reject(
      REASON.NoMatchingParent,
      `${parentDesc} is not attached to its Gateway (${detached.reason}: ${detached.message})`,
      field(),
      `fix ${parentDesc} first, or attach the route to the Gateway directly`,
      detached.uncertain ? 'warning' : 'error',
    );
  }
  let candidates = all;
  if (ref.sectionName !== undefined) {
    candidates = candidates.filter((l) => l.name === ref.sectionName);
    if (!candidates.length) {
      const listenerNames = all.map((l) => l.name);
      return reject(
        REASON.NoMatchingParent,
        `sectionName "${ref.sectionName}" names no listener of ${parentDesc} (its listeners: ${list(listenerNames)})`,
        `${field()}.sectionName`,
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
      return reject(REASON.NoMatchingParent, msg, `${field()}.port`, `set port to ${ports.length === 1 ? ports[0] : `one of ${ports.join(', ')}`}, or remove it`);
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
      field(),
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
  let message: string | undefined;
  if (attached.length === 1) {
    message = acceptedOne.get(attached[0].listener);
    if (message === undefined) acceptedOne.set(attached[0].listener, (message = intern(acceptedMessage(parentDesc, attached))));
  } else message = intern(acceptedMessage(parentDesc, attached));
  return parentOutcome(base, true, REASON.Accepted, message, attached);
}

function acceptedMessage(parentDesc: string, attached: readonly { listener: ListenerState }[]): string {
  return `attached to ${parentDesc} listener(s) ${attached.map((a) => a.listener.name).join(', ')}`;
}

/**
 * A parent outcome, its fields in one literal (spreading `base` into a literal gave each outcome
 * an out-of-object property store of its own).
 */
function parentOutcome(
  base: Pick<ParentOutcome, 'index' | 'parentRef' | 'gateway'>,
  accepted: boolean,
  reason: string,
  message: string,
  listeners: ParentOutcome['listeners'],
): ParentOutcome {
  return { index: base.index, parentRef: base.parentRef, gateway: base.gateway, accepted, reason, message, listeners };
}


/** Shared empty parts of lean rules (frozen: nothing may add to them). */
const NO_MATCHES: ResolvedRule['matches'] = Object.freeze([]) as unknown as ResolvedRule['matches'];
const NO_FILTERS: ResolvedRule['filters'] = Object.freeze([]) as unknown as ResolvedRule['filters'];
const NO_EXTRA: ResolvedRule['extra'] = Object.freeze({});
/** The rules of a route whose working state keeps none (`RulesKept` `none`). */
const NO_RULES: ResolvedRule[] = Object.freeze([]) as unknown as ResolvedRule[];

/**
 * A rule without what only the model's consumers read (matches, filters, other fields): what the
 * resolver itself reads past this point — validity, backends and mirrors (BackendTLSPolicy
 * ancestors) — is kept. For `ResolveOptions.modelRules: false`, whose model has no rules anyway
 * (`RulesKept` `backends`).
 */
function leanRule(rule: ResolvedRule): ResolvedRule {
  return { ...rule, matches: NO_MATCHES, filters: NO_FILTERS, extra: NO_EXTRA };
}

export { BackendTlsLookup, KNOWN_FILTERS, withDefaultHttpMatches } from './rules';
