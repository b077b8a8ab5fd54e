/** Which Gateway API CRD channel the cluster runs. */
export type Channel = 'standard' | 'experimental';

/** The kind of a violation. */
export type ViolationType = 'schema' | 'unknown-field' | 'cel' | 'unknown-kind' | 'not-served';

/** One reason the Kubernetes API server would reject the object. */
export interface Violation {
  /** dotted/indexed field path, e.g. `spec.rules[0].matches[1].path.value` (no leading `$`/`.`; `''` for the object itself) */
  readonly field: string;
  /**
   * `schema` (type/enum/pattern/required/min/max…), `unknown-field` (strict field validation),
   * `cel` (x-kubernetes-validations), `unknown-kind`, `not-served`
   */
  readonly type: ViolationType;
  /** human message, e.g. the CEL rule's `message` (or evaluated `messageExpression`), or the schema failure with the bad value */
  readonly message: string;
  /** for cel: the rule text; for schema: the keyword (e.g. `pattern: ^/`) */
  readonly rule?: string;
  /** the offending value, when small enough to print (long values are truncated) */
  readonly value?: unknown;
  /** for cel: the rule's `reason` when it sets one (`FieldValueForbidden`, `FieldValueRequired`, `FieldValueDuplicate`) */
  readonly reason?: string;
}

/** Options of `validateObject`. */
export interface ValidateOptions {
  /**
   * Gateway API channel whose CRDs validate `gateway.networking.k8s.io` / `gateway.networking.x-k8s.io` objects.
   * @default 'standard'
   */
  readonly channel?: Channel;
}
