import { Diagnostic, GATEWAY_GROUP, Severity } from '../model';
import { diagnostic, REASON } from './conditions';
import { assumeExternal } from './external';
import { grantFix, refPermitted } from './grants';
import { Inventory, judgedAsBuiltin, namespaceLabels, Obj, promisedSecret } from './inventory';
import { NamespacedName } from './model';
import { arr, closest, decodeSecretValue, describeSelector, key, list, names, num, rec, selectorMatches, str } from './util';

/** Protocols the built-in data plane serves. */
export const SUPPORTED_PROTOCOLS = ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'] as const;

/** Route kinds each listener protocol accepts (all in the Gateway API group). */
export function routeKindsFor(protocol: string): string[] {
  switch (protocol) {
    case 'HTTP':
    case 'HTTPS':
      return ['HTTPRoute', 'GRPCRoute'];
    case 'TLS':
      return ['TLSRoute'];
    case 'TCP':
      return ['TCPRoute'];
    case 'UDP':
      return ['UDPRoute'];
    default:
      return [];
  }
}

/** A problem found while evaluating a listener; becomes a condition reason and a diagnostic. */
export interface ListenerProblem {
  readonly reason: string;
  readonly message: string;
  /**
   * The problem only follows from an object missing from an input that holds no object of that
   * kind (likely partial input): findings derived from it are warnings, not errors.
   */
  readonly uncertain?: boolean;
}

/** The problem that keeps a listener from being programmed, if any. */
export function blockingProblem(l: ListenerState): ListenerProblem | undefined {
  return l.acceptProblem ?? l.conflict ?? l.detached ?? l.frontendProblem ?? l.refProblem;
}

/** Severity of a finding derived from these problems: a warning when all of them are uncertain. */
export function derivedSeverity(problems: readonly (ListenerProblem | undefined)[]): Severity {
  const ps = problems.filter((p): p is ListenerProblem => p !== undefined);
  return ps.length > 0 && ps.every((p) => p.uncertain) ? 'warning' : 'error';
}

/**
 * Internal, mutable working record of one listener (of a Gateway or a ListenerSet). The public
 * shapes (status, model) are derived from it once every route has been attached.
 */
export interface ListenerState {
  /** The object declaring the listener (Gateway or ListenerSet). */
  readonly owner: Obj;
  /** The Gateway the listener belongs to. */
  readonly gateway: Obj;
  readonly index: number;
  readonly field: string;
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
  readonly tlsMode?: 'Terminate' | 'Passthrough';
  readonly allowedRoutes: Record<string, unknown>;
  readonly protocolSupported: boolean;
  /** Valid route kinds (group/kind) after applying `allowedRoutes.kinds`. */
  readonly supportedKinds: { group: string; kind: string }[];
  /** `allowedRoutes.kinds` entries the listener cannot serve. */
  readonly invalidKinds: string[];
  /** Problem with a listener value (unsupported protocol / TLS mode). */
  readonly acceptProblem?: ListenerProblem;
  /** First problem resolving certificate / CA references. */
  refProblem?: ListenerProblem;
  /** Client-certificate validation that leaves no usable CA (listener not accepted). */
  frontendProblem?: ListenerProblem;
  /** Resolved server certificates (Secrets), in spec order. */
  readonly certificates: NamespacedName[];
  /** Resolved client-validation CA ConfigMaps, when frontend validation applies. */
  clientValidation?: { mode: string; caCertificates: NamespacedName[] };
  conflict?: ListenerProblem & { readonly sameOwner?: boolean };
  /** Set when the owner is a ListenerSet that is not attached (not allowed / parent not accepted). */
  detached?: ListenerProblem;
  /** The Accepted routes attached to the listener (the inventory's objects: one per kind/namespace/name). */
  readonly attached: Set<Obj>;
}

/**
 * Whether the listener can serve traffic: Accepted, its certificates resolve and at least one route
 * kind may attach. Offline, such a listener is assumed programmed (no port binding is attempted).
 */
export function listenerProgrammed(l: ListenerState): boolean {
  return listenerAccepted(l) && !l.refProblem && l.supportedKinds.length > 0;
}

/** Whether the listener is Accepted (its config will produce data-plane config). */
export function listenerAccepted(l: ListenerState): boolean {
  return !l.acceptProblem && !l.conflict && !l.frontendProblem && !l.detached;
}

/** Whether the listener's references all resolve. */
export function listenerResolved(l: ListenerState): boolean {
  return !l.refProblem && l.invalidKinds.length === 0;
}

/** Severity for a reference to an object of `kind` missing from the input. */
export function missingSeverity(present: boolean): Severity {
  return present ? 'error' : 'warning';
}

/** Message suffix for a missing object of a kind the input holds none of. */
export function partialNote(present: boolean, kind: string): string {
  return present ? '' : ` (the input holds no ${kind} objects, so it may be partial)`;
}

export interface EvalContext {
  readonly inv: Inventory;
  readonly diags: Diagnostic[];
}

/** Reads and validates one listener entry of a Gateway or ListenerSet. */
export function evaluateListener(ctx: EvalContext, owner: Obj, gateway: Obj, index: number, raw: unknown): ListenerState {
  const l = rec(raw);
  const field = `spec.listeners[${index}]`;
  const name = str(l.name) ?? `#${index}`;
  const protocol = str(l.protocol) ?? '';
  const port = num(l.port) ?? 0;
  const hostname = str(l.hostname) || undefined;
  const tls = rec(l.tls);
  const allowedRoutes = rec(l.allowedRoutes);
  const builtin = judgedAsBuiltin(ctx.inv);
  const protocolSupported = (SUPPORTED_PROTOCOLS as readonly string[]).includes(protocol);
  // another controller's domain-prefixed protocol (e.g. "example.com/PROXY") is its own business
  const customProtocol = !builtin && !protocolSupported && protocol.includes('/');
  let tlsMode: 'Terminate' | 'Passthrough' | undefined;
  let acceptProblem: ListenerProblem | undefined;

  if (!protocolSupported && !customProtocol) {
    acceptProblem = {
      reason: REASON.UnsupportedProtocol,
      message: `protocol "${protocol}" of listener ${name} is not supported (supported: ${SUPPORTED_PROTOCOLS.join(', ')})`,
    };
    ctx.diags.push(
      diagnostic('error', REASON.UnsupportedProtocol, owner.ref, `${field}.protocol`, `${acceptProblem.message}; the listener serves nothing`, `set protocol to one of ${SUPPORTED_PROTOCOLS.join(', ')}`),
    );
  } else if (protocol === 'HTTPS' || protocol === 'TLS') {
    const mode = str(tls.mode) ?? 'Terminate';
    if (mode !== 'Terminate' && mode !== 'Passthrough') {
      acceptProblem = { reason: REASON.UnsupportedValue, message: `tls.mode "${mode}" of listener ${name} is not supported (Terminate, Passthrough)` };
      ctx.diags.push(diagnostic('error', REASON.UnsupportedValue, owner.ref, `${field}.tls.mode`, acceptProblem.message, 'set tls.mode to Terminate or Passthrough'));
    } else if (protocol === 'HTTPS' && mode === 'Passthrough') {
      acceptProblem = { reason: REASON.UnsupportedValue, message: `listener ${name}: protocol HTTPS requires tls.mode Terminate` };
      ctx.diags.push(
        diagnostic('error', REASON.UnsupportedValue, owner.ref, `${field}.tls.mode`, acceptProblem.message, 'use protocol TLS for TLS passthrough, or set tls.mode to Terminate'),
      );
    } else {
      tlsMode = mode;
    }
  }

  // Route kinds
  // a TLS listener that terminates may take TCPRoutes where the implementation supports it (Gateway
  // API's TLS guide: implementation-specific): not judged for other controllers
  const defaults = !builtin && protocol === 'TLS' && tlsMode === 'Terminate' ? ['TLSRoute', 'TCPRoute'] : routeKindsFor(protocol);
  const supportedKinds: { group: string; kind: string }[] = [];
  const invalidKinds: string[] = [];
  const kindsSpec = arr(allowedRoutes.kinds);
  if (kindsSpec.length === 0) {
    for (const k of defaults) supportedKinds.push({ group: GATEWAY_GROUP, kind: k });
  } else {
    kindsSpec.forEach((k, i) => {
      const x = rec(k);
      const group = str(x.group) ?? GATEWAY_GROUP;
      const kind = str(x.kind) ?? '';
      // another controller may accept more kinds than the protocol's defaults (a TCPRoute on a TLS
      // listener, its own route kinds): implementation-specific, left to it
      if ((group === GATEWAY_GROUP && defaults.includes(kind)) || (!builtin && kind !== '')) {
        if (!supportedKinds.some((s) => s.group === group && s.kind === kind)) supportedKinds.push({ group, kind });
      } else {
        const shown = group === GATEWAY_GROUP ? kind : `${group}/${kind}`;
        invalidKinds.push(shown);
        if (protocolSupported) {
          ctx.diags.push(
            diagnostic(
              'error',
              REASON.InvalidRouteKinds,
              owner.ref,
              `${field}.allowedRoutes.kinds[${i}]`,
              `route kind ${shown} cannot attach to ${protocol} listener ${name} (it accepts: ${list(defaults)})`,
              `remove ${shown} from allowedRoutes.kinds, or use ${list(defaults, 'no')} on this listener`,
            ),
          );
        }
      }
    });
  }

  const state: ListenerState = {
    owner,
    gateway,
    index,
    field,
    name,
    port,
    protocol,
    hostname,
    tlsMode,
    allowedRoutes,
    protocolSupported,
    supportedKinds,
    invalidKinds,
    acceptProblem,
    certificates: [],
    attached: new Set(),
  };

  // Certificates
  if (protocolSupported && !acceptProblem && tlsMode === 'Terminate') {
    const refs = arr(tls.certificateRefs);
    if (refs.length === 0) {
      state.refProblem = { reason: REASON.InvalidCertificateRef, message: `listener ${name} terminates TLS but has no tls.certificateRefs` };
      ctx.diags.push(
        diagnostic(
          'error',
          REASON.InvalidCertificateRef,
          owner.ref,
          `${field}.tls`,
          state.refProblem.message,
          'add tls.certificateRefs with a kubernetes.io/tls Secret (e.g. the one cert-manager writes)',
        ),
      );
    }
    refs.forEach((r, j) => {
      const problem = checkCertificateRef(ctx, owner, name, `${field}.tls.certificateRefs[${j}]`, rec(r), state.certificates);
      if (problem && !state.refProblem) state.refProblem = problem;
    });
  }
  return state;
}

function describeOwner(o: Obj): string {
  return `${o.kind} ${o.namespace}/${o.name}`;
}

/** Checks one certificateRef; pushes a diagnostic and returns the problem, or records the Secret. */
function checkCertificateRef(ctx: EvalContext, owner: Obj, listener: string, field: string, r: Record<string, unknown>, out: NamespacedName[]): ListenerProblem | undefined {
  const group = str(r.group) ?? '';
  const kind = str(r.kind) ?? 'Secret';
  const name = str(r.name) ?? '';
  const namespace = str(r.namespace) ?? owner.namespace;
  if (group !== '' || kind !== 'Secret') {
    const shown = group ? `${group}/${kind}` : kind;
    const message = `certificateRef ${shown} ${namespace}/${name} of listener ${listener} is not a Secret (only core Secrets of type kubernetes.io/tls are supported)`;
    ctx.diags.push(diagnostic('error', REASON.InvalidCertificateRef, owner.ref, field, message, 'reference a Secret: set group "" and kind Secret'));
    return { reason: REASON.InvalidCertificateRef, message };
  }
  const xref = { fromGroup: GATEWAY_GROUP, fromKind: owner.kind, fromNamespace: owner.namespace, toGroup: '', toKind: 'Secret', toNamespace: namespace, toName: name };
  if (!refPermitted(ctx.inv, xref)) {
    const message = `Secret ${namespace}/${name} is in another namespace than ${owner.kind} ${owner.namespace}/${owner.name} and no ReferenceGrant in ${namespace} allows the reference`;
    ctx.diags.push(diagnostic('error', REASON.RefNotPermitted, owner.ref, field, message, grantFix(xref)));
    return { reason: REASON.RefNotPermitted, message };
  }
  const secret = ctx.inv.secrets.get(key(namespace, name));
  if (!secret && promisedSecret(ctx.inv, namespace, name, owner)) {
    out.push({ namespace, name });
    return undefined;
  }
  if (!secret && ctx.inv.assumeExternal) {
    assumeExternal(ctx.diags, owner.ref, field, `Secret ${namespace}/${name}`, 'that it is of type kubernetes.io/tls with PEM data in tls.crt and tls.key');
    out.push({ namespace, name });
    return undefined;
  }
  if (!secret) {
    const present = ctx.inv.secrets.size > 0;
    const others = [...ctx.inv.secrets.values()].filter((s) => s.namespace === namespace).map((s) => s.name);
    const message =
      `Secret ${namespace}/${name} referenced by listener ${listener} does not exist` +
      (present ? ` (Secrets in ${namespace}: ${names(others)})` : partialNote(false, 'Secret'));
    const guess = closest(name, others);
    ctx.diags.push(diagnostic(missingSeverity(present), REASON.InvalidCertificateRef, owner.ref, field, message, (guess ? `did you mean ${guess}? ` : '') + `create Secret ${namespace}/${name} of type kubernetes.io/tls (e.g. with a cert-manager Certificate), or fix the name`));
    return { reason: REASON.InvalidCertificateRef, message, uncertain: !present };
  }
  const bad = tlsSecretProblem(secret);
  if (bad) {
    const message = `Secret ${namespace}/${name} referenced by listener ${listener} is not a usable TLS certificate: ${bad}`;
    ctx.diags.push(diagnostic('error', REASON.InvalidCertificateRef, owner.ref, field, message, 'use a Secret of type kubernetes.io/tls with PEM data in tls.crt and tls.key'));
    return { reason: REASON.InvalidCertificateRef, message };
  }
  out.push({ namespace, name });
  return undefined;
}

/** Why a Secret cannot serve as a TLS key pair, or `undefined` when it can. */
export function tlsSecretProblem(secret: Obj): string | undefined {
  const raw = secret.raw as Record<string, unknown>;
  const type = str(raw.type) ?? 'Opaque';
  if (type !== 'kubernetes.io/tls') return `its type is ${type}, not kubernetes.io/tls`;
  for (const k of ['tls.crt', 'tls.key']) {
    const fromData = decodeSecretValue(rec(raw.data)[k], true);
    const fromString = decodeSecretValue(rec(raw.stringData)[k], false);
    const v = fromString ?? fromData;
    if (v === undefined || v.trim() === '') return `${k} is missing or empty`;
    if (!v.includes('-----BEGIN ')) return `${k} is not PEM data`;
  }
  return undefined;
}

/** Why a ConfigMap cannot serve as a CA bundle (`ca.crt`), or `undefined` when it can. */
export function caConfigMapProblem(cm: Obj): string | undefined {
  const raw = cm.raw as Record<string, unknown>;
  const v = str(rec(raw.data)['ca.crt']);
  if (v === undefined || v.trim() === '') return 'ca.crt is missing or empty';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Conflicts

/** Transport a protocol rides on. */
function transport(protocol: string): 'tcp' | 'udp' {
  return protocol === 'UDP' ? 'udp' : 'tcp';
}

function sameHostname(a: ListenerState, b: ListenerState): boolean {
  return (a.hostname ?? '').toLowerCase() === (b.hostname ?? '').toLowerCase();
}

/**
 * Why two listeners cannot coexist, or `undefined` when they are distinct. Listeners on different
 * ports, or on TCP vs UDP transports, never conflict. On one port, HTTPS and TLS may share (SNI
 * decides), every other protocol mix is a ProtocolConflict; same protocol (or HTTPS/TLS) with the
 * same hostname — or any two TCP/UDP listeners — is a HostnameConflict.
 */
export function conflictBetween(a: ListenerState, b: ListenerState): string | undefined {
  if (a.port !== b.port) return undefined;
  if (transport(a.protocol) !== transport(b.protocol)) return undefined;
  const sniPair = (x: string, y: string) => (x === 'HTTPS' && y === 'TLS') || (x === 'TLS' && y === 'HTTPS');
  if (a.protocol !== b.protocol && !sniPair(a.protocol, b.protocol)) return REASON.ProtocolConflict;
  if (a.protocol === 'TCP' || a.protocol === 'UDP') return REASON.HostnameConflict;
  return sameHostname(a, b) ? REASON.HostnameConflict : undefined;
}

function conflictMessage(reason: string, l: ListenerState, other: ListenerState): string {
  const where = other.owner === l.owner ? `listener ${other.name}` : `listener ${other.name} of ${describeOwner(other.owner)}`;
  return reason === REASON.ProtocolConflict
    ? `listener ${l.name} (${l.protocol} on port ${l.port}) conflicts with ${where} (${other.protocol} on the same port)`
    : `listener ${l.name} (${l.protocol} port ${l.port}, hostname ${l.hostname ?? '(any)'}) is not distinct from ${where} (same port, protocol and hostname)`;
}

/**
 * Marks conflicted listeners. Within one owner every indistinct listener is conflicted (no winner is
 * picked); a listener of a later owner (ListenerSets come after the Gateway, in merge precedence)
 * that conflicts with an earlier, non-conflicted one loses.
 */
export function markConflicts(ctx: EvalContext, groups: readonly (readonly ListenerState[])[], seed: readonly ListenerState[] = []): ListenerState[] {
  const winners: ListenerState[] = [...seed];
  for (const group of groups) {
    const candidates = group.filter((l) => l.protocolSupported && !l.acceptProblem && !l.detached);
    for (const l of candidates) {
      for (const w of winners) {
        const r = conflictBetween(l, w);
        if (r) {
          l.conflict = { reason: r, message: conflictMessage(r, l, w) };
          break;
        }
      }
    }
    // within one owner, every indistinct pair is conflicted (listeners that already lost to an
    // earlier owner take no further part)
    for (const l of candidates) {
      if (l.conflict) continue;
      for (const o of candidates) {
        if (o === l || (o.conflict && !o.conflict.sameOwner)) continue;
        const r = conflictBetween(l, o);
        if (r) {
          l.conflict = { reason: r, message: conflictMessage(r, l, o), sameOwner: true };
          break;
        }
      }
    }
    for (const l of candidates) {
      if (l.conflict) {
        ctx.diags.push(
          diagnostic(
            'error',
            l.conflict.reason,
            l.owner.ref,
            l.field,
            `${l.conflict.message}; the listener is not accepted`,
            l.conflict.reason === REASON.ProtocolConflict
              ? `use another port for listener ${l.name}, or the same protocol as the listeners already on port ${l.port}`
              : `give listener ${l.name} a distinct hostname or port`,
          ),
        );
      } else {
        winners.push(l);
      }
    }
  }
  return winners;
}

// ---------------------------------------------------------------------------------------------
// Namespace admission (allowedRoutes / allowedListeners)

/** Result of a namespace admission check. */
export interface NamespaceAdmission {
  readonly allowed: boolean;
  /** Set when a Selector could not be evaluated because the Namespace is not in the input. */
  readonly undecidable?: boolean;
  readonly reason: string;
}

/**
 * Whether `namespace` passes `{from, selector}` relative to `ownerNamespace`. `from` defaults to
 * `defaultFrom` (Same for allowedRoutes, None for allowedListeners).
 */
export function admitNamespace(inv: Inventory, spec: unknown, ownerNamespace: string, namespace: string, defaultFrom: string): NamespaceAdmission {
  const s = rec(spec);
  const from = str(s.from) ?? defaultFrom;
  switch (from) {
    case 'All':
      return { allowed: true, reason: 'from: All' };
    case 'Same':
      return namespace === ownerNamespace
        ? { allowed: true, reason: 'from: Same' }
        : { allowed: false, reason: `from: Same admits only namespace ${ownerNamespace}` };
    case 'Selector': {
      const ns = inv.namespaces.get(namespace);
      if (!ns) return { allowed: false, undecidable: true, reason: `Namespace ${namespace} is not in the input, so selector ${describeSelector(s.selector)} cannot be evaluated` };
      return selectorMatches(s.selector, namespaceLabels(ns))
        ? { allowed: true, reason: `selector ${describeSelector(s.selector)}` }
        : { allowed: false, reason: `the labels of namespace ${namespace} do not match selector ${describeSelector(s.selector)}` };
    }
    case 'None':
      return { allowed: false, reason: 'from: None' };
    default:
      return { allowed: false, reason: `from: ${from} is not a known value` };
  }
}
