/**
 * ingress-nginx → Gateway API: the conversion of `cdk8s-gateway import`.
 *
 * Pure and deterministic: the same input gives the same objects (sorted) and the same report
 * (sorted). Every annotation of every Ingress gets one report item (plus items for the paths and
 * TLS entries whose behaviour changes); nothing is dropped silently.
 *
 * The behaviour reproduced is ingress-nginx's (its nginx template and controller):
 * - Prefix paths are element-wise (`= /p` + `/p/` locations), Exact is `= /p`, ImplementationSpecific
 *   is a plain nginx string prefix; longest wins, Exact first — as Gateway API's precedence.
 * - When any Ingress of a host sets `use-regex` or `rewrite-target`, every location of that host
 *   becomes a case-insensitive prefix regex `~* "^PATH"`, tried longest path first.
 * - TLS hosts redirect HTTP with 308 unless `ssl-redirect: "false"`; `force-ssl-redirect` always.
 * - A canary Ingress adds its backend to the main Ingress's location with the same host, path and
 *   pathType; its other annotations are ignored.
 * - `backend-protocol: GRPC` / `GRPCS` (`grpc_pass`): GRPCRoutes instead of HTTPRoutes, the paths
 *   as method matches, on the HTTPS listener of TLS hosts (ingress-nginx served gRPC over TLS on
 *   443); see grpc.ts.
 */
import { DEFAULT_GATEWAY_CLASS, DEFAULT_GATEWAY_NAME, DEFAULT_GATEWAY_NAMESPACE } from './defaults';
import { BUILTIN_CONTROLLER_NAME, KubeObject, REFERENCE_GRANT_API_VERSION } from '../model';
import { checkPcre } from '../render/nginx/pcre';
import { CONVERTED_ANNOTATIONS, NGINX_PREFIX, unsupportedReason } from './annotations';
import { BackendTlsPolicies } from './backend-tls';
import { corsFilter } from './cors';
import { dropGrpcConflicts, grpcItem, grpcPathMatch, grpcProtocolDetail, grpcRedirectPath, grpcRoute } from './grpc';
import { customHeaders } from './headers';
import { ImportInput, ImportInputError, Ingress, IngressBackend, IngressPath, INGRESS_NGINX_CONTROLLER } from './model';
import { applyProxyOptions } from './proxy-options';

/** How one annotation (or field) of the input fared. */
export type ReportResult = 'converted' | 'approximated' | 'unsupported';

/** One line of `report.json`. */
export interface ReportItem {
  /** `ns/name` of the Ingress, or `ConfigMap ns/name` for stream services. */
  readonly ingress: string;
  /** The annotation key, or the field (`spec.rules[0].http.paths[1]`, `spec.tls[0]`, `data["8080"]`). */
  readonly annotation: string;
  readonly result: ReportResult;
  readonly detail: string;
}

/** Options of the conversion (the CLI flags). */
export interface ImportOptions {
  /** `--gateway-name` @default DEFAULT_GATEWAY_NAME */
  readonly gatewayName?: string;
  /** `--gateway-namespace` @default the Ingresses' namespace when they share one, else DEFAULT_GATEWAY_NAMESPACE */
  readonly gatewayNamespace?: string;
  /** `--gateway-class`: an existing GatewayClass; without it a GatewayClass of the built-in controller is emitted. */
  readonly gatewayClass?: string;
}

/** What the conversion produced. */
export interface ImportResult {
  /** Gateway API objects, then the input's Namespaces, Services and Secrets unchanged (sorted, see {@link sortObjects}). */
  readonly objects: KubeObject[];
  /** Sorted by ingress, annotation, result, detail. */
  readonly report: ReportItem[];
  /** Problems that stop the import (exit 2): nothing is written. */
  readonly errors: ImportInputError[];
}


const GW = 'gateway.networking.k8s.io';
/** ingress-nginx's default Strict-Transport-Security on TLS hosts (ConfigMap hsts, hsts-max-age, hsts-include-subdomains). */
export const HSTS = 'max-age=31536000; includeSubDomains';
const GW_V1 = `${GW}/v1`;

type Json = Record<string, unknown>;

interface PathMatch {
  readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly value: string;
}

/** A location: one path of one (non-canary) Ingress on one host, with what serves it. */
interface Location {
  readonly ingress: Ingress;
  readonly host: string;
  readonly path: IngressPath;
  readonly backend: BackendRef;
  canary?: { ingress: Ingress; backend: BackendRef };
}

interface BackendRef {
  readonly name: string;
  readonly port: number;
}

const key = (i: Ingress) => `${i.namespace}/${i.name}`;
const ann = (i: Ingress, name: string): string | undefined => i.annotations[NGINX_PREFIX + name];
const isTrue = (v: string | undefined) => v === 'true';
/** `backend-protocol` GRPC or GRPCS (case-insensitive, as ingress-nginx), else undefined. */
const grpcProtocol = (i: Ingress): 'GRPC' | 'GRPCS' | undefined => {
  const p = (ann(i, 'backend-protocol') ?? '').toUpperCase();
  return p === 'GRPC' || p === 'GRPCS' ? p : undefined;
};

/** Converts parsed input into Gateway API objects and the report. */
export function convert(input: ImportInput, options: ImportOptions = {}): ImportResult {
  const report: ReportItem[] = [];
  const errors: ImportInputError[] = [];
  const item = (ingress: string, annotation: string, result: ReportResult, detail: string) => report.push({ ingress, annotation, result, detail });

  // --- which Ingresses ingress-nginx served ---
  const ingresses: Ingress[] = [];
  for (const ing of input.ingresses) {
    const cls = ing.className ?? input.defaultClass;
    const controller = cls !== undefined ? input.ingressClasses.get(cls) : undefined;
    if (controller !== undefined && controller !== INGRESS_NGINX_CONTROLLER) {
      item(key(ing), 'spec.ingressClassName', 'unsupported', `IngressClass ${cls} belongs to controller ${controller}, not ${INGRESS_NGINX_CONTROLLER}: this Ingress was not served by ingress-nginx and is not converted`);
      for (const a of Object.keys(ing.annotations)) item(key(ing), a, 'unsupported', 'the Ingress is not converted (another controller\'s class)');
      continue;
    }
    ingresses.push(ing);
  }
  // ingress-nginx's store lists Ingresses oldest first; the older one owns a duplicated location
  ingresses.sort((a, b) => cmp(a.creationTimestamp ?? '', b.creationTimestamp ?? '') || cmp(key(a), key(b)));

  const gwName = options.gatewayName ?? DEFAULT_GATEWAY_NAME;
  const namespaces = [...new Set(ingresses.length ? ingresses.map((i) => i.namespace) : input.streams.map((s) => s.namespace))].sort(cmp);
  const gwNs = options.gatewayNamespace ?? (namespaces.length === 1 ? namespaces[0] : DEFAULT_GATEWAY_NAMESPACE);
  const className = options.gatewayClass ?? DEFAULT_GATEWAY_CLASS;

  const servicePort = (ns: string, svc: string, port: { number?: number; name?: string }, where: string, source?: Ingress['source']): number | undefined => {
    if (port.number !== undefined) return port.number;
    const s = input.services.find((o) => o.metadata.name === svc && (o.metadata.namespace ?? ns) === ns);
    const ports = (((s?.spec as Json | undefined)?.ports as Json[] | undefined) ?? []);
    const found = ports.find((p) => p.name === port.name);
    if (typeof found?.port === 'number') return found.port;
    errors.push({
      source,
      message: `${where}: Service port "${port.name}" of ${ns}/${svc} cannot be resolved to a number (${s ? 'the Service has no port of that name' : 'the Service is not in the input'}). Fix: ${s ? 'name an existing port of the Service' : 'add the Service\'s YAML to the input'}, or use port.number`,
    });
    return undefined;
  };
  const backendRef = (ing: Ingress, b: IngressBackend, where: string): BackendRef | undefined => {
    if (!b.service) {
      item(key(ing), where, 'unsupported', `a ${b.resource?.kind ?? 'resource'} backend (${b.resource?.name ?? ''}) has no Gateway API equivalent: the path is not converted`);
      return undefined;
    }
    const port = servicePort(ing.namespace, b.service.name, b.service.port, `Ingress ${key(ing)} ${where}`, ing.source);
    return port === undefined ? undefined : { name: b.service.name, port };
  };

  // --- canary and regex state per host ---
  const canaries = ingresses.filter((i) => isTrue(ann(i, 'canary')));
  const mains = ingresses.filter((i) => !isTrue(ann(i, 'canary')));
  const regexHosts = new Set<string>();
  for (const ing of mains) {
    if (isTrue(ann(ing, 'use-regex')) || ann(ing, 'rewrite-target') !== undefined) for (const r of ing.rules) regexHosts.add(r.host);
  }
  // ssl-passthrough: the host's TLS connections on 443 go undecrypted to the backend of its "/"
  // location (owned by the oldest Ingress with that path), by SNI; no HTTPS listener for the host
  const passthrough = new Map<string, Ingress>(); // host → the Ingress whose "/" backend gets the connections
  const rootOwner = new Map<string, Ingress>();
  for (const ing of mains) for (const r of ing.rules) if (r.paths.some((p) => p.path === '/') && !rootOwner.has(r.host)) rootOwner.set(r.host, ing);
  for (const [host, ing] of rootOwner) if (host !== '' && isTrue(ann(ing, 'ssl-passthrough'))) passthrough.set(host, ing);
  const tlsHosts = new Map<string, { ingress: Ingress; secret?: string; field: string }>();
  const passthroughTls = new Set<string>(); // passthrough hosts with a TLS entry: HTTP still redirects
  for (const ing of ingresses) {
    for (const entry of ing.tls) {
      let t = entry;
      const through = t.hosts.filter((h) => passthrough.has(h));
      for (const h of through) passthroughTls.add(h);
      if (through.length) {
        item(key(ing), t.field, 'converted', `${through.join(', ')} ${through.length > 1 ? 'are' : 'is'} passed through (ssl-passthrough): the backend presents its own certificate, this Secret is not used for ${through.length > 1 ? 'them' : 'it'}, as with ingress-nginx; HTTP still redirects to HTTPS unless ssl-redirect is "false"`);
        t = { ...t, hosts: t.hosts.filter((h) => !passthrough.has(h)) };
        if (!t.hosts.length) continue;
      }
      if (t.hosts.length === 0) {
        item(key(ing), t.field, 'unsupported', 'a TLS entry without hosts made ingress-nginx use this certificate as a default for hosts without one; a Gateway listener certificate needs a hostname: list the hosts in spec.tls[].hosts');
        continue;
      }
      if (!t.secretName) item(key(ing), t.field, 'unsupported', `no secretName: ingress-nginx served ${t.hosts.join(', ')} with its default (self-signed) certificate; the HTTPS listener needs a Secret: add secretName`);
      for (const h of t.hosts) if (!tlsHosts.has(h) && t.secretName) tlsHosts.set(h, { ingress: ing, secret: t.secretName, field: t.field });
      if (t.secretName) {
        item(key(ing), t.field, 'converted', `HTTPS listener(s) for ${t.hosts.join(', ')} with Secret ${t.secretName}; proxied answers carry ingress-nginx's default HSTS header (${HSTS}) through a ResponseHeaderModifier — remove it if your ingress-nginx ConfigMap set hsts: "false" (import does not read that ConfigMap)`);
      }
    }
  }

  // --- locations of the main Ingresses (the older Ingress owns a duplicated path) ---
  const locations: Location[] = [];
  const owner = new Map<string, Location>();
  for (const ing of mains) {
    for (const rule of ing.rules) {
      for (const p of rule.paths) {
        const k = `${rule.host}\u0000${p.path}\u0000${p.pathType}`;
        const first = owner.get(k);
        if (first) {
          item(key(ing), p.field, 'converted', `${rule.host || '*'} ${p.pathType} ${p.path} is also a path of the older Ingress ${key(first.ingress)}, which ingress-nginx serves it from: the same here (this path is not emitted)`);
          continue;
        }
        const b = backendRef(ing, p.backend, `${p.field}.backend`);
        if (!b) continue;
        const loc: Location = { ingress: ing, host: rule.host, path: p, backend: b };
        owner.set(k, loc);
        locations.push(loc);
      }
    }
  }
  for (const c of canaries) {
    for (const rule of c.rules) {
      for (const p of rule.paths) {
        const main = owner.get(`${rule.host}\u0000${p.path}\u0000${p.pathType}`);
        if (!main) {
          item(key(c), p.field, 'unsupported', `canary path ${rule.host || '*'} ${p.pathType} ${p.path} has no main Ingress with the same host, path and pathType: ingress-nginx dropped it, and so does import`);
          continue;
        }
        if (main.canary) {
          item(key(c), p.field, 'unsupported', `${rule.host || '*'} ${p.path} already has the canary ${key(main.canary.ingress)}: ingress-nginx honours one canary per location, this one is not converted`);
          continue;
        }
        const b = backendRef(c, p.backend, `${p.field}.backend`);
        if (b) main.canary = { ingress: c, backend: b };
      }
    }
  }

  // --- annotations: one report item each ---
  const converted = new Map<string, Set<string>>(); // ingress key → annotation names handled below
  const canaryCache = new Map<Ingress, CanaryConfig>();
  const handled = (ing: Ingress, name: string) => {
    const set = converted.get(key(ing)) ?? new Set<string>();
    set.add(name);
    converted.set(key(ing), set);
  };

  // --- routes ---
  const routes: KubeObject[] = [];
  const backendTls = new BackendTlsPolicies(input.secrets, mains, ann);
  const allowAll = new Set<string>();
  const httpsListeners = new Map<string, string>(); // host → listener name
  const usedNames = new Set<string>(['http']);
  for (const h of [...tlsHosts.keys()].sort(cmp)) {
    let name = `https-${slug(h)}`;
    for (let n = 2; usedNames.has(name); n++) name = `https-${slug(h)}-${n}`;
    usedNames.add(name);
    httpsListeners.set(h, name);
  }
  const parentRef = (ns: string, sectionName: string): Json => ({ name: gwName, ...(ns !== gwNs ? { namespace: gwNs } : {}), sectionName });

  const byIngressHost = new Map<string, Location[]>();
  for (const l of locations) {
    const k = `${key(l.ingress)}\u0000${l.host}`;
    byIngressHost.set(k, [...(byIngressHost.get(k) ?? []), l]);
  }
  const hostsOf = (ing: Ingress) => [...new Set(ing.rules.map((r) => r.host))];

  // --- ssl-passthrough: a TLS listener (Passthrough) and a TLSRoute per host ---
  const passthroughListeners: Json[] = [];
  const tlsRoutes: KubeObject[] = [];
  for (const ing of mains) {
    const v = ann(ing, 'ssl-passthrough');
    if (v === undefined) continue;
    handled(ing, 'ssl-passthrough');
    const a = `${NGINX_PREFIX}ssl-passthrough`;
    if (!isTrue(v)) {
      item(key(ing), a, 'converted', `"${v}": no effect`);
      continue;
    }
    const hosts = [...new Set(ing.rules.map((r) => r.host))].filter((h) => passthrough.get(h) === ing).sort(cmp);
    const notHere = [...new Set(ing.rules.map((r) => r.host))].filter((h) => passthrough.get(h) !== ing).sort(cmp);
    const done: string[] = [];
    for (const host of hosts) {
      const root = locations.find((l) => l.ingress === ing && l.host === host && l.path.path === '/');
      if (!root) continue;
      let lname = `tls-${slug(host)}`;
      for (let n = 2; usedNames.has(lname); n++) lname = `tls-${slug(host)}-${n}`;
      usedNames.add(lname);
      passthroughListeners.push({ name: lname, hostname: host, port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' }, ...(ing.namespace !== gwNs ? { allowedRoutes: { namespaces: { from: 'All' } } } : {}) });
      const name = hosts.length === 1 ? `${ing.name}-passthrough` : `${ing.name}-${slug(host)}-passthrough`;
      tlsRoutes.push({ apiVersion: GW_V1, kind: 'TLSRoute', metadata: { name, namespace: ing.namespace }, spec: { parentRefs: [parentRef(ing.namespace, lname)], hostnames: [host], rules: [{ backendRefs: [{ name: root.backend.name, port: root.backend.port }] }] } });
      done.push(`${host} → ${root.backend.name}:${root.backend.port} (listener ${lname}, TLSRoute ${ing.namespace}/${name})`);
    }
    const why = notHere.map((h) => (h === '' ? 'the rule without host (passthrough routes by SNI: it needs a hostname)' : `${h} (its "/" path ${rootOwner.has(h) ? `belongs to the older Ingress ${key(rootOwner.get(h)!)}, whose annotations decide` : 'is missing: ingress-nginx passes through to the backend of "/" only'})`));
    if (done.length) {
      item(key(ing), a, why.length ? 'approximated' : 'converted', `TLS connections on 443 are passed to the backend undecrypted, routed by SNI: a TLS listener (mode Passthrough) and a TLSRoute for ${done.join('; ')}. Port 80 keeps the Ingress's HTTP routing, as ingress-nginx did (its other annotations never applied to the passed-through connections). ingress-nginx needed --enable-ssl-passthrough for this; if it ran without it, the host was terminated instead${why.length ? `. Not passed through: ${why.join('; ')}` : ''}`);
    } else {
      item(key(ing), a, 'unsupported', `nothing to pass through: ${why.join('; ') || 'no "/" path'}. Fix: add a "/" path with the TLS backend`);
    }
  }

  const routeIngress = new Map<KubeObject, string>(); // GRPCRoute → its Ingress (conflict reports)
  const grpcIngresses: Ingress[] = [];
  for (const ing of mains) {
    const ik = key(ing);
    const firstRoute = routes.length; // the routes of this Ingress get its proxy options (proxy-options.ts)
    const hosts = hostsOf(ing);
    // backend-protocol GRPC/GRPCS: GRPCRoutes, annotations reported for what they become there (grpc.ts)
    const grpc = grpcProtocol(ing);
    const ingItem = grpc ? grpcItem(grpc, item) : item;
    const ctx = annotationsOf(ing, ingItem, handled, input.configMaps);
    for (const host of hosts) {
      const locs = byIngressHost.get(`${ik}\u0000${host}`) ?? [];
      const regex = regexHosts.has(host);
      const rules: Json[] = [];
      const redirectRules: Json[] = [];
      const routeName = hosts.length === 1 ? ing.name : `${ing.name}-${host ? slug(host) : 'any-host'}`;
      // app-root: a server-level `if ($uri = /) { return 302 $scheme://$http_host<app-root>; }`,
      // before any location (and before the HTTPS redirect): the host's "/" whatever the paths
      if (ctx.appRoot && locs.length && !grpc) {
        const r = { name: 'app-root', matches: [{ path: { type: 'Exact', value: '/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: ctx.appRoot }, statusCode: 302 } }] };
        rules.push(r);
        redirectRules.push(r);
      }
      locs.sort((a, b) => cmp(a.path.field, b.path.field));
      for (const l of locs) {
        let m: { match: PathMatch; rewrite?: Json } | undefined;
        let match: Json;
        if (grpc) {
          const g = grpcPathMatch(l.path.path, l.path.pathType, regex);
          if (g.result) item(ik, l.path.field, g.result, `${l.host || '*'} ${g.detail}`);
          if (!g.match) continue;
          match = g.match;
        } else {
          m = pathMatch(l, regex, ctx, item);
          if (!m) continue;
          match = { path: { type: m.match.type, value: m.match.value } };
        }
        const filters: Json[] = [];
        if (ctx.redirect && !grpc) {
          const r = { matches: [match], filters: [{ type: 'RequestRedirect', requestRedirect: ctx.redirect }] };
          rules.push(r);
          redirectRules.push(r); // a `return` runs before ingress-nginx's HTTPS redirect
          continue;
        }
        const rewrite: Json = {};
        if (m?.rewrite) rewrite.path = m.rewrite;
        if (ctx.vhost && !grpc) rewrite.hostname = ctx.vhost;
        if (Object.keys(rewrite).length) filters.push({ type: 'URLRewrite', urlRewrite: rewrite });
        const requestSet = [...(ctx.connection !== undefined && !grpc ? [{ name: 'Connection', value: ctx.connection }] : []), ...(ctx.forwardedPrefix !== undefined ? [{ name: 'X-Forwarded-Prefix', value: ctx.forwardedPrefix }] : [])];
        if (requestSet.length) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: requestSet } });
        // ingress-nginx's defaults (hsts: true, max-age one year, includeSubDomains) on TLS hosts,
        // then custom-headers (which win over it for the same name)
        const custom = ctx.responseHeaders ?? [];
        const responseSet = [...(tlsHosts.has(l.host) && !custom.some((h) => h.name.toLowerCase() === 'strict-transport-security') ? [{ name: 'Strict-Transport-Security', value: HSTS }] : []), ...custom];
        if (responseSet.length) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: responseSet } });
        if (ctx.cors && !grpc) filters.push(ctx.cors);
        // a GRPCRoute rule without method match matches every call: no matches at all
        const base: Json = { ...(Object.keys(match).length ? { matches: [match] } : {}), ...(filters.length ? { filters } : {}) };
        const timeouts = ctx.timeout && !grpc ? { timeouts: { backendRequest: ctx.timeout, request: ctx.timeout } } : {};
        const ref = (b: BackendRef, weight?: number): Json => ({ name: b.name, port: b.port, ...(weight !== undefined ? { weight } : {}) });
        const canary = l.canary ? canaryOf(l.canary.ingress, item, handled, canaryCache) : undefined;
        if (l.canary && canary) {
          // ingress-nginx's balancer: the header decides (value, else pattern, else always/never),
          // then the cookie (always/never), then the weight; rules with one header match each, in
          // that order (Gateway API: the first listed rule wins among equally specific matches)
          if (canary.header) {
            const hm = (value: string, type?: string) => ({ ...match, headers: [{ ...(type ? { type } : {}), name: canary.header!, value }] });
            if (canary.headerPattern !== undefined) rules.push({ ...base, matches: [hm(canary.headerPattern, 'RegularExpression')], backendRefs: [ref(l.canary.backend)], ...timeouts });
            else rules.push({ ...base, matches: [hm(canary.headerValue ?? 'always')], backendRefs: [ref(l.canary.backend)], ...timeouts });
            if (canary.headerValue === undefined && canary.headerPattern === undefined) rules.push({ ...base, matches: [hm('never')], backendRefs: [ref(l.backend)], ...timeouts });
          }
          if (canary.cookie) {
            const cm = (value: string) => ({ ...match, headers: [{ type: 'RegularExpression', name: 'Cookie', value: cookieRegex(canary.cookie!, value) }] });
            rules.push({ ...base, matches: [cm('always')], backendRefs: [ref(l.canary.backend)], ...timeouts });
            rules.push({ ...base, matches: [cm('never')], backendRefs: [ref(l.backend)], ...timeouts });
          }
          const w = Math.min(canary.weight, canary.total);
          rules.push({ ...base, backendRefs: w > 0 ? [ref(l.backend, canary.total - w), ref(l.canary.backend, w)] : [ref(l.backend)], ...timeouts });
        } else {
          rules.push({ ...base, backendRefs: [ref(l.backend)], ...timeouts });
        }
        redirectRules.push({ matches: [grpc ? grpcRedirectPath(l.path.path, l.path.pathType) : match], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }] });
      }
      if (!rules.length) continue;
      const tls = tlsHosts.has(host);
      const redirect = ctx.forceSsl || ((tls || passthroughTls.has(host)) && ctx.sslRedirect);
      const parents: Json[] = [];
      // gRPC on a TLS host: HTTPS only (ingress-nginx's port 80 was HTTP/1.1, which gRPC clients cannot use)
      if (!redirect && !(grpc && tls)) parents.push(parentRef(ing.namespace, 'http'));
      if (tls) parents.push(parentRef(ing.namespace, httpsListeners.get(host)!));
      if (ing.namespace !== gwNs) allowAll.add(ing.namespace);
      // a passed-through host that redirects HTTP has no listener left for its proxied rules
      if (parents.length && grpc) {
        const r = grpcRoute(ing.namespace, routeName, host, parents, rules);
        routeIngress.set(r, ik);
        routes.push(r);
      } else if (parents.length) routes.push(httpRoute(ing.namespace, routeName, host, parents, rules));
      if (redirect) routes.push(httpRoute(ing.namespace, `${routeName}-ssl-redirect`, host, [parentRef(ing.namespace, 'http')], dedupe(redirectRules)));
    }
    // spec.defaultBackend: the catch-all of requests no host matches (Ingress without rules), or
    // the `/` location of the Ingress's hosts that have none
    if (ing.defaultBackend) {
      const b = backendRef(ing, ing.defaultBackend, 'spec.defaultBackend');
      if (b) {
        if (ing.rules.length === 0) {
          routes.push(httpRoute(ing.namespace, `${ing.name}-default-backend`, '', [parentRef(ing.namespace, 'http')], [{ backendRefs: [{ name: b.name, port: b.port }] }]));
          if (ing.namespace !== gwNs) allowAll.add(ing.namespace);
          item(ik, 'spec.defaultBackend', 'converted', 'requests whose host no Ingress names go to this Service: an HTTPRoute without hostnames on the HTTP listener');
        } else {
          item(ik, 'spec.defaultBackend', 'approximated', 'ingress-nginx sent the unmatched paths of this Ingress\'s hosts here; import does not emit it for hosts that have rules: add a PathPrefix "/" path to the Ingress (or the HTTPRoute) for the same effect');
        }
      }
    }
    if (ctx.backendTls) {
      const backends = locations.filter((l) => l.ingress === ing).flatMap((l) => [l.backend, ...(l.canary ? [l.canary.backend] : [])]);
      backendTls.add(ing, (n) => ann(ing, n), backends, (n, result, detail) => {
        handled(ing, n);
        ingItem(ik, NGINX_PREFIX + n, result, detail);
      });
    }
    applyProxyOptions(ing, routes.slice(firstRoute), item, handled);
    if (grpc) grpcIngresses.push(ing); // listeners reported once the routes are final (below)
    reportRemaining(ing, converted.get(ik) ?? new Set(), item);
    const rt = `${NGINX_PREFIX}rewrite-target`;
    if (ing.annotations[rt] !== undefined && !report.some((i) => i.ingress === ik && i.annotation === rt)) {
      ingItem(ik, rt, 'unsupported', 'no converted path of the Ingress to rewrite: no effect');
    }
  }
  for (const c of canaries) {
    const used = locations.some((l) => l.canary?.ingress === c);
    if (used) canaryOf(c, item, handled, canaryCache);
    const set = converted.get(key(c)) ?? new Set<string>();
    for (const a of Object.keys(c.annotations)) {
      if (a === 'cert-manager.io/cluster-issuer' || a === 'cert-manager.io/issuer') continue; // reported with the Gateway
      const name = a.startsWith(NGINX_PREFIX) ? a.slice(NGINX_PREFIX.length) : undefined;
      if (name !== undefined && set.has(name)) continue;
      if (name === 'canary' || (name !== undefined && name.startsWith('canary-'))) {
        item(key(c), a, 'unsupported', name === 'canary' || CONVERTED_ANNOTATIONS.includes(name) ? 'the canary has no main location to join: nothing converted' : unsupportedReason(name));
      } else {
        item(key(c), a, 'converted', 'ignored on a canary Ingress by ingress-nginx too: the main Ingress\'s annotations apply to the canary backend');
      }
    }
  }

  // an HTTPRoute and a GRPCRoute cannot share a listener and hostname: the GRPCRoute gives way
  const grpcBefore = routes.filter((r) => r.kind === 'GRPCRoute').map((r) => ({ r, n: (r.spec as { parentRefs: Json[] }).parentRefs.length }));
  routes.splice(0, routes.length, ...dropGrpcConflicts(routes, item, (r) => routeIngress.get(r) ?? ''));
  for (const ing of grpcIngresses) {
    const ik = key(ing);
    const mine = grpcBefore.filter((x) => routeIngress.get(x.r) === ik);
    const kept = mine.filter((x) => routes.includes(x.r));
    const hostsOn = (https: boolean) => kept.filter((x) => (x.r.spec as { parentRefs: Json[] }).parentRefs.some((p) => (p.sectionName !== 'http') === https)).map((x) => ((x.r.spec as { hostnames?: string[] }).hostnames ?? [''])[0]);
    const dropped = kept.length < mine.length || kept.some((x) => (x.r.spec as { parentRefs: Json[] }).parentRefs.length < x.n);
    if (grpcProtocol(ing) === 'GRPCS') {
      // TLS to the backend is reported with the policy (backend-tls.ts); here the h2c difference of hosts without TLS
      const plain = hostsOn(false);
      if (plain.length) item(ik, `${NGINX_PREFIX}backend-protocol`, 'approximated', grpcProtocolDetail([], plain, false)!.detail.replace(/^GRPC: HTTP\/2 to the backend \(grpc_pass\)\. /, 'GRPCS, hosts without TLS: '));
      continue;
    }
    const g = grpcProtocolDetail(hostsOn(true), hostsOn(false), dropped);
    if (g) item(ik, `${NGINX_PREFIX}backend-protocol`, g.result, g.detail);
  }

  // --- certificates: cert-manager's ingress-shim annotations move to the Gateway ---
  const gatewayAnnotations: Record<string, string> = {};
  for (const ing of ingresses) {
    for (const a of ['cert-manager.io/cluster-issuer', 'cert-manager.io/issuer']) {
      const v = ing.annotations[a];
      if (v === undefined) continue;
      if (ing.namespace === gwNs && (gatewayAnnotations[a] ?? v) === v) {
        gatewayAnnotations[a] = v;
        item(key(ing), a, 'converted', `copied to Gateway ${gwNs}/${gwName}: cert-manager's gateway-shim issues the listener certificates from ${v} as its ingress-shim did`);
      } else {
        item(key(ing), a, 'unsupported', ing.namespace !== gwNs ? `cert-manager's gateway-shim issues certificates in the Gateway's namespace (${gwNs}), not ${ing.namespace}: create a Certificate for the Secret in ${ing.namespace} instead` : `the Ingresses name different issuers for one Gateway: create a Certificate per Secret`);
      }
    }
  }

  // --- TCP / UDP services ---
  const streamListeners: Json[] = [];
  const streamRoutes: KubeObject[] = [];
  for (const s of [...input.streams].sort((a, b) => cmp(a.protocol, b.protocol) || a.port - b.port)) {
    const where = `ConfigMap ${s.origin.split(' ')[1]}`;
    const field = s.origin.slice(s.origin.indexOf('data['));
    if ([80, 443].includes(s.port)) {
      item(where, field, 'unsupported', `port ${s.port} is reserved for HTTP/HTTPS: ingress-nginx ignored this entry, and so does import`);
      continue;
    }
    const port = servicePort(s.namespace, s.service, /^[0-9]+$/.test(s.servicePort) ? { number: Number(s.servicePort) } : { name: s.servicePort }, s.origin);
    if (port === undefined) continue;
    const lname = `${s.protocol.toLowerCase()}-${s.port}`;
    streamListeners.push({ name: lname, port: s.port, protocol: s.protocol, ...(s.namespace !== gwNs ? { allowedRoutes: { namespaces: { from: 'All' } } } : {}) });
    streamRoutes.push({
      apiVersion: GW_V1,
      kind: s.protocol === 'TCP' ? 'TCPRoute' : 'UDPRoute',
      metadata: { name: `${s.service}-${lname}`, namespace: s.namespace },
      spec: { parentRefs: [parentRef(s.namespace, lname)], rules: [{ backendRefs: [{ name: s.service, port }] }] },
    });
    if (s.proxyProtocol.length) item(where, field, 'unsupported', `the PROXY protocol flags (${s.proxyProtocol.join(':')}) have no Gateway API field: the ${s.protocol} listener ${lname} forwards plain connections`);
    else item(where, field, 'converted', `${s.protocol} listener ${lname} (port ${s.port}) and ${s.protocol}Route ${s.namespace}/${s.service}-${lname} to ${s.service}:${port}`);
  }

  // --- the Gateway ---
  const listeners: Json[] = [];
  const routeAllowed = allowAll.size ? { allowedRoutes: { namespaces: { from: 'All' } } } : {};
  if (routes.length) listeners.push({ name: 'http', port: 80, protocol: 'HTTP', ...routeAllowed });
  const grants = new Map<string, Set<string>>(); // secret namespace → names
  for (const [host, lname] of [...httpsListeners].sort((a, b) => cmp(a[1], b[1]))) {
    const t = tlsHosts.get(host)!;
    const ns = t.ingress.namespace;
    if (ns !== gwNs) grants.set(ns, (grants.get(ns) ?? new Set()).add(t.secret!));
    listeners.push({ name: lname, hostname: host, port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: t.secret, ...(ns !== gwNs ? { namespace: ns } : {}) }] }, ...routeAllowed });
  }
  listeners.push(...passthroughListeners, ...streamListeners);
  const cc = backendTls.clientCertificate;
  if (cc && cc.namespace !== gwNs) grants.set(cc.namespace, (grants.get(cc.namespace) ?? new Set()).add(cc.name));
  const objects: KubeObject[] = [];
  if (!options.gatewayClass) objects.push({ apiVersion: GW_V1, kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName: BUILTIN_CONTROLLER_NAME } });
  if (listeners.length) {
    objects.push({
      apiVersion: GW_V1,
      kind: 'Gateway',
      metadata: { name: gwName, namespace: gwNs, ...(Object.keys(gatewayAnnotations).length ? { annotations: sortKeys(gatewayAnnotations) } : {}) },
      spec: { gatewayClassName: className, listeners, ...(cc ? { tls: { backend: { clientCertificateRef: { name: cc.name, ...(cc.namespace !== gwNs ? { namespace: cc.namespace } : {}) } } } } : {}) },
    });
  }
  for (const [ns, names] of [...grants].sort((a, b) => cmp(a[0], b[0]))) {
    objects.push({
      apiVersion: REFERENCE_GRANT_API_VERSION,
      kind: 'ReferenceGrant',
      // the name and version the library's constructs derive for this grant (see ensureReferenceGrant),
      // so the generated main.ts synthesizes the same object
      metadata: { name: `${gwNs}-gateway-to-secret`, namespace: ns },
      spec: { from: [{ group: GW, kind: 'Gateway', namespace: gwNs }], to: [...names].sort(cmp).map((name) => ({ group: '', kind: 'Secret', name })) },
    });
  }
  objects.push(...input.namespaces, ...routes, ...tlsRoutes, ...streamRoutes, ...backendTls.objects(), ...input.services, ...input.secrets);
  report.sort((a, b) => cmp(a.ingress, b.ingress) || cmp(a.annotation, b.annotation) || cmp(a.result, b.result) || cmp(a.detail, b.detail));
  return { objects: sortObjects(objects), report, errors };
}

/** The annotations of a main Ingress that shape its rules, each reported once. */
interface IngressAnnotations {
  readonly appRoot?: string;
  readonly redirect?: Json;
  readonly rewriteTarget?: string;
  readonly vhost?: string;
  readonly forwardedPrefix?: string;
  readonly timeout?: string;
  readonly sslRedirect: boolean;
  readonly forceSsl: boolean;
  /** `enable-cors` (+ `cors-*`): the CORS filter of the proxied rules. */
  readonly cors?: Json;
  /** `custom-headers`: response headers set on the proxied rules. */
  readonly responseHeaders?: readonly { name: string; value: string }[];
  /** `connection-proxy-header`: the Connection header sent to the backend. */
  readonly connection?: string;
  /** `backend-protocol: HTTPS`: a BackendTLSPolicy for the backends (made once the backends are known). */
  readonly backendTls?: boolean;
}

/** Adds one report item. */
export type ItemFn = (ingress: string, annotation: string, result: ReportResult, detail: string) => void;

function annotationsOf(ing: Ingress, item: ItemFn, handled: (i: Ingress, n: string) => void, configMaps: readonly KubeObject[]): IngressAnnotations {
  const ik = key(ing);
  const A = (n: string) => NGINX_PREFIX + n;
  const report = (n: string, result: ReportResult, detail: string) => {
    handled(ing, n);
    item(ik, A(n), result, detail);
  };
  const out: { -readonly [K in keyof IngressAnnotations]: IngressAnnotations[K] } = { sslRedirect: true, forceSsl: false };

  const ssl = ann(ing, 'ssl-redirect');
  if (ssl !== undefined) {
    out.sslRedirect = ssl !== 'false';
    report('ssl-redirect', 'converted', ssl === 'false' ? 'HTTP is served, not redirected: the route attaches to the HTTP listener too' : 'HTTP requests of TLS hosts redirect to HTTPS with 308: a RequestRedirect route on the HTTP listener (308 as ingress-nginx)');
  }
  const force = ann(ing, 'force-ssl-redirect');
  if (force !== undefined) {
    out.forceSsl = isTrue(force);
    report('force-ssl-redirect', 'converted', out.forceSsl ? 'HTTP requests redirect to HTTPS with 308 even without a TLS section: a RequestRedirect route on the HTTP listener' : 'false: no effect');
  }
  const root = ann(ing, 'app-root');
  if (root !== undefined) {
    if (/^\/[^\s?#"\\{}]*$/.test(root)) {
      out.appRoot = root;
      report('app-root', 'converted', `"/" of the Ingress's hosts redirects with 302 to ${root} (HTTP and HTTPS): an Exact "/" rule with a RequestRedirect (ReplaceFullPath) on both listeners`);
    } else report('app-root', 'unsupported', `"${root}" is not a path starting with "/" (ingress-nginx rejects it too)`);
  }
  // temporal-redirect wins over permanent-redirect (ingress-nginx's redirect parser reads it first)
  for (const [n, code] of [['temporal-redirect', 302], ['permanent-redirect', 301]] as const) {
    const url = ann(ing, n);
    if (url === undefined) continue;
    const codeAnn = ann(ing, `${n}-code`);
    if (out.redirect) {
      report(n, 'unsupported', 'temporal-redirect is also set and wins in ingress-nginx: ignored');
      if (codeAnn !== undefined) report(`${n}-code`, 'unsupported', 'its redirect is ignored (temporal-redirect wins)');
      continue;
    }
    let status: number = code;
    if (codeAnn !== undefined) {
      const c = Number(codeAnn);
      if ([301, 302, 303, 307, 308].includes(c)) {
        status = c;
        report(`${n}-code`, 'converted', `statusCode ${c}`);
      } else report(`${n}-code`, 'unsupported', `"${codeAnn}" is not a redirect code Gateway API allows (301, 302, 303, 307, 308): ${code} is used`);
    }
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      u = undefined;
    }
    if (!u || !['http:', 'https:'].includes(u.protocol) || u.username || u.password || u.hash) {
      report(n, 'unsupported', `"${url}" is not an absolute http(s) URL without credentials or fragment: not converted, the Ingress's paths are proxied instead`);
      continue;
    }
    if (u.search) {
      report(n, 'unsupported', `"${url}" has a query string, which a Gateway API redirect cannot set: not converted, the Ingress's paths are proxied instead`);
      continue;
    }
    const scheme = u.protocol.slice(0, -1);
    out.redirect = { scheme, hostname: u.hostname, ...(u.port ? { port: Number(u.port) } : {}), path: { type: 'ReplaceFullPath', replaceFullPath: u.pathname || '/' }, statusCode: status };
    report(n, 'approximated', `every path of the Ingress redirects with ${status} to ${url}: a RequestRedirect filter. Difference: the request's query string is appended to the Location (ingress-nginx dropped it)${u.pathname === '/' && !/\/$/.test(url) ? '; the Location ends with "/"' : ''}`);
  }
  const vhost = ann(ing, 'upstream-vhost');
  if (vhost !== undefined) {
    if (/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i.test(vhost) && !vhost.startsWith('*')) {
      out.vhost = vhost.toLowerCase();
      report('upstream-vhost', 'converted', `the backend gets Host: ${out.vhost}: URLRewrite hostname`);
    } else report('upstream-vhost', 'unsupported', `"${vhost}" is not a plain hostname (nginx variables and ports cannot be expressed by URLRewrite hostname): not converted`);
  }
  const xfp = ann(ing, 'x-forwarded-prefix');
  if (xfp !== undefined) {
    if (/^[\x20-\x7e]*$/.test(xfp) && !xfp.includes('$')) {
      out.forwardedPrefix = xfp;
      report('x-forwarded-prefix', 'converted', `the backend gets X-Forwarded-Prefix: ${xfp}: RequestHeaderModifier set`);
    } else report('x-forwarded-prefix', 'unsupported', `"${xfp}" uses nginx variables or non-ASCII characters, which a header value cannot carry: not converted`);
  }
  const secs = (n: string, def: number): number | undefined => {
    const v = ann(ing, n);
    if (v === undefined) return undefined;
    const m = /^([0-9]+)(s?)$/.exec(v);
    if (!m) {
      report(n, 'unsupported', `"${v}" is not a number of seconds: not converted (ingress-nginx ignores it too and keeps ${def}s)`);
      return undefined;
    }
    return Number(m[1]);
  };
  const connect = secs('proxy-connect-timeout', 5);
  const read = secs('proxy-read-timeout', 60);
  const send = secs('proxy-send-timeout', 60);
  if (read !== undefined || send !== undefined || connect !== undefined) {
    const r = read ?? 60;
    const s = send ?? 60;
    const value = Math.max(r, s);
    out.timeout = `${value}s`;
    const c = Math.min(value, 60);
    const why = `timeouts.backendRequest ${value}s: the built-in proxy waits ${value}s between reads and writes of the backend (504 after) and ${c}s to connect. Difference: ingress-nginx had connect ${connect ?? 5}s, read ${r}s, send ${s}s`;
    for (const [n, v] of [['proxy-connect-timeout', connect], ['proxy-read-timeout', read], ['proxy-send-timeout', send]] as const) {
      if (v === undefined) continue;
      report(n, (connect ?? 5) === c && r === s ? 'converted' : 'approximated', why);
    }
  }
  const proto = ann(ing, 'backend-protocol');
  if (proto !== undefined) {
    const p = proto.toUpperCase();
    if (p === 'HTTP' || p === 'AUTO_HTTP') report('backend-protocol', 'converted', 'HTTP/1.1 to the backend, as Gateway API does by default');
    else if (p === 'HTTPS') out.backendTls = true; // reported with the policies (backend-tls.ts)
    else if (p === 'GRPCS') out.backendTls = true; // GRPCRoutes + the policies (backend-tls.ts, reported through grpc.ts)
    else if (p === 'GRPC') handled(ing, 'backend-protocol'); // GRPCRoutes, reported with them (grpc.ts)
    else report('backend-protocol', 'unsupported', `${proto}: Gateway API has no ${p} backends`);
  }
  if (!out.backendTls) {
    // without TLS to the backend the proxy-ssl-* annotations do nothing in ingress-nginx
    for (const n of ['proxy-ssl-secret', 'proxy-ssl-verify', 'proxy-ssl-verify-depth', 'proxy-ssl-name', 'proxy-ssl-server-name', 'proxy-ssl-ciphers', 'proxy-ssl-protocols']) {
      if (ann(ing, n) === undefined) continue;
      report(n, 'converted', `no effect: backend-protocol is ${proto === undefined ? 'not set' : `"${proto}"`}, so ingress-nginx connected to the backend without TLS (as here)`);
    }
  }
  const useRegex = ann(ing, 'use-regex');
  if (useRegex !== undefined) {
    report('use-regex', 'converted', isTrue(useRegex) ? 'every path of the Ingress\'s hosts is a case-insensitive prefix regex (ingress-nginx\'s location ~* "^PATH"): RegularExpression matches "(?i)PATH.*" (see the report items of the paths)' : 'false: plain paths');
  }
  const target = ann(ing, 'rewrite-target');
  if (target !== undefined) out.rewriteTarget = target; // reported per path (pathMatch)
  const cors = corsFilter((n) => ann(ing, n), report);
  if (cors) out.cors = cors;
  const headers = customHeaders(ing, ann(ing, 'custom-headers'), configMaps, report);
  if (headers) out.responseHeaders = headers;
  const conn = ann(ing, 'connection-proxy-header');
  if (conn !== undefined) {
    if (/^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/.test(conn) && !conn.includes('$')) {
      out.connection = conn;
      report('connection-proxy-header', 'approximated', `the backend gets Connection: ${conn} (a RequestHeaderModifier set on the proxied rules; the built-in proxy sends it as ingress-nginx did). As with ingress-nginx, the value replaces the default (Connection: upgrade for upgrade requests), so WebSocket upgrades through these rules need the value upgrade. Difference: Connection is hop-by-hop, so other Gateway API implementations may drop or replace it`);
    } else report('connection-proxy-header', 'unsupported', `"${conn}" is not a list of header tokens (nginx variables cannot be a header value): not converted, the built-in proxy sends Connection: upgrade for upgrade requests and nothing otherwise (keep-alive to the backend)`);
  }
  return out;
}

/** The canary annotations of a canary Ingress (reported once). */
interface CanaryConfig {
  readonly weight: number;
  readonly total: number;
  readonly header?: string;
  readonly headerValue?: string;
  /** `canary-by-header-pattern` as a full-match regex (ingress-nginx searched it anywhere in the value). */
  readonly headerPattern?: string;
  readonly cookie?: string;
}

/**
 * A full-match regex over the Cookie header that holds when nginx's `$cookie_NAME` (the first
 * `NAME=` of the header, name compared case-insensitively, spaces allowed around `=`, the value up
 * to `;`) equals `value`.
 */
export function cookieRegex(name: string, value: string): string {
  const n = `(?i:${escapeRe(name)})`;
  return `(?:(?! *${n} *=)[^;,]*[;,])* *${n} *= *${escapeRe(value)}(?:;.*)?`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function canaryOf(c: Ingress, item: ItemFn, handled: (i: Ingress, n: string) => void, canaryReported: Map<Ingress, CanaryConfig>): CanaryConfig {
  const done = canaryReported.get(c);
  if (done) return done;
  const ik = key(c);
  const report = (n: string, result: ReportResult, detail: string) => {
    handled(c, n);
    item(ik, NGINX_PREFIX + n, result, detail);
  };
  const int = (n: string, def: number): number => {
    const v = ann(c, n);
    if (v === undefined) return def;
    if (!/^[0-9]+$/.test(v)) {
      report(n, 'unsupported', `"${v}" is not a whole number: ${def} is used, as ingress-nginx does`);
      return def;
    }
    return Number(v);
  };
  const total = int('canary-weight-total', 100) || 100;
  const weight = int('canary-weight', 0);
  const headerName = ann(c, 'canary-by-header');
  const header = headerName !== undefined && /^[A-Za-z0-9-]+$/.test(headerName) ? headerName : undefined;
  const hvRaw = header ? ann(c, 'canary-by-header-value') : undefined;
  const headerValue = hvRaw !== '' ? hvRaw : undefined;
  const patternRaw = header && headerValue === undefined ? ann(c, 'canary-by-header-pattern') : undefined;
  let headerPattern: string | undefined;
  let patternProblem: string | undefined;
  if (patternRaw !== undefined && patternRaw !== '') {
    // ngx.re.match searches the value (no anchors): the same as a full match of .*(?:P).*
    const full = `.*(?:${patternRaw}).*`;
    try {
      checkPcre(full, 'canary-by-header-pattern');
      headerPattern = full;
    } catch (e) {
      patternProblem = (e as Error).message;
    }
  }
  const cookieName = ann(c, 'canary-by-cookie');
  const cookie = cookieName !== undefined && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(cookieName) ? cookieName : undefined;
  const cfg: CanaryConfig = { weight, total, ...(header ? { header } : {}), ...(headerValue !== undefined ? { headerValue } : {}), ...(headerPattern !== undefined ? { headerPattern } : {}), ...(cookie ? { cookie } : {}) };
  canaryReported.set(c, cfg);
  report('canary', 'converted', 'the canary\'s Service joins the backendRefs of the main Ingress\'s rule with the same host, path and pathType');
  if (ann(c, 'canary-weight') !== undefined && !c.annotations[NGINX_PREFIX + 'canary-weight']!.match(/[^0-9]/)) {
    report('canary-weight', 'converted', `weights ${total - Math.min(weight, total)} (main) / ${Math.min(weight, total)} (canary) of ${total}`);
  }
  if (ann(c, 'canary-weight-total') !== undefined && /^[0-9]+$/.test(ann(c, 'canary-weight-total')!)) report('canary-weight-total', 'converted', `the weights are out of ${total}`);
  const then = cookie ? `the cookie ${cookie}` : 'the weights';
  if (headerName !== undefined) {
    if (header) {
      report('canary-by-header', 'converted', headerValue !== undefined ? `requests with ${header}: ${headerValue} go to the canary (a rule with a header match); others follow ${then}` : headerPattern !== undefined ? `requests whose ${header} matches canary-by-header-pattern go to the canary; others follow ${then}` : `${header}: always → canary, ${header}: never → main (rules with header matches); other values follow ${then}`);
    } else report('canary-by-header', 'unsupported', `"${headerName}" is not a header name: not converted`);
  }
  const hv = ann(c, 'canary-by-header-value');
  if (hv !== undefined) {
    if (header && headerValue !== undefined) report('canary-by-header-value', 'converted', `an Exact header match on ${header}: ${hv} (case-sensitive value, as ingress-nginx compares it)`);
    else if (header) report('canary-by-header-value', 'converted', 'empty: no effect, as in ingress-nginx (canary-by-header-pattern or always/never decide)');
    else report('canary-by-header-value', 'unsupported', 'needs a valid canary-by-header: not converted');
  }
  const hp = ann(c, 'canary-by-header-pattern');
  if (hp !== undefined) {
    if (!header) report('canary-by-header-pattern', 'unsupported', 'needs a valid canary-by-header: no effect (as in ingress-nginx)');
    else if (headerValue !== undefined) report('canary-by-header-pattern', 'converted', 'canary-by-header-value is set and wins in ingress-nginx: no effect, as here');
    else if (hp === '') report('canary-by-header-pattern', 'converted', 'empty: no effect, as in ingress-nginx (always/never decide)');
    else if (headerPattern !== undefined) report('canary-by-header-pattern', 'converted', `a RegularExpression header match on ${header}: ${headerPattern} (ingress-nginx's ngx.re.match finds the pattern anywhere in the value, case-sensitively; the full match .*(?:…).* is the same). ${header}: never no longer means the main backend, as in ingress-nginx`);
    else report('canary-by-header-pattern', 'unsupported', `${patternProblem}: not converted, requests with ${header} follow ${then}. Fix: write the pattern without the reported construct`);
  }
  if (cookieName !== undefined) {
    if (cookie) report('canary-by-cookie', 'converted', `cookie ${cookie}=always → canary, ${cookie}=never → main, after the header and before the weights (rules matching the Cookie header with RegularExpression ${cookieRegex(cookie, 'always')} and the same for never: the first ${cookie}= of the header decides, the name case-insensitively, as nginx's $cookie_${cookie})`);
    else report('canary-by-cookie', 'unsupported', `"${cookieName}" is not a cookie name: not converted`);
  }
  return cfg;
}

/**
 * The Gateway API path match of a location, and the rewrite its Ingress's `rewrite-target` turns
 * into; reports the paths whose match differs from ingress-nginx's and the rewrite.
 */
function pathMatch(l: Location, regex: boolean, ctx: IngressAnnotations, item: ItemFn): { match: PathMatch; rewrite?: Json } | undefined {
  const ik = key(l.ingress);
  const { path, pathType, field } = l.path;
  const target = ctx.rewriteTarget;
  const rewriteItem = (result: ReportResult, detail: string) => item(ik, `${NGINX_PREFIX}rewrite-target`, result, `${l.host || '*'} ${path}: ${detail}`);
  if (!regex) {
    if (pathType === 'Exact') return { match: { type: 'Exact', value: path } };
    if (pathType === 'ImplementationSpecific' && path !== '/') {
      item(ik, field, 'approximated', `ImplementationSpecific ${path} was an nginx string prefix (it also matched ${path.replace(/\/$/, '')}x…); PathPrefix matches whole path elements only (${path.replace(/\/$/, '')} and ${path.replace(/\/$/, '')}/…). Fix if that matters: list the other paths explicitly`);
    }
    return { match: { type: 'PathPrefix', value: path } };
  }
  // regex host: ingress-nginx's `location ~* "^PATH"`, with `rewrite "(?i)PATH" TARGET break;`
  if (target !== undefined) {
    const m = /^((?:\/[A-Za-z0-9._~-]+)+)\(\/\|\$\)\(\.\*\)$/.exec(path);
    const t = /^(\/(?:[A-Za-z0-9._~-]+\/)*)\$2$/.exec(target);
    if (m && t) {
      const replace = t[1] === '/' ? '/' : t[1].replace(/\/$/, '');
      rewriteItem('approximated', `PathPrefix ${m[1]} with URLRewrite ReplacePrefixMatch "${replace}" (the capture form PREFIX(/|$)(.*) → ${target})${t[1] === '/' ? '' : `; ${m[1]} alone is rewritten to ${replace}, ingress-nginx gave ${t[1]}`}. Difference: ingress-nginx matched case-insensitively (~*), so ${m[1].toUpperCase()}/x reached this backend; Gateway API paths are case-sensitive`);
      return { match: { type: 'PathPrefix', value: m[1] }, rewrite: { type: 'ReplacePrefixMatch', replacePrefixMatch: replace } };
    }
    if (!target.includes('$')) {
      const re = regexMatch(path, l, item, true);
      if (!re) return undefined;
      if (!/^\/[^\s?#"\\{}]*$/.test(target)) {
        rewriteItem('unsupported', `"${target}" is not a plain path: not rewritten, the backend gets the original path`);
        return { match: re };
      }
      rewriteItem('converted', `every request of the location is rewritten to ${target} (nginx's rewrite replaces the whole path; the query is kept): URLRewrite ReplaceFullPath`);
      return { match: re, rewrite: { type: 'ReplaceFullPath', replaceFullPath: target } };
    }
    const re = regexMatch(path, l, item, true);
    if (!re) return undefined;
    rewriteItem('unsupported', `"${target}" uses capture groups of ${path} other than the PREFIX(/|$)(.*) → /$2 form; Gateway API rewrites cannot use captures: not rewritten, the backend gets the original path`);
    return { match: re };
  }
  if (path === '/') return { match: { type: 'PathPrefix', value: '/' } };
  const re = regexMatch(path, l, item, true);
  return re ? { match: re } : undefined;
}

/** `~* "^PATH"` as a Gateway API RegularExpression (full match): `(?i)(?:PATH).*`. */
function regexMatch(path: string, l: Location, item: ItemFn, report = false): PathMatch | undefined {
  const value = `(?i)(?:${path}).*`;
  try {
    checkPcre(value, 'path');
  } catch (e) {
    if (report) item(key(l.ingress), l.path.field, 'unsupported', `${path} as a regex (use-regex on host ${l.host || '*'}): ${(e as Error).message}; the path is not converted`);
    return undefined;
  }
  if (report) {
    item(key(l.ingress), l.path.field, 'converted', `${l.path.pathType} ${path} on a host with use-regex/rewrite-target was ingress-nginx's case-insensitive prefix regex ~* "^${path}": RegularExpression ${value}${l.path.pathType === 'Exact' ? ' (ingress-nginx ignored Exact on such hosts; so does import, to keep the behaviour)' : ''}`);
  }
  return { type: 'RegularExpression', value };
}

function reportRemaining(ing: Ingress, handled: Set<string>, item: ItemFn): void {
  for (const a of Object.keys(ing.annotations)) {
    if (a === 'cert-manager.io/cluster-issuer' || a === 'cert-manager.io/issuer') continue; // reported with the Gateway
    if (!a.startsWith(NGINX_PREFIX)) {
      item(key(ing), a, a === 'kubernetes.io/ingress.class' ? 'converted' : 'unsupported', a === 'kubernetes.io/ingress.class' ? 'selects ingress-nginx: the routes attach to the imported Gateway' : 'not an ingress-nginx annotation: not carried over to the Gateway API objects');
      continue;
    }
    const name = a.slice(NGINX_PREFIX.length);
    if (handled.has(name)) continue;
    if (name === 'rewrite-target') continue; // reported per path
    if (name.startsWith('canary')) {
      item(key(ing), a, 'unsupported', 'canary annotations without canary: "true" have no effect in ingress-nginx');
      continue;
    }
    if (name === 'permanent-redirect-code' || name === 'temporal-redirect-code') {
      item(key(ing), a, 'unsupported', `no ${name.replace('-code', '')} to apply it to: no effect`);
      continue;
    }
    item(key(ing), a, 'unsupported', CONVERTED_ANNOTATIONS.includes(name) ? 'its value could not be converted' : unsupportedReason(name));
  }
}

function httpRoute(namespace: string, name: string, host: string, parents: Json[], rules: Json[]): KubeObject {
  return {
    apiVersion: GW_V1,
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    // no parentRefs key when the route attaches nowhere (an empty list is not what the constructs write)
    spec: { ...(parents.length ? { parentRefs: parents } : {}), ...(host ? { hostnames: [host] } : {}), rules },
  };
}

function dedupe(rules: Json[]): Json[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A host as part of a listener name: `*` → `wildcard`, dots → `-`. */
function slug(host: string): string {
  return host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-').toLowerCase().slice(0, 200);
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort((a, b) => cmp(a[0], b[0])));
}

/** Byte-order comparison. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND_ORDER = ['Namespace', 'GatewayClass', 'Gateway', 'ReferenceGrant', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'ConfigMap', 'Service', 'Secret'];

/** Objects in output order: by kind (classes, gateways, grants, routes, policies, CA ConfigMaps, Services, Secrets), then namespace/name. */
export function sortObjects(objects: KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => KIND_ORDER.indexOf(o.kind);
  return [...objects].sort((a, b) => rank(a) - rank(b) || cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name ?? '', b.metadata.name ?? ''));
}

