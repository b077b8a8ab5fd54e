/**
 * Evaluates the status steps of the Gateway API v1.6.1 conformance catalog (vendored in
 * test/data/upstream/conformance) against the offline resolver. Semantics follow its README.md.
 */
import * as fs from 'fs';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { BUILTIN_CONTROLLER_NAME, KubeObject } from '../../src/model';
import { resolve, ResolveResult } from '../../src/resolve';
import { CONFORMANCE_BASE_MANIFESTS, CONFORMANCE_CASES } from '../data/upstream';
import * as fx from '../fixtures';

export const CLASS_NAME = 'cdk8s-gateway';
export const CONTROLLER = BUILTIN_CONTROLLER_NAME;
const GROUP = 'gateway.networking.k8s.io';

/** Features the built-in data plane claims for `skipIf` steps (the suite then returns early, passing). */
export const CLAIMED_FEATURES = new Set(['TLSRouteModeTerminate', 'TLSRouteModeMixed']);

/** Step types answered from status. */
export const STATUS_STEPS = new Set([
  'namespacesReady',
  'gatewayAndRoutesAccepted',
  'routeCondition',
  'routeNoAcceptedParents',
  'routeParents',
  'gatewayZeroRoutes',
  'gatewayStatusListeners',
  'listenerSetStatusListeners',
  'gatewayCondition',
  'gatewayListenersConditions',
  'gatewayListenerConditions',
  'gatewayAttachedListenerSets',
  'listenerSetCondition',
  'listenerSetListenersConditions',
  'backendTLSPolicyCondition',
  'gatewayClassAccepted',
  'gatewayLatestObservedGeneration',
  'gatewayClassLatestObservedGeneration',
  'routeLatestObservedGeneration',
  'backendTLSPolicyLatestObservedGeneration',
]);

/** Steps that need a live data plane or cluster; not evaluated here. */
export const OFFLINE_IGNORED = new Set([
  'traffic',
  'tcpEcho',
  'udpEcho',
  'dnsQuery',
  'tlsConnectionRejected',
  'websocket',
  'weightedDistribution',
  'repeatRequests',
  'repeatTCPEcho',
  'repeatUDPEcho',
  'tcpConnectProbe',
  'gatewayHasAddress',
  'infrastructurePropagation',
]);

type J = Record<string, any>;

export interface StepResult {
  readonly index: number;
  readonly type: string;
  readonly pass: boolean;
  readonly reason?: string;
}

export interface CaseResult {
  readonly name: string;
  readonly category: string;
  readonly passed: number;
  readonly failed: number;
  /** First failing step, e.g. `#3 routeCondition: …`. */
  readonly firstFailure?: string;
  readonly steps: StepResult[];
}

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIBdummy\n-----END PRIVATE KEY-----\n';

function tlsSecret(namespace: string, name: string): KubeObject {
  return fx.tlsSecret(namespace, name, { cert: PEM_CERT, key: PEM_KEY });
}

function caConfigMap(namespace: string, name: string): KubeObject {
  return fx.caConfigMap(namespace, name, PEM_CERT);
}

/** Suite-generated objects (README: created at setup, not in YAML). */
export function suiteGenerated(): KubeObject[] {
  const infra = 'gateway-conformance-infra';
  return [
    tlsSecret('gateway-conformance-web-backend', 'certificate'),
    tlsSecret(infra, 'tls-validity-checks-certificate'),
    caConfigMap(infra, 'tls-validity-checks-ca-certificate'),
    caConfigMap(infra, 'tls-validity-checks-per-port-ca-certificate'),
    caConfigMap(infra, 'tls-checks-ca-certificate'),
    caConfigMap(infra, 'mismatch-ca-certificate'),
    caConfigMap('gateway-conformance-web-backend', 'web-backend-cm'),
    tlsSecret(infra, 'tls-validity-checks-client-certificate'),
    tlsSecret(infra, 'tls-validity-checks-per-port-client-certificate'),
    tlsSecret(infra, 'tls-checks-client-certificate'),
    tlsSecret(infra, 'tls-checks-certificate'),
    tlsSecret(infra, 'tls-passthrough-checks-certificate'),
    tlsSecret('gateway-conformance-app-backend', 'tls-passthrough-checks-certificate'),
    tlsSecret(infra, 'tls-terminate-checks-certificate'),
  ];
}

/** Replaces the suite placeholders the way the suite does (gatewayClassName, controllerName). */
export function applyPlaceholders(o: KubeObject): KubeObject {
  const c = JSON.parse(JSON.stringify(o)) as J;
  if (c.kind === 'Gateway' && c.spec) c.spec.gatewayClassName = CLASS_NAME;
  if (c.kind === 'GatewayClass' && c.spec) c.spec.controllerName = CONTROLLER;
  return c as KubeObject;
}

export function loadBase(): KubeObject[] {
  const text = fs.readFileSync(CONFORMANCE_BASE_MANIFESTS, 'utf8');
  const docs = parseAllDocuments(text)
    .map((d) => d.toJSON() as KubeObject)
    .filter((d) => d && typeof d === 'object');
  const cls = fx.gatewayClass(CLASS_NAME, CONTROLLER);
  return [cls, ...docs.map(applyPlaceholders), ...suiteGenerated()];
}

export function loadCases(): J[] {
  return JSON.parse(fs.readFileSync(CONFORMANCE_CASES, 'utf8')) as J[];
}

// ---------------------------------------------------------------------------------------------

function sameObj(o: J, kind: string, name: string, namespace?: string): boolean {
  return o.kind === kind && o.metadata?.name === name && (namespace === undefined || (o.metadata?.namespace ?? 'default') === namespace);
}

function bump(o: J): void {
  o.metadata = o.metadata ?? {};
  o.metadata.generation = (o.metadata.generation ?? 1) + 1;
}

function setPath(o: J, p: string, value: unknown): void {
  const parts = p.match(/[^.[\]]+/g) ?? [];
  let cur: any = o;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = /^\d+$/.test(parts[i]) ? Number(parts[i]) : parts[i];
    if (cur[k] === undefined) cur[k] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    cur = cur[k];
  }
  const last = parts[parts.length - 1];
  cur[/^\d+$/.test(last) ? Number(last) : last] = value;
}

/**
 * Applies a `mutate` step to the objects (in place). Structured mutations are applied as given;
 * description-only ones are parsed from the `KIND NAME: PATH = VALUE` sentence. Returns `false`
 * when the mutation cannot be expressed offline (e.g. EndpointSlice IPs).
 */
export function applyMutation(objects: J[], original: readonly J[], s: J): boolean {
  const t = s.target as J | undefined;
  if (t && s.operation === 'delete') {
    const i = objects.findIndex((o) => sameObj(o, t.kind, t.name, t.namespace));
    if (i >= 0) objects.splice(i, 1);
    return true;
  }
  if (t && s.appendListener) {
    const o = objects.find((x) => sameObj(x, t.kind, t.name, t.namespace));
    if (!o) return false;
    o.spec.listeners = [...(o.spec.listeners ?? []), s.appendListener];
    bump(o);
    return true;
  }
  if (t && s.keepListeners) {
    const o = objects.find((x) => sameObj(x, t.kind, t.name, t.namespace));
    if (!o) return false;
    o.spec.listeners = (o.spec.listeners ?? []).filter((l: J) => (s.keepListeners as string[]).includes(l.name));
    bump(o);
    return true;
  }
  if (t && s.patch) {
    const o = objects.find((x) => sameObj(x, t.kind, t.name, t.namespace));
    if (!o) return false;
    for (const [p, v] of Object.entries(s.patch as J)) setPath(o, p, v);
    bump(o);
    return true;
  }
  const d = String(s.description ?? '');
  if (t?.kind === 'Gateway' && /remove the (invalid|unusable) address/.test(d)) {
    const o = objects.find((x) => sameObj(x, t.kind, t.name, t.namespace));
    if (!o) return false;
    const which = /invalid/.test(d) ? (a: J) => String(a.type ?? '').includes('invalid') : (a: J) => String(a.value ?? '').includes('UNUSABLE');
    o.spec.addresses = (o.spec.addresses ?? []).filter((a: J) => !which(a));
    bump(o);
    return true;
  }
  const restore = /^restore (\w+) ([\w.-]+) (\w+)$/.exec(d);
  if (restore) {
    const [, kind, name, fieldName] = restore;
    const o = objects.find((x) => sameObj(x, kind, name));
    const orig = original.find((x) => sameObj(x, kind, name));
    if (!o || !orig) return false;
    const find = (x: J): J | undefined => {
      for (const [k, v] of Object.entries(x)) {
        if (k === fieldName) return x;
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          const r = find(v as J);
          if (r) return r;
        }
      }
      return undefined;
    };
    const src = find(orig.spec ?? {});
    const dst = find(o.spec ?? {});
    if (src && dst) dst[fieldName] = JSON.parse(JSON.stringify(src[fieldName]));
    bump(o);
    return true;
  }
  const m = /^(?:merge-)?patch (\w+) ([\w.-]+):? ([\w.[\]]+) = (.+)$/.exec(d);
  if (m) {
    const [, kind, name, p, rawValue] = m;
    const o = objects.find((x) => sameObj(x, kind, name));
    if (!o) return false;
    let value: unknown;
    const v = rawValue.replace(/\s+\([^)]*\)\s*$/, '');
    if (v === 'original CA') value = PEM_CERT;
    else {
      try {
        value = parseYaml(v);
      } catch {
        value = v;
      }
    }
    if (kind === 'ConfigMap' && p.startsWith('data.')) {
      o.data = { ...(o.data ?? {}), [p.slice(5)]: value };
    } else {
      setPath(o, p, value);
      bump(o);
    }
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Status look-ups

function findStatus(res: ResolveResult, kind: string, name: string, namespace?: string): J | undefined {
  const s = res.status.find((x) => x.kind === kind && x.name === name && (namespace === undefined || x.namespace === namespace));
  return s?.status as J | undefined;
}

function condMatches(actual: J[] | undefined, want: J): boolean {
  return (actual ?? []).some(
    (c) => c.type === want.type && (want.status === null || want.status === undefined || c.status === want.status) && (want.reason === null || want.reason === undefined || c.reason === want.reason),
  );
}

function showConds(cs: J[] | undefined): string {
  return (cs ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`).join(', ') || '(none)';
}

function want(c: J): string {
  return `${c.type}=${c.status ?? '*'}/${c.reason ?? '*'}`;
}

class Fail extends Error {}
function check(ok: boolean, msg: () => string): void {
  if (!ok) throw new Fail(msg());
}

function objOf(objects: readonly J[], kind: string, name: string, namespace?: string): J | undefined {
  return objects.find((o) => sameObj(o, kind, name, namespace));
}

function latestGeneration(res: ResolveResult, objects: readonly J[], kind: string, name: string, namespace: string | undefined, collect: (s: J) => J[]): void {
  const st = findStatus(res, kind, name, namespace);
  check(!!st, () => `no status for ${kind} ${namespace ?? ''}/${name}`);
  const gen = objOf(objects, kind, name, namespace)?.metadata?.generation ?? 1;
  const stale = collect(st!).filter((c) => c.observedGeneration !== gen);
  check(stale.length === 0, () => `conditions not at generation ${gen}: ${showConds(stale)}`);
}

function listenerConditionsOk(listeners: J[], names: string[] | undefined, conds: J[], ctx: string): void {
  const selected = names && names.length ? names.map((n) => listeners.find((l) => l.name === n)) : listeners;
  selected.forEach((l, i) => {
    check(!!l, () => `${ctx}: no listener ${names?.[i]}`);
    for (const c of conds) check(condMatches(l!.conditions, c), () => `${ctx} listener ${l!.name}: want ${want(c)}, have ${showConds(l!.conditions)}`);
  });
}

function statusListenersOk(actual: J[], expected: J[], ctx: string): void {
  check(actual.length === expected.length, () => `${ctx}: ${actual.length} listeners in status (${actual.map((l) => l.name).join(', ')}), want ${expected.length}`);
  for (const e of expected) {
    const a = actual.find((l) => l.name === e.name);
    check(!!a, () => `${ctx}: no listener ${e.name}`);
    check(a!.attachedRoutes === e.attachedRoutes, () => `${ctx} listener ${e.name}: attachedRoutes ${a!.attachedRoutes}, want ${e.attachedRoutes}`);
    for (const c of e.conditions ?? []) check(condMatches(a!.conditions, c), () => `${ctx} listener ${e.name}: want ${want(c)}, have ${showConds(a!.conditions)}`);
    const kinds = (a!.supportedKinds ?? []) as J[];
    if (!e.supportedKinds || e.supportedKinds.length === 0) {
      check(kinds.length === 0, () => `${ctx} listener ${e.name}: supportedKinds ${JSON.stringify(kinds)}, want []`);
    } else {
      for (const k of e.supportedKinds as J[]) {
        check(
          kinds.some((x) => x.kind === k.kind && (x.group ?? GROUP) === (k.group ?? GROUP)),
          () => `${ctx} listener ${e.name}: supportedKinds ${JSON.stringify(kinds)} lacks ${k.kind}`,
        );
      }
    }
  }
}

/** Evaluates one status step; throws `Fail` with the reason when it does not hold. */
function evaluate(s: J, res: ResolveResult, objects: readonly J[]): void {
  switch (s.type) {
    case 'namespacesReady': {
      for (const g of objects.filter((o) => o.kind === 'Gateway' && (s.namespaces as string[]).includes(o.metadata?.namespace))) {
        if (g.metadata?.annotations?.['gateway-api/skip-this-for-readiness'] === 'true') continue;
        const st = findStatus(res, 'Gateway', g.metadata.name, g.metadata.namespace);
        check(!!st, () => `no status for Gateway ${g.metadata.namespace}/${g.metadata.name}`);
        for (const t of ['Accepted', 'Programmed']) {
          check(condMatches(st!.conditions, { type: t, status: 'True' }), () => `Gateway ${g.metadata.name}: want ${t}=True, have ${showConds(st!.conditions)}`);
        }
      }
      return;
    }
    case 'gatewayAndRoutesAccepted': {
      const p = s.parent as J;
      const parentKind = p.kind ?? 'Gateway';
      const pst = findStatus(res, parentKind, p.name, p.namespace);
      check(!!pst, () => `no status for ${parentKind} ${p.namespace}/${p.name}`);
      for (const r of s.routes as J[]) {
        const rst = findStatus(res, s.routeKind, r.name, r.namespace);
        check(!!rst, () => `no status for ${s.routeKind} ${r.namespace}/${r.name}`);
        const ok = ((rst!.parents ?? []) as J[]).some((e) => {
          const pr = e.parentRef ?? {};
          const nsOk = pr.namespace === p.namespace || (pr.namespace === undefined && r.namespace === p.namespace);
          return (
            e.controllerName === CONTROLLER &&
            (pr.group ?? GROUP) === GROUP &&
            (pr.kind ?? 'Gateway') === parentKind &&
            pr.name === p.name &&
            nsOk &&
            condMatches(e.conditions, { type: 'Accepted', status: 'True', reason: 'Accepted' })
          );
        });
        check(ok, () => `${s.routeKind} ${r.name}: no accepted parent ${parentKind} ${p.name}; parents: ${JSON.stringify((rst!.parents ?? []).map((e: J) => [e.parentRef?.name, showConds(e.conditions)]))}`);
      }
      if (s.routeKind !== 'TLSRoute') {
        listenerConditionsOk(
          (pst!.listeners ?? []) as J[],
          undefined,
          [
            { type: 'ResolvedRefs', status: 'True' },
            { type: 'Accepted', status: 'True' },
            { type: 'Programmed', status: 'True' },
          ],
          `${parentKind} ${p.name}`,
        );
      }
      return;
    }
    case 'routeCondition': {
      const rst = findStatus(res, s.routeKind, s.route.name, s.route.namespace);
      check(!!rst, () => `no status for ${s.routeKind} ${s.route.namespace}/${s.route.name}`);
      const entries = ((rst!.parents ?? []) as J[]).filter(
        (e) => e.parentRef?.name === s.parent.name && (e.parentRef?.namespace === undefined || e.parentRef.namespace === s.parent.namespace),
      );
      check(
        entries.some((e) => condMatches(e.conditions, s.condition)),
        () => `${s.route.name} parent ${s.parent.name}: want ${want(s.condition)}, have ${entries.map((e) => showConds(e.conditions)).join(' | ') || '(no entry)'}`,
      );
      return;
    }
    case 'routeNoAcceptedParents': {
      const rst = findStatus(res, s.routeKind, s.route.name, s.route.namespace);
      const parents = (rst?.parents ?? []) as J[];
      check(
        parents.length === 0 || (parents.length === 1 && condMatches(parents[0].conditions, { type: 'Accepted', status: 'False' })),
        () => `${s.route.name}: parents ${JSON.stringify(parents.map((e) => showConds(e.conditions)))}`,
      );
      return;
    }
    case 'routeParents': {
      const rst = findStatus(res, s.routeKind, s.route.name, s.route.namespace);
      check(!!rst, () => `no status for ${s.routeKind} ${s.route.name}`);
      for (const e of s.parents as J[]) {
        const ok = ((rst!.parents ?? []) as J[]).some((a) => {
          const pr = a.parentRef ?? {};
          const epr = e.parentRef;
          const nsOk = pr.namespace === epr.namespace || (s.namespaceRequired === false && pr.namespace === undefined);
          const ctrl = e.controllerName === '<suite.ControllerName>' ? CONTROLLER : e.controllerName;
          return (
            (pr.group ?? GROUP) === (epr.group ?? GROUP) &&
            (pr.kind ?? 'Gateway') === (epr.kind ?? 'Gateway') &&
            pr.name === epr.name &&
            nsOk &&
            a.controllerName === ctrl &&
            (e.conditions as J[]).every((c) => condMatches(a.conditions, c))
          );
        });
        check(ok, () => `${s.route.name}: no parent entry like ${JSON.stringify(e.parentRef)}`);
      }
      return;
    }
    case 'gatewayZeroRoutes': {
      const st = findStatus(res, 'Gateway', s.gateway.name, s.gateway.namespace);
      const ls = (st?.listeners ?? []) as J[];
      check(ls.length === 0 || (ls.length === 1 && ls[0].attachedRoutes === 0), () => `listeners: ${JSON.stringify(ls.map((l) => [l.name, l.attachedRoutes]))}`);
      return;
    }
    case 'gatewayStatusListeners': {
      const st = findStatus(res, 'Gateway', s.gateway.name, s.gateway.namespace);
      check(!!st, () => `no status for Gateway ${s.gateway.name}`);
      statusListenersOk((st!.listeners ?? []) as J[], s.listeners, `Gateway ${s.gateway.name}`);
      return;
    }
    case 'listenerSetStatusListeners': {
      const st = findStatus(res, 'ListenerSet', s.listenerSet.name, s.listenerSet.namespace);
      check(!!st, () => `no status for ListenerSet ${s.listenerSet.name}`);
      statusListenersOk((st!.listeners ?? []) as J[], s.listeners, `ListenerSet ${s.listenerSet.name}`);
      return;
    }
    case 'gatewayCondition': {
      const st = findStatus(res, 'Gateway', s.gateway.name, s.gateway.namespace);
      check(!!st && condMatches(st.conditions, s.condition), () => `Gateway ${s.gateway.name}: want ${want(s.condition)}, have ${showConds(st?.conditions)}`);
      return;
    }
    case 'gatewayListenersConditions':
    case 'gatewayListenerConditions': {
      const st = findStatus(res, 'Gateway', s.gateway.name, s.gateway.namespace);
      check(!!st, () => `no status for Gateway ${s.gateway.name}`);
      const names = s.type === 'gatewayListenerConditions' ? [s.listener] : s.listeners;
      listenerConditionsOk((st!.listeners ?? []) as J[], names, s.conditions, `Gateway ${s.gateway.name}`);
      return;
    }
    case 'listenerSetListenersConditions': {
      const st = findStatus(res, 'ListenerSet', s.listenerSet.name, s.listenerSet.namespace);
      check(!!st, () => `no status for ListenerSet ${s.listenerSet.name}`);
      listenerConditionsOk((st!.listeners ?? []) as J[], s.listeners, s.conditions, `ListenerSet ${s.listenerSet.name}`);
      return;
    }
    case 'gatewayAttachedListenerSets': {
      const st = findStatus(res, 'Gateway', s.gateway.name, s.gateway.namespace);
      check(!!st, () => `no status for Gateway ${s.gateway.name}`);
      check((st!.attachedListenerSets ?? 0) === s.count, () => `attachedListenerSets ${st!.attachedListenerSets ?? 0}, want ${s.count}`);
      return;
    }
    case 'listenerSetCondition': {
      const st = findStatus(res, 'ListenerSet', s.listenerSet.name, s.listenerSet.namespace);
      check(!!st && condMatches(st.conditions, s.condition), () => `ListenerSet ${s.listenerSet.name}: want ${want(s.condition)}, have ${showConds(st?.conditions)}`);
      return;
    }
    case 'backendTLSPolicyCondition': {
      const st = findStatus(res, 'BackendTLSPolicy', s.policy.name, s.policy.namespace);
      check(!!st, () => `no status for BackendTLSPolicy ${s.policy.name}`);
      const entries = ((st!.ancestors ?? []) as J[]).filter(
        (a) => a.ancestorRef?.name === s.parent.name && (a.ancestorRef?.namespace === undefined || a.ancestorRef.namespace === s.parent.namespace),
      );
      check(
        entries.some((e) => condMatches(e.conditions, s.condition)),
        () => `policy ${s.policy.name} ancestor ${s.parent.name}: want ${want(s.condition)}, have ${entries.map((e) => showConds(e.conditions)).join(' | ') || '(no entry)'}`,
      );
      return;
    }
    case 'gatewayClassAccepted': {
      const st = findStatus(res, 'GatewayClass', s.gatewayClass);
      check(!!st && condMatches(st.conditions, s.condition), () => `GatewayClass ${s.gatewayClass}: want ${want(s.condition)}, have ${showConds(st?.conditions)}`);
      return;
    }
    case 'gatewayLatestObservedGeneration':
      return latestGeneration(res, objects, 'Gateway', s.gateway.name, s.gateway.namespace, (st) => [
        ...(st.conditions ?? []),
        ...((st.listeners ?? []) as J[]).flatMap((l) => l.conditions ?? []),
      ]);
    case 'gatewayClassLatestObservedGeneration':
      return latestGeneration(res, objects, 'GatewayClass', s.gatewayClass, undefined, (st) => st.conditions ?? []);
    case 'routeLatestObservedGeneration':
      return latestGeneration(res, objects, s.routeKind, s.route.name, s.route.namespace, (st) => ((st.parents ?? []) as J[]).flatMap((p) => p.conditions ?? []));
    case 'backendTLSPolicyLatestObservedGeneration':
      return latestGeneration(res, objects, 'BackendTLSPolicy', s.policy.name, s.policy.namespace, (st) => ((st.ancestors ?? []) as J[]).flatMap((p) => p.conditions ?? []));
    default:
      throw new Fail(`unknown status step ${s.type}`);
  }
}

/** Runs every step of one case. */
export function runCase(c: J, base: readonly KubeObject[]): CaseResult {
  const manifests = (c.manifests as J[]).flatMap((m) => (m.documents as J[]).filter((d) => d && typeof d === 'object')).map((d) => applyPlaceholders(d as KubeObject));
  const original = [...base, ...manifests] as J[];
  const objects = JSON.parse(JSON.stringify(original)) as J[];
  let res: ResolveResult | undefined;
  const steps: StepResult[] = [];
  let index = 0;
  let stop = false;
  const flat: J[] = [];
  const walk = (ss: J[]) => {
    for (const s of ss) {
      flat.push(s);
      if (Array.isArray(s.steps)) walk(s.steps);
    }
  };
  walk(c.steps as J[]);
  for (const s of flat) {
    index++;
    if (stop) break;
    if (s.type === 'skipIf') {
      if (CLAIMED_FEATURES.has(s.feature)) stop = true;
      continue;
    }
    if (s.type === 'mutate') {
      if (applyMutation(objects, original, s)) res = undefined;
      continue;
    }
    if (s.type === 'createObject') {
      objects.push(applyPlaceholders(s.object as KubeObject) as J);
      res = undefined;
      continue;
    }
    if (!STATUS_STEPS.has(s.type)) continue; // traffic/probes, group, sleep, assert
    res = res ?? resolve(objects as KubeObject[]);
    try {
      evaluate(s, res, objects);
      steps.push({ index, type: s.type, pass: true });
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      steps.push({ index, type: s.type, pass: false, reason: e.message });
    }
  }
  const failedSteps = steps.filter((x) => !x.pass);
  return {
    name: c.name,
    category: c.category,
    passed: steps.length - failedSteps.length,
    failed: failedSteps.length,
    ...(failedSteps.length ? { firstFailure: `#${failedSteps[0].index} ${failedSteps[0].type}: ${failedSteps[0].reason}` } : {}),
    steps,
  };
}
