/** Short forms for the table: matches (`Prefix /api GET`), filters (`redirect https 301`), backends (`svc:80`). */
import { mirrorPercent, ResolvedBackend } from '../../resolve';
import { rec } from '../../resolve/util';

function s(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** `Exact /`, `Prefix /api GET header x-env=canary query v=2`, `grpc my.Svc/Get`. */
export function matchText(kind: string, m: Record<string, unknown>): string {
  const parts: string[] = [];
  const kv = (label: string, list: unknown) => {
    for (const x of Array.isArray(list) ? list.map(rec) : []) {
      parts.push(`${label} ${s(x.name) ?? ''}${x.type === 'RegularExpression' ? '~' : '='}${s(x.value) ?? ''}`);
    }
  };
  if (kind === 'GRPCRoute') {
    const method = rec(m.method);
    const regex = method.type === 'RegularExpression' ? '~' : '';
    parts.push(`grpc ${regex}${s(method.service) ?? '*'}/${regex}${s(method.method) ?? '*'}`);
    kv('header', m.headers);
    return parts.join(' ');
  }
  const path = rec(m.path);
  const type = s(path.type) ?? 'PathPrefix';
  parts.push(`${type === 'PathPrefix' ? 'Prefix' : type === 'RegularExpression' ? 'Regex' : type} ${s(path.value) ?? '/'}`);
  if (m.method !== undefined) parts.push(String(m.method));
  kv('header', m.headers);
  kv('query', m.queryParams);
  return parts.join(' ');
}

/** `svc:80` in the route's namespace, `ns/svc:80` elsewhere, kind prefixed when not a Service. */
export function backendName(b: Pick<ResolvedBackend, 'group' | 'kind' | 'namespace' | 'name' | 'port'>, routeNamespace: string): string {
  const kind = b.group === '' && b.kind === 'Service' ? '' : `${b.kind} `;
  const ns = b.namespace === routeNamespace ? '' : `${b.namespace}/`;
  return `${kind}${ns}${b.name}${b.port !== undefined ? `:${b.port}` : ''}`;
}

function pathModifier(p: unknown): string[] {
  const x = rec(p);
  if (x.type === 'ReplaceFullPath') return [`path ${s(x.replaceFullPath) ?? ''}`];
  if (x.type === 'ReplacePrefixMatch') return [`prefix ${s(x.replacePrefixMatch) ?? ''}`];
  return [];
}

function headerOps(prefix: string, m: unknown): string[] {
  const x = rec(m);
  const pairs = (v: unknown) => (Array.isArray(v) ? v.map(rec) : []);
  return [
    ...pairs(x.set).map((h) => `set-${prefix} ${s(h.name) ?? ''}: ${s(h.value) ?? ''}`),
    ...pairs(x.add).map((h) => `add-${prefix} ${s(h.name) ?? ''}: ${s(h.value) ?? ''}`),
    ...(Array.isArray(x.remove) ? x.remove : []).map((h) => `remove-${prefix} ${s(h) ?? ''}`),
  ];
}

/**
 * Short forms of one filter: `redirect https 301`, `redirect path /x 302`, `rewrite prefix /`,
 * `set-header X: v`, `set-response-header X: v`, `mirror svc:port 10%`, `cors`, `ext-auth …`,
 * `extension Kind/name`.
 */
export function filterText(f: Record<string, unknown>, mirror: ResolvedBackend | undefined, routeNamespace: string): string[] {
  switch (f.type) {
    case 'RequestRedirect': {
      const r = rec(f.requestRedirect);
      const parts = ['redirect'];
      if (s(r.scheme)) parts.push(s(r.scheme)!);
      if (s(r.hostname)) parts.push(`host ${s(r.hostname)}`);
      if (s(r.port)) parts.push(`port ${s(r.port)}`);
      parts.push(...pathModifier(r.path));
      parts.push(s(r.statusCode) ?? '302');
      return [parts.join(' ')];
    }
    case 'URLRewrite': {
      const r = rec(f.urlRewrite);
      return [['rewrite', ...(s(r.hostname) ? [`host ${s(r.hostname)}`] : []), ...pathModifier(r.path)].join(' ')];
    }
    case 'RequestHeaderModifier':
      return headerOps('header', f.requestHeaderModifier);
    case 'ResponseHeaderModifier':
      return headerOps('response-header', f.responseHeaderModifier);
    case 'RequestMirror': {
      const m = rec(f.requestMirror);
      const pct = mirrorPercent(m);
      const ref = rec(m.backendRef);
      const target = mirror
        ? backendName(mirror, routeNamespace)
        : backendName({ group: s(ref.group) ?? '', kind: s(ref.kind) ?? 'Service', namespace: s(ref.namespace) ?? routeNamespace, name: s(ref.name) ?? '', port: typeof ref.port === 'number' ? ref.port : undefined }, routeNamespace);
      const bad = mirror && !mirror.valid ? ` ✗ ${mirror.reason ?? 'Invalid'}` : '';
      return [`mirror ${target} ${pct}%${bad}`];
    }
    case 'CORS':
      return ['cors'];
    case 'ExternalAuth': {
      const x = rec(f.externalAuth);
      const ref = rec(x.backendRef);
      return [`ext-auth ${s(x.protocol) ?? ''} ${s(ref.name) ?? ''}${ref.port !== undefined ? `:${s(ref.port)}` : ''}`.replace(/ +/g, ' ').trim()];
    }
    case 'ExtensionRef': {
      const x = rec(f.extensionRef);
      return [`extension ${s(x.kind) ?? ''}/${s(x.name) ?? ''}`];
    }
    default:
      return [String(f.type ?? 'unknown-filter')];
  }
}
