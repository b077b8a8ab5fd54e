/** Upstreams: deterministic names per `<namespace>/<service>:<port>`, backend protocol and upstream TLS. */
import type { ResolvedBackend, ResolvedBackendTLS, ResolvedGateway } from '../resolve/model';
import { cmp, str } from '../resolve/util';
import type { Ctx } from './context';
import { BackendIR, BackendTlsIR } from './types';

/** `<namespace>/<service>:<port>`. */
export function upstreamKey(namespace: string, service: string, port: number): string {
  return `${namespace}/${service}:${port}`;
}

/** Deterministic, collision-free upstream names for a set of keys (sorted first). */
export function upstreamNames(keys: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const k of [...new Set(keys)].sort(cmp)) {
    const base = `up_${k.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    out.set(k, name);
  }
  return out;
}


export function allBackends(g: ResolvedGateway): Map<string, { namespace: string; service: string; port: number }> {
  const out = new Map<string, { namespace: string; service: string; port: number }>();
  for (const l of g.listeners) for (const a of l.routes) for (const r of a.rules) for (const b of [...r.backends, ...r.mirrors]) if (b.valid && b.port !== undefined) out.set(upstreamKey(b.namespace, b.name, b.port), { namespace: b.namespace, service: b.name, port: b.port });
  return out;
}


export function backendProtocol(b: ResolvedBackend, grpc: boolean): BackendIR['protocol'] {
  if (grpc) return 'grpc';
  const p = (b.appProtocol ?? '').toLowerCase();
  if (p === 'kubernetes.io/h2c') return 'h2c';
  if (p === 'kubernetes.io/ws' || p === 'kubernetes.io/wss') return 'ws';
  return 'http';
}

export function backendTls(t: ResolvedBackendTLS | undefined): BackendTlsIR | undefined {
  if (!t) return undefined;
  const sans = t.subjectAltNames
    .map((s) => (str(s.type) === 'Hostname' ? str(s.hostname) : str(s.type) === 'URI' ? str(s.uri) : undefined))
    .filter((s): s is string => s !== undefined);
  return { policy: t.policy, valid: t.valid, hostname: t.hostname, caCertificates: t.caCertificates, system: t.wellKnownCACertificates === 'System', subjectAltNames: sans };
}

/** The upstream name of a backend, when it resolves to a Service port. */
export function upstreamOf(ctx: Ctx, b: ResolvedBackend): string | undefined {
  return b.valid && b.port !== undefined ? ctx.upstreamNames.get(upstreamKey(b.namespace, b.name, b.port)) : undefined;
}

/** The IR of one backend: its share of the rule and its upstream when it resolves (TLS and filters are the caller's). */
export function backendIR(ctx: Ctx, b: ResolvedBackend, percent: number, protocol: BackendIR['protocol']): BackendIR {
  const upstream = upstreamOf(ctx, b);
  return {
    field: b.field,
    namespace: b.namespace,
    name: b.name,
    ...(b.port !== undefined ? { port: b.port } : {}),
    weight: b.weight,
    percent,
    ...(upstream ? { upstream } : {}),
    ...(b.reason ? { reason: b.reason } : {}),
    protocol,
  };
}
