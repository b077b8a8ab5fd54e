/**
 * The offline resolver: a pure function from plain Gateway API objects to the status a conformant
 * controller would set, diagnostics naming the fix, and the resolved model for the data plane.
 */
export { resolve } from './resolve';
export type { ResolveOptions, ResolveResult, ObjectStatus, Condition, ConditionStatus } from './types';
export type {
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
} from './model';
export { intersectHostname, effectiveHostnames } from './util';
