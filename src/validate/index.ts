/**
 * Kubernetes-faithful validation of CRD-backed objects (Gateway API, MetalLB, cert-manager) against
 * the bundled upstream schemas: OpenAPI v3 structural schema, defaults, strict unknown-field
 * checks and `x-kubernetes-validations` CEL rules.
 */
export type { Channel, ValidateOptions, Violation, ViolationType } from './types';
export { hasSchema, validateObject } from './validator';
