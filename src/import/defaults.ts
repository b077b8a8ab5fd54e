/** import's defaults, in a module of their own so the CLI can show them without loading the converter. */

/** The Gateway's name without --gateway-name. */
export const DEFAULT_GATEWAY_NAME = 'ingress-nginx';
/** The Gateway's namespace when the Ingresses are in several namespaces (and no --gateway-namespace). */
export const DEFAULT_GATEWAY_NAMESPACE = 'gateway-system';
/** The GatewayClass emitted without --gateway-class. */
export const DEFAULT_GATEWAY_CLASS = 'cdk8s-gateway';
