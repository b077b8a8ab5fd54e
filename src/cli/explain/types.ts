/** The explanation's data (the JSON format of `explain`). */
import { Diagnostic } from '../../model';
import { ImplementationReport } from '../../resolve';

/** A route reference. */
export interface RouteRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One backend of a table entry. */
export interface ExplainBackend {
  /** `''` for core Services. */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly weight: number;
  /** Share of the rule's requests, in percent (2 decimals; shares of a rule add up to 100 unless all weights are 0). */
  readonly percent: number;
  readonly valid: boolean;
  /** Why the reference does not resolve (its share is answered with 500). */
  readonly reason?: string;
  /** Upstream TLS from a BackendTLSPolicy: the hostname verified (and sent as SNI). */
  readonly tls?: string;
  /** Short form, e.g. `docs/docserver:80 100%`, `api:80 10% ✗ BackendNotFound → 500`. */
  readonly text: string;
}

/** A mirror target of a rule. */
export interface ExplainMirror {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  /** Percentage of requests copied (100 unless `percent` / `fraction` say otherwise). */
  readonly percent: number;
  readonly valid: boolean;
  readonly reason?: string;
}

/** One match of one rule, at its place in the request matching order. */
export interface ExplainEntry {
  /** 1-based position in the hostname's matching order; 0 for rules the data plane drops. */
  readonly order: number;
  readonly route: RouteRef;
  /** Index in `spec.rules`. */
  readonly rule: number;
  readonly ruleName?: string;
  /** Index in the rule's matches (-1 for kinds without matches and match-all GRPC rules). */
  readonly matchIndex: number;
  /** The match with defaults applied, as in the resolved model; `null` when there is none. */
  readonly match: Record<string, unknown> | null;
  /** Short form, e.g. `Exact /`, `Prefix /api GET header x-env=canary`, `grpc my.Svc/Get`, `*`. */
  readonly matchText: string;
  /** Short forms of the rule's filters, e.g. `redirect https 301`, `rewrite prefix /`. */
  readonly filters: string[];
  readonly backends: ExplainBackend[];
  /** `RequestMirror` targets with the percentage of requests copied to them. */
  readonly mirrors: ExplainMirror[];
  /**
   * Short forms of the route's proxy options (`cdk8s-gateway.dev/…` annotations the built-in proxy
   * honours), e.g. `body ≤ 8Mi`, `body buffer 16Ki`, `allow 10.0.0.0/8`, `deny 192.168.1.7`;
   * `options ✗ InvalidAnnotation → 500` when one does not parse. Absent when none is set, and for
   * another controller's Gateways (which ignore them).
   */
  readonly options?: string[];
  /** When the proxy answers the request itself with an error status (no usable backend, unresolved ExtensionRef). */
  readonly respond?: number;
  /** False when the data plane drops the rule (`reason` says why). */
  readonly valid: boolean;
  readonly reason?: string;
}

/** The entries for one hostname of a listener. */
export interface ExplainHost {
  /** Exact host, wildcard (`*.example.com`) or `*` (any host / no hostnames for TCP and UDP). */
  readonly hostname: string;
  readonly entries: ExplainEntry[];
}

/** A route attached to a listener and its effective hostnames there. */
export interface ExplainAttachment extends RouteRef {
  /** Effective hostnames on the listener (`*` = any). */
  readonly hostnames: string[];
}

/** One listener and its route table. */
export interface ExplainListener {
  /** Unique within the Gateway (`ns/listenerset/name` for ListenerSet listeners). */
  readonly id: string;
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly hostname?: string;
  readonly tlsMode?: string;
  /** Certificate Secrets as `ns/name`. */
  readonly certificates: string[];
  readonly programmed: boolean;
  /** Why the listener is not programmed. */
  readonly reason?: string;
  readonly routes: ExplainAttachment[];
  /** Hostnames, most specific first, each with its matches in matching order. */
  readonly hosts: ExplainHost[];
}

/** One Gateway. */
export interface ExplainGateway {
  readonly namespace: string;
  readonly name: string;
  readonly gatewayClassName: string;
  readonly accepted: boolean;
  readonly addresses: string[];
  readonly listeners: ExplainListener[];
  /**
   * The published conformance report the Gateway's implementation is judged by (`FeatureNotClaimed`),
   * as `NAME VERSION (Gateway API V, report FILE)`; absent for the built-in proxy and unknown controllers.
   */
  readonly implementation?: string;
}

/** A parentRef through which a route did not attach. */
export interface ExplainRejection {
  /** `Gateway ns/name` (+ ` section S`, ` port P`). */
  readonly parent: string;
  readonly reason: string;
  /** The diagnostic message, when one explains it. */
  readonly message?: string;
}

/** A route that did not attach through some (or all) of its parentRefs. */
export interface ExplainUnattached extends RouteRef {
  /** Whether the route attached through another parentRef. */
  readonly attachedElsewhere: boolean;
  readonly parents: ExplainRejection[];
}

/** The whole explanation (the JSON format). */
export interface Explanation {
  readonly gateways: ExplainGateway[];
  readonly unattached: ExplainUnattached[];
}

/** Context for {@link explain} beyond the model. */
export interface ExplainContext {
  /** Every route of the input (to list routes without any parent handled by the controller). */
  readonly routes?: readonly RouteRef[];
  /** Diagnostics, to say why a route did not attach. */
  readonly diagnostics?: readonly Diagnostic[];
  /** Named in the reason of routes no parent of which is handled. */
  readonly controllerName?: string;
  /** The report each controller is judged by (see `ExplainGateway.implementation`). */
  readonly implementations?: ReadonlyMap<string, ImplementationReport>;
}
