/**
 * `backend-protocol: GRPC` / `GRPCS` → GRPCRoutes (plus, for GRPCS, the BackendTLSPolicy of
 * backend-tls.ts).
 *
 * ingress-nginx (annotations/backendprotocol, its nginx template and controller):
 * - A GRPC/GRPCS location proxies with `grpc_pass grpc://` / `grpcs://` (HTTP/2 to the backend);
 *   the location is the same as for HTTP (Prefix element-wise, Exact `= /p`, ImplementationSpecific
 *   a string prefix, `~* "^PATH"` on use-regex / rewrite-target hosts). A gRPC call's path is
 *   always `/package.Service/Method`.
 * - Clients reach it over HTTP/2 only: port 443 (`listen 443 ssl` + http2, ALPN h2, the Ingress's
 *   certificate or the controller's default self-signed one). Port 80 speaks HTTP/1.1 only (nginx
 *   cannot mix HTTP/1.1 and HTTP/2 on a cleartext port), so gRPC clients cannot use it; TLS hosts
 *   redirect it with 308 like any other.
 * - `proxy-connect/read/send-timeout` become `grpc_*_timeout`; request headers (`x-forwarded-prefix`,
 *   `upstream-vhost`) are `grpc_set_header`; CORS, redirects and `app-root` answer the gRPC client
 *   with HTTP responses it cannot use.
 * - GRPCS: the `proxy-ssl-*` annotations are written as `proxy_ssl_*` directives, which grpc_pass
 *   ignores (kubernetes/ingress-nginx pull request 8188, which added grpc_ssl_*, was never merged):
 *   the backend was reached over TLS without verification, SNI or client certificate.
 */
import { KubeObject } from '../model';
import type { ItemFn, ReportResult } from './convert';
import { NGINX_PREFIX } from './annotations';
import { IngressPath } from './model';

type Json = Record<string, unknown>;

/** A protobuf full name as GRPCRoute's `method.service` accepts it (with `Exact`). */
const SERVICE = /^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
/** A method name as GRPCRoute's `method.method` accepts it. */
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** How one Ingress path of a GRPC Ingress maps to a GRPCRoute match. */
export type GrpcPathMatch =
  /** `{}`: every call (a rule without matches); otherwise `{ method: {...} }`. */
  | { readonly match: Json; readonly result?: ReportResult; readonly detail?: string }
  /** No match can be emitted: the path is reported with `detail`. */
  | { readonly match?: undefined; readonly result: ReportResult; readonly detail: string };

/**
 * The GRPCRoute match of one Ingress path. `regex`: the host has use-regex / rewrite-target (the
 * location is ingress-nginx's case-insensitive regex `~* "^PATH"`). A result comes with the
 * report item of the path (none when the mapping is exact and obvious: "/").
 */
export function grpcPathMatch(path: string, pathType: IngressPath['pathType'], regex: boolean): GrpcPathMatch {
  if (path === '/' && (pathType !== 'Exact' || regex)) return { match: {} };
  if (pathType === 'Exact' && path === '/' && !regex) {
    return { result: 'unsupported', detail: 'Exact / matches no gRPC call (their paths are /Service/Method): nothing is emitted for it' };
  }
  if (regex) {
    return {
      result: 'unsupported',
      detail: `on a host with use-regex/rewrite-target ingress-nginx matched ${path} as the case-insensitive regex ~* "^${path}"; a GRPCRoute method match is exact and case-sensitive and cannot express it: not converted, the calls it matched no longer reach this backend. Fix: write the path as Exact /Service/Method or Prefix /Service (without use-regex on the host)`,
    };
  }
  const trailing = path.endsWith('/');
  const segs = path.replace(/\/+$/, '').slice(1).split('/');
  const names = (svc: string, m?: string): string | undefined => {
    if (!SERVICE.test(svc)) return `"${svc}" is not a protobuf service name (letters, digits, _ and dots)`;
    if (m !== undefined && !METHOD.test(m)) return `"${m}" is not a gRPC method name (letters, digits and _)`;
    return undefined;
  };
  const bad = (why: string) => ({ result: 'unsupported' as const, detail: `${pathType} ${path}: ${why}, so a GRPCRoute method match cannot express it: not converted, no gRPC call is routed by it (a call path is /Service/Method)` });
  const svcMatch = (svc: string) => ({ method: { type: 'Exact', service: svc } });
  const methodMatch = (svc: string, m: string) => ({ method: { type: 'Exact', service: svc, method: m } });
  if (pathType === 'Exact') {
    if (segs.length !== 2 || trailing) return { result: 'unsupported', detail: `Exact ${path} is not a /Service/Method path, so it matches no gRPC call: nothing is emitted for it` };
    const why = names(segs[0], segs[1]);
    if (why) return bad(why);
    return { match: methodMatch(segs[0], segs[1]), result: 'converted', detail: `Exact ${path}: the method ${segs[1]} of service ${segs[0]} (GRPCRoute method match, Exact)` };
  }
  if (segs.length > 2 || (segs.length === 2 && trailing)) {
    return { result: 'unsupported', detail: `${pathType} ${path} is deeper than /Service/Method, so it matches no gRPC call: nothing is emitted for it` };
  }
  const why = names(segs[0], segs[1]);
  if (why) return bad(why);
  if (segs.length === 1) {
    if (pathType === 'Prefix' || trailing) {
      return { match: svcMatch(segs[0]), result: 'converted', detail: `${pathType} ${path}: every method of service ${segs[0]} (GRPCRoute method match on the service)` };
    }
    return {
      match: svcMatch(segs[0]),
      result: 'approximated',
      detail: `ImplementationSpecific ${path} was an nginx string prefix: it also matched services whose name starts with ${segs[0]} (e.g. /${segs[0]}X/Method); the GRPCRoute matches the methods of service ${segs[0]} only. Fix if that matters: list the other services as paths`,
    };
  }
  if (pathType === 'Prefix') {
    return { match: methodMatch(segs[0], segs[1]), result: 'converted', detail: `Prefix ${path}: the method ${segs[1]} of service ${segs[0]} (the deeper paths Prefix also matched are not gRPC calls)` };
  }
  return {
    match: methodMatch(segs[0], segs[1]),
    result: 'approximated',
    detail: `ImplementationSpecific ${path} was an nginx string prefix: it also matched the methods of ${segs[0]} whose name starts with ${segs[1]} (e.g. ${path}X); the GRPCRoute matches the method ${segs[1]} only. Fix if that matters: list the other methods as paths`,
  };
}

/** The HTTP path of a GRPC location for its HTTP→HTTPS redirect rule (an HTTPRoute on port 80). */
export function grpcRedirectPath(path: string, pathType: IngressPath['pathType']): Json {
  return { path: { type: pathType === 'Exact' ? 'Exact' : 'PathPrefix', value: path } };
}

/** A GRPCRoute. */
export function grpcRoute(namespace: string, name: string, host: string, parents: Json[], rules: Json[]): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name, namespace },
    spec: { parentRefs: parents, ...(host ? { hostnames: [host] } : {}), rules },
  };
}

/** What the annotations of a GRPC/GRPCS Ingress become (the HTTP conversion's item, rewritten where gRPC differs). */
export function grpcItem(protocol: 'GRPC' | 'GRPCS', item: ItemFn): ItemFn {
  return (ingress, annotation, result, detail) => {
    if (!annotation.startsWith(NGINX_PREFIX)) return item(ingress, annotation, result, detail);
    const name = annotation.slice(NGINX_PREFIX.length);
    const no = (why: string) => item(ingress, annotation, 'unsupported', `on a ${protocol} Ingress (a GRPCRoute): ${why}`);
    switch (name) {
      case 'app-root':
        return no('ingress-nginx answered "/" with a 302, which no gRPC call requests; a GRPCRoute has no redirect filter: not converted');
      case 'permanent-redirect':
      case 'temporal-redirect':
      case 'permanent-redirect-code':
      case 'temporal-redirect-code':
        return no('ingress-nginx answered the calls with an HTTP redirect, which gRPC clients fail on; a GRPCRoute has no redirect filter: not converted, the calls are proxied to the backend instead');
      case 'rewrite-target':
        return no('a GRPCRoute has no URL rewrite (gRPC paths name the method): not converted, the backend gets the original path');
      case 'upstream-vhost':
        return no('a GRPCRoute has no hostname rewrite: not converted, the backend gets the client\'s :authority');
      case 'connection-proxy-header':
        return no('HTTP/2 has no Connection header (grpc_pass does not send one): no effect, as in ingress-nginx');
      case 'enable-cors':
        return no('a GRPCRoute has no CORS filter: not converted, preflights are proxied to the backend (gRPC clients send none; grpc-web browser clients do)');
      case 'proxy-connect-timeout':
      case 'proxy-read-timeout':
      case 'proxy-send-timeout':
        return item(ingress, annotation, result === 'unsupported' ? 'unsupported' : 'approximated', result === 'unsupported' ? detail : `ingress-nginx set grpc_${name.slice(6).replace(/-/g, '_')}; a GRPCRoute has no timeouts field: not converted, the built-in proxy's defaults apply (connect 60s, read/send 60s between reads and writes)`);
      default:
        if (name.startsWith('cors-')) return no('a GRPCRoute has no CORS filter: not converted');
        if (protocol === 'GRPCS' && name.startsWith('proxy-ssl-')) {
          return item(ingress, annotation, 'approximated', `ingress-nginx wrote it as a proxy_ssl_* directive, which its grpc_pass ignores (the grpc_ssl_* pull request, kubernetes/ingress-nginx 8188, was never merged): the gRPC backend got TLS without verification, SNI or client certificate. Here, as for HTTPS: ${detail}`);
        }
        if (protocol === 'GRPCS' && name === 'backend-protocol') {
          const never = 'ingress-nginx never verified a GRPCS backend nor sent it SNI or a client certificate (its proxy_ssl_* directives do not apply to grpc_pass): the policy verifies it';
          const body = detail.replace(/^HTTPS: /, '');
          return item(ingress, annotation, 'approximated', `GRPCS: GRPCRoute(s) (HTTP/2 to the backend) with ${/did not verify/.test(body) ? body : /Differences: /.test(body) ? `${body}; ${never}` : `${body}. Difference: ${never}`}`);
        }
        return item(ingress, annotation, result, detail);
    }
  };
}

/**
 * The report item of `backend-protocol: GRPC` for one Ingress, once its routes are known (after
 * {@link dropGrpcConflicts}; `dropped`: it dropped some, and reported them):
 * `tlsHosts` were attached to HTTPS listeners (gRPC over TLS with ALPN h2, as ingress-nginx on
 * 443), `plainHosts` to the HTTP listener (h2c).
 */
export function grpcProtocolDetail(tlsHosts: readonly string[], plainHosts: readonly string[], dropped: boolean): { result: ReportResult; detail: string } | undefined {
  const parts: string[] = [];
  const name = (h: string) => h || '(any host)';
  if (tlsHosts.length) parts.push(`${tlsHosts.map(name).join(', ')}: a GRPCRoute on the HTTPS listener, gRPC over TLS with ALPN h2 on 443 as ingress-nginx served it; HTTP on port 80 keeps ingress-nginx's 308 redirect (an HTTPRoute) unless ssl-redirect is "false", then port 80 has no route for the host (ingress-nginx proxied HTTP/1.1 requests there, which gRPC clients do not send)`);
  if (plainHosts.length) {
    parts.push(`${plainHosts.map(name).join(', ')}: a GRPCRoute on the HTTP listener. Difference: ingress-nginx spoke HTTP/1.1 only on port 80 (gRPC clients reached such a host over TLS on 443 with its default self-signed certificate); here port 80 speaks cleartext HTTP/2 (h2c, prior knowledge), which works because every route on the port is gRPC (when the port also serves HTTPRoutes the GRPCRoute is not attached there: see the unsupported item). Fix: add a tls section for the host, then gRPC goes over HTTPS as before`);
  }
  if (!parts.length && dropped) return undefined; // reported by dropGrpcConflicts
  if (!parts.length) return { result: 'unsupported', detail: 'GRPC: no GRPCRoute is emitted: no path of the Ingress could be converted (see the paths\' items), or its hosts redirect HTTP to HTTPS (force-ssl-redirect) without a tls section, so no listener serves them' };
  return { result: plainHosts.length ? 'approximated' : 'converted', detail: `GRPC: HTTP/2 to the backend (grpc_pass). ${parts.join('; ')}` };
}

/**
 * A GRPCRoute on the plain HTTP listener is served as h2c only when no HTTPRoute is on that
 * listener (else render reports UnsupportedByDataplane, or, with only redirects there, port 80
 * would become h2c-only and HTTP/1.1 clients would lose their redirects): otherwise its parentRef
 * there is dropped and reported.
 *
 * Gateway API accepts only the older of an HTTPRoute and a GRPCRoute that share a listener and a
 * hostname (the other is not attached: HostnameConflict). ingress-nginx served gRPC and HTTP paths
 * of one host side by side; that cannot be expressed, so the GRPCRoute's parentRef on such a
 * listener is dropped (the HTTP routes keep working) and reported. Returns the routes to emit.
 */
export function dropGrpcConflicts(routes: KubeObject[], item: ItemFn, ingressOf: (route: KubeObject) => string): KubeObject[] {
  const spec = (r: KubeObject) => r.spec as { parentRefs: Json[]; hostnames?: string[] };
  const http = routes.filter((r) => r.kind === 'HTTPRoute');
  const out: KubeObject[] = [];
  for (const r of routes) {
    if (r.kind !== 'GRPCRoute') {
      out.push(r);
      continue;
    }
    const hosts = spec(r).hostnames ?? [];
    const kept: Json[] = [];
    for (const p of spec(r).parentRefs) {
      const on = (h: KubeObject) => spec(h).parentRefs.some((q) => q.name === p.name && q.namespace === p.namespace && q.sectionName === p.sectionName);
      const clash = http.find((h) => on(h) && intersect(hosts, spec(h).hostnames ?? []));
      if (clash) {
        item(ingressOf(r), `${NGINX_PREFIX}backend-protocol`, 'unsupported', `${hosts.join(', ') || '(any host)'} on listener ${String(p.sectionName)}: ${clash0(clash)} (another Ingress's HTTP paths) serves the same hostname there, and Gateway API attaches only one of an HTTPRoute and a GRPCRoute per listener and hostname (ingress-nginx served both from one server by path). The HTTP paths are kept; the gRPC paths are not served on that listener. Fix: give the gRPC service its own hostname`);
        continue;
      }
      // the plain HTTP listener: nginx 1.22 speaks h2c on a cleartext port only when every route on it is gRPC
      const cleartext = p.sectionName === 'http' ? http.find(on) : undefined;
      if (cleartext) {
        item(ingressOf(r), `${NGINX_PREFIX}backend-protocol`, 'unsupported', `${hosts.join(', ') || '(any host)'} has no tls section, so its GRPCRoute would go on the HTTP listener (port 80) as cleartext HTTP/2 (h2c); but port 80 also serves HTTPRoutes (${clash0(cleartext)}: redirects or HTTP paths), and nginx 1.22 cannot accept HTTP/1.1 and h2c on one cleartext port. ingress-nginx spoke HTTP/1.1 only on port 80 too: gRPC clients reached this host over TLS on 443 with the controller's default self-signed certificate. Not served. Fix: add a tls section (hosts and secretName) for the host, then the GRPCRoute goes on its HTTPS listener`);
        continue;
      }
      kept.push(p);
    }
    if (!kept.length) continue;
    spec(r).parentRefs = kept; // the same object: the caller maps routes to their Ingress
    out.push(r);
  }
  return out;
}

function clash0(r: KubeObject): string {
  return `HTTPRoute ${r.metadata.namespace}/${r.metadata.name}`;
}

function intersect(a: readonly string[], b: readonly string[]): boolean {
  if (!a.length || !b.length) return true;
  const m = (x: string, y: string) => x === y || (x.startsWith('*.') && y.endsWith(x.slice(1))) || (y.startsWith('*.') && x.endsWith(y.slice(1)));
  return a.some((x) => b.some((y) => m(x, y)));
}
