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
