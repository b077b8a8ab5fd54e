/**
 * Annotation keys of the components around Gateway API that this library writes and reads: one
 * definition each, for the constructs, the resolver and the Pulumi bindings.
 */

/** MetalLB's Service annotation that pins addresses (comma-separated for dual stack). */
export const METALLB_LOAD_BALANCER_IPS = 'metallb.io/loadBalancerIPs';
/** MetalLB's Service annotation that picks the pool an address comes from. */
export const METALLB_ADDRESS_POOL = 'metallb.io/address-pool';
/** Prefix of MetalLB's deprecated annotation keys (`metallb.universe.tf/loadBalancerIPs`, …). */
export const METALLB_DEPRECATED_PREFIX = 'metallb.universe.tf/';

/** Annotation keys of cert-manager's gateway-shim, on a Gateway. */
export const CERT_MANAGER_ANNOTATIONS = {
  clusterIssuer: 'cert-manager.io/cluster-issuer',
  issuer: 'cert-manager.io/issuer',
  issuerKind: 'cert-manager.io/issuer-kind',
  issuerGroup: 'cert-manager.io/issuer-group',
  duration: 'cert-manager.io/duration',
  renewBefore: 'cert-manager.io/renew-before',
  commonName: 'cert-manager.io/common-name',
  usages: 'cert-manager.io/usages',
  keyAlgorithm: 'cert-manager.io/private-key-algorithm',
  keySize: 'cert-manager.io/private-key-size',
  keyRotation: 'cert-manager.io/private-key-rotation-policy',
  keyEncoding: 'cert-manager.io/private-key-encoding',
  revisionHistoryLimit: 'cert-manager.io/revision-history-limit',
} as const;

/**
 * This library's route annotation listing the backends the app references by name and does not
 * define (`Backend.fromName`, `Backend.fromServiceImport`): synth assumes they exist outside the
 * app, and `check` / `render` of the synthesized YAML do the same for exactly these references.
 * Value: `Kind[.group] namespace/name` entries separated by `, `, sorted, e.g.
 * `Service docs/docserver, ServiceImport.multicluster.x-k8s.io sample/helloworld`.
 */
export const EXTERNAL_BACKENDS_ANNOTATION = 'cdk8s-gateway.dev/external-backends';

/** One entry of {@link EXTERNAL_BACKENDS_ANNOTATION}. */
export interface ExternalBackendEntry {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The annotation value for `entries` (sorted, duplicates removed). */
export function formatExternalBackends(entries: readonly ExternalBackendEntry[]): string {
  const shown = entries.map((e) => `${e.kind}${e.group ? `.${e.group}` : ''} ${e.namespace}/${e.name}`);
  if (shown.length === 1) return shown[0]; // (a route's usual single backend: nothing to sort)
  return [...new Set(shown)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(', ');
}

/** The entries of an {@link EXTERNAL_BACKENDS_ANNOTATION} value; `bad` lists the entries that do not parse. */
export function parseExternalBackends(value: string): { entries: ExternalBackendEntry[]; bad: string[] } {
  const entries: ExternalBackendEntry[] = [];
  const bad: string[] = [];
  for (const part of value.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([A-Z][A-Za-z0-9]{0,62})(?:\.([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?))? ([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)\/([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)$/.exec(p);
    if (m) entries.push({ kind: m[1], group: m[2] ?? '', namespace: m[4], name: m[6] });
    else bad.push(p);
  }
  return { entries, bad };
}
