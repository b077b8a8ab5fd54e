/**
 * The dataplane IR: what a proxy must do, decided once from the {@link ResolvedModel}, as plain,
 * sorted, JSON-serialisable data. Renderers (nginx today) only translate it; they never
 * re-interpret Gateway API semantics (hostname ownership, precedence, weights are all decided
 * here). Comparable to Envoy Gateway's `internal/ir`.
 *
 * Ordering (so unchanged input gives byte-identical output): gateways by namespace/name; ports
 * ascending; servers by hostname (the default server last); locations exact → prefix → regex, each
 * sorted (regex in evaluation order); candidates in Gateway API precedence; actions by id;
 * upstreams by name.
 */
import { Diagnostic } from '../model';
import { NamespacedName } from '../resolve/model';

/** The whole data plane: one entry per Gateway handled by the controller. */
export interface DataplaneIR {
  readonly gateways: GatewayIR[];
  /**
   * What rendering needs from the input objects besides the model: apiVersions (diagnostics name
   * objects as written) and the referenced certificate / CA material. Set by `buildDataplane`
   * (and by `renderNginx` from its `objects`); absent in IRs built by hand.
   */
  readonly inputs?: DataplaneInputsIR;
}

/** The input data the renderer reads, keyed as noted (see {@link DataplaneIR.inputs}). */
export interface DataplaneInputsIR {
  /** `Kind/namespace/name` → apiVersion of every input object. */
  readonly apiVersions: Readonly<Record<string, string>>;
  /**
   * The Secrets (`namespace/name`) the IR references (server certificates, TLS listeners, the
   * Gateway's client certificate) that the input holds: `tls.crt` / `tls.key` decoded, when set.
   */
  readonly secrets: Readonly<Record<string, SecretMaterialIR>>;
  /** The CA ConfigMaps (`namespace/name`) the IR references whose `ca.crt` the input holds: that `ca.crt`. */
  readonly caBundles: Readonly<Record<string, string>>;
}

/** The keys of a `kubernetes.io/tls` Secret, decoded. */
export interface SecretMaterialIR {
  readonly tlsCrt?: string;
  readonly tlsKey?: string;
}

/** Everything one Gateway's proxy serves. */
export interface GatewayIR {
  readonly namespace: string;
  readonly name: string;
  /** HTTP and HTTPS ports (HTTP/1.1, HTTP/2 over TLS, gRPC). */
  readonly httpPorts: HttpPortIR[];
  /** TLS (passthrough / terminate), TCP and UDP ports. */
  readonly streamPorts: StreamPortIR[];
  /** Every backend Service port referenced by something that is served, sorted by name. */
  readonly upstreams: UpstreamIR[];
  /** Client certificate for upstream TLS (Gateway `spec.tls.backend.clientCertificateRef`). */
  readonly backendClientCertificate?: NamespacedName;
  /** What the data plane cannot honour (code `UnsupportedByDataplane`), sorted. */
  readonly diagnostics: Diagnostic[];
}

/** One backend Service port; the unit of `upstream {}` blocks. */
export interface UpstreamIR {
  /** Sanitised, collision-free name (`[a-z0-9_]`), derived from namespace/service/port. */
  readonly name: string;
  /** `<namespace>/<service>:<port>`: the key of the renderers' `backends` override map. */
  readonly key: string;
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  /** `Service` (cluster DNS `svc.ns.svc.<domain>`) or `ServiceImport` (`svc.ns.svc.clusterset.local`). */
  readonly kind: 'Service' | 'ServiceImport';
}

/** A listener as seen by the data plane. */
export interface ListenerRefIR {
  /** {@link ResolvedListener.id}. */
  readonly id: string;
  readonly hostname?: string;
  readonly protocol: string;
}

/** One HTTP or HTTPS port. */
export interface HttpPortIR {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** Programmed listeners of the port (HTTP or HTTPS), in listener precedence. */
  readonly listeners: ListenerRefIR[];
  /**
   * Named servers (sorted by hostname) followed by exactly one default server (`hostname`
   * undefined): the one nginx uses when no name matches the Host (or SNI).
   */
  readonly servers: HttpServerIR[];
  /**
   * HTTPS only: which listener owns each SNI, for the 421 (Misdirected Request) check. Present
   * when the port has more than one HTTPS listener. `hostname` may be a wildcard.
   */
  readonly sniOwners?: { readonly hostname: string; readonly listener: string }[];
  /** HTTPS only: the listener owning an SNI that matches no hostname (the hostname-less listener). */
  readonly sniDefaultOwner?: string;
  /**
   * HTTPS only: a TLS listener (passthrough or terminate) shares the port, so the stream server
   * in front hands terminated HTTPS traffic to the HTTP servers (unix socket + PROXY protocol).
   */
  readonly behindStream?: boolean;
}

/** TLS settings of one HTTPS server (those of its owner listener). */
export interface ServerTlsIR {
  /** kubernetes.io/tls Secrets, in spec order (nginx serves the first of each key type). */
  readonly certificates: NamespacedName[];
  /** Frontend client certificate validation. */
  readonly clientValidation?: { readonly mode: string; readonly caCertificates: NamespacedName[] };
}

/** One virtual server (nginx `server {}`). */
export interface HttpServerIR {
  /** Lower-case hostname, possibly `*.wildcard`; undefined for the default server. */
  readonly hostname?: string;
  /** The listener owning requests for this hostname (listener isolation); undefined: none (404 / reject). */
  readonly listener?: string;
  /** HTTPS servers: certificates and client validation of the owner listener. */
  readonly tls?: ServerTlsIR;
  /** Locations in evaluation order; always includes a catch-all `prefix /`. */
  readonly locations: LocationIR[];
  /** Every action referenced by a location, sorted by id. */
  readonly actions: ActionIR[];
}

/** A request condition decided inside a location (everything the location tree cannot decide). */
export type ConditionIR =
  | { readonly kind: 'method'; readonly value: string }
  | { readonly kind: 'header'; readonly name: string; readonly type: 'Exact' | 'RegularExpression'; readonly value: string }
  | { readonly kind: 'query'; readonly name: string; readonly type: 'Exact' | 'RegularExpression'; readonly value: string }
  /** The (normalised) path is the prefix or lies under it (element-wise). */
  | { readonly kind: 'pathPrefix'; readonly value: string }
  /** The (normalised) path fully matches the regular expression. */
  | { readonly kind: 'pathRegex'; readonly value: string };

/** One match of one rule that may answer requests reaching a location. */
export interface CandidateIR {
  /** {@link ActionIR.id}. */
  readonly action: string;
  /** All must hold (empty: always). */
  readonly conditions: ConditionIR[];
}

/**
 * One nginx location. `exact` = `location = path`; `prefix` = `location path` (path ends with `/`);
 * `regex` = `location ~ ^(?:path)$` (path is the Gateway API regular expression).
 */
export interface LocationIR {
  readonly kind: 'exact' | 'prefix' | 'regex';
  readonly path: string;
  /**
   * Matches that can answer a request reaching this location, in Gateway API precedence: the
   * first whose conditions hold wins; none → 404. Ends at the first unconditional candidate.
   */
  readonly candidates: CandidateIR[];
}

/** Request / response header modifications (Gateway API HTTPHeaderFilter). */
export interface HeaderModifierIR {
  /** Replace (or create) these headers. Names as written; first entry per name (case-insensitive) wins. */
  readonly set: { readonly name: string; readonly value: string }[];
  /** Append a value (comma-joined onto an existing header). */
  readonly add: { readonly name: string; readonly value: string }[];
  /** Remove these headers. */
  readonly remove: string[];
}

/** Gateway API path modifier. */
export interface PathModifierIR {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

/** RequestRedirect, with defaults resolved. */
export interface RedirectIR {
  /** Target scheme; undefined: the request's (the listener's protocol). */
  readonly scheme?: string;
  /** Target hostname; undefined: the request's Host (without port). */
  readonly hostname?: string;
  /**
   * Target port, already defaulted per spec (scheme given → its well-known port; nothing given →
   * the listener's declared port). Undefined when it is the well-known port of the final scheme
   * (omitted from `Location`).
   */
  readonly port?: number;
  readonly path?: PathModifierIR;
  readonly statusCode: number;
}

/** Upstream TLS (BackendTLSPolicy). */
export interface BackendTlsIR {
  readonly policy: NamespacedName;
  /** False: the policy is invalid; requests to this backend are answered 500 (never connect unverified). */
  readonly valid: boolean;
  readonly hostname: string;
  readonly caCertificates: NamespacedName[];
  readonly system: boolean;
  /** Extra names the server certificate may carry (subjectAltNames, hostname type only). */
  readonly subjectAltNames: string[];
}

/** One weighted backend of an action. */
export interface BackendIR {
  /** `spec.rules[i].backendRefs[j]`. */
  readonly field: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly weight: number;
  /**
   * Share of the requests in percent, floored to 2 decimals; the last backend with a non-zero
   * weight takes the remainder. 0 for weight 0.
   */
  readonly percent: number;
  /** {@link UpstreamIR.name}; undefined when the backend is invalid (its share is answered 500). */
  readonly upstream?: string;
  readonly reason?: string;
  /** `http` (HTTP/1.1), `h2c` (cleartext HTTP/2), `ws` (WebSocket), `grpc` (GRPCRoute, HTTP/2). */
  readonly protocol: 'http' | 'h2c' | 'ws' | 'grpc';
  readonly tls?: BackendTlsIR;
  /** backendRef-level header filters (merged over the rule's by the renderer). */
  readonly requestHeaders?: HeaderModifierIR;
  readonly responseHeaders?: HeaderModifierIR;
}

/** A RequestMirror target. */
export interface MirrorIR {
  /** Undefined when the mirror backend does not resolve (nothing is mirrored). */
  readonly upstream?: string;
  /** 0 < percent ≤ 100 of requests mirrored. */
  readonly percent: number;
  readonly protocol: 'http' | 'h2c' | 'ws' | 'grpc';
  readonly tls?: BackendTlsIR;
}

/** CORS filter (Gateway API HTTPCORSFilter). */
export interface CorsIR {
  readonly allowOrigins: string[];
  readonly allowCredentials: boolean;
  readonly allowMethods: string[];
  readonly allowHeaders: string[];
  readonly exposeHeaders: string[];
  readonly maxAge: number;
}

/** What to do with a request matched by one match of one rule. */
export interface ActionIR {
  /** Stable id, unique within the server: `<kind>/<ns>/<name>/<rule>/<match>`-derived. */
  readonly id: string;
  /** Route and position the action comes from. */
  readonly source: { readonly kind: string; readonly namespace: string; readonly name: string; readonly rule: number; readonly match: number; readonly ruleName?: string };
  /** The path match the action was reached by (for ReplacePrefixMatch). */
  readonly pathMatch: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
  /** Answer with this status, nothing else (errorStatus, no / only invalid backends). */
  readonly returnStatus?: number;
  readonly redirect?: RedirectIR;
  readonly rewrite?: { readonly hostname?: string; readonly path?: PathModifierIR };
  readonly requestHeaders: HeaderModifierIR;
  readonly responseHeaders: HeaderModifierIR;
  readonly cors?: CorsIR;
  readonly mirrors: MirrorIR[];
  /** Weighted backends (weight-0 ones included with percent 0). */
  readonly backends: BackendIR[];
  /**
   * Rule `retry`: retry `attempts` times (so at most `attempts + 1` tries) when the backend answers
   * one of `codes` or the connection fails.
   */
  readonly retry?: { readonly attempts: number; readonly codes: number[]; readonly backoff?: string };
  /** Gateway API duration strings (`10s`, `500ms`). */
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
  /** GRPCRoute actions proxy with gRPC (HTTP/2). */
  readonly grpc: boolean;
  /** The route's proxy options (`cdk8s-gateway.dev/…` annotations), when any is set. */
  readonly client?: ClientOptionsIR;
}

/**
 * Per-route options Gateway API has no field for (see docs/dataplane.md, "Route options"): the
 * request body limit and buffer, and the source addresses served. Sizes in bytes.
 */
export interface ClientOptionsIR {
  /** Largest request body (413 above); 0 = no limit. Absent: the proxy-wide default. */
  readonly maxRequestBodySize?: number;
  /** Memory buffer for a request body. Absent: nginx's default. */
  readonly clientBodyBufferSize?: number;
  /** Only these addresses / CIDRs are served (403 for others), canonical and sorted. */
  readonly allowSourceRanges?: readonly string[];
  /** These are refused (403) before the allow list is consulted, canonical and sorted. */
  readonly denySourceRanges?: readonly string[];
}

/** One stream (L4) port. */
export interface StreamPortIR {
  readonly port: number;
  readonly protocol: 'TLS' | 'TCP' | 'UDP';
  /** TLS: passthrough / terminate routes by SNI, sorted by hostname (exact before wildcard). */
  readonly tlsRoutes?: TlsRouteIR[];
  /** TLS: where SNI that matches no route goes (undefined → connection closed). */
  readonly tlsDefault?: TlsRouteIR;
  /** TLS: an HTTPS listener shares the port (terminated in the http block, see {@link HttpPortIR.behindStream}). */
  readonly httpsHostnames?: string[];
  /** TCP / UDP: the backends (of the chosen route, see docs/dataplane.md). */
  readonly backends?: BackendIR[];
  /** TCP / UDP: the route whose backends are served. */
  readonly route?: { readonly kind: string; readonly namespace: string; readonly name: string };
}

/** TLSRoute traffic for one SNI hostname. */
export interface TlsRouteIR {
  /** Lower-case hostname or `*.wildcard`; undefined: any SNI. */
  readonly hostname?: string;
  readonly listener: string;
  readonly mode: 'Passthrough' | 'Terminate';
  readonly route: { readonly kind: string; readonly namespace: string; readonly name: string };
  /** Terminate: the listener certificates. */
  readonly certificates: NamespacedName[];
  readonly backends: BackendIR[];
}
