/**
 * Several controllers in one input: an app or a repository may hold GatewayClasses of the built-in
 * proxy, Istio, NGINX Gateway Fabric… Each Gateway is checked as its own controller would: the
 * resolver runs once per controllerName (schema and namespace checks only in the first run) and the results are
 * merged. One run reports only its controller's GatewayClasses, Gateways, ListenerSets, route
 * `parents` and policy `ancestors`, so the merge is a union: diagnostics deduplicated, the status
 * of an object reported by several runs joined (`parents` / `ancestors` concatenated).
 */
import { BUILTIN_CONTROLLER_NAME, Diagnostic, GATEWAY_GROUP, KubeObject, sortDiagnostics, splitApiVersion } from '../model';
import { controllerWithoutClass, ImplementationReport, implementationFindings } from './implementations';
import { resolve } from './resolve';
import { ObjectStatus, ResolveOptions, ResolveResult } from './types';
import { cmp, cmpTuple3 } from './util';

/** The built-in controller and every controllerName of the input's GatewayClasses, sorted. */
export function controllersOf(objects: readonly KubeObject[]): string[] {
  const out = new Set<string>([BUILTIN_CONTROLLER_NAME]);
  for (const o of objects) {
    if (!o || o.kind !== 'GatewayClass' || typeof o.apiVersion !== 'string' || splitApiVersion(o.apiVersion).group !== GATEWAY_GROUP) continue;
    const c = (o as { spec?: { controllerName?: unknown } }).spec?.controllerName;
    if (typeof c === 'string' && c !== '') out.add(c);
  }
  return [...out].sort(cmp);
}

/** What {@link resolveControllers} computes. */
export interface ControllersResult {
  /** the controllers the input was checked as, sorted */
  readonly controllers: readonly string[];
  /** each controller's own result (its model feeds `explain` and the data-plane compiler) */
  readonly results: ReadonlyMap<string, ResolveResult>;
  /** every finding of every run, once, sorted */
  readonly diagnostics: Diagnostic[];
  /** the merged status, sorted by kind / namespace / name */
  readonly status: ObjectStatus[];
  /**
   * The published conformance report each controller of a known implementation was judged by
   * (`FeatureNotClaimed` warnings for what the input uses and the report does not claim).
   */
  readonly implementations: ReadonlyMap<string, ImplementationReport>;
}

/**
 * Resolves `objects` once per controller (`controllers`, default {@link controllersOf}) and merges
 * the findings and status. A Gateway whose GatewayClass the input lacks is checked by one run: the
 * built-in controller's, or, with `implementation`, the run of that implementation's controller
 * (added when the input has no GatewayClass of it), which also judges policies of Services no
 * Gateway of the input routes to.
 */
export function resolveControllers(
  objects: readonly KubeObject[],
  options: Omit<ResolveOptions, 'controllerName' | 'handlesGatewaysWithoutClass'> & {
    readonly controllers?: readonly string[];
    /**
     * `NAME[@VERSION]` of a bundled conformance report, for every controller but the built-in one
     * (default: the report of the controller's implementation, when known); the Gateways whose
     * GatewayClass the input lacks are then that implementation's (`controllerNameOf`)
     */
    readonly implementation?: string;
  } = {},
): ControllersResult {
  const { controllers: given, implementation, ...rest } = options;
  // what the input does not place (Gateways whose GatewayClass it lacks, missing parents) is checked
  // once: as the built-in controller or as the implementation the user names would (when no run is
  // that controller: by every run)
  const withoutClass = controllerWithoutClass(implementation);
  const found = given ? [...new Set(given)] : controllersOf(objects);
  if (implementation !== undefined && !found.includes(withoutClass)) found.push(withoutClass);
  const controllers = found.sort(cmp);
  const handled = controllers.includes(withoutClass);
  const results = new Map<string, ResolveResult>();
  const seen = new DiagnosticSet();
  const diagnostics: Diagnostic[] = [];
  const status = new Map<string, ObjectStatus>();
  controllers.forEach((controllerName, i) => {
    // the input-wide checks (schema, namespaces) do not depend on the controller: first run only
    const r = resolve(objects, {
      ...rest,
      controllerName,
      handlesGatewaysWithoutClass: !handled || controllerName === withoutClass,
      schemaValidation: i === 0 ? (rest.schemaValidation ?? true) : false,
      namespaces: i === 0 ? rest.namespaces : undefined,
      metallb: i === 0 ? rest.metallb : false,
    });
    results.set(controllerName, r);
    if (i === 0 && sortKeysUnambiguous(r.diagnostics)) {
      // the first run's findings come sorted, so equal ones are neighbours: deduplicated without
      // the set's keys (the set indexes them only if a later run or the profiles add findings)
      seen.addDistinct(distinctSorted(r.diagnostics, diagnostics));
    } else for (const d of r.diagnostics) if (seen.add(d)) diagnostics.push(d);
    for (const s of r.status) {
      const k = [s.apiVersion, s.kind, s.namespace ?? '', s.name].join('\u0000');
      const prev = status.get(k);
      status.set(k, prev ? mergeStatus(prev, s) : s);
    }
  });
  const profiles = implementationFindings(objects, controllers, { implementation, defaultNamespace: rest.defaultNamespace, ...(handled ? { withoutClass } : {}) });
  for (const d of profiles.diagnostics) if (seen.add(d)) diagnostics.push(d);
  return {
    controllers,
    results,
    implementations: profiles.reports,
    // one run's findings come sorted (and stay so, deduplicated): sorted again only when merged
    diagnostics: controllers.length === 1 && profiles.diagnostics.length === 0 ? diagnostics : sortDiagnostics(diagnostics),
    // (likewise the status: one run's is sorted by the same key)
    status: controllers.length === 1 ? [...status.values()] : [...status.values()].sort((a, b) => cmpTuple3(a.kind, a.namespace ?? '', a.name, b.kind, b.namespace ?? '', b.name)),
  };
}

/**
 * Diagnostics seen so far, equal when their JSON is: bucketed by code, object name, field and
 * message (equal JSON implies equal buckets), serialized only to tell apart diagnostics of one
 * bucket (rare: most findings are unique, and serializing each was a cost of large inputs).
 */
class DiagnosticSet {
  private readonly buckets = new Map<string, Array<{ readonly d: Diagnostic; json?: string }>>();
  /** Distinct diagnostics added by `addDistinct`, indexed at the next `add`. */
  private unindexed: Diagnostic[] = [];

  /** Adds diagnostics known to be distinct from each other and from every one added before. */
  addDistinct(ds: readonly Diagnostic[]): void {
    for (const d of ds) this.unindexed.push(d);
  }

  /** Adds `d`; false when an equal diagnostic was added before. */
  add(d: Diagnostic): boolean {
    if (this.unindexed.length) {
      const ds = this.unindexed;
      this.unindexed = [];
      for (const x of ds) this.index(x);
    }
    return this.index(d);
  }

  private index(d: Diagnostic): boolean {
    const k = `${d.code}\u0000${d.object.name}\u0000${d.field ?? ''}\u0000${d.message}`;
    const bucket = this.buckets.get(k);
    if (!bucket) {
      this.buckets.set(k, [{ d }]);
      return true;
    }
    const json = JSON.stringify(d);
    for (const e of bucket) if ((e.json ??= JSON.stringify(e.d)) === json) return false;
    bucket.push({ d, json });
    return true;
  }
}

const SEVERITIES = new Set(['error', 'warning', 'info']);
/** Not a plain key part: neither absent nor a string without the key's separator. */
const hasNul = (s: unknown): boolean => s !== undefined && (typeof s !== 'string' || s.includes('\u0000'));

/**
 * True when, for these diagnostics, equal `sortDiagnostics` keys mean equal key fields (each is
 * absent or a string without the key's separator, every severity is a known one): then equal diagnostics (equal JSON)
 * are neighbours in the sorted list.
 */
function sortKeysUnambiguous(ds: readonly Diagnostic[]): boolean {
  for (const d of ds) {
    if (!SEVERITIES.has(d.severity) || hasNul(d.code) || hasNul(d.message) || hasNul(d.field)) return false;
    if (hasNul(d.object.kind) || hasNul(d.object.namespace) || hasNul(d.object.name)) return false;
  }
  return true;
}

/** Equal sort keys (`sortDiagnostics`; `undefined` keyed as ''), given `sortKeysUnambiguous`. */
function sameSortKey(a: Diagnostic, b: Diagnostic): boolean {
  return (
    (a.object.name ?? '') === (b.object.name ?? '') &&
    (a.object.namespace ?? '') === (b.object.namespace ?? '') &&
    (a.object.kind ?? '') === (b.object.kind ?? '') &&
    (a.field ?? '') === (b.field ?? '') &&
    a.severity === b.severity &&
    (a.code ?? '') === (b.code ?? '') &&
    (a.message ?? '') === (b.message ?? '')
  );
}

/**
 * Appends to `out` (empty) the diagnostics of a sorted list without those equal (equal JSON) to
 * an earlier one, and returns them: an equal one can only be in the run of neighbours with the
 * same sort key, the only ones compared.
 */
function distinctSorted(sorted: readonly Diagnostic[], out: Diagnostic[]): Diagnostic[] {
  let groupStart = 0; // index in out of the first kept diagnostic with the current sort key
  let groupJson: (string | undefined)[] = [];
  for (const d of sorted) {
    if (out.length === 0 || !sameSortKey(out[out.length - 1], d)) {
      groupStart = out.length;
      groupJson = [];
      out.push(d);
      continue;
    }
    // (rare: a second finding with the key of the previous one)
    const json = JSON.stringify(d);
    let dup = false;
    for (let j = groupStart; j < out.length && !dup; j++) dup = (groupJson[j - groupStart] ??= JSON.stringify(out[j])) === json;
    if (dup) continue;
    groupJson[out.length - groupStart] = json;
    out.push(d);
  }
  return out;
}

/** Joins the per-controller lists of a status reported by two runs; anything else stays as first reported. */
function mergeStatus(a: ObjectStatus, b: ObjectStatus): ObjectStatus {
  const merged: Record<string, unknown> = { ...a.status };
  for (const field of ['parents', 'ancestors']) {
    const x = a.status[field];
    const y = b.status[field];
    if (!Array.isArray(y)) continue;
    const list = Array.isArray(x) ? [...x] : [];
    const have = new Set(list.map((e) => JSON.stringify(e)));
    for (const e of y) if (!have.has(JSON.stringify(e))) list.push(e);
    merged[field] = list;
  }
  return { ...a, status: merged };
}
