export * from './model';
export * from './constructs';
export { controllersOf, resolve, resolveControllers } from './resolve';
export type {
  ResolveOptions,
  ResolveResult,
  ControllersResult,
  ObjectStatus,
  Condition,
  ConditionStatus,
  ResolvedModel,
  ResolvedGateway,
  ResolvedListener,
  RouteAttachment,
  ResolvedRoute,
  ResolvedParent,
  ResolvedRule,
  ResolvedBackend,
  ResolvedBackendTLS,
  NamespacedName,
} from './resolve';
export { hasSchema, validateObject } from './validate';
export type { Channel, ValidateOptions, Violation, ViolationType } from './validate';
export { compileNginx, renderNginx } from './render/nginx';
export type { NginxRenderOptions, RenderedGateway } from './render/nginx';
export { buildDataplane } from './ir';
export type { DataplaneIR } from './ir';
