import { BUILTIN_CONTROLLER_NAME, Diagnostic } from '../model';
import { condition, diagnostic, REASON } from './conditions';
import { assumeExternal } from './external';
import { Inventory, judgedAsBuiltin, Obj } from './inventory';
import { caConfigMapProblem, ListenerProblem, missingSeverity, partialNote } from './listeners';
import { NamespacedName, ResolvedBackendTLS } from './model';
import { RouteState } from './routes';
import { Condition, ObjectStatus } from './types';
import { arr, closest, cmpTuple2, key, list, names, num, oldestFirst, rec, str } from './util';

/** One targetRef of a policy. */
interface PolicyTarget {
  readonly namespace: string;
  readonly service: string;
  /** Service port name; absent = every port. */
  readonly sectionName?: string;
}

/** Working state of one BackendTLSPolicy. */
export interface PolicyState {
  readonly obj: Obj;
  readonly targets: PolicyTarget[];
  /** Accepted=False reason (other than Conflicted, which is per target). */
  readonly acceptProblem?: ListenerProblem;
  /** ResolvedRefs=False reason. */
  readonly refProblem?: ListenerProblem;
  /** Targets (`ns/service#section`) on which a higher-precedence policy wins. */
  readonly conflicted: Set<string>;
  readonly tls: ResolvedBackendTLS;
}

interface Ctx {
  readonly inv: Inventory;
  readonly diags: Diagnostic[];
}

function targetKey(t: PolicyTarget): string {
  return `${t.namespace}/${t.service}#${t.sectionName ?? '*'}`;
}

/** Policy precedence: oldest first, then namespace/name. */
const order = oldestFirst;

/**
 * Whether a Service (`namespace/name`) is used by the input's routes only through Gateways of other
 * controllers (never through one of the built-in controller, nor through a Gateway the input lacks):
 * a policy targeting only those is theirs to judge, not the built-in data plane's. When this run
 * does not handle the Gateways whose GatewayClass the input lacks (`--implementation` gave them to
 * another controller), those Gateways, missing parents and Services no route uses are not the
 * built-in controller's either.
 */
function servicesOfOtherControllers(inv: Inventory): (service: string) => boolean {
  const other = new Set<string>();
  const builtin = new Set<string>();
  for (const r of inv.routes) {
    const parents = arr(r.spec.parentRefs).map(rec).filter((p) => (str(p.kind) ?? 'Gateway') === 'Gateway');
    const controllers = parents.map((p) => {
      const g = inv.gateways.get(key(str(p.namespace) ?? r.namespace, str(p.name) ?? ''));
      // a parent the input lacks: unknown, so the built-in controller's unless another run handles such Gateways
      if (!g) return inv.handlesGatewaysWithoutClass ? undefined : 'another controller';
      const cls = inv.gatewayClasses.get(str(g.spec.gatewayClassName) ?? '');
      // a Gateway whose class is absent is the built-in controller's unless another run handles such Gateways
      if (!cls) return inv.handlesGatewaysWithoutClass ? BUILTIN_CONTROLLER_NAME : 'another controller';
      return str(rec(cls.spec).controllerName);
    });
    const onlyOthers = controllers.length > 0 && controllers.every((c) => c !== undefined && c !== BUILTIN_CONTROLLER_NAME);
    for (const rule of arr(r.spec.rules).map(rec)) {
      for (const b of arr(rule.backendRefs).map(rec)) {
        if ((str(b.group) ?? '') !== '' || (str(b.kind) ?? 'Service') !== 'Service') continue;
        (onlyOthers ? other : builtin).add(key(str(b.namespace) ?? r.namespace, str(b.name) ?? ''));
      }
    }
  }
  for (const k of builtin) other.delete(k);
  // a Service no route of the input uses is as unknown as a missing parent: the built-in
  // controller's unless another run handles what the input does not place
  return (service) => other.has(service) || (!inv.handlesGatewaysWithoutClass && !builtin.has(service));
}

/** Evaluates every BackendTLSPolicy: targets, CA references, conflicts. */
export function evaluatePolicies(ctx: Ctx): PolicyState[] {
  const out: PolicyState[] = [];
  const winners = new Map<string, PolicyState>();
  // (read only for policies: an input without any does not scan its routes for it)
  const othersOnly = judgedAsBuiltin(ctx.inv) && ctx.inv.backendTLSPolicies.length > 0 ? servicesOfOtherControllers(ctx.inv) : undefined;
  for (const p of [...ctx.inv.backendTLSPolicies].sort(order)) {
    // CA reference kinds are implementation-specific: the built-in data plane's limit (ConfigMap)
    // applies to its own controller, and to policies not only of other controllers' backends
    const targetRefs = arr(p.spec.targetRefs).map(rec);
    const targetsOthersOnly = targetRefs.length > 0 && targetRefs.every((t) => othersOnly?.(key(p.namespace, str(t.name) ?? '')) ?? false);
    const judgeCaKinds = judgedAsBuiltin(ctx.inv) && !targetsOthersOnly;
    const targets: PolicyTarget[] = [];
    let acceptProblem: ListenerProblem | undefined;
    let refProblem: ListenerProblem | undefined;
    arr(p.spec.targetRefs).forEach((t, i) => {
      const x = rec(t);
      const group = str(x.group) ?? '';
      const kind = str(x.kind) ?? '';
      const name = str(x.name) ?? '';
      const sectionName = str(x.sectionName);
      const field = `spec.targetRefs[${i}]`;
      if (group !== '' || kind !== 'Service') {
        acceptProblem ??= { reason: REASON.TargetNotFound, message: `targetRef ${group ? `${group}/` : ''}${kind} ${name} is not a Service` };
        ctx.diags.push(diagnostic('error', REASON.TargetNotFound, p.ref, field, acceptProblem.message, 'target a Service (group "", kind Service)'));
        return;
      }
      const svc = ctx.inv.services.get(key(p.namespace, name));
      if (!svc && ctx.inv.assumeExternal) {
        assumeExternal(ctx.diags, p.ref, `${field}.name`, `Service ${p.namespace}/${name}`, sectionName !== undefined ? `that it has a port named ${sectionName}` : 'that it exists');
        targets.push({ namespace: p.namespace, service: name, ...(sectionName !== undefined ? { sectionName } : {}) });
        return;
      }
      if (!svc) {
        const present = ctx.inv.services.size > 0;
        const message = `target Service ${p.namespace}/${name} does not exist${partialNote(present, 'Service')}`;
        acceptProblem ??= { reason: REASON.TargetNotFound, message };
        ctx.diags.push(diagnostic(missingSeverity(present), REASON.TargetNotFound, p.ref, `${field}.name`, message, `create Service ${p.namespace}/${name}, or fix the name`));
        return;
      }
      if (sectionName !== undefined) {
        const portNames = arr(svc.spec.ports)
          .map((x2) => str(rec(x2).name))
          .filter((n): n is string => !!n);
        if (!portNames.includes(sectionName)) {
          const message = `sectionName "${sectionName}" names no port of Service ${p.namespace}/${name} (its port names: ${list(portNames)})`;
          acceptProblem ??= { reason: REASON.TargetNotFound, message };
          ctx.diags.push(diagnostic('error', REASON.TargetNotFound, p.ref, `${field}.sectionName`, message, `set sectionName to one of ${list(portNames)}, or remove it to cover every port`));
          return;
        }
      }
      targets.push({ namespace: p.namespace, service: name, ...(sectionName !== undefined ? { sectionName } : {}) });
    });

    const v = rec(p.spec.validation);
    const hostname = str(v.hostname) ?? '';
    const wellKnown = str(v.wellKnownCACertificates);
    const caCertificates: NamespacedName[] = [];
    const refs = arr(v.caCertificateRefs);
    let caUncertain = true;
    refs.forEach((r, i) => {
      const x = rec(r);
      const group = str(x.group) ?? '';
      const kind = str(x.kind) ?? '';
      const name = str(x.name) ?? '';
      const field = `spec.validation.caCertificateRefs[${i}]`;
      if ((group !== '' || kind !== 'ConfigMap') && !judgeCaKinds) {
        // other kinds (a Secret, which NGINX Gateway Fabric takes, or the controller's own) are the controller's to judge
        caCertificates.push({ namespace: p.namespace, name });
        return;
      }
      if (group !== '' || kind !== 'ConfigMap') {
        const message = `caCertificateRef ${group ? `${group}/` : ''}${kind} ${name} is not a ConfigMap`;
        refProblem ??= { reason: REASON.InvalidKind, message };
        caUncertain = false;
        ctx.diags.push(diagnostic('error', REASON.InvalidKind, p.ref, field, message, 'reference a ConfigMap with the CA bundle in ca.crt (group "", kind ConfigMap)'));
        return;
      }
      const cm = ctx.inv.configMaps.get(key(p.namespace, name));
      const bad = cm ? caConfigMapProblem(cm) : undefined;
      if (!cm && ctx.inv.assumeExternal) {
        assumeExternal(ctx.diags, p.ref, field, `ConfigMap ${p.namespace}/${name}`, 'that it holds a PEM CA bundle in ca.crt');
        caCertificates.push({ namespace: p.namespace, name });
        return;
      }
      if (!cm || bad) {
        const present = ctx.inv.configMaps.size > 0;
        const others = [...ctx.inv.configMaps.values()].filter((c) => c.namespace === p.namespace).map((c) => c.name);
        const message = !cm
          ? `CA ConfigMap ${p.namespace}/${name} does not exist` + (present ? ` (ConfigMaps in ${p.namespace}: ${names(others)})` : partialNote(false, 'ConfigMap'))
          : `CA ConfigMap ${p.namespace}/${name} is not usable: ${bad}`;
        refProblem ??= { reason: REASON.InvalidCACertificateRef, message };
        if (cm || present) caUncertain = false;
        ctx.diags.push(
          diagnostic(!cm ? missingSeverity(present) : 'error', REASON.InvalidCACertificateRef, p.ref, field, message, (!cm && closest(name, others) ? `did you mean ${closest(name, others)}? otherwise ` : '') + `provide ConfigMap ${p.namespace}/${name} with the PEM CA bundle in data["ca.crt"]`),
        );
        return;
      }
      caCertificates.push({ namespace: p.namespace, name });
    });
    if (!acceptProblem) {
      if (refs.length && !caCertificates.length) {
        acceptProblem = { reason: REASON.NoValidCACertificate, message: 'no caCertificateRef resolves: connections to the backend fail with 5xx', uncertain: caUncertain };
        ctx.diags.push(diagnostic(caUncertain ? 'warning' : 'error', REASON.NoValidCACertificate, p.ref, 'spec.validation.caCertificateRefs', acceptProblem.message, 'fix the caCertificateRefs reported above'));
      } else if (!refs.length && wellKnown !== 'System') {
        const message =
          wellKnown === undefined
            ? 'validation sets neither caCertificateRefs nor wellKnownCACertificates'
            : `wellKnownCACertificates "${wellKnown}" is not supported (System is)`;
        acceptProblem = { reason: REASON.Invalid, message };
        ctx.diags.push(diagnostic('error', REASON.Invalid, p.ref, 'spec.validation', message, 'set caCertificateRefs to a CA ConfigMap, or wellKnownCACertificates: System'));
      }
    }

    const st: PolicyState = {
      obj: p,
      targets,
      acceptProblem,
      refProblem,
      conflicted: new Set(),
      tls: {
        policy: { namespace: p.namespace, name: p.name },
        valid: !acceptProblem,
        hostname,
        caCertificates,
        ...(wellKnown ? { wellKnownCACertificates: wellKnown } : {}),
        subjectAltNames: arr(v.subjectAltNames).map(rec),
      },
    };
    for (const t of targets) {
      const k = targetKey(t);
      const w = winners.get(k);
      if (w) {
        st.conflicted.add(k);
        ctx.diags.push(
          diagnostic(
            'warning',
            REASON.Conflicted,
            p.ref,
            'spec.targetRefs',
            `BackendTLSPolicy ${w.obj.namespace}/${w.obj.name} already targets Service ${t.namespace}/${t.service}${t.sectionName ? ` port ${t.sectionName}` : ''} and takes precedence (older, or first by namespace/name); this policy is not applied there`,
            'merge the two policies, or target a different Service port (sectionName)',
          ),
        );
      } else {
        winners.set(k, st);
      }
    }
    out.push(st);
  }
  return out;
}

/** Port name of a Service port number, if named. */
function portName(inv: Inventory, namespace: string, service: string, port: number | undefined): string | undefined {
  const svc = inv.services.get(key(namespace, service));
  const p = arr(svc?.spec.ports)
    .map(rec)
    .find((x) => num(x.port) === port);
  return p ? str(p.name) : undefined;
}

/**
 * The policy that governs a backend Service port: the winner for that port name, else the winner
 * for the whole Service.
 */
export function policyFor(inv: Inventory, policies: readonly PolicyState[], namespace: string, service: string, port: number | undefined): PolicyState | undefined {
  const name = portName(inv, namespace, service, port);
  const pick = (section: string | undefined) =>
    policies.find((p) => p.targets.some((t) => t.namespace === namespace && t.service === service && t.sectionName === section && !p.conflicted.has(targetKey(t))));
  return (name !== undefined ? pick(name) : undefined) ?? pick(undefined);
}

/** Status of every policy with at least one ancestor Gateway (a Gateway routing to a target). */
export function policyStatuses(inv: Inventory, policies: readonly PolicyState[], routes: readonly RouteState[], controllerName: string): ObjectStatus[] {
  const out: ObjectStatus[] = [];
  for (const p of policies) {
    const ancestors = new Map<string, { namespace: string; name: string; conflicted: boolean }>();
    for (const r of routes) {
      for (const parent of r.parents) {
        if (!parent.accepted) continue;
        const gw = parent.gateway.obj;
        for (const rule of r.rules) {
          for (const b of [...rule.backends, ...rule.mirrors]) {
            if (!b.valid || b.group !== '' || b.kind !== 'Service') continue;
            const pn = portName(inv, b.namespace, b.name, b.port);
            for (const t of p.targets) {
              if (t.namespace !== b.namespace || t.service !== b.name) continue;
              if (t.sectionName !== undefined && t.sectionName !== pn) continue;
              const k = key(gw.namespace, gw.name);
              const prev = ancestors.get(k);
              const conflicted = p.conflicted.has(targetKey(t));
              ancestors.set(k, { namespace: gw.namespace, name: gw.name, conflicted: (prev?.conflicted ?? true) && conflicted });
            }
          }
        }
      }
    }
    if (!ancestors.size) continue;
    const g = p.obj.generation;
    const entries = [...ancestors.values()]
      .sort((a, b) => cmpTuple2(a.namespace, a.name, b.namespace, b.name))
      .map((a) => {
        const conds: Condition[] = [];
        if (a.conflicted) conds.push(condition('Accepted', false, REASON.Conflicted, 'another BackendTLSPolicy targeting the same Service port takes precedence', g));
        else if (p.acceptProblem) conds.push(condition('Accepted', false, p.acceptProblem.reason, p.acceptProblem.message, g));
        else conds.push(condition('Accepted', true, REASON.Accepted, 'policy applied', g));
        conds.push(
          p.refProblem ? condition('ResolvedRefs', false, p.refProblem.reason, p.refProblem.message, g) : condition('ResolvedRefs', true, REASON.ResolvedRefs, 'all references resolve', g),
        );
        return {
          ancestorRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: a.namespace, name: a.name },
          controllerName,
          conditions: conds,
        };
      });
    out.push({ apiVersion: p.obj.raw.apiVersion, kind: 'BackendTLSPolicy', namespace: p.obj.namespace, name: p.obj.name, status: { ancestors: entries } });
  }
  return out;
}
