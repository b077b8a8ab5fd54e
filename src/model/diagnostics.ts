import { ObjectRef } from './objects';

/** How bad a finding is. `error` blocks synth / makes `check` exit 1; `warning` does not. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * One finding about the input: which object, which field, what is wrong and how to fix it.
 * The shape is the CLI `check --format json` contract (`fix` is additional).
 */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable machine code, e.g. `NoMatchingParent`, `RefNotPermitted`, `SchemaViolation`. */
  readonly code: string;
  /** One sentence naming the bad value; does not repeat the object. */
  readonly message: string;
  readonly object: ObjectRef;
  /** JSONPath-like field, e.g. `spec.parentRefs[0].sectionName`. */
  readonly field?: string;
  /** What to change so the problem goes away. */
  readonly fix?: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Sorts diagnostics deterministically: object, field, severity, code, message. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  // each key is built once (not twice per comparison); the sort is stable, so equal keys keep
  // their input order
  const keyed = diags.map((d) => ({
    d,
    // (a template, not an array joined: the same string, `?? ''` where join turns null / undefined into '')
    key: `${d.object.kind ?? ''}\u0000${d.object.namespace ?? ''}\u0000${d.object.name ?? ''}\u0000${d.field ?? ''}\u0000${SEVERITY_ORDER[d.severity]}\u0000${d.code ?? ''}\u0000${d.message ?? ''}`,
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.d);
}

/**
 * A user value as messages quote it: JSON, cut at 120 characters. The constructs' errors and the
 * checks both constructs and the CLI run (e.g. the MetalLB checks) use it, so one finding reads the
 * same at synth and in `check`.
 */
export function showValue(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Renders one diagnostic as a single readable line. */
export function formatDiagnostic(d: Diagnostic): string {
  const obj = d.object.namespace !== undefined ? `${d.object.kind} ${d.object.namespace}/${d.object.name}` : `${d.object.kind} ${d.object.name}`;
  const field = d.field ? ` ${d.field}` : '';
  const fix = d.fix ? ` Fix: ${d.fix}` : '';
  return `${d.severity} ${d.code} ${obj}${field}: ${d.message}${fix}`;
}
