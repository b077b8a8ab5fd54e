/** Plain JSON value helpers of the validator, and how values are shown in violations. */
import { FieldPath } from './field-path';
import { Violation } from './types';

const MAX_PRINTED = 256;

/** The value to attach to a violation: as is when small, else a truncated JSON string. */
export function small(v: unknown): unknown {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.length > MAX_PRINTED ? v.slice(0, MAX_PRINTED) + '…' : v;
  if (v === null || typeof v !== 'object') return v;
  const s = JSON.stringify(v);
  return s.length > MAX_PRINTED ? s.slice(0, MAX_PRINTED) + '…' : v;
}

/** The value as it appears inside a message. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 120 ? s.slice(0, 120) + '…' : s;
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `a.slice()` (holes kept). The objects synth validates are deeply frozen, and V8's slice of a
 * frozen array takes a slow path (about 6× this loop).
 */
export function copyArray<T>(a: readonly T[]): T[] {
  const out = new Array<T>(a.length);
  for (let i = 0; i < a.length; i++) if (i in a) out[i] = a[i];
  return out;
}

export function deepClone<T>(v: T): T {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** JSON with sorted object keys (equal values give equal strings). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

// --- violations -------------------------------------------------------------------------------

export interface Ctx {
  readonly out: Violation[];
  /**
   * a type, enum, required, maxLength, maxItems or maxProperties error was found: CEL is skipped
   * (the API server's `hasBlockingErr`: NotSupported, Required, TooLong, TooMany, TypeInvalid)
   */
  blocking: boolean;
}

export function schemaError(ctx: Ctx, path: FieldPath, message: string, rule: string, value?: unknown, blocking = false): void {
  ctx.out.push({ field: path.toString(), type: 'schema', message, rule, ...(value !== undefined ? { value: small(value) } : {}) });
  if (blocking) ctx.blocking = true;
}
