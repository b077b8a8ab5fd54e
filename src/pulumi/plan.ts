/**
 * The pure half of the Pulumi renderer: from synthesized objects to a deployment plan —
 * one entry per object with its stable key, its apply phase, the objects it must wait
 * for and the cluster prerequisites it needs. No Pulumi import here, so the rules can be
 * read and tested as plain data.
 */
import { CERT_MANAGER_ANNOTATIONS, CLUSTER_SCOPED_KINDS, KubeObject, METALLB_ADDRESS_POOL, METALLB_DEPRECATED_PREFIX, METALLB_LOAD_BALANCER_IPS, splitApiVersion } from '../model';

/** Cluster add-ons the component can install before the app's own objects. */
export type Prerequisite = 'gatewayApiCrds' | 'metallb' | 'certManager';

/**
 * Apply phases, in order. Every object waits for the objects of the nearest earlier
 * phase that has any (and so, transitively, for all earlier phases).
 */
export const PHASES = ['crds', 'namespaces', 'cluster', 'config', 'workloads'] as const;
export type Phase = (typeof PHASES)[number];

/** One object of the plan. */
export interface PlannedObject {
  /** `Kind/namespace/name`, or `Kind/name` for objects without a namespace */
  readonly key: string;
  readonly object: KubeObject;
  readonly group: string;
  readonly phase: Phase;
  /** keys of the objects this one waits for, sorted */
  readonly dependsOn: readonly string[];
  /** prerequisites this object waits for (when they are installed), sorted */
  readonly needs: readonly Prerequisite[];
}

/** Namespaced objects that workloads and gateways read: created before them. */
const CONFIG = new Set([
  '/Secret', '/ConfigMap', '/ServiceAccount', '/PersistentVolumeClaim', '/LimitRange', '/ResourceQuota',
  'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding',
]);

const GATEWAY_API_GROUPS = new Set(['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io']);
const METALLB_GROUP = 'metallb.io';
const CERT_MANAGER_GROUPS = new Set(['cert-manager.io', 'acme.cert-manager.io']);

/** Annotations by which a Service asks MetalLB for a pool or an address (current and legacy spellings). */
export const METALLB_POOL_ANNOTATIONS = [METALLB_ADDRESS_POOL, `${METALLB_DEPRECATED_PREFIX}address-pool`];
export const METALLB_IP_ANNOTATIONS = [METALLB_LOAD_BALANCER_IPS, `${METALLB_DEPRECATED_PREFIX}loadBalancerIPs`];
/** cert-manager's gateway-shim annotations on a Gateway. */
const CERT_MANAGER_SHIM_ANNOTATIONS: Record<string, string> = {
  [CERT_MANAGER_ANNOTATIONS.issuer]: 'Issuer',
  [CERT_MANAGER_ANNOTATIONS.clusterIssuer]: 'ClusterIssuer',
};

/** The key of an object: `Kind/namespace/name`, or `Kind/name` when it has no namespace. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns !== undefined && ns !== '' ? `${obj.kind}/${ns}/${obj.metadata.name}` : `${obj.kind}/${obj.metadata.name}`;
}

function phaseOf(obj: KubeObject, group: string): Phase {
  if (group === 'apiextensions.k8s.io' && obj.kind === 'CustomResourceDefinition') return 'crds';
  if (group === '' && obj.kind === 'Namespace') return 'namespaces';
  // the cluster-scoped kinds the whole library knows (src/model/scope.ts)
  if (CLUSTER_SCOPED_KINDS.has(`${group}/${obj.kind}`)) return 'cluster';
  if (CONFIG.has(`${group}/${obj.kind}`)) return 'config';
  return 'workloads';
}

function annotations(obj: KubeObject): { readonly [key: string]: string } {
  return obj.metadata?.annotations ?? {};
}

function needsOf(obj: KubeObject, group: string): Prerequisite[] {
  const needs = new Set<Prerequisite>();
  if (GATEWAY_API_GROUPS.has(group)) needs.add('gatewayApiCrds');
  if (group === METALLB_GROUP) needs.add('metallb');
  if (CERT_MANAGER_GROUPS.has(group)) needs.add('certManager');
  const a = annotations(obj);
  if (group === '' && obj.kind === 'Service' && [...METALLB_POOL_ANNOTATIONS, ...METALLB_IP_ANNOTATIONS].some((k) => a[k] !== undefined)) needs.add('metallb');
  if (GATEWAY_API_GROUPS.has(group) && obj.kind === 'Gateway' && Object.keys(CERT_MANAGER_SHIM_ANNOTATIONS).some((k) => a[k] !== undefined)) needs.add('certManager');
  return [...needs].sort();
}

/**
 * Orders the objects of an app for `pulumi up`:
 * - phases: CRDs → Namespaces → other cluster-scoped objects → Secrets / ConfigMaps /
 *   ServiceAccounts / RBAC roles → everything else (workloads, Services, Gateway API objects,
 *   MetalLB and cert-manager objects); each object waits for the nearest earlier non-empty phase;
 * - cert-manager: a Certificate waits for the Issuer / ClusterIssuer its `issuerRef` names;
 *   a Gateway with the gateway-shim annotation waits for the issuer it names;
 * - MetalLB: L2 / BGP advertisements wait for the IPAddressPools of their namespace (all of
 *   them, or the ones listed in `ipAddressPools`); a Service annotated `metallb.io/address-pool`
 *   waits for that pool, one annotated `metallb.io/loadBalancerIPs` (or of type LoadBalancer)
 *   for every pool of the app;
 * - ReferenceGrants: an object of a kind and namespace a grant's `from` admits waits for the grant.
 * Throws when two objects share a key.
 */
export function planObjects(objects: readonly KubeObject[]): PlannedObject[] {
  const entries = objects.map((object) => {
    const group = splitApiVersion(object.apiVersion).group;
    return { key: objectKey(object), object, group, phase: phaseOf(object, group) };
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.key)) throw new Error(`cdk8s-gateway/pulumi: two objects are both ${e.key}; every object needs its own kind/namespace/name`);
    seen.add(e.key);
  }
  const byPhase = new Map<Phase, string[]>(PHASES.map((p) => [p, []]));
  for (const e of entries) byPhase.get(e.phase)!.push(e.key);
  const find = (group: string, kind: string, pred: (o: KubeObject) => boolean = () => true) =>
    entries.filter((e) => e.group === group && e.object.kind === kind && pred(e.object)).map((e) => e.key);
  const pools = find(METALLB_GROUP, 'IPAddressPool');
  const grants = entries.filter((e) => GATEWAY_API_GROUPS.has(e.group) && e.object.kind === 'ReferenceGrant');

  return entries.map((e) => {
    const deps = new Set<string>();
    const idx = PHASES.indexOf(e.phase);
    for (let p = idx - 1; p >= 0; p--) {
      const keys = byPhase.get(PHASES[p])!;
      if (keys.length > 0) {
        keys.forEach((k) => deps.add(k));
        break;
      }
    }
    const o = e.object as any;
    const ns: string | undefined = o.metadata?.namespace;
    const a = annotations(e.object);
    // cert-manager: issuers before the certificates (and shim-annotated gateways) that use them
    if (e.group === 'cert-manager.io' && e.object.kind === 'Certificate' && o.spec?.issuerRef?.name) {
      const ref = o.spec.issuerRef;
      const refGroup = ref.group ?? 'cert-manager.io';
      const refKind = ref.kind ?? 'Issuer';
      if (refGroup === 'cert-manager.io') {
        find(refGroup, refKind, (x) => x.metadata.name === ref.name && (refKind === 'ClusterIssuer' || x.metadata.namespace === ns)).forEach((k) => deps.add(k));
      }
    }
    if (GATEWAY_API_GROUPS.has(e.group) && e.object.kind === 'Gateway') {
      for (const [annotation, kind] of Object.entries(CERT_MANAGER_SHIM_ANNOTATIONS)) {
        const name = a[annotation];
        if (name) find('cert-manager.io', kind, (x) => x.metadata.name === name && (kind === 'ClusterIssuer' || x.metadata.namespace === ns)).forEach((k) => deps.add(k));
      }
    }
    // MetalLB: pools before advertisements and before the Services that take addresses from them
    if (e.group === METALLB_GROUP && (e.object.kind === 'L2Advertisement' || e.object.kind === 'BGPAdvertisement')) {
      const listed: string[] | undefined = Array.isArray(o.spec?.ipAddressPools) && o.spec.ipAddressPools.length > 0 ? o.spec.ipAddressPools : undefined;
      find(METALLB_GROUP, 'IPAddressPool', (x) => x.metadata.namespace === ns && (!listed || listed.includes(x.metadata.name ?? ''))).forEach((k) => deps.add(k));
    }
    if (e.group === '' && e.object.kind === 'Service') {
      const poolName = METALLB_POOL_ANNOTATIONS.map((k) => a[k]).find((v) => v !== undefined);
      if (poolName !== undefined) {
        find(METALLB_GROUP, 'IPAddressPool', (x) => x.metadata.name === poolName).forEach((k) => deps.add(k));
      } else if (METALLB_IP_ANNOTATIONS.some((k) => a[k] !== undefined) || o.spec?.type === 'LoadBalancer') {
        pools.forEach((k) => deps.add(k));
      }
    }
    // ReferenceGrants before the objects they admit
    for (const g of grants) {
      const from: any[] = Array.isArray((g.object as any).spec?.from) ? (g.object as any).spec.from : [];
      if (from.some((f) => (f.group ?? '') === e.group && f.kind === e.object.kind && f.namespace === (ns ?? 'default'))) deps.add(g.key);
    }
    deps.delete(e.key);
    return { ...e, dependsOn: [...deps].sort(), needs: needsOf(e.object, e.group) };
  });
}

/** The `controllerName` of the GatewayClass (in the app) a Gateway names, if any. */
export function controllerOf(gateway: KubeObject, objects: readonly KubeObject[]): string | undefined {
  const className = (gateway as any).spec?.gatewayClassName;
  const cls = objects.find((o) => o.kind === 'GatewayClass' && GATEWAY_API_GROUPS.has(splitApiVersion(o.apiVersion).group) && o.metadata.name === className);
  return (cls as any)?.spec?.controllerName;
}

/** Label the proxy Service of a Gateway carries (the Gateway API convention for generated resources). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The keys of the Services that front a Gateway: same namespace, labelled with its name. */
export function proxyServicesOf(gateway: KubeObject, objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'Service' && o.apiVersion === 'v1' && o.metadata.namespace === gateway.metadata.namespace && o.metadata.labels?.[GATEWAY_NAME_LABEL] === gateway.metadata.name)
    .map(objectKey)
    .sort();
}
