import { ApiObject, App, Chart, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, checkLabelKey, checkLabelValue, checkObjectName, nameFromId } from './checks';
import { fail, freeId } from './errors';
import { currentEpoch, mutate, registerValidation, SHARED_JSON, SynthEpoch } from './validation';

/** Metadata props every construct of this library accepts. */
export interface ResourceProps {
  /**
   * `metadata.name`. Explicit and stable: it never contains a hash, so renaming a
   * construct id in code does not rename (and re-create) the object in the cluster
   * once you pin it here.
   * @default - the construct id, lowercased, with characters other than `a-z0-9.-` replaced by `-`
   */
  readonly name?: string;
  /**
   * `metadata.namespace` (ignored for cluster-scoped kinds).
   * @default - the chart's namespace; without one the object is namespace-less and lands in `default`
   */
  readonly namespace?: string;
  /** @default - none */
  readonly labels?: { readonly [key: string]: string };
  /** @default - none */
  readonly annotations?: { readonly [key: string]: string };
}

/** A reference to any Kubernetes object by group, kind, name and namespace. */
export interface IObjectReference {
  /** API group (`''` for the core group) */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** undefined for cluster-scoped objects or unknown namespaces (then `default`) */
  readonly namespace?: string;
}

/** The namespace objects without one end up in. */
export const DEFAULT_NAMESPACE = 'default';

class GatewayApiObject extends ApiObject {
  constructor(private readonly owner: Resource, id: string, private readonly clusterScoped: boolean, props: ConstructorParameters<typeof ApiObject>[2]) {
    super(owner, id, props);
    // JSON patches and metadata changes change the synthesized object (see `Resource._mutate`)
    const metadata = this.metadata as unknown as Record<string, unknown>;
    for (const m of ['addLabel', 'addAnnotation', 'addFinalizers', 'addOwnerReference', 'add']) {
      const original = metadata[m];
      if (typeof original !== 'function') continue;
      metadata[m] = (...args: unknown[]) => owner._mutate(() => (original as (...a: unknown[]) => unknown).apply(this.metadata, args));
    }
  }

  /** See `SHARED_JSON` (validation.ts). */
  public [SHARED_JSON](): any {
    return this.sharedJson();
  }
  public addJsonPatch(...ops: JsonPatch[]): void {
    this.owner._mutate(() => super.addJsonPatch(...ops));
  }
  public toJson(): any {
    // within one epoch (cdk8s validates, validates again per chart, then serializes) the object
    // cannot have changed: serialize once, hand out copies
    const epoch = currentEpoch(this.node.root);
    if (epoch && this.cached?.epoch === epoch) return copyJson(this.cached.json);
    if (!epoch) return this.serialize(false).json;
    const json = this.serialize(true);
    if (!json.fast) return json.json;
    if (!json.frozen) {
      this.cached = { epoch, json: deepFreeze(copyJson(json.json)) };
      return json.json;
    }
    this.cached = { epoch, json: json.json };
    return copyJson(json.json);
  }

  /** The serialization of the current epoch itself, frozen (read-only users: the whole-app checks). */
  private sharedJson(): any {
    const epoch = currentEpoch(this.node.root);
    if (epoch && this.cached?.epoch === epoch) return this.cached.json;
    const json = this.serialize(true);
    const frozen = json.frozen ? json.json : deepFreeze(json.json);
    if (json.fast && epoch) this.cached = { epoch, json: frozen };
    return frozen;
  }

  /**
   * The object's JSON; with `freeze`, frozen as it is built when the fast path can (`frozen`), else
   * mutable (the caller freezes what it keeps).
   */
  private serialize(freeze: boolean): { json: any; fast: boolean; frozen: boolean } {
    const fast = fastToJson(this, this.clusterScoped, freeze);
    if (fast) return { json: fast.json, fast: true, frozen: fast.frozen };
    const json = super.toJson();
    if (this.clusterScoped && json.metadata) delete json.metadata.namespace;
    return { json, fast: false, frozen: false };
  }

  private cached?: { epoch: SynthEpoch; json: unknown };
}

function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  for (const k of Object.keys(v as object)) deepFreeze((v as Record<string, unknown>)[k]);
  return Object.freeze(v);
}

function copyJson(v: any): any {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(copyJson);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copyJson(v[k]);
  return out;
}

const FALLBACK = Symbol('fallback');

/**
 * `keys.sort()` of an object's keys (distinct strings, so any correct sort gives the same order):
 * V8's sort allocates a work copy each time, about 8 MB of garbage per synth of 1,000 routes. Keys
 * in order already (most small objects) are left as they are, a few keys are sorted by insertion.
 */
function sortInPlace(keys: string[]): string[] {
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i];
    if (keys[i - 1] <= k) continue;
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * `ApiObject.toJson` for the objects of this library, without cdk8s's generic resolution walk
 * (which asks every resolver about every value and dominates the synth time of large apps).
 * The result is identical: Lazy values are produced, null and undefined dropped, keys sorted
 * (unless CDK8S_DISABLE_SORT), JSON patches applied, apiVersion / kind / metadata first. Whenever
 * anything is not plain data (an implicit token, a union value, a class instance) or the app has
 * custom resolvers, it returns undefined and the caller uses cdk8s's own `toJson`.
 */
function fastToJson(obj: ApiObject, clusterScoped: boolean, freeze: boolean): { json: any; frozen: boolean } | undefined {
  const resolvers = App.of(obj).resolvers;
  if (resolvers.length !== 3 || !(resolvers[0] instanceof LazyResolver) || !(resolvers[1] instanceof ImplicitTokenResolver) || !(resolvers[2] instanceof NumberStringUnionResolver)) return undefined;
  const internals = obj as unknown as { props?: Record<string, unknown>; patches?: JsonPatch[] };
  if (!internals.props || !Array.isArray(internals.patches)) return undefined;
  const sortKeys = !process.env.CDK8S_DISABLE_SORT;
  // JSON patches change the walked object afterwards: freeze only what is final as walked
  const patches = internals.patches;
  const frozen = freeze && patches.length === 0;
  const walk = (v: any): any => {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'object') return v;
    if (v instanceof Lazy) return walk(v.produce());
    if (typeof v.resolve === 'function') throw FALLBACK;
    if (Array.isArray(v)) {
      const arr = v.map(walk);
      return frozen ? Object.freeze(arr) : arr;
    }
    if (v.constructor !== Object) throw FALLBACK;
    const out: Record<string, unknown> = {};
    const keys = Object.keys(v);
    if (sortKeys) sortInPlace(keys);
    for (const k of keys) {
      const x = walk(v[k]);
      if (x !== null && x !== undefined) out[k] = x;
    }
    return frozen ? Object.freeze(out) : out;
  };
  const props = internals.props;
  let json: Record<string, unknown>;
  try {
    const fastMetadata = fastMetadataJson(obj.metadata);
    const metadata = fastMetadata ?? obj.metadata.toJson();
    // (a fresh object: cluster-scoped kinds have no namespace; after patches, as before, below)
    if (clusterScoped && frozen) delete metadata.namespace;
    // the walk of `{ ...props, metadata }` without the spread copy; the fast metadata is plain data
    // already sanitized and sorted, which the walk would only copy (it is frozen in place instead)
    const keys = Object.keys(props);
    if (!keys.includes('metadata')) keys.push('metadata');
    if (sortKeys) sortInPlace(keys);
    // without patches the walked object is the result: apiVersion, kind and metadata go first here
    if (!patches.length) headFirst(keys);
    json = {};
    for (const k of keys) {
      const x = k !== 'metadata' ? walk(props[k]) : fastMetadata ? (frozen ? deepFreeze(fastMetadata) : fastMetadata) : walk(metadata);
      if (x !== null && x !== undefined) json[k] = x;
    }
    if (frozen) Object.freeze(json);
  } catch (e) {
    if (e === FALLBACK) return undefined;
    // the same message as cdk8s's toJson
    throw new Error(`Failed serializing construct at path '${obj.node.path}' with name '${obj.name}': ${e}`);
  }
  if (!patches.length) {
    if (clusterScoped && !frozen && json.metadata) delete (json.metadata as Record<string, unknown>).namespace;
    return { json, frozen };
  }
  const patched = JsonPatch.apply(json, ...patches);
  if (clusterScoped && !frozen && patched.metadata) delete (patched.metadata as Record<string, unknown>).namespace;
  const result: Record<string, unknown> = {};
  for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
    if (k in patched && !(k in result)) result[k] = patched[k];
  }
  return { json: frozen ? Object.freeze(result) : result, frozen };
}

/** Moves apiVersion, kind and metadata (those present) to the front, the others in their order (in place, see sortInPlace). */
function headFirst(keys: string[]): string[] {
  const rank = (k: string) => (k === 'apiVersion' ? 1 : k === 'kind' ? 2 : k === 'metadata' ? 3 : 4);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    const r = rank(k);
    let j = i - 1;
    while (j >= 0 && rank(keys[j]) > r) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** The fields `ApiObjectMetadataDefinition.toJson` puts over its additional attributes. */
const METADATA_FIELDS = ['name', 'namespace', 'annotations', 'finalizers', 'ownerReferences', 'labels'] as const;

/**
 * `ApiObjectMetadataDefinition.toJson()` for plain data, without cdk8s's resolution walk and its
 * spread copy (both dominate its cost): the additional attributes overridden by the six fields,
 * then `sanitizeValue` with empty arrays and objects filtered and keys sorted. Undefined whenever
 * a value is not plain data (a Lazy, a token, a class instance): the caller then uses cdk8s's own.
 */
function fastMetadataJson(metadata: ApiObject['metadata']): Record<string, unknown> | undefined {
  const m = metadata as unknown as Record<string, unknown> & { _additionalAttributes?: Record<string, unknown> };
  const additional = m._additionalAttributes;
  if (!additional || additional.constructor !== Object) return undefined;
  const keys = Object.keys(additional);
  for (const f of METADATA_FIELDS) if (!Object.prototype.propertyIsEnumerable.call(additional, f)) keys.push(f);
  sortInPlace(keys);
  const out: Record<string, unknown> = {};
  try {
    for (const k of keys) {
      const v = sanitizePlain((METADATA_FIELDS as readonly string[]).includes(k) ? m[k] : additional[k]);
      if (v !== null && v !== undefined) out[k] = v;
    }
  } catch (e) {
    if (e === FALLBACK) return undefined;
    throw e;
  }
  // (an empty metadata is undefined for cdk8s: left to it)
  return Object.keys(out).length ? out : undefined;
}

/** cdk8s `sanitizeValue(resolve(v))` with empty arrays and objects filtered, for plain data (else throws FALLBACK). */
function sanitizePlain(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return v;
  if (t !== 'object') throw FALLBACK;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(sanitizePlain);
  const o = v as Record<string, unknown>;
  if (o.constructor !== Object || typeof o.resolve === 'function') throw FALLBACK;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k of sortInPlace(Object.keys(o))) {
    const x = sanitizePlain(o[k]);
    if (x !== null && x !== undefined) {
      out[k] = x;
      any = true;
    }
  }
  return any ? out : undefined;
}

/**
 * Base of every construct in this library: one Kubernetes object with an explicit
 * name, whose `spec` is produced lazily at synth time from the construct's state.
 */
export abstract class Resource extends Construct implements IObjectReference {
  /** The underlying cdk8s ApiObject (escape hatch: `addJsonPatch`). */
  public readonly apiObject: ApiObject;
  public readonly apiVersion: string;
  public readonly group: string;
  public readonly kind: string;
  public readonly name: string;
  /** The namespace the object is emitted in (undefined for cluster-scoped kinds). */
  public readonly namespace?: string;

  protected constructor(scope: Construct, id: string, type: { apiVersion: string; kind: string; clusterScoped?: boolean }, props: ResourceProps = {}) {
    // the id is looked up only when the tree refuses it (the lookup of a fresh string in a scope
    // with thousands of children cost about 1.5 µs per object): a taken id gets the library's error
    try {
      super(scope, id);
    } catch (e) {
      freeId(scope, id, type.kind);
      throw e;
    }
    this.apiVersion = type.apiVersion;
    this.kind = type.kind;
    this.group = type.apiVersion.includes('/') ? type.apiVersion.slice(0, type.apiVersion.lastIndexOf('/')) : '';
    const name = props.name ?? nameFromId(id);
    const problem = checkObjectName(name);
    if (problem) {
      fail(this, 'metadata.name', name, problem, props.name ? 'choose a lowercase DNS name such as "web-gateway"' : 'pass `name` explicitly: the construct id does not make a valid object name');
    }
    this.name = name;
    if (!type.clusterScoped) {
      this.namespace = props.namespace ?? Chart.of(this).namespace;
      const nsProblem = this.namespace !== undefined ? checkDnsLabel(this.namespace) : undefined;
      if (nsProblem) fail(this, 'metadata.namespace', this.namespace, nsProblem, 'use a namespace name: up to 63 lowercase letters, digits and "-"');
    }
    for (const [k, v] of Object.entries(props.labels ?? {})) {
      const pk = checkLabelKey(k);
      if (pk) fail(this, `metadata.labels[${k}]`, k, pk, 'use a Kubernetes label key such as "app.kubernetes.io/name"');
      const pv = checkLabelValue(v);
      if (pv) fail(this, `metadata.labels[${k}]`, v, pv, 'use up to 63 letters, digits, "-", "_" or "."');
    }
    this.apiObject = new GatewayApiObject(this, 'Resource', !!type.clusterScoped, {
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: {
        name,
        ...(this.namespace !== undefined ? { namespace: this.namespace } : {}),
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    registerValidation(this);
  }

  /** The namespace used for references (`default` when none is set). */
  public get effectiveNamespace(): string {
    return this.namespace ?? DEFAULT_NAMESPACE;
  }

  /**
   * Applies a change of state the synthesized objects depend on (see `mutate`). Every mutating
   * method of a resource goes through here: the change is recorded first, so the synth-validation
   * snapshot and the serialization cache are not reused after it.
   * @internal
   */
  public _mutate<T>(change: () => T): T {
    return mutate(change);
  }

  /** Produces `spec` at synth time. */
  protected abstract renderSpec(): unknown;
}
