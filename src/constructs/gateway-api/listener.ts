import { GATEWAY_GROUP } from '../../model';
import { checkHostname, checkLabelKey, checkLabelValue, checkPort, checkSectionName } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';

/** Listener protocols of the standard channel. */
export enum ListenerProtocol {
  HTTP = 'HTTP',
  HTTPS = 'HTTPS',
  TLS = 'TLS',
  TCP = 'TCP',
  UDP = 'UDP',
}

/** TLS mode of an HTTPS or TLS listener. */
export enum TlsMode {
  /** the gateway terminates TLS with the listener's certificates */
  TERMINATE = 'Terminate',
  /** the gateway forwards the encrypted stream by SNI (TLSRoute) */
  PASSTHROUGH = 'Passthrough',
}

/** Something that yields a TLS certificate reference: a Secret (`TlsCertificate`) or a cert-manager Certificate (`CertManagerCert`). */
export interface ITlsCertificate {
  /** the `certificateRefs[]` entry */
  readonly certificateRef: TlsCertificateRef;
}

/** A `certificateRefs[]` entry. */
export interface TlsCertificateRef {
  /** @default '' */
  readonly group?: string;
  /** @default 'Secret' */
  readonly kind?: string;
  readonly name: string;
  /** @default - the Gateway's namespace */
  readonly namespace?: string;
  /**
   * Derive the ReferenceGrant that a certificate in another namespace needs.
   * Turn off when you manage grants yourself.
   * @default true
   */
  readonly referenceGrant?: boolean;
}

/** Options of {@link TlsCertificate.fromSecret}. */
export interface TlsSecretOptions {
  /** @default - the Gateway's namespace */
  readonly namespace?: string;
  /** @default true */
  readonly referenceGrant?: boolean;
}

/** A certificate held in a `kubernetes.io/tls` Secret. */
export class TlsCertificate implements ITlsCertificate {
  /** The Secret `name` (in `namespace`, default the Gateway's) holding `tls.crt` and `tls.key`. */
  public static fromSecret(name: string, options: TlsSecretOptions = {}): TlsCertificate {
    return new TlsCertificate({ name, ...options });
  }
  /** Any certificate reference kind an implementation supports. */
  public static fromRef(ref: TlsCertificateRef): TlsCertificate {
    return new TlsCertificate(ref);
  }
  private constructor(public readonly certificateRef: TlsCertificateRef) {}
}

/** Label selector (`matchLabels` / `matchExpressions`). */
export interface LabelSelector {
  /** @default - none */
  readonly matchLabels?: { readonly [key: string]: string };
  /** @default - none */
  readonly matchExpressions?: LabelSelectorRequirement[];
}

/** One `matchExpressions` entry. */
export interface LabelSelectorRequirement {
  readonly key: string;
  /** `In`, `NotIn`, `Exists`, `DoesNotExist` */
  readonly operator: string;
  /** @default - none */
  readonly values?: string[];
}

/** Which namespaces may attach routes to a listener (`allowedRoutes.namespaces`). */
export class RouteNamespaces {
  /** Only routes in the Gateway's namespace (the Gateway API default). */
  public static same(): RouteNamespaces {
    return new RouteNamespaces('Same');
  }
  /** Routes from every namespace. */
  public static all(): RouteNamespaces {
    return new RouteNamespaces('All');
  }
  /** Routes from namespaces whose labels match, e.g. `{ matchLabels: { 'route-allowed': 'true' } }`. */
  public static selector(selector: LabelSelector): RouteNamespaces {
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
      const p = checkLabelKey(k) ?? checkLabelValue(v);
      if (p) fail(undefined, 'allowedRoutes.namespaces.selector.matchLabels', `${k}=${v}`, p, 'use a valid label key and value');
    }
    for (const e of selector.matchExpressions ?? []) {
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) {
        fail(undefined, 'allowedRoutes.namespaces.selector.matchExpressions[].operator', e.operator, 'is not a label selector operator', 'use In, NotIn, Exists or DoesNotExist');
      }
      if ((e.operator === 'In' || e.operator === 'NotIn') && !(e.values && e.values.length)) {
        fail(undefined, 'allowedRoutes.namespaces.selector.matchExpressions[].values', e.values ?? [], `must not be empty for ${e.operator}`, 'list the label values');
      }
    }
    if (!selector.matchLabels && !selector.matchExpressions) {
      fail(undefined, 'allowedRoutes.namespaces.selector', selector, 'selects nothing in particular', 'give matchLabels or matchExpressions, or use RouteNamespaces.all()');
    }
    return new RouteNamespaces('Selector', selector);
  }
  private constructor(public readonly from: string, public readonly selector?: LabelSelector) {}

  /** @internal */
  public _render(): unknown {
    return { from: this.from, ...(this.selector ? { selector: this.selector } : {}) };
  }
}

/** A route kind for `allowedRoutes.kinds`. */
export class RouteKind {
  public static readonly HTTP_ROUTE = new RouteKind('HTTPRoute');
  public static readonly GRPC_ROUTE = new RouteKind('GRPCRoute');
  public static readonly TLS_ROUTE = new RouteKind('TLSRoute');
  public static readonly TCP_ROUTE = new RouteKind('TCPRoute');
  public static readonly UDP_ROUTE = new RouteKind('UDPRoute');
  /** Any route kind, e.g. an implementation-specific one. */
  public static of(kind: string, group: string = GATEWAY_GROUP): RouteKind {
    return new RouteKind(kind, group);
  }
  private constructor(public readonly kind: string, public readonly group: string = GATEWAY_GROUP) {}
}

/** Options every listener factory accepts. */
export interface ListenerOptions {
  /**
   * Listener name (the `sectionName` routes use).
   * @default - the protocol in lowercase (`http`, `https`, …)
   */
  readonly name?: string;
  /** @default - 80 for HTTP, 443 for HTTPS and TLS; required for TCP and UDP */
  readonly port?: number;
  /**
   * Hostname the listener matches (`*.example.com` allowed). Not allowed for TCP and UDP.
   * @default - every hostname
   */
  readonly hostname?: string;
  /** @default RouteNamespaces.same() */
  readonly routeNamespaces?: RouteNamespaces;
  /** @default - every kind the protocol supports */
  readonly routeKinds?: RouteKind[];
}

/** Options of TLS-capable listeners. */
export interface TlsListenerOptions extends ListenerOptions {
  /** Certificates for termination (a Secret or a cert-manager certificate). @default - none */
  readonly certificates?: ITlsCertificate[];
  /** Implementation-specific TLS options (`tls.options`). @default - none */
  readonly tlsOptions?: { readonly [key: string]: string };
}

/** Options of TCP and UDP listeners: the port is required, no hostname. */
export interface StreamListenerOptions {
  /** @default - the protocol in lowercase */
  readonly name?: string;
  readonly port: number;
  /** @default RouteNamespaces.same() */
  readonly routeNamespaces?: RouteNamespaces;
  /** @default - every kind the protocol supports */
  readonly routeKinds?: RouteKind[];
}

/** Options of {@link Listener.tls}. */
export interface TlsProtocolListenerOptions extends TlsListenerOptions {
  /** @default TlsMode.PASSTHROUGH */
  readonly mode?: TlsMode;
}

/**
 * A Gateway listener, as a value. Create with the protocol factories and pass to
 * `new Gateway({ listeners })` or `gateway.addListener()`.
 *
 * @example
 * Listener.http({ hostname: 'www.example.com' })
 * Listener.https({ hostname: '*.example.com', certificates: [TlsCertificate.fromSecret('wildcard-tls')] })
 * Listener.tcp({ name: 'mysql', port: 3306 })
 */
export class Listener {
  /** Plain HTTP (default port 80, name `http`). */
  public static http(options: ListenerOptions = {}): Listener {
    return new Listener(ListenerProtocol.HTTP, options.port ?? 80, options);
  }
  /** HTTPS terminated at the gateway (default port 443, name `https`); needs `certificates`. */
  public static https(options: TlsListenerOptions = {}): Listener {
    return new Listener(ListenerProtocol.HTTPS, options.port ?? 443, options, TlsMode.TERMINATE);
  }
  /** TLS by SNI, passthrough by default (default port 443, name `tls`). */
  public static tls(options: TlsProtocolListenerOptions = {}): Listener {
    return new Listener(ListenerProtocol.TLS, options.port ?? 443, options, options.mode ?? TlsMode.PASSTHROUGH);
  }
  /** Plain TCP (port required, name `tcp`). */
  public static tcp(options: StreamListenerOptions): Listener {
    return new Listener(ListenerProtocol.TCP, options.port, options);
  }
  /** UDP (port required, name `udp`). */
  public static udp(options: StreamListenerOptions): Listener {
    return new Listener(ListenerProtocol.UDP, options.port, options);
  }

  public readonly name: string;
  public readonly protocol: ListenerProtocol;
  public readonly port: number;
  public readonly hostname?: string;
  public readonly tlsMode?: TlsMode;
  public readonly certificates: ITlsCertificate[];
  public readonly tlsOptions?: { readonly [key: string]: string };
  public readonly routeNamespaces?: RouteNamespaces;
  public readonly routeKinds?: RouteKind[];

  private constructor(protocol: ListenerProtocol, port: number, options: TlsProtocolListenerOptions, tlsMode?: TlsMode) {
    this.protocol = protocol;
    this.name = options.name ?? protocol.toLowerCase();
    this.port = port;
    this.hostname = options.hostname;
    this.tlsMode = tlsMode;
    this.certificates = [...(options.certificates ?? [])];
    this.tlsOptions = options.tlsOptions;
    this.routeNamespaces = options.routeNamespaces;
    this.routeKinds = options.routeKinds;
    const field = `listener ${this.name}`;
    const pn = checkSectionName(this.name);
    if (pn) fail(undefined, `${field}.name`, this.name, pn, 'use a lowercase name such as "https" or "mysql"');
    const pp = checkPort(port);
    if (pp) fail(undefined, `${field}.port`, port, pp, 'choose a port from 1 to 65535');
    if (this.hostname !== undefined) {
      if (protocol === ListenerProtocol.TCP || protocol === ListenerProtocol.UDP) {
        fail(undefined, `${field}.hostname`, this.hostname, `is set on a ${protocol} listener, which has no hostnames`, 'remove the hostname (TCP and UDP listeners match by port only)');
      }
      const ph = checkHostname(this.hostname);
      if (ph) fail(undefined, `${field}.hostname`, this.hostname, ph, 'use a DNS name such as "www.example.com" or "*.example.com"');
    }
    if (tlsMode === TlsMode.TERMINATE && this.certificates.length === 0 && !this.tlsOptions) {
      fail(undefined, `${field}.tls.certificateRefs`, [], `is empty on a ${protocol} listener that terminates TLS`, 'pass `certificates: [TlsCertificate.fromSecret("my-tls")]` (or a cert-manager certificate)');
    }
    if (tlsMode === TlsMode.PASSTHROUGH && this.certificates.length > 0) {
      fail(undefined, `${field}.tls.certificateRefs`, this.certificates.map((c) => c.certificateRef.name), 'is set on a Passthrough listener, which never uses certificates', 'remove the certificates or use mode TlsMode.TERMINATE');
    }
    const maxCerts = gwLimit('Gateway', 'spec.listeners[].tls.certificateRefs');
    if (this.certificates.length > maxCerts) fail(undefined, `${field}.tls.certificateRefs`, this.certificates.length, `has more than ${maxCerts} entries`, `use at most ${maxCerts} certificates`);
    const allowed = Listener.supportedKinds(protocol, tlsMode);
    for (const k of this.routeKinds ?? []) {
      if (k.group === GATEWAY_GROUP && !allowed.includes(k.kind)) {
        fail(undefined, `${field}.allowedRoutes.kinds`, k.kind, `is not a route kind a ${protocol} listener supports`, `use one of ${allowed.join(', ')}`);
      }
    }
  }

  /** Route kinds the Gateway API lets a listener of this protocol accept. */
  public static supportedKinds(protocol: ListenerProtocol, tlsMode?: TlsMode): string[] {
    switch (protocol) {
      case ListenerProtocol.HTTP:
      case ListenerProtocol.HTTPS:
        return ['HTTPRoute', 'GRPCRoute'];
      case ListenerProtocol.TLS:
        return tlsMode === TlsMode.TERMINATE ? ['TLSRoute', 'TCPRoute'] : ['TLSRoute'];
      case ListenerProtocol.TCP:
        return ['TCPRoute'];
      case ListenerProtocol.UDP:
        return ['UDPRoute'];
    }
  }

  /** The `spec.listeners[]` entry; certificate namespaces are kept as given. @internal */
  public _render(): unknown {
    const tls =
      this.tlsMode !== undefined
        ? {
          mode: this.tlsMode,
          ...(this.certificates.length
            ? {
              certificateRefs: this.certificates.map((c) => {
                const r = c.certificateRef;
                return { group: r.group ?? '', kind: r.kind ?? 'Secret', name: r.name, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}) };
              }),
            }
            : {}),
          ...(this.tlsOptions ? { options: { ...this.tlsOptions } } : {}),
        }
        : undefined;
    const allowedRoutes =
      this.routeNamespaces || this.routeKinds
        ? {
          ...(this.routeNamespaces ? { namespaces: this.routeNamespaces._render() } : {}),
          ...(this.routeKinds ? { kinds: this.routeKinds.map((k) => ({ group: k.group, kind: k.kind })) } : {}),
        }
        : undefined;
    return {
      name: this.name,
      port: this.port,
      protocol: this.protocol,
      ...(this.hostname !== undefined ? { hostname: this.hostname } : {}),
      ...(tls ? { tls } : {}),
      ...(allowedRoutes ? { allowedRoutes } : {}),
    };
  }
}
