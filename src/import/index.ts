/**
 * `cdk8s-gateway import`: ingress-nginx Ingresses → Gateway API (see docs/migration.md).
 */
export * from './model';
export * from './annotations';
export * from './convert';
export * from './defaults';
export * from './output';
export * from './codegen';
