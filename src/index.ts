export * from './model';
export * from './constructs';
// cert-manager's HTTP-01 challenges through the built-in proxy (see docs/dataplane.md)
export { acmeHttp01Challenges, acmeServiceName, adler32, ACME_CHALLENGE_PREFIX, ACME_SOLVER_PORT } from './resolve';
export type { AcmeHttp01Challenge } from './resolve';
export { controllersOf, resolve, resolveControllers, uncreatedNamespaces, NAMESPACE_NOT_CREATED } from './resolve';
export type {
  ResolveOptions,
  ResolveResult,
  ControllersResult,
  NamespaceCheckOptions,
  UncreatedNamespace,
  ObjectStatus,
  Condition,
  ConditionStatus,
  ResolvedModel,
  ResolvedGateway,
  ResolvedListener,
  RouteAttachment,
  RouteProxyOptions,
  ResolvedRoute,
  ResolvedParent,
  ResolvedRule,
  ResolvedBackend,
  ResolvedBackendTLS,
  NamespacedName,
  ResolvedMatch,
  ResolvedHttpMatch,
  ResolvedGrpcMatch,
  ResolvedValueMatch,
  ResolvedFilter,
  HeaderModifierFilter,
  PathModifierFilter,
  RequestMirrorFilter,
} from './resolve';
// implementation profiles: what each implementation's published conformance report claims (docs/cli.md)
export { IMPLEMENTATION_REPORTS, CONTROLLER_IMPLEMENTATIONS, featureUses, implementationFindings, implementationNames, reportFor, reportForController } from './resolve';
export type { ImplementationReport, ImplementationFindings, ReportProfile, FeatureUse } from './resolve';
export { hasSchema, validateObject } from './validate';
export type { Channel, ValidateOptions, Violation, ViolationType } from './validate';
export { compileNginx, renderNginx } from './render/nginx';
export type { NginxRenderOptions, RenderedGateway } from './render/nginx';
export { buildDataplane } from './ir';
export type { DataplaneIR } from './ir';
