import { Diagnostic } from '../model';
import { ResolvedModel } from './model';

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
   * Namespace for namespaced objects without `metadata.namespace`.
   * @default 'default'
   */
  readonly defaultNamespace?: string;
  /**
   * Validate every object that has a bundled CRD schema (Gateway API, MetalLB, cert-manager)
   * against the standard-channel schema and its CEL rules, as the API server would on create:
   * `SchemaViolation`, `UnknownField`, `CelRuleViolation`, `NotServed`, `UnknownKind` errors, or one
   * `ExperimentalField` warning when the object is valid only for the experimental channel.
   * @default true
   */
  readonly schemaValidation?: boolean;
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
  /** Gateway API status shapes, sorted by kind / namespace / name. */
  readonly status: ObjectStatus[];
  /** Findings, sorted with `sortDiagnostics`. */
  readonly diagnostics: Diagnostic[];
  /** The resolved model the data-plane compiler consumes. */
  readonly model: ResolvedModel;
}
