/** The IR builder's per-Gateway context and its diagnostics (`UnsupportedByDataplane`). */
import { Diagnostic, GATEWAY_API_VERSION, ObjectRef } from '../model';

/** Diagnostic code for everything the data plane cannot honour. */
export const UNSUPPORTED_BY_DATAPLANE = 'UnsupportedByDataplane';

/** apiVersions by `kind/namespace/name` (a `ReadonlyMap`, or a view of a record: {@link apiVersionLookup}). */
export interface ApiVersionLookup {
  get(key: string): string | undefined;
}

/** A lookup reading a `kind/namespace/name` → apiVersion record (`DataplaneInputsIR.apiVersions`) in place, without a copy of it. */
export function apiVersionLookup(record: Readonly<Record<string, string>>): ApiVersionLookup {
  return { get: (key) => (Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined) };
}

/** What the builders of one Gateway share: diagnostics, upstream names, the upstreams used. */
export interface Ctx {
  readonly diags: Diagnostic[];
  readonly apiVersions: ApiVersionLookup;
  readonly upstreamNames: ReadonlyMap<string, string>;
  readonly upstreamKeys: ReadonlyMap<string, string>;
  readonly upstreamParts: ReadonlyMap<string, { namespace: string; service: string; port: number }>;
  readonly used: Set<string>;
}

export function refOfRoute(ctx: Ctx, kind: string, namespace: string, name: string): ObjectRef {
  return { apiVersion: ctx.apiVersions.get(`${kind}/${namespace}/${name}`) ?? GATEWAY_API_VERSION, kind, namespace, name };
}

export function unsupported(ctx: Ctx, object: ObjectRef, field: string | undefined, message: string, fix?: string, severity: 'error' | 'warning' = 'error'): void {
  ctx.diags.push({ severity, code: UNSUPPORTED_BY_DATAPLANE, message, object, ...(field !== undefined ? { field } : {}), ...(fix ? { fix } : {}) });
}


export function dedupeDiags(d: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return d.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function keyOfUpstream(ctx: Ctx, name: string): string {
  return ctx.upstreamKeys.get(name)!;
}
