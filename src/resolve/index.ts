/**
 * The offline resolver: a pure function from plain Gateway API objects to
 *
 * - the status a conformant Gateway API v1.6.1 controller would write (GatewayClass, Gateway with
 *   listeners, ListenerSet, every route kind's `parents`, BackendTLSPolicy `ancestors`);
 * - diagnostics for every condition that is not "all good", each naming the field, the bad value,
 *   what exists instead, and the fix — and for what the API server would reject or what silently
 *   does not do what it says (schema / CEL violations, removed v1alpha1 shapes, shadowed rules,
 *   rewrites that drop the path);
 * - the {@link ResolvedModel} the data-plane compiler and `explain` consume.
 *
 * It is the single source of truth: the constructs (at `app.synth()`), the CLI and the data-plane
 * compiler all call it.
 *
 * Stages (each a pure function of the previous one's output, see the files of this folder):
 * `inventory` (index and normalise the input, served versions) → `gateways` (GatewayClasses,
 * Gateways, listeners, ListenerSets, conflicts, certificates) → `backend-tls` (BackendTLSPolicies) →
 * `routes` (parentRefs, attachment, hostnames, backends, grants) → `resolve` (status + model).
 * Diagnostics-only stages, on the input and the model: `rewrites` (`PathDropped`), `shadowing`
 * (`ShadowedRule`), `removed` (`RemovedField` / `RemovedValue` / `RemovedKind` / `RemovedGroup`),
 * `namespaces` (`NamespaceNotCreated`; option `namespaces`) and
 * `schema` (`SchemaViolation`, `UnknownField`, `CelRuleViolation`, `NotServed`, `UnknownKind`,
 * `ExperimentalField`; option `schemaValidation`). They never change status.
 *
 * Offline assumptions: objects missing from the input do not exist (diagnostics about them are
 * warnings when the input holds no object of that kind at all, since the input is then likely
 * partial) — unless `assumeExternal` is set (construct apps), in which case they are assumed to exist
 * and be valid (`AssumedExternal` infos); an accepted Gateway / listener is assumed `Programmed`
 * (nothing binds ports offline) and `status.addresses` is not reported.
 *
 * @packageDocumentation
 */
export { resolve } from './resolve';
export { controllersOf, resolveControllers } from './controllers';
export { NAMESPACE_NOT_CREATED, CLUSTER_NAMESPACES, uncreatedNamespaces } from './namespaces';
export type { NamespaceCheckOptions, UncreatedNamespace } from './namespaces';
export type { ControllersResult } from './controllers';
export type { ResolveOptions, ResolveResult, ObjectStatus, Condition, ConditionStatus } from './types';
export type {
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
} from './model';
export type {
  ResolvedMatch,
  ResolvedHttpMatch,
  ResolvedGrpcMatch,
  ResolvedValueMatch,
  ResolvedFilter,
  HeaderModifierFilter,
  PathModifierFilter,
  RequestMirrorFilter,
} from './matches';
export {
  compareMatchPrecedence,
  compareRoutes,
  distinctNames,
  grpcSpecificity,
  httpSpecificity,
  matchSpecificity,
  mirrorPercent,
  normalizePrefix,
  orderEntries,
  PATH_TYPE_RANK,
  rankedPath,
  splitPercentages,
  compareKeys,
} from './precedence';
export type { Rankable, RankedRoute } from './precedence';
export { SERVED_VERSIONS, STANDARD_VERSIONS, EXPERIMENTAL_VERSIONS, ROUTE_KINDS } from './inventory';
export type { RouteKind } from './inventory';
export { SUPPORTED_PROTOCOLS, routeKindsFor } from './listeners';
export { KNOWN_FILTERS } from './routes';
export { intersectHostname, effectiveHostnames } from './util';
export {
  ACME_CHALLENGE_PREFIX,
  ACME_SOLVER_PORT,
  ACME_DERIVED_LABEL,
  acmeHttp01Challenges,
  acmeSolverService,
  acmeChallengeRoute,
  acmeServiceName,
  adler32,
  challengeUsesGateway,
  withAcmeChallenges,
  acmeChallengeDiagnostics,
  ACME_CHALLENGE_NOT_SERVED,
  resolveWithAcmeChallenges,
} from './acme';
export type { AcmeHttp01Challenge, ResolvedWithAcme } from './acme';
export {
  IMPLEMENTATION_REPORTS,
  CONTROLLER_IMPLEMENTATIONS,
  implementationFindings,
  implementationName,
  implementationNames,
  reportFor,
  reportForController,
  reportLabel,
  featureUses,
} from './implementations';
export type { ImplementationReport, ImplementationFindings, ReportProfile, FeatureUse } from './implementations';
