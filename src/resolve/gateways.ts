import { Diagnostic, GATEWAY_GROUP } from '../model';
import { diagnostic, REASON } from './conditions';
import { assumeExternal } from './external';
import { grantFix, refPermitted } from './grants';
import { groupKindKey, Inventory, judgedAsBuiltin, Obj, promisedSecret } from './inventory';
import {
  admitNamespace,
  blockingProblem,
  caConfigMapProblem,
  derivedSeverity,
  evaluateListener,
  ListenerProblem,
  listenerProgrammed,
  listenerResolved,
  ListenerState,
  markConflicts,
  missingSeverity,
  partialNote,
  tlsSecretProblem,
} from './listeners';
import { NamespacedName } from './model';
import { arr, closest, cmpTuple, cmpTuple2, key, names, num, oldestFirst, rec, str } from './util';

/** Working state of one GatewayClass. */
export interface GatewayClassState {
  readonly obj: Obj;
  readonly ours: boolean;
  readonly problem?: ListenerProblem;
}

/** Working state of one Gateway handled by the controller. */
export interface GatewayState {
  readonly obj: Obj;
  readonly className: string;
  readonly controllerName: string;
  readonly listeners: ListenerState[];
  /** ListenerSets whose parentRef names this Gateway, in merge precedence. */
  readonly listenerSets: ListenerSetState[];
  readonly classProblem?: ListenerProblem;
  readonly parametersProblem?: ListenerProblem;
  readonly addressProblem?: ListenerProblem;
  readonly clientCertProblem?: ListenerProblem;
  readonly backendClientCertificate?: NamespacedName;
  readonly insecureFrontend: boolean;
  readonly addresses: { type: string; value?: string }[];
  accepted: boolean;
  /** Not accepted only because of objects missing from a (likely partial) input. */
  acceptUncertain: boolean;
}

/** Working state of one ListenerSet whose parent Gateway is handled by the controller. */
export interface ListenerSetState {
  readonly obj: Obj;
  readonly gateway: GatewayState;
  readonly listeners: ListenerState[];
  /** Why the ListenerSet is not attached (NotAllowed / ParentNotAccepted). */
  readonly detached?: ListenerProblem;
}

interface Ctx {
  readonly inv: Inventory;
  readonly diags: Diagnostic[];
}

/** Evaluates GatewayClasses: ours when their controllerName matches. */
export function evaluateClasses(ctx: Ctx): Map<string, GatewayClassState> {
  const out = new Map<string, GatewayClassState>();
  for (const c of [...ctx.inv.gatewayClasses.values()].sort((a, b) => cmpTuple([a.name], [b.name]))) {
    const ours = str(c.spec.controllerName) === ctx.inv.controllerName;
    let problem: ListenerProblem | undefined;
    if (ours && c.spec.parametersRef !== undefined) {
      const p = rec(c.spec.parametersRef);
      const group = str(p.group) ?? '';
      const kind = str(p.kind) ?? '';
      const name = str(p.name) ?? '';
      const ns = str(p.namespace) ?? '';
      const shown = `${group ? `${group}/` : ''}${kind} ${ns ? `${ns}/` : ''}${name}`;
      if (!ctx.inv.byGroupKind.has(groupKindKey(group, kind, ns, name)) && ctx.inv.assumeExternal) {
        assumeExternal(ctx.diags, c.ref, 'spec.parametersRef', shown, 'its content');
      } else if (!ctx.inv.byGroupKind.has(groupKindKey(group, kind, ns, name))) {
        // the partial-input rule, as for a Gateway's infrastructure.parametersRef: an error when the
        // input holds objects of that kind (so it would hold this one), else a warning
        const present = [...ctx.inv.byGroupKind.values()].some((o) => o.group === group && o.kind === kind);
        problem = { reason: REASON.InvalidParameters, message: `parametersRef ${shown} does not exist in the input${partialNote(present, kind)}`, uncertain: !present };
        ctx.diags.push(diagnostic(missingSeverity(present), REASON.InvalidParameters, c.ref, 'spec.parametersRef', problem.message, `create ${shown}, or remove spec.parametersRef`));
      }
    }
    out.set(c.name, { obj: c, ours, problem });
  }
  return out;
}

/** Evaluates every Gateway handled by the controller together with the ListenerSets attached to it. */
export function evaluateGateways(ctx: Ctx, classes: ReadonlyMap<string, GatewayClassState>): Map<string, GatewayState> {
  const out = new Map<string, GatewayState>();
  const gateways = [...ctx.inv.gateways.values()].sort((a, b) => cmpTuple2(a.namespace, a.name, b.namespace, b.name));
  for (const g of gateways) {
    const className = str(g.spec.gatewayClassName) ?? '';
    const cls = classes.get(className);
    if (cls && !cls.ours) continue; // another controller's Gateway
    if (!cls && !ctx.inv.handlesGatewaysWithoutClass) continue; // its class is absent and another run handles such Gateways
    if (!cls && ctx.inv.assumeExternal && className) {
      assumeExternal(
        ctx.diags,
        g.ref,
        'spec.gatewayClassName',
        `GatewayClass ${className}`,
        'its controllerName and parameters; the Gateway is resolved as a conformant controller would',
      );
    }
    const st = evaluateGateway(ctx, g, className, cls);
    out.set(key(g.namespace, g.name), st);
  }
  evaluateListenerSets(ctx, out);
  return out;
}

function evaluateGateway(ctx: Ctx, g: Obj, className: string, cls: GatewayClassState | undefined): GatewayState {
  const listeners = arr(g.spec.listeners).map((l, i) => evaluateListener(ctx, g, g, i, l));
  const classProblem = cls?.problem
    ? { reason: REASON.Invalid, message: `GatewayClass ${className} is not accepted: ${cls.problem.message}`, uncertain: cls.problem.uncertain }
    : undefined;
  if (classProblem) ctx.diags.push(diagnostic(classProblem.uncertain ? 'warning' : 'error', REASON.Invalid, g.ref, 'spec.gatewayClassName', classProblem.message, `fix GatewayClass ${className} first`));

  // spec.infrastructure.parametersRef
  let parametersProblem: ListenerProblem | undefined;
  const infra = rec(g.spec.infrastructure);
  if (infra.parametersRef !== undefined) {
    const p = rec(infra.parametersRef);
    const group = str(p.group) ?? '';
    const kind = str(p.kind) ?? '';
    const name = str(p.name) ?? '';
    const shown = `${group ? `${group}/` : ''}${kind} ${g.namespace}/${name}`;
    if (!ctx.inv.byGroupKind.has(groupKindKey(group, kind, g.namespace, name)) && ctx.inv.assumeExternal) {
      assumeExternal(ctx.diags, g.ref, 'spec.infrastructure.parametersRef', shown, 'its content');
    } else if (!ctx.inv.byGroupKind.has(groupKindKey(group, kind, g.namespace, name))) {
      const present = [...ctx.inv.byGroupKind.values()].some((o) => o.group === group && o.kind === kind);
      parametersProblem = { reason: REASON.InvalidParameters, message: `infrastructure.parametersRef ${shown} does not exist${partialNote(present, kind)}`, uncertain: !present };
      ctx.diags.push(
        diagnostic(missingSeverity(present), REASON.InvalidParameters, g.ref, 'spec.infrastructure.parametersRef', parametersProblem.message, `create ${shown}, or remove spec.infrastructure.parametersRef`),
      );
    }
  }

  // spec.addresses
  let addressProblem: ListenerProblem | undefined;
  const addresses: { type: string; value?: string }[] = [];
  arr(g.spec.addresses).forEach((a, i) => {
    const x = rec(a);
    const type = str(x.type) ?? 'IPAddress';
    const value = str(x.value);
    addresses.push(value !== undefined ? { type, value } : { type });
    // other address types are implementation-specific: only the built-in data plane's limit is known here
    if (type !== 'IPAddress' && !addressProblem && judgedAsBuiltin(ctx.inv)) {
      addressProblem = { reason: REASON.UnsupportedAddress, message: `address type ${type} is not supported (the built-in data plane takes IPAddress addresses, e.g. from a MetalLB pool)` };
      ctx.diags.push(diagnostic('error', REASON.UnsupportedAddress, g.ref, `spec.addresses[${i}].type`, addressProblem.message, 'use type IPAddress, or remove the address'));
    }
  });

  // spec.tls.frontend: client certificate validation per port
  const insecureFrontend = applyFrontendValidation(ctx, g, listeners);

  // spec.tls.backend.clientCertificateRef
  let clientCertProblem: ListenerProblem | undefined;
  let backendClientCertificate: NamespacedName | undefined;
  const backend = rec(rec(g.spec.tls).backend);
  if (backend.clientCertificateRef !== undefined) {
    const r = rec(backend.clientCertificateRef);
    const field = 'spec.tls.backend.clientCertificateRef';
    const group = str(r.group) ?? '';
    const kind = str(r.kind) ?? 'Secret';
    const name = str(r.name) ?? '';
    const namespace = str(r.namespace) ?? g.namespace;
    const xref = { fromGroup: GATEWAY_GROUP, fromKind: 'Gateway', fromNamespace: g.namespace, toGroup: '', toKind: 'Secret', toNamespace: namespace, toName: name };
    if (group !== '' || kind !== 'Secret') {
      const shown = group ? `${group}/${kind}` : kind;
      clientCertProblem = { reason: REASON.InvalidClientCertificateRef, message: `clientCertificateRef ${shown} ${name} is not a Secret` };
      ctx.diags.push(diagnostic('error', REASON.InvalidClientCertificateRef, g.ref, field, clientCertProblem.message, 'reference a Secret of type kubernetes.io/tls (group "", kind Secret)'));
    } else if (!refPermitted(ctx.inv, xref)) {
      clientCertProblem = { reason: REASON.RefNotPermitted, message: `Secret ${namespace}/${name} is in another namespace and no ReferenceGrant in ${namespace} allows Gateway ${g.namespace}/${g.name} to use it` };
      ctx.diags.push(diagnostic('error', REASON.RefNotPermitted, g.ref, field, clientCertProblem.message, grantFix(xref)));
    } else {
      const secret = ctx.inv.secrets.get(key(namespace, name));
      const present = ctx.inv.secrets.size > 0;
      const bad = secret ? tlsSecretProblem(secret) : undefined;
      if (!secret && promisedSecret(ctx.inv, namespace, name)) {
        backendClientCertificate = { namespace, name };
      } else if (!secret && ctx.inv.assumeExternal) {
        assumeExternal(ctx.diags, g.ref, field, `Secret ${namespace}/${name}`, 'that it is of type kubernetes.io/tls with tls.crt and tls.key');
        backendClientCertificate = { namespace, name };
      } else if (!secret || bad) {
        const message = !secret
          ? `client certificate Secret ${namespace}/${name} does not exist${partialNote(present, 'Secret')}`
          : `client certificate Secret ${namespace}/${name} is not usable: ${bad}`;
        clientCertProblem = { reason: REASON.InvalidClientCertificateRef, message };
        ctx.diags.push(diagnostic(!secret ? missingSeverity(present) : 'error', REASON.InvalidClientCertificateRef, g.ref, field, message, `provide Secret ${namespace}/${name} of type kubernetes.io/tls with tls.crt and tls.key`));
      } else {
        backendClientCertificate = { namespace, name };
      }
    }
  }

  markConflicts(ctx, [listeners]);

  const st: GatewayState = {
    obj: g,
    className,
    controllerName: ctx.inv.controllerName,
    listeners,
    listenerSets: [],
    classProblem,
    parametersProblem,
    addressProblem,
    clientCertProblem,
    backendClientCertificate,
    insecureFrontend,
    addresses,
    accepted: false,
    acceptUncertain: false,
  };
  st.accepted = !classProblem && !parametersProblem && !addressProblem && listeners.some(listenerProgrammed);
  st.acceptUncertain = !st.accepted && derivedSeverity([classProblem ?? parametersProblem ?? addressProblem, ...listeners.map(blockingProblem)]) === 'warning';
  if (!st.accepted && !classProblem && !parametersProblem && !addressProblem) {
    ctx.diags.push(
      diagnostic(
        st.acceptUncertain ? 'warning' : 'error',
        REASON.ListenersNotValid,
        g.ref,
        'spec.listeners',
        `no listener of Gateway ${g.namespace}/${g.name} is valid (${listeners.map((l) => `${l.name}: ${listenerIssue(l)}`).join('; ') || 'it has no listeners'}), so the Gateway is not accepted`,
        'fix the listener problems reported for spec.listeners',
      ),
    );
  }
  return st;
}

/** Short description of what is wrong with a listener. */
export function listenerIssue(l: ListenerState): string {
  const p = l.acceptProblem ?? l.conflict ?? l.detached ?? l.frontendProblem ?? l.refProblem;
  if (p) return p.reason;
  if (l.invalidKinds.length) return REASON.InvalidRouteKinds;
  return 'ok';
}

interface CaResult {
  readonly mode: string;
  readonly valid: NamespacedName[];
  readonly problem?: ListenerProblem;
  /** Every problem stems from partial input. */
  readonly uncertain: boolean;
}

/** Applies `spec.tls.frontend` to the HTTPS/TLS-terminate listeners; returns whether a validation allows insecure fallback. */
function applyFrontendValidation(ctx: Ctx, g: Obj, listeners: ListenerState[]): boolean {
  const frontend = rec(rec(g.spec.tls).frontend);
  if (!Object.keys(frontend).length) return false;
  let insecure = false;
  const evalValidation = (v: Record<string, unknown>, field: string): CaResult => {
    const mode = str(v.mode) ?? 'AllowValidOnly';
    if (mode === 'AllowInsecureFallback') insecure = true;
    const valid: NamespacedName[] = [];
    let problem: ListenerProblem | undefined;
    const problems: ListenerProblem[] = [];
    arr(v.caCertificateRefs).forEach((r, i) => {
      const x = rec(r);
      const f = `${field}.caCertificateRefs[${i}]`;
      const group = str(x.group) ?? '';
      const kind = str(x.kind) ?? '';
      const name = str(x.name) ?? '';
      const namespace = str(x.namespace) ?? g.namespace;
      let p: ListenerProblem | undefined;
      let fix = '';
      const xref = { fromGroup: GATEWAY_GROUP, fromKind: 'Gateway', fromNamespace: g.namespace, toGroup: '', toKind: 'ConfigMap', toNamespace: namespace, toName: name };
      const otherKind = group !== '' || kind !== 'ConfigMap';
      const kindXref = { ...xref, toGroup: group, toKind: kind };
      if (otherKind && !judgedAsBuiltin(ctx.inv) && refPermitted(ctx.inv, kindXref)) {
        // other kinds (a Secret, which NGINX Gateway Fabric takes, or the controller's own) are
        // implementation-specific ("Support: Implementation-specific - … other kinds of resources"):
        // the controller's to judge, as for a BackendTLSPolicy
        valid.push({ namespace, name });
        return;
      }
      if (otherKind && !judgedAsBuiltin(ctx.inv)) {
        p = { reason: REASON.RefNotPermitted, message: `${group ? `${group}/` : ''}${kind} ${namespace}/${name} is in another namespace and no ReferenceGrant in ${namespace} allows Gateway ${g.namespace}/${g.name} to use it` };
        fix = grantFix(kindXref);
      } else if (otherKind) {
        p = { reason: REASON.InvalidCACertificateKind, message: `caCertificateRef ${group ? `${group}/` : ''}${kind} ${name} is not a ConfigMap` };
        fix = 'reference a ConfigMap holding the CA bundle in ca.crt (group "", kind ConfigMap)';
      } else if (!refPermitted(ctx.inv, xref)) {
        p = { reason: REASON.RefNotPermitted, message: `ConfigMap ${namespace}/${name} is in another namespace and no ReferenceGrant in ${namespace} allows Gateway ${g.namespace}/${g.name} to use it` };
        fix = grantFix(xref);
      } else {
        const cm = ctx.inv.configMaps.get(key(namespace, name));
        const bad = cm ? caConfigMapProblem(cm) : undefined;
        if (!cm && ctx.inv.assumeExternal) {
          assumeExternal(ctx.diags, g.ref, f, `ConfigMap ${namespace}/${name}`, 'that it holds a PEM CA bundle in ca.crt');
          valid.push({ namespace, name });
          return;
        }
        if (!cm || bad) {
          const present = ctx.inv.configMaps.size > 0;
          p = {
            reason: REASON.InvalidCACertificateRef,
            message: !cm ? `CA ConfigMap ${namespace}/${name} does not exist${partialNote(present, 'ConfigMap')}` : `CA ConfigMap ${namespace}/${name} is not usable: ${bad}`,
            uncertain: !cm && !present,
          };
          fix = `provide ConfigMap ${namespace}/${name} with the PEM CA bundle in data["ca.crt"]`;
          ctx.diags.push(diagnostic(!cm ? missingSeverity(present) : 'error', p.reason, g.ref, f, p.message, fix));
          if (!problem) problem = p;
          problems.push(p);
          return;
        }
        valid.push({ namespace, name });
        return;
      }
      ctx.diags.push(diagnostic('error', p.reason, g.ref, f, p.message, fix));
      if (!problem) problem = p;
      problems.push(p);
    });
    return { mode, valid, problem, uncertain: derivedSeverity(problems) === 'warning' };
  };
  const def = frontend.default !== undefined ? evalValidation(rec(rec(frontend.default).validation), 'spec.tls.frontend.default.validation') : undefined;
  const perPort = new Map<number, CaResult>();
  arr(frontend.perPort).forEach((pp, i) => {
    const x = rec(pp);
    const port = num(x.port);
    if (port !== undefined && !perPort.has(port)) perPort.set(port, evalValidation(rec(rec(x.tls).validation), `spec.tls.frontend.perPort[${i}].tls.validation`));
  });
  for (const l of listeners) {
    if (l.tlsMode !== 'Terminate' || l.acceptProblem) continue;
    const cfg = perPort.get(l.port) ?? def;
    if (!cfg) continue;
    l.clientValidation = { mode: cfg.mode, caCertificates: cfg.valid };
    if (cfg.problem && !l.refProblem) l.refProblem = cfg.problem;
    if (cfg.valid.length === 0) {
      l.frontendProblem = {
        reason: REASON.NoValidCACertificate,
        message: `no CA certificate of the client validation for port ${l.port} resolves, so listener ${l.name} cannot validate client certificates`,
        uncertain: cfg.uncertain,
      };
      ctx.diags.push(
        diagnostic(
          cfg.uncertain ? 'warning' : 'error',
          REASON.NoValidCACertificate,
          g.ref,
          l.field,
          `${l.frontendProblem.message}; the listener is not accepted`,
          `fix the caCertificateRefs of spec.tls.frontend ${perPort.has(l.port) ? `perPort entry for port ${l.port}` : 'default'}`,
        ),
      );
    }
  }
  if (insecure) {
    ctx.diags.push(
      diagnostic(
        'warning',
        'InsecureFrontendValidationMode',
        g.ref,
        'spec.tls.frontend',
        'client certificate validation uses mode AllowInsecureFallback: clients without a valid certificate are still served',
        'set validation.mode to AllowValidOnly (the default) once every client presents a certificate',
      ),
    );
  }
  return insecure;
}

/** Merge precedence of ListenerSets: oldest first, then namespace/name. */
const lsOrder = oldestFirst;

function evaluateListenerSets(ctx: Ctx, gateways: Map<string, GatewayState>): void {
  const sets = [...ctx.inv.listenerSets.values()].sort(lsOrder);
  for (const ls of sets) {
    const p = rec(ls.spec.parentRef);
    const group = str(p.group) ?? GATEWAY_GROUP;
    const kind = str(p.kind) ?? 'Gateway';
    const name = str(p.name) ?? '';
    const namespace = str(p.namespace) ?? ls.namespace;
    if (group !== GATEWAY_GROUP || kind !== 'Gateway') {
      ctx.diags.push(diagnostic('error', REASON.NoMatchingParent, ls.ref, 'spec.parentRef', `parentRef ${group}/${kind} ${name} is not a Gateway`, 'set spec.parentRef to a Gateway (group gateway.networking.k8s.io, kind Gateway)'));
      continue;
    }
    const gw = gateways.get(key(namespace, name));
    if (!gw) {
      const g = ctx.inv.gateways.get(key(namespace, name));
      if (g) continue; // another controller's Gateway
      if (ctx.inv.assumeExternal) {
        assumeExternal(ctx.diags, ls.ref, 'spec.parentRef', `Gateway ${namespace}/${name}`, 'whether it allows this ListenerSet and whether the listeners conflict with its own; no status is computed');
        // the listeners' own references can still be checked
        markConflicts(ctx, [arr(ls.spec.listeners).map((l, i) => evaluateListener(ctx, ls, ls, i, l))]);
        continue;
      }
      const present = ctx.inv.gateways.size > 0;
      const known = [...ctx.inv.gateways.values()].map((x) => `${x.namespace}/${x.name}`);
      const guess = closest(`${namespace}/${name}`, known);
      ctx.diags.push(
        diagnostic(
          missingSeverity(present),
          REASON.NoMatchingParent,
          ls.ref,
          'spec.parentRef',
          `parent Gateway ${namespace}/${name} does not exist` + (present ? ` (Gateways: ${names(known)})` : partialNote(false, 'Gateway')),
          present ? (guess ? `did you mean ${guess}? set spec.parentRef to it` : `set spec.parentRef to one of ${names(known)}`) : `add Gateway ${namespace}/${name} to the input`,
        ),
      );
      continue;
    }
    const listeners = arr(ls.spec.listeners).map((l, i) => evaluateListener(ctx, ls, gw.obj, i, l));
    let detached: ListenerProblem | undefined;
    const allowed = rec(gw.obj.spec.allowedListeners).namespaces;
    const adm = admitNamespace(ctx.inv, allowed, gw.obj.namespace, ls.namespace, 'None');
    if (!adm.allowed) {
      detached = {
        reason: REASON.NotAllowed,
        message: `Gateway ${gw.obj.namespace}/${gw.obj.name} does not allow ListenerSets from namespace ${ls.namespace} (allowedListeners ${adm.reason})`,
        uncertain: adm.undecidable,
      };
      ctx.diags.push(
        diagnostic(
          adm.undecidable ? 'warning' : 'error',
          REASON.NotAllowed,
          ls.ref,
          'spec.parentRef',
          detached.message,
          `set spec.allowedListeners.namespaces.from on Gateway ${gw.obj.namespace}/${gw.obj.name} to ${ls.namespace === gw.obj.namespace ? 'Same' : 'All or Selector'} (default None allows no ListenerSet)`,
        ),
      );
    } else if (!gw.accepted) {
      detached = { reason: REASON.ParentNotAccepted, message: `parent Gateway ${gw.obj.namespace}/${gw.obj.name} is not accepted`, uncertain: gw.acceptUncertain };
      ctx.diags.push(diagnostic(gw.acceptUncertain ? 'warning' : 'error', REASON.ParentNotAccepted, ls.ref, 'spec.parentRef', detached.message, `fix Gateway ${gw.obj.namespace}/${gw.obj.name} first`));
    }
    if (detached) for (const l of listeners) l.detached = detached;
    gw.listenerSets.push({ obj: ls, gateway: gw, listeners, detached });
  }
  for (const gw of gateways.values()) {
    const seed = gw.listeners.filter((l) => l.protocolSupported && !l.acceptProblem && !l.conflict);
    markConflicts(
      ctx,
      gw.listenerSets.filter((s) => !s.detached).map((s) => s.listeners),
      seed,
    );
  }
}

/** Whether a ListenerSet is Accepted (attached with at least one usable listener). */
export function listenerSetAccepted(s: ListenerSetState): boolean {
  return !s.detached && s.listeners.some(listenerProgrammed);
}

/** Whether every listener of the list is fully valid. */
export function allListenersValid(ls: readonly ListenerState[]): boolean {
  return ls.every((l) => listenerProgrammed(l) && listenerResolved(l));
}
