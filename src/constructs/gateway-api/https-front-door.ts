import { Construct } from 'constructs';
import { addAcmeSolverServices } from '../cert-manager/acme-solver-services';
import { CertManagerCert } from '../cert-manager/cert-manager-cert';
import type { CertificateOptions } from '../cert-manager/types';
import { annotateGatewayForCertManager } from '../cert-manager/cert-manager-checks';
import type { IIssuer } from '../cert-manager/types';
import { checkHostname, checkPort, nameFromId } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail, freeId } from '../core/errors';
import { Gateway } from './gateway';
import { HttpFilter, HttpFilterType } from './http-filter';
import { HttpRoute, HttpRouteRuleProps } from './http-route';
import { ITlsCertificate, Listener, ListenerProtocol, RouteNamespaces, TlsCertificate } from './listener';
import { ParentRef } from './parent';
import { ResourceProps } from '../core/resource';

/** `Strict-Transport-Security` settings. */
export interface HstsOptions {
  /** `includeSubDomains`: the policy covers every subdomain. @default false */
  readonly includeSubDomains?: boolean;
  /** `preload`: ask browsers to ship the policy (needs includeSubDomains and ≥ 1 year). @default false */
  readonly preload?: boolean;
}

/** HSTS of a front door: max-age plus {@link HstsOptions}. */
export interface HstsProps extends HstsOptions {
  /** `max-age` in seconds (63072000 = 2 years). */
  readonly maxAgeSeconds: number;
}

/** How the front door gets certificates from `issuer`. */
export enum FrontDoorCertificates {
  /** one `CertManagerCert` per host, in the Gateway's namespace */
  CERTIFICATE_PER_HOST = 'CertificatePerHost',
  /** cert-manager's Gateway annotation mode: the gateway-shim issues one certificate per listener */
  GATEWAY_ANNOTATION = 'GatewayAnnotation',
}

/** Options of {@link HttpsFrontDoor.addHost}. */
export interface HttpsHostOptions {
  /** Listener name. @default - `https-` + the hostname with `.` as `-` (`*` as `wildcard`); `https` for `addHosts` */
  readonly name?: string;
  /**
   * Certificates of the listener.
   * @default - the front door's `certificates`, or a `CertManagerCert` from its `issuer` named after
   * `name` without `https-` (or after the hostname), writing Secret `<that name>-tls`
   */
  readonly certificates?: ITlsCertificate[];
  /** Who may attach routes to this host's listener. @default - the front door's `routeNamespaces` */
  readonly routeNamespaces?: RouteNamespaces;
}

/** Props of {@link HttpsFrontDoor}. */
export interface HttpsFrontDoorProps {
  /** The Gateway to add the listeners to. */
  readonly gateway: Gateway;
  /** Hostnames served over HTTPS, one listener each (`*.example.com` allowed). @default - none; add with `addHost` */
  readonly hostnames?: string[];
  /** Certificates shared by every host (e.g. one wildcard Secret). @default - none */
  readonly certificates?: ITlsCertificate[];
  /** Issue each host's certificate with this cert-manager issuer. @default - none */
  readonly issuer?: IIssuer;
  /** How `issuer` is used. @default FrontDoorCertificates.CERTIFICATE_PER_HOST */
  readonly issuerMode?: FrontDoorCertificates;
  /** Duration, key, usages… of the issued certificates. @default - cert-manager's defaults */
  readonly certificateOptions?: CertificateOptions;
  /** Who may attach routes to the HTTPS listeners. @default RouteNamespaces.same() */
  readonly routeNamespaces?: RouteNamespaces;
  /** @default 443 */
  readonly httpsPort?: number;
  /** @default 80 */
  readonly httpPort?: number;
  /** The plain-HTTP listener (reused when the Gateway has one of that name). @default 'http' */
  readonly httpListenerName?: string;
  /** 301 (permanent) or 308 (permanent, keeps the method). @default 301 */
  readonly redirectStatusCode?: number;
  /** Name of the HTTP → HTTPS redirect HTTPRoute (in the Gateway's namespace). @default - `<id>-redirect` */
  readonly redirectRouteName?: string;
  /** HSTS on the rules of the routes created with `addHttpRoute`. @default - none */
  readonly hsts?: HstsProps;
  /**
   * Implementation-specific TLS settings of the HTTPS listeners (`tls.options`). The Gateway
   * API has no portable TLS-version field; the built-in proxy always serves TLSv1.2 and
   * TLSv1.3 only, controllers document their own keys.
   * @default - none
   */
  readonly tlsOptions?: { readonly [key: string]: string };
}

/** Props of {@link HttpsFrontDoor.addHttpRoute}. */
export interface FrontDoorRouteProps extends ResourceProps {
  /** Hostnames of the route; each must be served by a host of the front door. */
  readonly hostnames: string[];
  /** @default - none; add with `addRule` (HSTS is added only to the rules given here) */
  readonly rules?: HttpRouteRuleProps[];
  /** Add the front door's HSTS filter to `rules`. @default true when the front door has `hsts` */
  readonly hsts?: boolean;
}

const STS = 'Strict-Transport-Security';

/**
 * The classic HTTPS server block in one construct: for a Gateway and a set of hostnames it
 * adds the HTTP listener (port 80) with a route that 301-redirects every request to HTTPS,
 * one HTTPS listener per hostname with its certificate (a Secret, a `CertManagerCert` per
 * host from `issuer`, or cert-manager's Gateway annotation mode), and hands out HSTS.
 *
 * TLS versions: the Gateway API has no portable field for them (`tls.options` is
 * implementation-specific, pass it with `tlsOptions`); the built-in proxy always emits
 * `ssl_protocols TLSv1.2 TLSv1.3`.
 *
 * ACME HTTP-01 keeps working behind the redirect: cert-manager's challenge route matches
 * the exact challenge path, which wins over the redirect's `/` prefix.
 *
 * @example
 * const https = new HttpsFrontDoor(chart, 'https', {
 *   gateway, issuer: letsEncrypt, hostnames: ['www.example.com', 'photos.example.com'],
 *   hsts: { maxAgeSeconds: 63072000 },
 * });
 * https.addHttpRoute('blog', { namespace: 'blog', hostnames: ['www.example.com'], rules: [{ backends: [Backend.fromService(blog)] }] });
 */
export class HttpsFrontDoor extends Construct {
  public readonly gateway: Gateway;
  /** The plain-HTTP listener. */
  public readonly httpListener: Listener;
  /** The HTTP → HTTPS redirect route (in the Gateway's namespace). */
  public readonly redirectRoute: HttpRoute;
  /** The HSTS filter (`Strict-Transport-Security`), when `hsts` is set. */
  public readonly hstsFilter?: HttpFilter;
  private readonly props: HttpsFrontDoorProps;
  private readonly hosts: { hostname: string; listener: Listener; certificates: ITlsCertificate[] }[] = [];
  private readonly httpsPort: number;

  constructor(scope: Construct, id: string, props: HttpsFrontDoorProps) {
    super(scope, freeId(scope, id, 'HttpsFrontDoor'));
    this.props = props;
    this.gateway = props.gateway;
    this.httpsPort = props.httpsPort ?? 443;
    const httpPort = props.httpPort ?? 80;
    for (const [field, v] of [['httpsPort', this.httpsPort], ['httpPort', httpPort]] as const) {
      const p = checkPort(v);
      if (p) fail(this, field, v, p, 'use a port from 1 to 65535');
    }
    const status = props.redirectStatusCode ?? 301;
    if (status !== 301 && status !== 308) fail(this, 'redirectStatusCode', status, 'is not a permanent redirect', 'use 301, or 308 to keep the method');
    if (props.certificates?.length && props.issuer) fail(this, 'certificates', props.certificates.map((c) => c.certificateRef.name), 'are given together with `issuer`', 'pass either shared certificates or an issuer');
    if (props.issuerMode !== undefined && !props.issuer) fail(this, 'issuerMode', props.issuerMode, 'is set without `issuer`', 'pass `issuer` too');
    if (props.hsts) this.hstsFilter = this.hsts(props.hsts.maxAgeSeconds, props.hsts);

    const httpName = props.httpListenerName ?? 'http';
    const existing = this.gateway.listenerList.find((l) => l.name === httpName);
    if (existing) {
      if (existing.protocol !== ListenerProtocol.HTTP || existing.port !== httpPort) {
        fail(this, 'httpListenerName', httpName, `names a ${existing.protocol} listener on port ${existing.port} of the Gateway, not HTTP on ${httpPort}`, 'pass another httpListenerName');
      }
      this.httpListener = existing;
    } else {
      this.httpListener = this.gateway.addListener(Listener.http({ name: httpName, port: httpPort }));
    }

    if (props.issuer && props.issuerMode === FrontDoorCertificates.GATEWAY_ANNOTATION) {
      annotateGatewayForCertManager(this.gateway, props.issuer, props.certificateOptions ?? {});
    }

    this.redirectRoute = new HttpRoute(this, 'Redirect', {
      name: props.redirectRouteName ?? `${nameFromId(id)}-redirect`,
      namespace: this.gateway.effectiveNamespace,
      parents: [ParentRef.gateway(this.gateway, { sectionName: httpName })],
      rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: status, ...(this.httpsPort !== 443 ? { port: this.httpsPort } : {}) })] }],
    });
    (props.hostnames ?? []).forEach((h) => this.addHost(h));
  }

  /** The HTTPS listeners, in order. */
  public get httpsListeners(): Listener[] {
    return [...new Set(this.hosts.map((h) => h.listener))];
  }

  /** The hostnames served. */
  public get hostnames(): string[] {
    return this.hosts.map((h) => h.hostname);
  }

  /**
   * Serves `hostname` over HTTPS: adds its listener (returned), its certificate and the
   * hostname to the redirect route.
   */
  public addHost(hostname: string, options: HttpsHostOptions = {}): Listener {
    return this.gateway._mutate(() => {
      return this.addListener([hostname], hostname, options);
    });
  }

  /**
   * Serves several hostnames through one HTTPS listener without hostname and one
   * certificate for all of them (a SAN certificate, like an nginx server block with several
   * `server_name`s); returns the listener. A Gateway has at most one such listener per port.
   * Routes must still name one of the hostnames.
   */
  public addHosts(hostnames: string[], options: HttpsHostOptions = {}): Listener {
    return this.gateway._mutate(() => {
      if (hostnames.length === 0) fail(this, 'hostnames', [], 'is empty', 'list the hostnames');
      if (this.props.issuer && this.props.issuerMode === FrontDoorCertificates.GATEWAY_ANNOTATION && !options.certificates) {
        fail(this, 'hostnames', hostnames, "share a listener without hostname, which cert-manager's Gateway annotation mode skips", 'add the hosts one by one (addHost), or use FrontDoorCertificates.CERTIFICATE_PER_HOST');
      }
      return this.addListener(hostnames, undefined, options);
    });
  }

  private addListener(names: string[], listenerHostname: string | undefined, options: HttpsHostOptions): Listener {
    for (const hostname of names) {
      const p = checkHostname(hostname);
      if (p) fail(this, 'hostnames', hostname, p, 'use a DNS name such as "www.example.com" or "*.example.com"');
      if (this.hosts.some((h) => h.hostname === hostname) || names.indexOf(hostname) !== names.lastIndexOf(hostname)) fail(this, 'hostnames', hostname, 'is served already', 'list each hostname once');
    }
    const maxHosts = gwLimit('HTTPRoute', 'spec.hostnames');
    if (this.hosts.length + names.length > maxHosts) fail(this, 'hostnames', names, `exceed ${maxHosts} hostnames, the most one redirect HTTPRoute can hold`, 'split the hosts over two front doors (with distinct redirectRouteName)');
    // names of the listener's certificate: after the listener name when given, else after the hostname
    const hostSlug = listenerHostname !== undefined ? listenerHostname.replace(/^\*\./, 'wildcard.').replace(/\./g, '-') : undefined;
    const slug = (options.name !== undefined ? nameFromId(options.name.replace(/^https-/, '')) : undefined) || hostSlug || 'https';
    const certificates = options.certificates ?? this.props.certificates ?? this.issue(names, slug);
    const listener = this.gateway.addListener(Listener.https({
      name: options.name ?? (hostSlug !== undefined ? `https-${hostSlug}` : 'https'),
      ...(listenerHostname !== undefined ? { hostname: listenerHostname } : {}),
      port: this.httpsPort,
      certificates,
      routeNamespaces: options.routeNamespaces ?? this.props.routeNamespaces,
      tlsOptions: this.props.tlsOptions,
    }));
    for (const hostname of names) {
      this.hosts.push({ hostname, listener, certificates });
      this.redirectRoute.addHostname(hostname);
    }
    return listener;
  }

  /** The certificates of a host (e.g. the `CertManagerCert` issued for it). */
  public certificatesOf(hostname: string): ITlsCertificate[] {
    const h = this.hosts.find((x) => x.hostname === hostname);
    if (!h) fail(this, 'hostname', hostname, 'is not a host of the front door', `use one of ${this.hostnames.join(', ') || '(none yet)'}`);
    return [...h.certificates];
  }

  /**
   * The listener a route for `hostname` attaches to: the host's own listener, else the
   * wildcard listeners that cover it.
   */
  public listenersFor(hostname: string): Listener[] {
    const exact = this.hosts.filter((h) => h.hostname === hostname);
    if (exact.length) return [...new Set(exact.map((h) => h.listener))];
    return [...new Set(this.hosts.filter((h) => intersects(h.hostname, hostname)).map((h) => h.listener))];
  }

  /** A `Strict-Transport-Security` response header filter. */
  public hsts(maxAgeSeconds: number, options: HstsOptions = {}): HttpFilter {
    return HttpFilter.responseHeaders({ set: HttpsFrontDoor.hstsHeaders(this, maxAgeSeconds, options) });
  }

  /**
   * An HTTPRoute attached to the HTTPS listeners that serve its hostnames, with the front
   * door's HSTS filter on every rule given in `props`. Created next to the front door.
   */
  public addHttpRoute(id: string, props: FrontDoorRouteProps): HttpRoute {
    return this.gateway._mutate(() => {
      const { hostnames, rules, hsts, ...rest } = props;
      if (!hostnames.length) fail(this, 'hostnames', [], 'is empty', 'list the hostnames the route serves');
      const sections: string[] = [];
      for (const h of hostnames) {
        const listeners = this.listenersFor(h);
        if (!listeners.length) fail(this, 'hostnames', h, `is served by no HTTPS listener of the front door (hosts: ${this.hostnames.join(', ') || 'none'})`, `serve it first: frontDoor.addHost("${h}")`);
        for (const l of listeners) if (!sections.includes(l.name)) sections.push(l.name);
      }
      const withHsts = (hsts ?? true) && this.hstsFilter !== undefined;
      const route = new HttpRoute(this.node.scope as Construct, id, {
        ...rest,
        parents: sections.map((sectionName) => ParentRef.gateway(this.gateway, { sectionName })),
        hostnames,
      });
      for (const rule of rules ?? []) {
        if (withHsts && (rule.filters ?? []).some((f) => f.type === HttpFilterType.RESPONSE_HEADER_MODIFIER)) {
          fail(route, 'spec.rules[].filters', 'ResponseHeaderModifier', 'is already set on a rule that the front door adds HSTS to (one ResponseHeaderModifier per rule)', `add "${STS}" to your filter yourself (frontDoor.hsts(...) builds the header) and pass \`hsts: false\``);
        }
        route.addRule(withHsts ? { ...rule, filters: [...(rule.filters ?? []), this.hstsFilter!] } : rule);
      }
      return route;
    });
  }

  private static hstsHeaders(scope: Construct, maxAgeSeconds: number, options: HstsOptions): { [key: string]: string } {
    if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0) fail(scope, 'hsts.maxAgeSeconds', maxAgeSeconds, 'is not a whole number of seconds ≥ 0', 'use e.g. 63072000 (2 years)');
    if (options.preload && (!options.includeSubDomains || maxAgeSeconds < 31536000)) {
      fail(scope, 'hsts.preload', true, 'needs includeSubDomains and a max-age of at least 31536000 (1 year) to be accepted by the preload list', 'set includeSubDomains: true and maxAgeSeconds ≥ 31536000, or drop preload');
    }
    return { [STS]: `max-age=${maxAgeSeconds}${options.includeSubDomains ? '; includeSubDomains' : ''}${options.preload ? '; preload' : ''}` };
  }

  private issue(names: string[], slug: string): ITlsCertificate[] {
    const issuer = this.props.issuer;
    if (!issuer) {
      return fail(this, 'certificates', [], `are missing for ${names.map((n) => JSON.stringify(n)).join(', ')}`, 'pass `certificates` (e.g. TlsCertificate.fromSecret("www-tls")) or an `issuer` (e.g. a ClusterIssuer)');
    }
    if (this.props.issuerMode === FrontDoorCertificates.GATEWAY_ANNOTATION) {
      // cert-manager's gateway-shim issues it in the Gateway's namespace
      addAcmeSolverServices(this, this.gateway.effectiveNamespace, names, issuer, {});
      return [TlsCertificate.fromSecret(`${slug}-tls`)];
    }
    return [new CertManagerCert(this, `Cert-${slug}`, { ...this.props.certificateOptions, name: slug, gateway: this.gateway, issuer, dnsNames: names })];
  }
}

/** Whether two hostnames (either may be a `*.` wildcard) share a name. */
function intersects(a: string, b: string): boolean {
  const matches = (wild: string, name: string) => name.endsWith(wild.slice(1)) && name.length > wild.length - 1;
  if (a === b) return true;
  if (a.startsWith('*.') && b.startsWith('*.')) return a.endsWith(b.slice(1)) || b.endsWith(a.slice(1));
  if (a.startsWith('*.')) return matches(a, b);
  if (b.startsWith('*.')) return matches(b, a);
  return false;
}
