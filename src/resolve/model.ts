/**
 * The resolved model: plain, sorted data describing what the data plane must serve. It is the
 * contract between the resolver and the data-plane compiler (and `explain`): every attachment,
 * hostname intersection, reference and grant decision is already made here, so consumers never
 * re-interpret Gateway API semantics.
 *
 * Ordering: gateways by namespace/name; listeners in merge precedence (the Gateway's own in spec
 * order, then each attached ListenerSet's, ListenerSets ordered oldest first, then by
 * namespace/name); routes by kind/namespace/name; rules and backends in spec order.
 */
import type { ProxyOptions } from '../model/proxy-options';
import type { ResolvedFilter, ResolvedMatch } from './matches';

/** A reference to a namespaced object of a kind implied by the field. */
export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

/** The whole resolved input. */
export interface ResolvedModel {
  /** Gateways handled by the controller (see `ResolveOptions.controllerName`), sorted by namespace/name. */
  readonly gateways: ResolvedGateway[];
  /** Every route with at least one parent handled by the controller, sorted by kind/namespace/name. */
  readonly routes: ResolvedRoute[];
}

/** One Gateway and everything attached to it. */
export interface ResolvedGateway {
  readonly namespace: string;
  readonly name: string;
  readonly gatewayClassName: string;
  /** controllerName the status is written for. */
  readonly controllerName: string;
  /** Gateway `Accepted` condition is True. */
  readonly accepted: boolean;
  /**
   * Gateway `Programmed` condition is True. Offline, an accepted Gateway is assumed programmed
   * (addresses are not known until the data plane runs).
   */
  readonly programmed: boolean;
  /** `spec.addresses` as written (type defaulted to IPAddress). */
  readonly addresses: { readonly type: string; readonly value?: string }[];
  /**
   * Effective listeners: the Gateway's own (spec order) followed by those of attached ListenerSets
   * in merge precedence. Listeners that are not programmed are kept (with `programmed: false`) so
   * tools can explain them; the data plane skips them.
   */
  readonly listeners: ResolvedListener[];
  /** ListenerSets attached to the Gateway (Accepted), in merge precedence. */
  readonly listenerSets: NamespacedName[];
  /** `spec.tls.backend.clientCertificateRef` when it resolves: the client certificate for upstream TLS. */
  readonly backendClientCertificate?: NamespacedName;
}

/** One effective listener. */
export interface ResolvedListener {
  /**
   * Unique within the Gateway: the listener name for the Gateway's own listeners,
   * `<namespace>/<listenerset>/<name>` for listeners merged from a ListenerSet.
   */
  readonly id: string;
  /** `spec.listeners[].name` in the declaring object. */
  readonly name: string;
  /** The object that declares the listener. */
  readonly source: { readonly kind: 'Gateway' | 'ListenerSet'; readonly namespace: string; readonly name: string };
  readonly port: number;
  /** `HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP` (or an unsupported value as written). */
  readonly protocol: string;
  /** Listener hostname; absent = any. */
  readonly hostname?: string;
  /** For HTTPS and TLS listeners. */
  readonly tlsMode?: 'Terminate' | 'Passthrough';
  /** Resolved server certificate Secrets (kubernetes.io/tls), in spec order; only valid ones. */
  readonly certificates: NamespacedName[];
  /** Client certificate validation (Gateway `spec.tls.frontend`) that applies to this listener. */
  readonly clientValidation?: { readonly mode: string; readonly caCertificates: NamespacedName[] };
  /** Listener `Accepted` condition is True. */
  readonly accepted: boolean;
  /** Listener `Conflicted` condition is True. */
  readonly conflicted: boolean;
  /** Listener `Programmed` condition is True: the data plane must serve it. */
  readonly programmed: boolean;
  /** The reason of the first failing condition, when not programmed. */
  readonly reason?: string;
  /** Route kinds (Gateway API group) that may attach. */
  readonly supportedKinds: string[];
  /** Routes attached to the listener (Accepted through it), sorted by kind/namespace/name. */
  readonly routes: RouteAttachment[];
}

/** A route attached to one listener. */
export interface RouteAttachment {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** `metadata.creationTimestamp` when present (route precedence: oldest first, then namespace/name). */
  readonly creationTimestamp?: string;
  /**
   * Effective hostnames on this listener: the intersection of the listener hostname with the route's
   * `spec.hostnames` (the more specific of each matching pair), sorted. Empty = every hostname.
   */
  readonly hostnames: string[];
  /** The route's rules (same objects as in {@link ResolvedRoute.rules}). */
  readonly rules: ResolvedRule[];
  /** The route's proxy options (annotations, see {@link RouteProxyOptions}), when any is set. */
  readonly proxyOptions?: RouteProxyOptions;
}

/**
 * The options of a route that Gateway API has no field for (`cdk8s-gateway.dev/…` annotations:
 * body size, body buffer, source ranges), parsed. `invalid`: some value does not parse (an error
 * diagnostic); the data plane answers the route's requests 500 rather than serve it without it.
 */
export interface RouteProxyOptions extends ProxyOptions {
  readonly invalid?: boolean;
}

/** One route of the input with its per-parent outcome. */
export interface ResolvedRoute {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly creationTimestamp?: string;
  /** `spec.hostnames` as written. */
  readonly hostnames: string[];
  /** Route `ResolvedRefs` condition is True (every backend reference resolves). */
  readonly resolvedRefs: boolean;
  /** One entry per distinct parentRef handled by the controller, in spec order. */
  readonly parents: ResolvedParent[];
  readonly rules: ResolvedRule[];
  /** See {@link RouteAttachment.proxyOptions}. */
  readonly proxyOptions?: RouteProxyOptions;
}

/** The outcome of one parentRef. */
export interface ResolvedParent {
  /** Index in `spec.parentRefs`. */
  readonly index: number;
  readonly parentRef: { readonly group: string; readonly kind: string; readonly namespace: string; readonly name: string; readonly sectionName?: string; readonly port?: number };
  readonly accepted: boolean;
  /** `Accepted` condition reason. */
  readonly reason: string;
  /** Ids of the listeners (see {@link ResolvedListener.id}) of the parent's Gateway the route attached to. */
  readonly listeners: string[];
}

/** One rule of a route. */
export interface ResolvedRule {
  /** Index in `spec.rules`. */
  readonly index: number;
  /** `spec.rules[].name`, when set. */
  readonly name?: string;
  /**
   * Matches with the CRD defaults applied (HTTPRoute: no matches = `[{path: {type: PathPrefix,
   * value: "/"}}]`; path type PathPrefix; header / query-param / GRPC method type Exact). Empty for
   * kinds without matches (TLS/TCP/UDP) and for GRPCRoute rules that match everything.
   * `ResolvedHttpMatch` for HTTPRoute, `ResolvedGrpcMatch` for GRPCRoute.
   */
  readonly matches: ResolvedMatch[];
  /** Rule filters as written. */
  readonly filters: ResolvedFilter[];
  /** Backends in spec order, invalid ones included (`valid: false`: the data plane answers 500 for their share). */
  readonly backends: ResolvedBackend[];
  /** Resolved `RequestMirror` filter targets, in filter order. */
  readonly mirrors: ResolvedBackend[];
  /** Other rule fields as written (`timeouts`, `retry`, `sessionPersistence`, …). */
  readonly extra: Record<string, unknown>;
  /**
   * False when the rule cannot be implemented (incompatible filters): the data plane drops it. A route whose rules are all invalid is not Accepted; some invalid rules set the
   * route's `PartiallyInvalid` condition.
   */
  readonly valid: boolean;
  /** `IncompatibleFilters` when invalid. */
  readonly reason?: string;
  /**
   * When set, requests matching the rule must be answered with this HTTP status instead of being
   * routed (an `ExtensionRef` filter that does not resolve must not be skipped: 500).
   */
  readonly errorStatus?: number;
}

/** One backend reference, resolved. */
export interface ResolvedBackend {
  /** Where it is written, e.g. `spec.rules[0].backendRefs[1]`. */
  readonly field: string;
  /** `''` for core Services. */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Service port (as referenced). */
  readonly port?: number;
  /** Weight (default 1; 0 = receives nothing). */
  readonly weight: number;
  /** Whether the reference resolves (kind supported, permitted, Service and port exist). */
  readonly valid: boolean;
  /** Route `ResolvedRefs` reason when invalid (`InvalidKind`, `RefNotPermitted`, `BackendNotFound`). */
  readonly reason?: string;
  /** Human explanation when invalid. */
  readonly message?: string;
  /** `appProtocol` of the Service port, when set (e.g. `kubernetes.io/h2c`, `kubernetes.io/ws`). */
  readonly appProtocol?: string;
  /** backendRef-level filters as written (HTTPRoute / GRPCRoute). */
  readonly filters: ResolvedFilter[];
  /** Upstream TLS from an accepted BackendTLSPolicy targeting the Service (and port). */
  readonly tls?: ResolvedBackendTLS;
}

/** Upstream TLS settings from a BackendTLSPolicy. */
export interface ResolvedBackendTLS {
  /** The policy (namespace/name). */
  readonly policy: NamespacedName;
  /**
   * False when the policy is not accepted (no valid CA, unsupported well-known CA set): the data
   * plane must answer 5xx for this backend rather than connect without verification.
   */
  readonly valid: boolean;
  /** SNI and the name the server certificate must carry. */
  readonly hostname: string;
  /** CA bundles (ConfigMaps with `ca.crt`), when not using well-known CAs. */
  readonly caCertificates: NamespacedName[];
  /** `System` when the system trust store is used. */
  readonly wellKnownCACertificates?: string;
  /** `subjectAltNames` as written. */
  readonly subjectAltNames: Record<string, unknown>[];
}
