import { IConstruct } from 'constructs';

/**
 * Thrown by constructors and `add*` methods for mistakes that are local to one value
 * (bad path syntax, port out of range, …). The message names the construct path,
 * the field, the bad value and the fix.
 */
export class GatewayConfigError extends Error {
  /** construct path of the object at fault (empty for values not yet attached to a construct) */
  public readonly path: string;
  /** field of the manifest, e.g. `spec.listeners[0].port` */
  public readonly field: string;
  constructor(path: string, field: string, message: string) {
    super(`${path ? `[${path}] ` : ''}${field}: ${message}`);
    this.name = 'GatewayConfigError';
    this.path = path;
    this.field = field;
  }
}

/** Prints a user value for an error message (quoted, truncated). */
export function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Throws a GatewayConfigError: `<field> <value>: <problem>. Fix: <fix>`. */
export function fail(scope: IConstruct | undefined, field: string, value: unknown, problem: string, fix: string): never {
  throw new GatewayConfigError(scope?.node.path ?? '', field, `${show(value)} ${problem}. Fix: ${fix}`);
}
