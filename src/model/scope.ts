/**
 * Which kinds are cluster-scoped: their objects have no namespace (a `metadata.namespace` on them
 * is ignored by the API server).
 */

/**
 * Cluster-scoped kinds, as `group/Kind` (`/Kind` for the core group): the built-in ones a manifest
 * commonly holds, plus those of the CRDs the library knows (GatewayClass, XMesh, ClusterIssuer).
 * Kinds not listed are taken as namespaced unless a CustomResourceDefinition of the input says
 * otherwise (see {@link crdScopes}).
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace', '/Node', '/PersistentVolume',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'gateway.networking.k8s.io/GatewayClass',
  'gateway.networking.x-k8s.io/XMesh',
  'cert-manager.io/ClusterIssuer',
]);

/**
 * The scope of every kind a CustomResourceDefinition of `objects` defines, as `group/Kind` →
 * `true` when cluster-scoped.
 */
export function crdScopes(objects: ReadonlyArray<{ readonly apiVersion?: unknown; readonly kind?: unknown; readonly [key: string]: unknown }>): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const o of objects) {
    if (o?.kind !== 'CustomResourceDefinition' || typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = o.spec as { group?: unknown; scope?: unknown; names?: { kind?: unknown } } | undefined;
    if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string') continue;
    out.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Cluster');
  }
  return out;
}

/** Whether objects of `group`/`kind` are cluster-scoped (`crds`: scopes from the input's CRDs). */
export function isClusterScoped(group: string, kind: string, crds?: ReadonlyMap<string, boolean>): boolean {
  const k = `${group}/${kind}`;
  return crds?.get(k) ?? CLUSTER_SCOPED_KINDS.has(k);
}
