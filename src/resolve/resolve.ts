import { BUILTIN_CONTROLLER_NAME, Diagnostic, KubeObject, sortDiagnostics } from '../model';
import { evaluatePolicies, policyFor, policyStatuses } from './backend-tls';
import { condition, REASON } from './conditions';
import { allListenersValid, evaluateClasses, evaluateGateways, GatewayState, listenerIssue, listenerSetAccepted, ListenerSetState } from './gateways';
import { buildInventory } from './inventory';
import { blockingProblem, derivedSeverity, listenerAccepted, listenerProgrammed, listenerResolved, ListenerState } from './listeners';
import { ResolvedGateway, ResolvedListener, ResolvedModel, ResolvedRoute, ResolvedRule, RouteAttachment } from './model';
import { metallbDiagnostics } from './metallb';
import { namespaceDiagnostics } from './namespaces';
import { coveredBy, removedShapeDiagnostics } from './removed';
import { pathDroppedDiagnostics } from './rewrites';
import { resolveRoutes, RouteState } from './routes';
import { schemaDiagnostics } from './schema';
import { shadowedRuleDiagnostics } from './shadowing';
import { Condition, ObjectStatus, ResolveOptions, ResolveResult } from './types';
import { cmpTuple2, cmpTuple3 } from './util';
import { appendAll } from '../model/arrays';

/**
 * Computes, from plain Gateway API objects, the status a conformant Gateway API v1.6.1
 * implementation would set, diagnostics naming the fix for everything that is not "all good", and
 * the resolved model the data-plane compiler consumes.
 *
 * Pure: the same input gives the same (sorted) output; nothing outside the arguments is read.
 *
 * Offline assumptions: an accepted Gateway / listener is reported `Programmed` (nothing is bound,
 * addresses are unknown and not reported); objects missing from the input do not exist, unless
 * `options.assumeExternal` is set.
 *
 * Besides status findings, the diagnostics cover schema and CEL violations (`options.schemaValidation`),
 * removed v1alpha1 shapes, shadowed rules, rewrites that drop the path and namespaces nothing
 * creates (`options.namespaces`); those never change status.
 */
export function resolve(objects: readonly KubeObject[], options: ResolveOptions = {}): ResolveResult {
  const controllerName = options.controllerName ?? BUILTIN_CONTROLLER_NAME;
  const defaultNamespace = options.defaultNamespace ?? 'default';
  // The stages that read only the input run first, while nothing else of the run is held: the
  // schema and CEL checks make most of the run's short-lived garbage, and the heap grows with what
  // is live while it is made. (Their findings are appended in the same order as ever below.)
  const removed = removedShapeDiagnostics(objects, defaultNamespace);
  const schema = options.schemaValidation ?? true ? schemaDiagnostics(objects, defaultNamespace, options.channel) : [];
  const namespaces = options.namespaces ? namespaceDiagnostics(objects, defaultNamespace, options.namespaces) : [];
  const metallb = options.metallb ? metallbDiagnostics(objects, defaultNamespace) : [];
  const inv = buildInventory(objects, controllerName, defaultNamespace, options.assumeExternal ?? false, options.handlesGatewaysWithoutClass ?? true);
  const diags: Diagnostic[] = [...inv.diagnostics];
  const ctx = { inv, diags };

  const classes = evaluateClasses(ctx);
  const gateways = evaluateGateways(ctx, classes);
  const policies = evaluatePolicies(ctx);
  const modelRules = options.modelRules ?? true;
  const withStatus = options.status ?? true;
  // (without model rules, the routes keep only the parts of their rules read below: the backends,
  // for the status of BackendTLSPolicies, and nothing when that status is not computed)
  const keep = modelRules ? 'all' : withStatus && policies.length ? 'backends' : 'none';
  const routes = resolveRoutes(ctx, gateways, (ns, svc, port) => policyFor(inv, policies, ns, svc, port)?.tls, keep);

  const status: ObjectStatus[] = [];
  for (const c of classes.values()) {
    if (!c.ours || !withStatus) continue;
    const g = c.obj.generation;
    status.push({
      apiVersion: c.obj.raw.apiVersion,
      kind: 'GatewayClass',
      name: c.obj.name,
      status: {
        conditions: [
          c.problem
            ? condition('Accepted', false, c.problem.reason, c.problem.message, g)
            : condition('Accepted', true, REASON.Accepted, `handled by ${controllerName}`, g),
        ],
      },
    });
  }
  for (const gw of gateways.values()) {
    for (const s of gw.listenerSets) {
      if (!s.detached && !listenerSetAccepted(s)) {
        diags.push({
          severity: derivedSeverity(s.listeners.map(blockingProblem)),
          code: REASON.ListenersNotValid,
          object: s.obj.ref,
          field: 'spec.listeners',
          message: `no listener of ListenerSet ${s.obj.namespace}/${s.obj.name} is valid (${s.listeners.map((l) => `${l.name}: ${listenerIssue(l)}`).join('; ')}), so it is not attached`,
          fix: 'fix the listener problems reported for spec.listeners',
        });
      }
    }
    if (!withStatus) continue;
    status.push(gatewayStatus(gw));
    for (const s of gw.listenerSets) status.push(listenerSetStatus(s));
  }
  if (withStatus) {
    for (const r of routes) status.push(routeStatus(r, controllerName));
    appendAll(status, policyStatuses(inv, policies, routes, controllerName));
    status.sort((a, b) => cmpTuple3(a.kind, a.namespace ?? '', a.name, b.kind, b.namespace ?? '', b.name));
  }

  const model = buildModel(gateways, routes, modelRules);
  appendAll(diags, pathDroppedDiagnostics(inv.routes), shadowedRuleDiagnostics(inv.routes, model));
  appendAll(diags, removed, schema, namespaces, metallb);
  const covered = coveredBy(removed);
  return { status, diagnostics: sortDiagnostics(diags.filter((d) => !covered(d))), model };
}

// ---------------------------------------------------------------------------------------------
// Status

function listenerConditions(l: ListenerState, gen: number): Condition[] {
  const accepted = listenerAccepted(l);
  const acceptFail = l.acceptProblem ?? l.conflict ?? l.detached ?? l.frontendProblem;
  const programmed = listenerProgrammed(l);
  const kindsProblem = l.invalidKinds.length
    ? { reason: REASON.InvalidRouteKinds, message: `route kinds ${l.invalidKinds.join(', ')} are not supported by ${l.protocol} listener ${l.name}` }
    : undefined;
  const refFail = kindsProblem ?? l.refProblem;
  return [
    accepted ? condition('Accepted', true, REASON.Accepted, `listener ${l.name} is valid`, gen) : condition('Accepted', false, acceptFail!.reason, acceptFail!.message, gen),
    programmed
      ? condition('Programmed', true, REASON.Programmed, `listener ${l.name} is programmed (offline: assumed for every valid listener)`, gen)
      : condition(
          'Programmed',
          false,
          l.conflict?.reason ?? l.detached?.reason ?? REASON.Invalid,
          `listener ${l.name} is not programmed: ${(acceptFail ?? l.refProblem)?.message ?? 'no route kind can attach to it'}`,
          gen,
        ),
    refFail ? condition('ResolvedRefs', false, refFail.reason, refFail.message, gen) : condition('ResolvedRefs', true, REASON.ResolvedRefs, 'all references resolve', gen),
    l.conflict ? condition('Conflicted', true, l.conflict.reason, l.conflict.message, gen) : condition('Conflicted', false, REASON.NoConflicts, 'no conflicts', gen),
  ];
}

function listenerStatus(l: ListenerState): Record<string, unknown> {
  return {
    name: l.name,
    supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    attachedRoutes: l.attached.size,
    conditions: listenerConditions(l, l.owner.generation),
  };
}

function gatewayStatus(gw: GatewayState): ObjectStatus {
  const g = gw.obj.generation;
  const conditions: Condition[] = [];
  const blocking = gw.classProblem ?? gw.parametersProblem ?? gw.addressProblem;
  const invalid = gw.listeners.filter((l) => !(listenerProgrammed(l) && listenerResolved(l)));
  if (blocking) {
    conditions.push(condition('Accepted', false, blocking.reason, blocking.message, g));
  } else if (!gw.accepted) {
    conditions.push(condition('Accepted', false, REASON.ListenersNotValid, `no listener is valid: ${invalid.map((l) => `${l.name} (${listenerIssue(l)})`).join(', ') || 'the Gateway has no listeners'}`, g));
  } else if (invalid.length) {
    conditions.push(condition('Accepted', true, REASON.ListenersNotValid, `accepted, but some listeners are not valid: ${invalid.map((l) => `${l.name} (${listenerIssue(l)})`).join(', ')}`, g));
  } else {
    conditions.push(condition('Accepted', true, REASON.Accepted, 'Gateway is accepted', g));
  }
  conditions.push(
    gw.accepted
      ? condition('Programmed', true, REASON.Programmed, 'offline: an accepted Gateway is assumed programmed', g)
      : condition('Programmed', false, REASON.Invalid, 'the Gateway is not accepted', g),
  );
  const unresolved = gw.listeners.filter((l) => !listenerResolved(l));
  conditions.push(
    gw.clientCertProblem
      ? condition('ResolvedRefs', false, gw.clientCertProblem.reason, gw.clientCertProblem.message, g)
      : unresolved.length
        ? condition('ResolvedRefs', false, 'ListenersNotResolved', `listeners with unresolved references: ${unresolved.map((l) => l.name).join(', ')}`, g)
        : condition('ResolvedRefs', true, REASON.ResolvedRefs, 'all references resolve', g),
  );
  if (gw.insecureFrontend) {
    conditions.push(condition('InsecureFrontendValidationMode', true, 'ConfigurationChanged', 'client certificate validation allows insecure fallback (AllowInsecureFallback)', g));
  }
  const status: Record<string, unknown> = {
    conditions,
    listeners: gw.listeners.map(listenerStatus),
  };
  if (gw.listenerSets.length || gw.obj.spec.allowedListeners !== undefined) {
    status.attachedListenerSets = gw.listenerSets.filter(listenerSetAccepted).length;
  }
  return { apiVersion: gw.obj.raw.apiVersion, kind: 'Gateway', namespace: gw.obj.namespace, name: gw.obj.name, status };
}

function listenerSetStatus(s: ListenerSetState): ObjectStatus {
  const g = s.obj.generation;
  const conditions: Condition[] = [];
  const accepted = listenerSetAccepted(s);
  if (s.detached) {
    conditions.push(condition('Accepted', false, s.detached.reason, s.detached.message, g));
    conditions.push(condition('Programmed', false, s.detached.reason, s.detached.message, g));
  } else if (!accepted) {
    const msg = `no listener is valid: ${s.listeners.map((l) => `${l.name} (${listenerIssue(l)})`).join(', ')}`;
    conditions.push(condition('Accepted', false, REASON.ListenersNotValid, msg, g));
    conditions.push(condition('Programmed', false, REASON.ListenersNotValid, msg, g));
  } else {
    conditions.push(
      allListenersValid(s.listeners)
        ? condition('Accepted', true, REASON.Accepted, `attached to Gateway ${s.gateway.obj.namespace}/${s.gateway.obj.name}`, g)
        : condition('Accepted', true, REASON.ListenersNotValid, 'attached, but some listeners are not valid', g),
    );
    conditions.push(condition('Programmed', true, REASON.Programmed, 'offline: an accepted ListenerSet is assumed programmed', g));
  }
  return {
    apiVersion: s.obj.raw.apiVersion,
    kind: 'ListenerSet',
    namespace: s.obj.namespace,
    name: s.obj.name,
    status: { conditions, listeners: s.listeners.map(listenerStatus) },
  };
}

function routeStatus(r: RouteState, controllerName: string): ObjectStatus {
  const g = r.obj.generation;
  const resolved = r.refProblem
    ? condition('ResolvedRefs', false, r.refProblem.reason, r.refProblem.message, g)
    : condition('ResolvedRefs', true, REASON.ResolvedRefs, 'all references resolve', g);
  const parents = r.parents.map((p) => ({
    parentRef: { ...p.parentRef },
    controllerName,
    conditions: [
      condition('Accepted', p.accepted, p.reason, p.message, g),
      resolved,
      ...(r.partiallyInvalid && p.accepted ? [condition('PartiallyInvalid', true, r.partiallyInvalid.reason, r.partiallyInvalid.message, g)] : []),
    ],
  }));
  return { apiVersion: r.obj.raw.apiVersion, kind: r.kind, namespace: r.obj.namespace, name: r.obj.name, status: { parents } };
}

// ---------------------------------------------------------------------------------------------
// Model

function listenerId(l: ListenerState): string {
  return l.owner.kind === 'Gateway' ? l.name : `${l.owner.namespace}/${l.owner.name}/${l.name}`;
}

/**
 * The rules of every route in a model without them (`ResolveOptions.modelRules: false`): one empty
 * array for all (frozen: nothing may add to it).
 */
const NO_RULES: ResolvedRule[] = Object.freeze([]) as unknown as ResolvedRule[];

// (one object literal per combination of the optional keys, in the model's key order: no spread
// of temporary literals per route, and objects of one shape per combination)

/** A route's attachment to a listener of the model. */
function attachmentOf(r: RouteState, hostnames: string[], rules: ResolvedRule[]): RouteAttachment {
  const { kind } = r;
  const { namespace, name, creationTimestamp } = r.obj;
  const proxyOptions = r.proxyOptions;
  if (creationTimestamp) {
    return proxyOptions ? { kind, namespace, name, creationTimestamp, hostnames, rules, proxyOptions } : { kind, namespace, name, creationTimestamp, hostnames, rules };
  }
  return proxyOptions ? { kind, namespace, name, hostnames, rules, proxyOptions } : { kind, namespace, name, hostnames, rules };
}

/** A route of the model. */
function modelRoute(r: RouteState, parents: ResolvedRoute['parents'], rules: ResolvedRule[]): ResolvedRoute {
  const { kind, hostnames } = r;
  const { namespace, name, creationTimestamp } = r.obj;
  const resolvedRefs = !r.refProblem;
  const proxyOptions = r.proxyOptions;
  if (creationTimestamp) {
    return proxyOptions
      ? { kind, namespace, name, creationTimestamp, hostnames, resolvedRefs, parents, rules, proxyOptions }
      : { kind, namespace, name, creationTimestamp, hostnames, resolvedRefs, parents, rules };
  }
  return proxyOptions ? { kind, namespace, name, hostnames, resolvedRefs, parents, rules, proxyOptions } : { kind, namespace, name, hostnames, resolvedRefs, parents, rules };
}

/** The model; with `withRules` false, every route's rules are left out (`ResolveOptions.modelRules`). */
function buildModel(gateways: ReadonlyMap<string, GatewayState>, routes: readonly RouteState[], withRules: boolean): ResolvedModel {
  const attachments = new Map<ListenerState, RouteAttachment[]>();
  const seen = new Set<string>();
  const modelRoutes: ResolvedRoute[] = routes.map((r) => {
    const rules = withRules ? r.rules : NO_RULES;
    // a route attached to one listener only needs no dedupe key (routes are unique by kind/namespace/name)
    const single = r.parents.length === 1 && r.parents[0].listeners.length <= 1;
    for (const p of r.parents) {
      if (!p.accepted) continue;
      for (const { listener, hostnames } of p.listeners) {
        const list = attachments.get(listener) ?? [];
        let fresh = single;
        if (!single) {
          const k = `${listenerId(listener)}\u0000${listener.gateway.namespace}/${listener.gateway.name}\u0000${r.kind}/${r.obj.namespace}/${r.obj.name}`;
          fresh = !seen.has(k);
          if (fresh) seen.add(k);
        }
        if (fresh) list.push(attachmentOf(r, hostnames, rules));
        attachments.set(listener, list);
      }
    }
    return modelRoute(
      r,
      r.parents.map((p) => ({
        index: p.index,
        parentRef: p.parentRef,
        accepted: p.accepted,
        reason: p.reason,
        listeners: p.listeners.map((x) => listenerId(x.listener)),
      })),
      rules,
    );
  });
  const toListener = (l: ListenerState): ResolvedListener => {
    const programmed = listenerProgrammed(l);
    const routesOf = (attachments.get(l) ?? []).sort((a, b) => cmpTuple3(a.kind, a.namespace, a.name, b.kind, b.namespace, b.name));
    return {
      id: listenerId(l),
      name: l.name,
      source: { kind: l.owner.kind as 'Gateway' | 'ListenerSet', namespace: l.owner.namespace, name: l.owner.name },
      port: l.port,
      protocol: l.protocol,
      ...(l.hostname ? { hostname: l.hostname } : {}),
      ...(l.tlsMode ? { tlsMode: l.tlsMode } : {}),
      certificates: l.certificates,
      ...(l.clientValidation ? { clientValidation: l.clientValidation } : {}),
      accepted: listenerAccepted(l),
      conflicted: !!l.conflict,
      programmed,
      ...(programmed ? {} : { reason: listenerIssue(l) === 'ok' ? REASON.Invalid : listenerIssue(l) }),
      supportedKinds: l.supportedKinds.map((k) => k.kind),
      routes: routesOf,
    };
  };
  const modelGateways: ResolvedGateway[] = [...gateways.values()].map((gw) => {
    const attached = gw.listenerSets.filter(listenerSetAccepted);
    return {
      namespace: gw.obj.namespace,
      name: gw.obj.name,
      gatewayClassName: gw.className,
      controllerName: gw.controllerName,
      accepted: gw.accepted,
      programmed: gw.accepted,
      addresses: gw.addresses,
      listeners: [...gw.listeners, ...attached.flatMap((s) => s.listeners)].map(toListener),
      listenerSets: attached.map((s) => ({ namespace: s.obj.namespace, name: s.obj.name })),
      ...(gw.backendClientCertificate ? { backendClientCertificate: gw.backendClientCertificate } : {}),
    };
  });
  modelGateways.sort((a, b) => cmpTuple2(a.namespace, a.name, b.namespace, b.name));
  return { gateways: modelGateways, routes: modelRoutes };
}


