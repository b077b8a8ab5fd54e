import { Diagnostic } from '../model';
import { ResolvedModel } from './model';
import { NamespaceCheckOptions } from './namespaces';

/** Options of {@link resolve}. */
export interface ResolveOptions {
  /**
   * Gateways whose GatewayClass has this controllerName are "ours". When the input holds no
   * GatewayClass for a Gateway's class (common for user YAML: class `istio`, `nginx`), the Gateway
   * is still resolved as a conformant controller would.
   * @default BUILTIN_CONTROLLER_NAME
   */
  readonly controllerName?: string;
  /**
   * Whether this run handles the Gateways whose GatewayClass is not in the input. When false they
   * are another controller's: not resolved here, like the Gateways of a GatewayClass naming another
   * controller. `resolveControllers` gives them to exactly one controller (the built-in one, or the
   * one of the implementation the user names with `--implementation`).
   * @default true
   */
  readonly handlesGatewaysWithoutClass?: boolean;
  /**
   * Namespace for namespaced objects without `metadata.namespace`.
   * @default 'default'
   */
  readonly defaultNamespace?: string;
  /**
   * Treat references to objects that are absent from the input as references to objects that exist
   * outside it and are valid: a backend Service deployed by another tool, a certificate Secret
   * cert-manager writes, a Gateway owned by another team, an ExtensionRef resource, a CA ConfigMap,
   * a parametersRef. Status is computed as if they were present (listener `ResolvedRefs` True,
   * backend valid…), and each such reference gets one `info` diagnostic `AssumedExternal` saying it
   * was not checked. A route whose parent Gateway is absent gets no status (its attachment cannot be
   * checked), but its rules and backends are still checked.
   *
   * References to objects present in the input are checked as usual (a wrong Service port or a
   * Secret of the wrong type stays an error), and cross-namespace references still need a
   * ReferenceGrant in the input (`RefNotPermitted`).
   *
   * When false, an absent object does not exist: an error, or a warning when the input holds no
   * object of that kind at all (the input is then likely partial). Construct apps set it to true.
   * @default false
   */
  readonly assumeExternal?: boolean;
  /**
   * Validate every object that has a bundled CRD schema (Gateway API, MetalLB, cert-manager)
   * against the standard-channel schema and its CEL rules, as the API server would on create:
   * `SchemaViolation`, `UnknownField`, `CelRuleViolation`, `NotServed`, `UnknownKind` errors, or one
   * `ExperimentalField` warning when the object is valid only for the experimental channel.
   * @default true
   */
  readonly schemaValidation?: boolean;
  /**
   * The Gateway API release channel the cluster's CRDs come from (`--channel`). `experimental`
   * validates every Gateway API object against the experimental CRDs and their CEL rules only;
   * `standard` against the standard ones, an object valid only for the experimental channel getting
   * an `ExperimentalField` warning.
   * @default - experimental when the input holds Gateway API CRDs of the experimental channel (their
   * `gateway.networking.k8s.io/channel` annotation, e.g. from `GatewayApiCrds`) or an object of a kind
   * or version only that channel serves; standard otherwise
   */
  readonly channel?: 'standard' | 'experimental';
  /**
   * Report namespaces that objects of the input use but no `v1 Namespace` of the input creates
   * (`NamespaceNotCreated` warnings, one per namespace; `default`, `kube-system`, `kube-public` and
   * `kube-node-lease` exist on every cluster and are never reported). Off when absent: the
   * constructs' whole-app validation and `cdk8s-gateway check` turn it on.
   * @default - no namespace check
   */
  readonly namespaces?: NamespaceCheckOptions;
  /**
   * Run the MetalLB checks (src/resolve/metallb.ts: pool entries and overlaps, pools nothing
   * announces, the addresses Gateways and LoadBalancer Services ask for). `cdk8s-gateway check`
   * turns it on; the constructs run the same function from `MetalLbPool` at synth.
   * @default false
   */
  readonly metallb?: boolean;
  /**
   * Whether the model keeps every route's resolved rules (`ResolvedRoute.rules` and
   * `RouteAttachment.rules`). `false` leaves them empty once the diagnostics that read them are
   * made — status and diagnostics are the same — for callers that need only those (the CLI's
   * `check`), so a large input's resolved rules are not held while the rest of it is checked.
   * @default true
   */
  readonly modelRules?: boolean;
  /**
   * Whether to compute the status of the objects (`ResolveResult.status`). `false` leaves it empty
   * — diagnostics and model are the same — for callers that never show it (the CLI's `check` with
   * text output), so a large input's status objects are not built.
   * @default true
   */
  readonly status?: boolean;
}

/** `True` / `False` / `Unknown`, as in `metav1.Condition`. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A `metav1.Condition` without `lastTransitionTime` (offline there is no transition). */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
}

/** The status a conformant controller would write on one object. */
export interface ObjectStatus {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The Gateway API status shape of the kind (`conditions`, `listeners`, `parents`, `ancestors`…). */
  readonly status: Record<string, unknown>;
}

/** Everything {@link resolve} computes. */
export interface ResolveResult {
  /** Gateway API status shapes, sorted by kind / namespace / name (empty with `ResolveOptions.status: false`). */
  readonly status: ObjectStatus[];
  /** Findings, sorted with `sortDiagnostics`. */
  readonly diagnostics: Diagnostic[];
  /** The resolved model the data-plane compiler consumes. */
  readonly model: ResolvedModel;
}
