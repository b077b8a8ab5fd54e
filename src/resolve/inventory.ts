import { BUILTIN_CONTROLLER_NAME, CERT_MANAGER_ANNOTATIONS, Diagnostic, GATEWAY_API_BUNDLE_VERSION, GATEWAY_GROUP, KubeObject, ObjectRef, splitApiVersion } from '../model';
import { cmpTuple3, Json, key, num, rec, str } from './util';

/** Route kinds the resolver understands. */
export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;
/** One of {@link ROUTE_KINDS}. */
export type RouteKind = (typeof ROUTE_KINDS)[number];

/** Multi-cluster services API group (ServiceImport backends). */
export const MCS_GROUP = 'multicluster.x-k8s.io';

/** cert-manager API group: its Certificates promise kubernetes.io/tls Secrets. */
export const CERT_MANAGER_GROUP = 'cert-manager.io';

/**
 * API versions the v1.6.1 standard-channel CRDs serve, per Gateway API kind.
 */
export const STANDARD_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  GatewayClass: ['v1', 'v1beta1'],
  Gateway: ['v1', 'v1beta1'],
  ListenerSet: ['v1'],
  HTTPRoute: ['v1', 'v1beta1'],
  GRPCRoute: ['v1'],
  TLSRoute: ['v1'],
  TCPRoute: ['v1'],
  UDPRoute: ['v1'],
  ReferenceGrant: ['v1', 'v1beta1'],
  BackendTLSPolicy: ['v1'],
};

/**
 * API versions the v1.6.1 experimental-channel CRDs serve, per Gateway API kind (a superset of
 * {@link STANDARD_VERSIONS}: the older alpha versions of the route kinds and BackendTLSPolicy).
 */
export const EXPERIMENTAL_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  ...STANDARD_VERSIONS,
  TLSRoute: ['v1', 'v1alpha3', 'v1alpha2'],
  TCPRoute: ['v1', 'v1alpha2'],
  UDPRoute: ['v1', 'v1alpha2'],
  BackendTLSPolicy: ['v1', 'v1alpha3'],
};

/**
 * API versions the v1.6.1 CRDs serve in either channel, per Gateway API kind. Objects of these
 * kinds under any other version are reported (`UnsupportedVersion`, error) and ignored; versions
 * only the experimental channel serves are resolved, with an `UnsupportedVersion` warning.
 */
export const SERVED_VERSIONS: Readonly<Record<string, readonly string[]>> = EXPERIMENTAL_VERSIONS;

/** `standard channel: g/v1, g/v1beta1; experimental channel: …` for messages. */
export function servedVersionsText(kind: string): string {
  const fmt = (vs: readonly string[] | undefined) => (vs ?? []).map((v) => `${GATEWAY_GROUP}/${v}`).join(', ') || '(none)';
  const std = STANDARD_VERSIONS[kind];
  const exp = EXPERIMENTAL_VERSIONS[kind];
  return std && exp && std.length === exp.length
    ? `both channels serve ${fmt(std)}`
    : `standard channel serves ${fmt(std)}; experimental channel serves ${fmt(exp)}`;
}

const CORE_KINDS = new Set(['Namespace', 'Service', 'Secret', 'ConfigMap']);
const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace']);

/** One input object with its identity normalised (namespace defaulted, group split out). */
export interface Obj {
  readonly raw: KubeObject;
  readonly ref: ObjectRef;
  readonly group: string;
  readonly kind: string;
  /** `''` for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** `metadata.generation`, or 1 when absent (what the API server sets on create). */
  readonly generation: number;
  readonly spec: Json;
  readonly creationTimestamp?: string;
}

/** The input, indexed by kind. Built once per {@link resolve} call; never mutated afterwards. */
export interface Inventory {
  readonly controllerName: string;
  /** This run handles the Gateways whose GatewayClass is not in the input (`ResolveOptions.handlesGatewaysWithoutClass`). */
  readonly handlesGatewaysWithoutClass: boolean;
  /**
   * References to objects absent from the input are assumed to resolve (see
   * `ResolveOptions.assumeExternal`).
   */
  readonly assumeExternal: boolean;
  readonly defaultNamespace: string;
  readonly gatewayClasses: ReadonlyMap<string, Obj>;
  readonly gateways: ReadonlyMap<string, Obj>;
  readonly listenerSets: ReadonlyMap<string, Obj>;
  /** Every route of a known kind, sorted by kind / namespace / name. */
  readonly routes: readonly Obj[];
  readonly referenceGrants: readonly Obj[];
  readonly backendTLSPolicies: readonly Obj[];
  readonly namespaces: ReadonlyMap<string, Obj>;
  readonly services: ReadonlyMap<string, Obj>;
  readonly serviceImports: ReadonlyMap<string, Obj>;
  /**
   * cert-manager Certificates by the `namespace/spec.secretName` they write: such a Secret will
   * exist (type kubernetes.io/tls) even though it is not in the input.
   */
  readonly issuedSecrets: ReadonlyMap<string, Obj>;
  readonly secrets: ReadonlyMap<string, Obj>;
  readonly configMaps: ReadonlyMap<string, Obj>;
  /** Every object by `group/kind/namespace/name` (for parametersRef look-ups). */
  readonly byGroupKind: ReadonlyMap<string, Obj>;
  /** Findings about the input itself (unsupported versions, duplicates). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Key of {@link Inventory.byGroupKind}. */
export function groupKindKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

/** Wraps one object. */
export function wrap(o: KubeObject, defaultNamespace: string): Obj {
  const { group } = splitApiVersion(o.apiVersion ?? '');
  const meta = rec(o.metadata);
  const clusterScoped = CLUSTER_SCOPED.has(o.kind) && (group === '' || group === GATEWAY_GROUP);
  const namespace = clusterScoped ? '' : str(meta.namespace) ?? defaultNamespace;
  const name = str(meta.name) ?? '';
  const ref: ObjectRef = clusterScoped
    ? { apiVersion: o.apiVersion, kind: o.kind, name }
    : { apiVersion: o.apiVersion, kind: o.kind, namespace, name };
  return {
    raw: o,
    ref,
    group,
    kind: o.kind,
    namespace,
    name,
    generation: num(meta.generation) ?? 1,
    spec: rec((o as Json).spec),
    creationTimestamp: str(meta.creationTimestamp),
  };
}

/**
 * Whether the input is judged as the built-in data plane (its own limits apply) rather than
 * another controller, whose implementation-specific choices (address types, custom protocols,
 * backend and CA reference kinds, extra route kinds per listener) are left to that controller
 * and to its published conformance report (src/resolve/implementations).
 */
export function judgedAsBuiltin(inv: Pick<Inventory, 'controllerName'>): boolean {
  return inv.controllerName === BUILTIN_CONTROLLER_NAME;
}

/** Indexes the input. Later duplicates of the same object replace earlier ones (and are reported). */
export function buildInventory(objects: readonly KubeObject[], controllerName: string, defaultNamespace: string, assumeExternal = false, handlesGatewaysWithoutClass = true): Inventory {
  const diagnostics: Diagnostic[] = [];
  const gatewayClasses = new Map<string, Obj>();
  const gateways = new Map<string, Obj>();
  const listenerSets = new Map<string, Obj>();
  const routes = new Map<string, Obj>();
  const referenceGrants = new Map<string, Obj>();
  const policies = new Map<string, Obj>();
  const namespaces = new Map<string, Obj>();
  const services = new Map<string, Obj>();
  const serviceImports = new Map<string, Obj>();
  const issuedSecrets = new Map<string, Obj>();
  const secrets = new Map<string, Obj>();
  const configMaps = new Map<string, Obj>();
  const byGroupKind = new Map<string, Obj>();

  const put = (m: Map<string, Obj>, k: string, o: Obj) => {
    if (m.has(k)) {
      diagnostics.push({
        severity: 'warning',
        code: 'DuplicateObject',
        message: `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} appears more than once in the input; the last occurrence is used`,
        object: o.ref,
        fix: 'remove the duplicate object (or give it a different metadata.name)',
      });
    }
    m.set(k, o);
  };

  for (const raw of objects) {
    if (!raw || typeof raw !== 'object' || typeof raw.kind !== 'string' || typeof raw.apiVersion !== 'string') continue;
    const o = wrap(raw, defaultNamespace);
    byGroupKind.set(groupKindKey(o.group, o.kind, o.namespace, o.name), o);
    const { version } = splitApiVersion(raw.apiVersion);
    if (o.group === GATEWAY_GROUP && SERVED_VERSIONS[o.kind]) {
      if (!SERVED_VERSIONS[o.kind].includes(version)) {
        diagnostics.push({
          severity: 'error',
          code: 'UnsupportedVersion',
          message: `apiVersion ${raw.apiVersion} of ${o.kind} is not served by the Gateway API ${GATEWAY_API_BUNDLE_VERSION} CRDs (${servedVersionsText(o.kind)}); the API server rejects the object, so it is ignored here`,
          object: o.ref,
          field: 'apiVersion',
          fix: `set apiVersion to ${GATEWAY_GROUP}/${STANDARD_VERSIONS[o.kind][0]} (served by both channels) and adapt the fields that changed since ${version}`,
        });
        continue;
      }
      if (!STANDARD_VERSIONS[o.kind].includes(version)) {
        diagnostics.push({
          severity: 'warning',
          code: 'UnsupportedVersion',
          message: `apiVersion ${raw.apiVersion} of ${o.kind} is served only by the experimental-channel CRDs of Gateway API ${GATEWAY_API_BUNDLE_VERSION} (${servedVersionsText(o.kind)})`,
          object: o.ref,
          field: 'apiVersion',
          fix: `set apiVersion to ${GATEWAY_GROUP}/${STANDARD_VERSIONS[o.kind][0]} (served by both channels), or install the Gateway API experimental-channel CRDs`,
        });
      }
      const k = key(o.namespace, o.name);
      switch (o.kind) {
        case 'GatewayClass':
          put(gatewayClasses, o.name, o);
          break;
        case 'Gateway':
          put(gateways, k, o);
          break;
        case 'ListenerSet':
          put(listenerSets, k, o);
          break;
        case 'ReferenceGrant':
          put(referenceGrants, k, o);
          break;
        case 'BackendTLSPolicy':
          put(policies, k, o);
          break;
        default:
          put(routes, `${o.kind}/${k}`, o);
      }
      continue;
    }
    if (o.group === '' && CORE_KINDS.has(o.kind)) {
      const k = key(o.namespace, o.name);
      if (o.kind === 'Namespace') put(namespaces, o.name, o);
      else if (o.kind === 'Service') put(services, k, o);
      else if (o.kind === 'Secret') put(secrets, k, o);
      else put(configMaps, k, o);
      continue;
    }
    if (o.group === MCS_GROUP && o.kind === 'ServiceImport') put(serviceImports, key(o.namespace, o.name), o);
    if (o.group === CERT_MANAGER_GROUP && o.kind === 'Certificate') {
      const secretName = str(o.spec.secretName);
      if (secretName) issuedSecrets.set(key(o.namespace, secretName), o);
    }
  }

  const sorted = (m: Map<string, Obj>) => [...m.values()].sort((a, b) => cmpTuple3(a.kind, a.namespace, a.name, b.kind, b.namespace, b.name));
  return {
    controllerName,
    handlesGatewaysWithoutClass,
    assumeExternal,
    defaultNamespace,
    gatewayClasses,
    gateways,
    listenerSets,
    routes: sorted(routes),
    referenceGrants: sorted(referenceGrants),
    backendTLSPolicies: sorted(policies),
    namespaces,
    services,
    serviceImports,
    issuedSecrets,
    secrets,
    configMaps,
    byGroupKind,
    diagnostics,
  };
}

/**
 * Who will write Secret `namespace/name` when it is not in the input: a cert-manager Certificate
 * (`spec.secretName`), or cert-manager's gateway-shim for a Gateway annotated with
 * `cert-manager.io/issuer` or `cert-manager.io/cluster-issuer` (it issues one Certificate per
 * listener certificateRef in the Gateway's namespace). Returns a description, or `undefined`.
 */
export function promisedSecret(inv: Inventory, namespace: string, name: string, referrer?: Obj): string | undefined {
  const c = inv.issuedSecrets.get(key(namespace, name));
  if (c) return `cert-manager Certificate ${c.namespace}/${c.name}`;
  const ann = rec(rec(referrer?.raw.metadata).annotations);
  if (referrer?.kind === 'Gateway' && referrer.namespace === namespace && (typeof ann[CERT_MANAGER_ANNOTATIONS.issuer] === 'string' || typeof ann[CERT_MANAGER_ANNOTATIONS.clusterIssuer] === 'string')) {
    return `cert-manager gateway-shim (annotation on Gateway ${referrer.namespace}/${referrer.name})`;
  }
  return undefined;
}

/** Labels of a Namespace object, including the `kubernetes.io/metadata.name` label the API server sets. */
export function namespaceLabels(ns: Obj): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(rec(ns.raw.metadata).labels))) if (typeof v === 'string') labels[k] = v;
  labels['kubernetes.io/metadata.name'] = ns.name;
  return labels;
}
