import { crdScopes, describeRef, Diagnostic, isClusterScoped, KubeObject, ObjectRef, splitApiVersion } from '../model';
import { diagnostic } from './conditions';
import { assumeExternal } from './external';
import { cmp, cmpTuple3 } from './util';

/**
 * Stage "namespaces" (diagnostics only, option `namespaces`): namespaces that objects of the input
 * use but that no `v1 Namespace` of the input creates. Applied to an empty cluster, such a manifest
 * fails half-way (`namespaces "x" not found`) or stalls a GitOps sync. One finding per namespace,
 * listing the objects that use it.
 *
 * The same computation ({@link uncreatedNamespaces}) decides which Namespaces the `AppNamespaces`
 * construct emits, so "what the warning names" and "what the opt-in creates" cannot drift apart.
 */

/** Diagnostic code: objects use a namespace that nothing in the input creates. */
export const NAMESPACE_NOT_CREATED = 'NamespaceNotCreated';

/** Namespaces every cluster has: never reported, never created. */
export const CLUSTER_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** API group of MetalLB: its objects live in the namespace MetalLB's installation creates. */
const METALLB_GROUP = 'metallb.io';

/** Options of the namespace check (`ResolveOptions.namespaces`). */
export interface NamespaceCheckOptions {
  /**
   * Namespaces created by other means (another tool, a Helm `--create-namespace`, by hand): never
   * reported.
   * @default - none
   */
  readonly external?: readonly string[];
  /**
   * Every namespace the input does not create is assumed to exist outside it: one `info`
   * `AssumedExternal` per namespace instead of the `NamespaceNotCreated` warning (the CLI's
   * `--assume-external`).
   * @default false
   */
  readonly assumeExternal?: boolean;
  /**
   * Objects outside `objects` that live in namespaces too (a construct app's derived objects, e.g.
   * the built-in proxy's Deployment): counted as users of their namespace.
   * @default - none
   */
  readonly alsoUsedBy?: readonly ObjectRef[];
}

/** A namespace that objects use and nothing creates. */
export interface UncreatedNamespace {
  readonly namespace: string;
  /** the objects of the input that use it, sorted by kind, name */
  readonly objects: readonly ObjectRef[];
  /** the `alsoUsedBy` objects that use it, sorted by kind, name */
  readonly alsoUsedBy: readonly ObjectRef[];
}

/**
 * The namespaces `objects` (and `alsoUsedBy`) use that no Namespace of `objects` creates, sorted by
 * name — except the namespaces every cluster has ({@link CLUSTER_NAMESPACES}), the `external` ones,
 * and namespaces where only MetalLB objects live: MetalLB's installation creates its namespace
 * (its manifest with the Pod Security labels the speaker needs; a second, label-less Namespace
 * object would fight over it), and without MetalLB installed those objects cannot be applied
 * anyway.
 *
 * A namespaced object without `metadata.namespace` uses `defaultNamespace`. Cluster-scoped objects
 * (built-in kinds, and kinds the input's CRDs declare `scope: Cluster`) use none.
 */
export function uncreatedNamespaces(
  objects: readonly KubeObject[],
  options: { readonly defaultNamespace?: string; readonly external?: readonly string[]; readonly alsoUsedBy?: readonly ObjectRef[] } = {},
): UncreatedNamespace[] {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const scopes = crdScopes(objects);
  const created = new Set<string>();
  const users = new Map<string, { input: ObjectRef[]; also: ObjectRef[] }>();
  const use = (ref: ObjectRef & { namespace: string }, also = false) => {
    const u = users.get(ref.namespace) ?? { input: [], also: [] };
    (also ? u.also : u.input).push(ref);
    users.set(ref.namespace, u);
  };
  for (const o of objects) {
    if (!o || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') continue;
    const { group } = splitApiVersion(o.apiVersion);
    const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '';
    if (group === '' && o.kind === 'Namespace') {
      if (name) created.add(name);
      continue;
    }
    if (isClusterScoped(group, o.kind, scopes)) continue;
    const ns = typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== '' ? o.metadata.namespace : defaultNamespace;
    use({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns, name });
  }
  for (const r of options.alsoUsedBy ?? []) if (r.namespace) use({ ...r, namespace: r.namespace }, true);
  const skip = new Set([...CLUSTER_NAMESPACES, ...(options.external ?? []), ...created]);
  const out: UncreatedNamespace[] = [];
  for (const [namespace, { input, also }] of users) {
    if (skip.has(namespace)) continue;
    if ([...input, ...also].every((r) => splitApiVersion(r.apiVersion).group === METALLB_GROUP)) continue;
    out.push({ namespace, objects: sortedRefs(input), alsoUsedBy: sortedRefs(also) });
  }
  return out.sort((a, b) => cmp(a.namespace, b.namespace));
}

/** Distinct refs, sorted by kind, name. */
function sortedRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Set<string>();
  return refs
    .filter((r) => {
      const k = `${r.apiVersion}\u0000${r.kind}\u0000${r.name}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => cmpTuple3(a.kind, a.name, a.apiVersion, b.kind, b.name, b.apiVersion));
}

/** How many objects are listed by name in a message; the rest are counted. */
const LISTED = 5;

/** The input objects by name (at most {@link LISTED}), the rest and the `alsoUsedBy` ones counted. */
function listObjects(refs: readonly ObjectRef[], others: number): string {
  const shown = refs.slice(0, LISTED).map(describeRef).join(', ');
  const more = refs.length - Math.min(refs.length, LISTED) + others;
  if (!shown) return 'objects derived from the app (the built-in proxy\'s)';
  return more > 0 ? `${shown} and ${more} more` : shown;
}

function objectCount(n: number): string {
  return n === 1 ? '1 object' : `${n} objects`;
}

/**
 * One `NamespaceNotCreated` warning per namespace {@link uncreatedNamespaces} finds (or, with
 * `assumeExternal`, one `AssumedExternal` info), reported on the first object of the input that
 * uses it (by kind and name), field `metadata.namespace`; the message names up to five objects of
 * the input and counts the rest (`alsoUsedBy` objects are counted, not named).
 */
export function namespaceDiagnostics(objects: readonly KubeObject[], defaultNamespace: string, options: NamespaceCheckOptions): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const u of uncreatedNamespaces(objects, { defaultNamespace, external: options.external, alsoUsedBy: options.alsoUsedBy })) {
    const { namespace } = u;
    // reported on an object of the input when there is one (the objects derived from it are counted)
    const first = u.objects[0] ?? u.alsoUsedBy[0];
    const count = objectCount(u.objects.length + u.alsoUsedBy.length);
    const list = listObjects(u.objects, u.alsoUsedBy.length);
    const users = `${count}: ${list}`;
    if (options.assumeExternal) {
      assumeExternal(diags, first, 'metadata.namespace', `Namespace ${namespace}`, `that it exists before the ${count} using it ${u.objects.length + u.alsoUsedBy.length === 1 ? 'is' : 'are'} applied: ${list}`);
      continue;
    }
    diags.push(
      diagnostic(
        'warning',
        NAMESPACE_NOT_CREATED,
        first,
        'metadata.namespace',
        `namespace "${namespace}" is used by ${users}; no Namespace object of these manifests creates it, so applying these manifests to an empty cluster fails with namespaces "${namespace}" not found`,
        `add a v1 Namespace named "${namespace}" (in a cdk8s app \`new AppNamespaces(chart, 'namespaces')\` emits one for every namespace the app uses); ` +
          `if it is created by other means, declare it external: \`ExternalNamespaces.of(app).add('${namespace}')\` in a cdk8s app, \`--external-namespace ${namespace}\` for \`cdk8s-gateway check\``,
      ),
    );
  }
  return diags;
}
