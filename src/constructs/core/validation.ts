import * as crypto from 'crypto';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Diagnostic, KubeObject, ObjectRef, splitApiVersion } from '../../model';
import { resolveControllers, ResolveResult } from '../../resolve';

/**
 * The bridge between the construct tree and the pure pipeline stages: at `app.synth()`
 * every ApiObject of the app is synthesized to plain JSON and run through the offline resolver,
 * which also validates each object against the bundled upstream CRD schemas (CEL rules included).
 * References to objects outside the app are assumed to exist (`assumeExternal`).
 * Each finding is reported by the construct that owns the object, so `app.synth()`
 * fails once, listing every problem with its construct path.
 */

/** Result of checking a whole app. */
export interface AppCheckResult {
  /** every finding, errors first per object, sorted */
  readonly diagnostics: Diagnostic[];
  /** the synthesized objects that were checked (the library's own objects are frozen: read-only) */
  readonly objects: KubeObject[];
}

interface Computed extends AppCheckResult {
  readonly owners: Map<string, IConstruct>;
  /** identifies the content: a new key whenever the objects differ from the previous result's */
  readonly key: string;
  /** sha256 of the objects, computed only when a later result has to be compared with this one */
  contentHash?: string;
  /** the resolver's result per controllerName (for the data-plane compile of the built-in proxy; without status) */
  readonly resolved: ReadonlyMap<string, ResolveResult>;
  /** freshness marks: the tick, the library's mutation counter and the number of constructs when computed */
  readonly tick: number;
  readonly generation: number;
  readonly constructs: number;
  /** sha256 of the objects this library does not track (plain ApiObjects, cdk8s-plus objects) */
  readonly untrackedKey: string;
  /** what the checks read besides the objects (external namespaces, derived objects' identities) */
  readonly extraInputs: string;
  /** the error messages per owner (built on the first validation that asks: see `messagesFor`) */
  errorsByOwner?: Map<IConstruct | undefined, string[]>;
}

const lastResult = new WeakMap<IConstruct, Computed>();
const registeredRoots = new WeakSet<IConstruct>();
const printedWarnings = new WeakMap<IConstruct, Set<string>>();

/*
 * Freshness of a computed snapshot. cdk8s validates the whole app more than once per synth
 * (`app.synth()` validates, then every `chart.toJson()` validates again), and the built-in
 * proxy's lazy values (config, CA bundles, checksum) each need the compiled app. They all reuse
 * the latest snapshot while it is fresh: computed in the current tick of the event loop, with no
 * construct added, no mutating call of this library (`add*`, JSON patches, metadata) since, and
 * the objects the library does not track (plain ApiObjects, cdk8s-plus Services, …; few, and
 * cheap to serialize) unchanged. Validation does the same (a fresh snapshot is the same app);
 * anything else synthesizes again and reuses only the findings of identical content.
 */
let tick = 0;
let tickScheduled = false;
let generation = 0;

function markTick(): void {
  if (tickScheduled) return;
  tickScheduled = true;
  queueMicrotask(() => {
    tick++;
    tickScheduled = false;
  });
}

/** A period in which no object of an app can have changed (see above). @internal */
export interface SynthEpoch {
  readonly tick: number;
  readonly generation: number;
  readonly constructs: number;
}
const epochs = new WeakMap<IConstruct, SynthEpoch>();

/**
 * The current epoch of the app `root` belongs to, or undefined when something may have changed
 * since the last whole-app check. The library's ApiObjects reuse their synthesized JSON within an
 * epoch (their output depends only on their own state and on the library's mutating calls).
 * @internal
 */
export function currentEpoch(root: IConstruct): SynthEpoch | undefined {
  const e = epochs.get(root);
  return e && e.tick === tick && e.generation === generation ? e : undefined;
}

/**
 * Applies a change of state that synthesized objects depend on, recording it first (so the
 * validation snapshot and the serialization cache are not reused after it). Every mutating
 * method of the library goes through here: `Resource._mutate` for the resources, directly for
 * the app-wide registries and constructs that are not a Resource.
 * @internal
 */
export function mutate<T>(change: () => T): T {
  generation++;
  return change();
}

function keyOf(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  // (a template, not an array joined: the same string, `?? ''` where join turns null / undefined into '')
  return `${splitApiVersion(ref.apiVersion).group ?? ''}|${ref.kind ?? ''}|${ref.namespace ?? 'default'}|${ref.name ?? ''}`;
}

function ownerOf(obj: ApiObject): IConstruct {
  // constructs of this library wrap their ApiObject as the child `Resource`
  const scope = obj.node.scope;
  return obj.node.id === 'Resource' && scope && (scope as any).apiObject === obj ? scope : obj;
}

/**
 * Construct metadata type marking a subtree whose ApiObjects are derived from the rest of the app
 * (a GatewayProxy's ConfigMap, Deployment, Service): the whole-app checks skip them, so they are not
 * synthesized (and their compile not run) during validation.
 * @internal
 */
export const DERIVED_OBJECTS_METADATA = 'cdk8s-gateway:derived-objects';

/**
 * The method of an ApiObject whose JSON depends only on this library's state (every change goes
 * through `mutate`): its serialization may be reused within an epoch. The method returns that
 * serialization itself, deeply frozen (no copy): the checks and the proxy compile only read it.
 * (A method of the class, not a registry entry per object: nothing to allocate per object.)
 * @internal
 */
export const SHARED_JSON = Symbol('cdk8s-gateway.sharedJson');

/** The shared serialization of a library ApiObject (see `SHARED_JSON`), undefined for other objects. */
function sharedJsonOf(o: ApiObject): KubeObject | undefined {
  const f = (o as unknown as { [SHARED_JSON]?: () => KubeObject })[SHARED_JSON];
  return typeof f === 'function' ? f.call(o) : undefined;
}

function isLibraryObject(o: ApiObject): boolean {
  return typeof (o as unknown as { [SHARED_JSON]?: unknown })[SHARED_JSON] === 'function';
}

const lateScopes = new WeakSet<IConstruct>();
let anyLateScope = false;

/**
 * Marks `scope` (a construct under a derived subtree) as the parent of objects added while the app
 * is validated, from the compile (the built-in proxy's ConfigMaps for the parts of a large
 * configuration: how many there are is known only then). Its children do not count as a change of
 * the app: adding them keeps the snapshot fresh, so the next validation in the same synth does not
 * resolve and compile the app again. They are in the proxy's namespace, which its first ConfigMap
 * already makes the namespace check count.
 * @internal
 */
export function registerLateObjectsScope(scope: IConstruct): void {
  lateScopes.add(scope);
  anyLateScope = true;
}

/** What one walk of the app's construct tree finds (see `walkApp`). */
interface AppWalk {
  /** how many constructs the app has, but the children of late-objects scopes (see above) */
  readonly constructs: number;
  /** the ApiObjects outside derived subtrees (the objects the checks read), in tree order */
  readonly checked: ApiObject[];
  /** the ApiObjects inside derived subtrees, in tree order */
  readonly derived: ApiObject[];
}

/**
 * One pre-order walk of the app (the order of `node.findAll()`): the construct count and the
 * ApiObjects in and outside derived subtrees. Derivedness is inherited down the walk, so each
 * construct's metadata is read once (not once per ApiObject below it). The freshness check of the
 * snapshot runs it several times per synth.
 */
function walkApp(root: IConstruct): AppWalk {
  // (no construct can be added or removed while the walk runs: it calls no code of the app)
  const structure = structureChanges;
  let constructs = 0;
  let watched = true;
  let lastNodeClass: object | undefined;
  const checked: ApiObject[] = [];
  const derived: ApiObject[] = [];
  const visit = (c: IConstruct, derivedAbove: boolean): void => {
    const nodeClass = Object.getPrototypeOf(c.node) as object;
    if (nodeClass !== lastNodeClass) {
      lastNodeClass = nodeClass;
      if (!watchNodeClass(nodeClass)) watched = false;
    }
    const d = derivedAbove || c.node.metadata.some((m) => m.type === DERIVED_OBJECTS_METADATA);
    const scope = c.node.scope;
    if (!anyLateScope || !(scope && lateScopes.has(scope))) {
      constructs++;
      if (c instanceof ApiObject) (d ? derived : checked).push(c);
    }
    for (const child of c.node.children) visit(child, d);
  };
  visit(root, false);
  const walk = { constructs, checked, derived };
  lastWalks.set(root, { walk, structure, watched });
  return walk;
}

/*
 * Walks saved. The freshness check of the snapshot (below) needs the app's constructs: a walk of the
 * whole tree, which the proxy's lazy values (one per configuration part) would each repeat within
 * one synth. constructs' `Node` adds and removes children only through `addChild` and
 * `tryRemoveChild`; a walk wraps both on every Node class it meets (an app may hold constructs of
 * more than one copy of the constructs library) to count changes of the tree. While no change was
 * counted since a walk whose every construct has a wrapped Node class, the tree is the one it saw,
 * and the walk's result is reused. (A new Node class can enter the tree only through `addChild` of
 * a wrapped one, so it is counted; a Node class without those methods — another major version —
 * means walking every time, as before.)
 */
let structureChanges = 0;
const watchedNodeClasses = new WeakMap<object, boolean>();
const lastWalks = new WeakMap<IConstruct, { readonly walk: AppWalk; readonly structure: number; readonly watched: boolean }>();

/** Wraps `addChild` / `tryRemoveChild` of a Node class to count tree changes; false when it cannot. */
function watchNodeClass(nodeClass: object): boolean {
  let ok = watchedNodeClasses.get(nodeClass);
  if (ok === undefined) {
    const p = nodeClass as { addChild?: unknown; tryRemoveChild?: unknown };
    const add = p.addChild;
    const remove = p.tryRemoveChild;
    ok = typeof add === 'function' && typeof remove === 'function';
    if (ok) {
      p.addChild = function (this: unknown, ...args: unknown[]) {
        structureChanges++;
        return (add as (...a: unknown[]) => unknown).apply(this, args);
      };
      p.tryRemoveChild = function (this: unknown, ...args: unknown[]) {
        structureChanges++;
        return (remove as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
    watchedNodeClasses.set(nodeClass, ok);
  }
  return ok;
}

/** The app's constructs: the last walk's, when the tree cannot have changed since (see above), else a new walk. */
function currentWalk(root: IConstruct): AppWalk {
  const w = lastWalks.get(root);
  return w && w.watched && w.structure === structureChanges ? w.walk : walkApp(root);
}

function untrackedKeyOf(apiObjects: ApiObject[], json?: KubeObject[]): string {
  const h = crypto.createHash('sha256');
  apiObjects.forEach((o, i) => {
    if (!isLibraryObject(o)) h.update(JSON.stringify(json ? json[i] : o.toJson())).update('\n');
  });
  return h.digest('hex');
}

let contentSerial = 0;

function contentHash(r: Computed): string {
  r.contentHash ??= crypto.createHash('sha256').update(JSON.stringify(r.objects)).digest('hex');
  return r.contentHash;
}

/*
 * Preparations: work some constructs do on the whole app right before it is checked (and so before
 * every synth): `AppNamespaces` adds the Namespace objects of the namespaces the app uses,
 * `GatewayApiCrds` orders the CRDs before the objects of its chart. They run first in every
 * computation of the snapshot, in registration order, and must be idempotent.
 */
const preparations = new WeakMap<IConstruct, { readonly add: Array<() => void>; readonly order: Array<() => void> }>();

/**
 * Registers work to run on the whole app before each whole-app check (see above): `add`
 * preparations (which may add objects) all run before the `order` ones (which add dependencies
 * between the objects, so they see every object).
 * @internal
 */
export function registerPreparation(scope: IConstruct, stage: 'add' | 'order', prepare: () => void): void {
  const root = scope.node.root;
  const p = preparations.get(root) ?? { add: [], order: [] };
  p[stage].push(prepare);
  preparations.set(root, p);
}

function prepareApp(root: IConstruct): void {
  const p = preparations.get(root);
  if (!p) return;
  for (const f of p.add) f();
  for (const f of p.order) f();
}

const externalNamespaces = new WeakMap<IConstruct, Set<string>>();

/**
 * The namespaces of the app `scope` belongs to that exist outside it (`ExternalNamespaces`), sorted.
 * @internal
 */
export function declaredExternalNamespaces(scope: IConstruct): string[] {
  return [...(externalNamespaces.get(scope.node.root) ?? [])].sort();
}

/**
 * Declares namespaces of the app `scope` belongs to as existing outside it.
 * @internal
 */
export function declareExternalNamespaces(scope: IConstruct, namespaces: readonly string[]): void {
  const root = scope.node.root;
  mutate(() => {
    const set = externalNamespaces.get(root) ?? new Set<string>();
    for (const ns of namespaces) set.add(ns);
    externalNamespaces.set(root, set);
  });
}

const clusterChannels = new WeakMap<IConstruct, 'standard' | 'experimental'>();

/** The Gateway API channel declared for the cluster of the app `scope` belongs to (`ClusterGatewayApi`). @internal */
export function declaredClusterChannel(scope: IConstruct): 'standard' | 'experimental' | undefined {
  return clusterChannels.get(scope.node.root);
}

/** Declares the Gateway API channel of the cluster of the app `scope` belongs to. @internal */
export function declareClusterChannel(scope: IConstruct, channel: 'standard' | 'experimental'): void {
  mutate(() => clusterChannels.set(scope.node.root, channel));
}

/** The identity of an ApiObject without synthesizing it (for objects the checks do not read). @internal */
export function lightRef(o: ApiObject): ObjectRef {
  const ns = o.metadata.namespace;
  return { apiVersion: o.apiVersion, kind: o.kind, ...(ns !== undefined && ns !== '' ? { namespace: ns } : {}), name: o.name };
}

function compute(root: IConstruct): Computed {
  prepareApp(root);
  const walk = walkApp(root);
  markTick();
  const marks = { tick, generation, constructs: walk.constructs };
  const e = epochs.get(root);
  if (!e || e.tick !== marks.tick || e.generation !== marks.generation || e.constructs !== marks.constructs) epochs.set(root, marks);
  const apiObjects = walk.checked;
  const owners = new Map<string, IConstruct>();
  const objects: KubeObject[] = [];
  for (const o of apiObjects) {
    const json = (sharedJsonOf(o) ?? o.toJson()) as KubeObject;
    objects.push(json);
    owners.set(keyOf({ apiVersion: json.apiVersion, kind: json.kind, namespace: json.metadata?.namespace, name: json.metadata?.name ?? '' }), ownerOf(o));
  }
  // derived objects (the built-in proxy's ConfigMap, Deployment, Service…) are not checked, but
  // they live in namespaces too: the namespace check counts them (and names their construct)
  const derived: ObjectRef[] = [];
  for (const c of walk.derived) {
    const ref = lightRef(c);
    derived.push(ref);
    if (!owners.has(keyOf(ref))) owners.set(keyOf(ref), c);
  }
  const external = declaredExternalNamespaces(root);
  const channel = declaredClusterChannel(root);
  const untrackedKey = untrackedKeyOf(apiObjects, objects);
  // what the checks read besides the objects
  const extraInputs = JSON.stringify({ external, derived, channel });
  const previous = lastResult.get(root);
  // the content is hashed only to compare with an earlier result (a second synth of the app)
  const hash = previous ? crypto.createHash('sha256').update(JSON.stringify(objects)).digest('hex') : undefined;
  if (previous && contentHash(previous) === hash && previous.extraInputs === extraInputs) {
    // same content: same findings and key, fresh marks
    const result: Computed = { ...previous, ...marks, untrackedKey, objects, owners, contentHash: hash };
    lastResult.set(root, result);
    return result;
  }
  const key = `content-${++contentSerial}`;
  // the resolver is the single source of truth: CRD schema + CEL validation, references, status.
  // Objects a construct app refers to but does not define (a Service deployed by another tool, the
  // Secret cert-manager writes, another team's Gateway) are assumed to exist: info, not an error.
  // An app may hold GatewayClasses of several controllers (the built-in proxy, Istio, …): every
  // Gateway is checked as its own controller would (one resolver run per controllerName, merged).
  // Namespaces are the exception: the app is what is applied to the cluster, so a namespace its
  // objects use and nothing creates (no Namespace object, not declared in ExternalNamespaces) is a
  // warning (`NamespaceNotCreated`).
  // The objects' status is not computed: the checks read the diagnostics, the proxy compile the
  // model, nothing the status (a status object per route, built and sorted, then dropped).
  const { diagnostics, results: resolved } = resolveControllers(objects, {
    assumeExternal: true,
    ...(channel ? { channel } : {}),
    namespaces: { external, alsoUsedBy: derived },
    status: false,
  });
  const result: Computed = { diagnostics, objects, owners, key, resolved, untrackedKey, extraInputs, ...marks, ...(hash ? { contentHash: hash } : {}) };
  lastResult.set(root, result);
  return result;
}

/** The app's objects and resolver results, as checked by the whole-app validation. @internal */
export interface AppSnapshot {
  /** every ApiObject of the app outside derived subtrees, synthesized (shared: do not modify) */
  readonly objects: readonly KubeObject[];
  /** the resolver's result per controllerName of the app's GatewayClasses (and the built-in one), without status */
  readonly resolved: ReadonlyMap<string, ResolveResult>;
  /** identifies the content of `objects`: equal keys, equal objects */
  readonly key: string;
}

/**
 * The latest snapshot of the app when it is fresh (see above), otherwise a new one.
 * @internal
 */
export function appSnapshot(scope: IConstruct): AppSnapshot {
  const root = scope.node.root;
  return freshResult(root) ?? compute(root);
}

function freshResult(root: IConstruct): Computed | undefined {
  const last = lastResult.get(root);
  if (!last || last.tick !== tick || last.generation !== generation) return undefined;
  const walk = currentWalk(root);
  return last.constructs === walk.constructs && last.untrackedKey === untrackedKeyOf(walk.checked) ? last : undefined;
}

function render(d: Diagnostic): string {
  return `${d.field ? `${d.field}: ` : ''}${d.message}${d.fix ? ` Fix: ${d.fix}` : ''} (${d.code})`;
}

/**
 * The error messages `owner` reports (the app root's, for `undefined`: errors about objects that no
 * construct of this library owns, prefixed with the owner's path). Every construct of the library
 * asks once per validation pass, so the errors are grouped by owner once per result instead of
 * being scanned per owner (10,000 routes × their diagnostics).
 */
function messagesFor(result: Computed, owner: IConstruct | undefined): string[] {
  if (!result.errorsByOwner) {
    const index = new Map<IConstruct | undefined, string[]>();
    for (const d of result.diagnostics) {
      if (d.severity !== 'error') continue;
      const o = result.owners.get(keyOf(d.object));
      const k = o !== undefined && registeredOwner(o) ? o : undefined;
      let list = index.get(k);
      if (!list) index.set(k, (list = []));
      list.push(o && !k ? `[${o.node.path}] ${render(d)}` : render(d));
    }
    result.errorsByOwner = index;
  }
  return [...(result.errorsByOwner.get(owner) ?? [])];
}

/**
 * Marks the constructs that registered a validation (see `registerValidation`): a property of the
 * construct, not a WeakSet entry (adding every route to a WeakSet cost about 1 µs each).
 */
const HAS_VALIDATION = Symbol('cdk8s-gateway.hasValidation');
function registeredOwner(c: IConstruct): boolean {
  return (c as unknown as { [HAS_VALIDATION]?: boolean })[HAS_VALIDATION] === true;
}

/**
 * Prints `cdk8s-gateway warning: <message>` to stderr, once per app (synth validates more than once).
 * @internal
 */
export function warnOnce(scope: IConstruct, message: string): void {
  const root = scope.node.root;
  const printed = printedWarnings.get(root) ?? new Set<string>();
  printedWarnings.set(root, printed);
  const line = `cdk8s-gateway warning: ${message}\n`;
  if (printed.has(line)) return;
  printed.add(line);
  process.stderr.write(line);
}

/**
 * Registers whole-app validation for a construct of this library. The app root computes
 * the findings once per validation pass (it is validated first); each construct then
 * reports the errors about its own object. Errors about plain ApiObjects (not ours)
 * are reported by the root. Warnings are printed to stderr once per pass.
 * @internal
 */
export function registerValidation(owner: IConstruct): void {
  const root = owner.node.root;
  (owner as unknown as { [HAS_VALIDATION]?: boolean })[HAS_VALIDATION] = true;
  if (!registeredRoots.has(root)) {
    registeredRoots.add(root);
    root.node.addValidation({
      validate: () => {
        // cdk8s validates once per synth and again per chart: a fresh snapshot is the same app
        const result = freshResult(root) ?? compute(root);
        lastResult.set(root, result);
        for (const d of result.diagnostics) {
          if (d.severity !== 'warning') continue;
          const o = result.owners.get(keyOf(d.object));
          warnOnce(root, `[${o?.node.path ?? ''}] ${render(d)}`);
        }
        return messagesFor(result, undefined);
      },
    });
  }
  owner.node.addValidation({
    validate: () => messagesFor(lastResult.get(root) ?? compute(root), owner),
  });
}

/**
 * Checks the whole app that `scope` belongs to, without synthesizing files:
 * schema + CEL validation of every object and the offline resolver's findings
 * (errors, warnings and infos). `app.synth()` fails on the errors of this list.
 */
export function checkApp(scope: IConstruct): AppCheckResult {
  const { diagnostics, objects } = compute(scope.node.root);
  return { diagnostics, objects };
}
