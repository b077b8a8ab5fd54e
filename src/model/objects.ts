/**
 * Plain Kubernetes object shapes shared by every pipeline stage
 * (constructs → resolve → IR → renderers). No cdk8s dependency here.
 */

/** Object metadata as it appears in a manifest (the subset the pipeline reads). */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: { readonly [key: string]: string };
  readonly annotations?: { readonly [key: string]: string };
  readonly generation?: number;
  readonly [key: string]: unknown;
}

/** Any Kubernetes object as parsed from YAML or produced by `ApiObject.toJson()`. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [key: string]: unknown;
}

/** Identifies one object of the input. `namespace` is absent for cluster-scoped objects. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Splits `group/version` (or the core `v1`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The reference of an object; `defaultNamespace` applies to namespaced objects without one. */
export function refOf(obj: KubeObject, defaultNamespace?: string): ObjectRef {
  const ns = obj.metadata?.namespace ?? defaultNamespace;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(ns !== undefined ? { namespace: ns } : {}),
    name: obj.metadata?.name ?? '',
  };
}

/** `kind ns/name` (or `kind name`) for messages. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace !== undefined ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
