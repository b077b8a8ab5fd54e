/** Upstreams: deterministic names per `<namespace>/<service>:<port>`, backend protocol and upstream TLS. */
import type { ResolvedBackend, ResolvedBackendTLS, ResolvedGateway } from '../resolve/model';
import { str } from '../resolve/util';
import type { Ctx } from './context';
import { BackendIR, BackendTlsIR } from './types';

/** `<namespace>/<service>:<port>`. */
export function upstreamKey(namespace: string, service: string, port: number): string {
  return `${namespace}/${service}:${port}`;
}

/**
 * A short tag of a key that spreads names over their first bytes: a letter, then three base-36
 * digits, from the 32-bit FNV-1a hash of the key's UTF-16 code units. Deterministic, stable for a
 * key whatever else the input holds; not unique (the name it starts is, by what follows it).
 */
export function upstreamTag(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz';
  let out = String.fromCharCode(0x61 + (h % 26));
  h = Math.floor(h / 26);
  for (let i = 0; i < 3; i++, h = Math.floor(h / 36)) out += digits[h % 36];
  return out;
}

/**
 * Deterministic, collision-free upstream names for a set of keys (sorted first):
 * `<tag>_<namespace>_<service>_<port>` (see {@link upstreamTag}; anything but `[a-z0-9]` becomes
 * `_`, and a readable part taken already gets `_2`, `_3`, …).
 *
 * Why the tag comes first: nginx registers every `upstream` block and every `proxy_pass
 * http://name` by a linear search over the upstreams registered so far (`ngx_http_upstream_add`),
 * comparing the length and then the name case-insensitively from its first byte. Names that
 * shared their first bytes (`up_<namespace>_…`) made every compare walk that prefix: `nginx -t` of
 * 10,000 routes spent most of its time there (docs/benchmarks.md, section 2). With the tag, two
 * names of equal length differ in the first byte 25 times in 26.
 */
export function upstreamNames(keys: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  // sort() without a comparator: by UTF-16 code units, as cmp (resolve/util) orders them
  for (const k of [...new Set(keys)].sort()) {
    const base = k.toLowerCase().replace(/[^a-z0-9]/g, '_');
    let readable = base;
    for (let i = 2; taken.has(readable); i++) readable = `${base}_${i}`;
    taken.add(readable);
    out.set(k, `${upstreamTag(k)}_${readable}`);
  }
  return out;
}

export function allBackends(g: ResolvedGateway): Map<string, { namespace: string; service: string; port: number }> {
  const out = new Map<string, { namespace: string; service: string; port: number }>();
  const add = (b: ResolvedBackend) => {
    if (b.valid && b.port !== undefined) out.set(upstreamKey(b.namespace, b.name, b.port), { namespace: b.namespace, service: b.name, port: b.port });
  };
  // backends, then mirrors, of each rule (no list of both per rule)
  for (const l of g.listeners) for (const a of l.routes) for (const r of a.rules) {
    for (const b of r.backends) add(b);
    for (const b of r.mirrors) add(b);
  }
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
  // optional properties set one by one, in the IR's key order (no spread of a temporary object)
  const out = { field: b.field, namespace: b.namespace, name: b.name } as { -readonly [K in keyof BackendIR]: BackendIR[K] };
  if (b.port !== undefined) out.port = b.port;
  out.weight = b.weight;
  out.percent = percent;
  if (upstream) out.upstream = upstream;
  if (b.reason) out.reason = b.reason;
  out.protocol = protocol;
  return out;
}
