import type { GatewayAddress } from './gateway-address';

/** Options of {@link ILoadBalancerAddress.serviceAnnotations}. */
export interface ServiceAnnotationOptions {
  /**
   * The Service already requests the IP through `spec.loadBalancerIP` (Istio copies
   * `spec.addresses[0]` of a Gateway there). MetalLB refuses a Service that has both that
   * field and the `metallb.io/loadBalancerIPs` annotation, so the annotations then leave
   * the IP out (they may still name the pool).
   * @default false
   */
  readonly loadBalancerIpField?: boolean;
}

/**
 * An address request for the LoadBalancer Service in front of a gateway, e.g. from a
 * MetalLB pool (`pool.address('192.168.1.240')`, `pool.anyAddress()`).
 *
 * Consumers:
 * - a `Gateway` served by a controller (`loadBalancerAddress` prop): `spec.addresses`
 *   gets `gatewayAddress`, `spec.infrastructure.annotations` gets `serviceAnnotations()`,
 *   which the controller copies to the Service it creates (see {@link AddressPropagation});
 * - the built-in proxy's Service (`GatewayProxy`): its `metadata.annotations` get
 *   `serviceAnnotations()`; it never sets the deprecated `spec.loadBalancerIP`.
 */
export interface ILoadBalancerAddress {
  /**
   * The `spec.addresses[]` entry of a Gateway pinned to this address.
   * @default - none: any address of the pool
   */
  readonly gatewayAddress?: GatewayAddress;
  /** The annotations that request this address on a `type: LoadBalancer` Service. */
  serviceAnnotations(options?: ServiceAnnotationOptions): { [key: string]: string };
}

/** How a Gateway served by a controller passes its {@link ILoadBalancerAddress} on. */
export enum AddressPropagation {
  /**
   * `spec.addresses` (the portable request, shown by `kubectl get gateway` and checked by
   * the resolver) and the annotations in `spec.infrastructure.annotations` (copied to the
   * Service by controllers that support infrastructure, and by the built-in proxy).
   */
  ADDRESSES_AND_ANNOTATIONS = 'AddressesAndAnnotations',
  /**
   * `spec.addresses`, plus only the annotations that do not repeat the IP: for controllers
   * that copy `spec.addresses[0]` into the Service's `spec.loadBalancerIP` (Istio), where
   * `metallb.io/loadBalancerIPs` next to it makes MetalLB refuse the Service.
   */
  ADDRESSES = 'Addresses',
  /** Only the annotations: for controllers that reject or ignore `spec.addresses`. */
  ANNOTATIONS = 'Annotations',
}
