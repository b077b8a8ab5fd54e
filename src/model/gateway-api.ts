/** Gateway API constants (v1.6.1). */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSION = `${GATEWAY_GROUP}/v1`;
/** ReferenceGrant is served as v1 and v1beta1 (storage); v1 is emitted. */
export const REFERENCE_GRANT_API_VERSION = `${GATEWAY_GROUP}/v1`;
/** The Gateway API release whose CRDs the library validates against. */
export const GATEWAY_API_BUNDLE_VERSION = 'v1.6.1';

/** controllerName of the project's built-in proxy (GatewayClass `spec.controllerName`). */
export const BUILTIN_CONTROLLER_NAME = 'cdk8s-gateway.dev/nginx-proxy';
