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
  // the usual case: every key part a plain string, so comparing the parts in turn orders as
  // comparing the joined keys (the separator sorts before any character) without making them
  if (plainKeyParts(diags)) return diags.slice().sort(compareKeyParts);
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

/** Absent, or a string without the key separator. */
const plainPart = (s: unknown): boolean => s === undefined || (typeof s === 'string' && !s.includes('\u0000'));

function plainKeyParts(diags: readonly Diagnostic[]): boolean {
  for (const d of diags) {
    if (!Object.prototype.hasOwnProperty.call(SEVERITY_ORDER, d.severity) || !plainPart(d.code) || !plainPart(d.message) || !plainPart(d.field)) return false;
    if (!plainPart(d.object.kind) || !plainPart(d.object.namespace) || !plainPart(d.object.name)) return false;
  }
  return true;
}

const cmpPart = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The order of the joined keys of `sortDiagnostics`, part by part (given `plainKeyParts`). */
function compareKeyParts(a: Diagnostic, b: Diagnostic): number {
  return (
    cmpPart(a.object.kind ?? '', b.object.kind ?? '') ||
    cmpPart(a.object.namespace ?? '', b.object.namespace ?? '') ||
    cmpPart(a.object.name ?? '', b.object.name ?? '') ||
    cmpPart(a.field ?? '', b.field ?? '') ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    cmpPart(a.code ?? '', b.code ?? '') ||
    cmpPart(a.message ?? '', b.message ?? '')
  );
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
