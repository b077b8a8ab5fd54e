/**
 * `cdk8s-gateway/pulumi`: deploy a cdk8s app with `pulumi up`. The only module of the
 * package that imports `@pulumi/*` (optional peer dependencies).
 */
export * from './gateway-stack';
export * from './prerequisites';
export { PHASES, Phase, PlannedObject, Prerequisite, planObjects, objectKey, GATEWAY_NAME_LABEL, METALLB_POOL_ANNOTATIONS, METALLB_IP_ANNOTATIONS } from './plan';
export { TYPED_KINDS, KubernetesResourceClass } from './kinds';
