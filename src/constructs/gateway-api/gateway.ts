import { Construct } from 'constructs';
import { GATEWAY_API_VERSION, GATEWAY_GROUP } from '../../model';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import { GatewayAddress } from './gateway-address';
import { GatewayController, IGatewayClass } from './gateway-class';
import { GatewayGrpcRouteProps, GrpcRoute } from './grpc-route';
import { GatewayHttpRouteProps, HttpRoute } from './http-route';
import { LabelSelector, Listener, ListenerProtocol } from './listener';
import { AddressPropagation, ILoadBalancerAddress } from './load-balancer-address';
import { GatewayAttributes, IGateway, ParentRef } from './parent';
import { ensureReferenceGrant } from './reference-grant';
import { IObjectReference, Resource, ResourceProps } from '../core/resource';
import { GatewayStreamRouteProps, GatewayTlsRouteProps, TcpRoute, TlsRoute, UdpRoute } from './stream-routes';

/** `spec.infrastructure`: what the implementation puts on the resources it creates. */
export interface GatewayInfrastructure {
  /** @default - none */
  readonly labels?: { readonly [key: string]: string };
  /** @default - none */
  readonly annotations?: { readonly [key: string]: string };
  /** Implementation-specific parameters for this Gateway. @default - none */
  readonly parametersRef?: IObjectReference;
}

/** Which namespaces may attach ListenerSets (`spec.allowedListeners.namespaces`). */
export interface AllowedListeners {
  /** `Same`, `All`, `Selector` or `None`. @default 'None' */
  readonly from: string;
  /** @default - none */
  readonly selector?: LabelSelector;
}

/** Gateway-level TLS (`spec.tls`). */
export interface GatewayTls {
  /** Client certificate the gateway presents to backends (a Secret in the Gateway's namespace). @default - none */
  readonly backendClientCertificate?: string;
  /**
   * Client-certificate validation for frontend connections: CA bundles (ConfigMaps) in the
   * Gateway's namespace.
   * @default - no client validation
   */
  readonly frontendCaConfigMaps?: string[];
  /** `AllowValidOnly` or `AllowInsecureFallback`. @default 'AllowValidOnly' */
  readonly frontendValidationMode?: string;
  /** Per-port overrides of the frontend validation (needs `frontendCaConfigMaps` as the default). @default - none */
  readonly frontendPerPort?: GatewayFrontendPortValidation[];
}

/** Client-certificate validation for the listeners on one port. */
export interface GatewayFrontendPortValidation {
  readonly port: number;
  /** CA bundle ConfigMaps in the Gateway's namespace. */
  readonly caConfigMaps: string[];
  /** @default 'AllowValidOnly' */
  readonly mode?: string;
}

/** Props of {@link Gateway}. */
export interface GatewayProps extends ResourceProps {
  /** The class (a {@link GatewayClass} construct or `GatewayClass.fromName('istio')`). */
  readonly gatewayClass: IGatewayClass;
  /** @default - none; add with `addListener` */
  readonly listeners?: Listener[];
  /** @default - the implementation assigns one */
  readonly addresses?: GatewayAddress[];
  /** @default - none */
  readonly infrastructure?: GatewayInfrastructure;
  /** @default - no ListenerSets may attach */
  readonly allowedListeners?: AllowedListeners;
  /** @default - none */
  readonly tls?: GatewayTls;
  /**
   * The load-balancer address the Gateway's Service gets, e.g. `pool.address('192.168.1.240')`
   * or `pool.anyAddress()` of a `MetalLbPool`. Rendered into `spec.addresses` and
   * `spec.infrastructure.annotations` as `addressPropagation` says; the built-in proxy's
   * Service reads it from {@link Gateway.loadBalancerAddress}.
   * @default - none
   */
  readonly loadBalancerAddress?: ILoadBalancerAddress;
  /**
   * Where `loadBalancerAddress` is written.
   * @default - `AddressPropagation.ADDRESSES` for Istio (a GatewayClass construct with Istio's
   * controller, or the class named `istio`), else `AddressPropagation.ADDRESSES_AND_ANNOTATIONS`
   */
  readonly addressPropagation?: AddressPropagation;
}

/**
 * A Gateway: listeners (port, protocol, hostname, TLS) where routes attach.
 *
 * @example
 * const gw = new Gateway(chart, 'web-gateway', {
 *   namespace: 'gateway',
 *   gatewayClass: GatewayClass.fromName('istio'),
 *   listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })],
 * });
 * gw.addListener(Listener.https({ hostname: 'www.example.com', certificates: [TlsCertificate.fromSecret('www-tls')] }));
 */
export class Gateway extends Resource implements IGateway {
  /** A Gateway that exists in the cluster but not in this app (for `parentRefs`). */
  public static fromGatewayAttributes(attrs: GatewayAttributes): IGateway {
    return { name: attrs.name, namespace: attrs.namespace };
  }

  public readonly gatewayClassName: string;
  /** The load-balancer address requested for the Gateway's Service, if any. */
  public readonly loadBalancerAddress?: ILoadBalancerAddress;
  /** Where {@link loadBalancerAddress} is written (see {@link AddressPropagation}). */
  public readonly addressPropagation: AddressPropagation;
  private readonly listeners: Listener[] = [];
  private readonly props: GatewayProps;

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id, { apiVersion: GATEWAY_API_VERSION, kind: 'Gateway' }, props);
    this.props = props;
    this.gatewayClassName = props.gatewayClass.name;
    this.loadBalancerAddress = props.loadBalancerAddress;
    const controllerName = (props.gatewayClass as { controllerName?: unknown }).controllerName;
    const istio = controllerName === GatewayController.ISTIO || (controllerName === undefined && props.gatewayClass.name === 'istio');
    this.addressPropagation = props.addressPropagation ?? (istio ? AddressPropagation.ADDRESSES : AddressPropagation.ADDRESSES_AND_ANNOTATIONS);
    for (const k of Object.keys(props.infrastructure?.annotations ?? {})) {
      if (k.startsWith('metallb.universe.tf/')) {
        fail(this, `spec.infrastructure.annotations[${k}]`, k, 'is a deprecated MetalLB annotation key', `use "metallb.io/${k.slice('metallb.universe.tf/'.length)}" (or pass \`loadBalancerAddress: pool.address(...)\`)`);
      }
    }
    const lbAnnotations = this.loadBalancerAnnotations();
    for (const [k, v] of Object.entries(lbAnnotations)) {
      const own = props.infrastructure?.annotations?.[k];
      if (own !== undefined && own !== v) {
        fail(this, `spec.infrastructure.annotations[${k}]`, own, `contradicts loadBalancerAddress, which sets it to ${JSON.stringify(v)}`, 'remove the annotation from `infrastructure` and let `loadBalancerAddress` set it');
      }
    }
    const maxAddresses = gwLimit('Gateway', 'spec.addresses');
    if ((props.addresses?.length ?? 0) > maxAddresses) fail(this, 'spec.addresses', props.addresses!.length, `has more than ${maxAddresses} entries`, `use at most ${maxAddresses} addresses`);
    const seen = new Set<string>();
    for (const a of props.addresses ?? []) {
      const k = `${a.type}|${a.value}`;
      if (seen.has(k)) fail(this, 'spec.addresses', a.value, 'is listed twice', 'remove the duplicate');
      seen.add(k);
    }
    const tls = props.tls;
    if (tls?.frontendPerPort?.length && !tls.frontendCaConfigMaps?.length) {
      fail(this, 'spec.tls.frontend.default', undefined, 'is missing while perPort validation is set', 'set `frontendCaConfigMaps` (the default for all other ports)');
    }
    for (const m of [tls?.frontendValidationMode, ...(tls?.frontendPerPort ?? []).map((x) => x.mode)]) {
      if (m !== undefined && m !== 'AllowValidOnly' && m !== 'AllowInsecureFallback') {
        fail(this, 'spec.tls.frontend', m, 'is not a validation mode', 'use "AllowValidOnly" or "AllowInsecureFallback"');
      }
    }
    const ports = (tls?.frontendPerPort ?? []).map((x) => x.port);
    const dupPort = ports.find((x, i) => ports.indexOf(x) !== i);
    if (dupPort !== undefined) fail(this, 'spec.tls.frontend.perPort', dupPort, 'is listed twice', 'configure each port once');
    (props.listeners ?? []).forEach((l) => this.addListener(l));
  }

  /** The `spec.addresses` entries: the given `addresses` plus the load-balancer address (per `addressPropagation`). */
  public get addressList(): GatewayAddress[] {
    const list = [...(this.props.addresses ?? [])];
    const lb = this.loadBalancerAddress?.gatewayAddress;
    if (lb && this.addressPropagation !== AddressPropagation.ANNOTATIONS && !list.some((a) => a.type === lb.type && a.value === lb.value)) list.push(lb);
    return list;
  }

  /** The annotations `loadBalancerAddress` adds to `spec.infrastructure.annotations` (per `addressPropagation`). */
  public loadBalancerAnnotations(): { [key: string]: string } {
    const lb = this.loadBalancerAddress;
    if (!lb) return {};
    const addressesCarryIp = this.addressPropagation === AddressPropagation.ADDRESSES && lb.gatewayAddress !== undefined;
    return lb.serviceAnnotations({ loadBalancerIpField: addressesCarryIp });
  }

  /** Listeners added so far (in order). */
  public get listenerList(): Listener[] {
    return [...this.listeners];
  }

  /** Adds a listener; returns it. Names and (port, protocol, hostname) must be unique. */
  public addListener(listener: Listener): Listener {
    return this._mutate(() => {
      const i = this.listeners.length;
      if (i >= 64) fail(this, 'spec.listeners', i + 1, 'exceeds 64 listeners', 'use ListenerSets for more listeners');
      const sameName = this.listeners.find((l) => l.name === listener.name);
      if (sameName) {
        fail(this, `spec.listeners[${i}].name`, listener.name, 'is already the name of another listener of this Gateway', `pass a distinct \`name\` to the listener factory (e.g. "${listener.protocol.toLowerCase()}-${listener.port}")`);
      }
      const dup = this.listeners.find((l) => l.port === listener.port && l.protocol === listener.protocol && (l.hostname ?? '') === (listener.hostname ?? ''));
      if (dup) {
        fail(this, `spec.listeners[${i}]`, `${listener.protocol} ${listener.port} ${listener.hostname ?? '(any host)'}`, `duplicates listener "${dup.name}" (same port, protocol and hostname)`, 'change the hostname or port, or merge the two listeners');
      }
      const conflict = this.listeners.find((l) => l.port === listener.port && !compatibleOnPort(l.protocol, listener.protocol));
      if (conflict) {
        fail(this, `spec.listeners[${i}].port`, listener.port, `is already used by ${conflict.protocol} listener "${conflict.name}"; ${listener.protocol} cannot share it (ProtocolConflict)`, 'use another port');
      }
      this.listeners.push(listener);
      listener.certificates.forEach((c) => {
        const r = c.certificateRef;
        if (r.namespace !== undefined && r.namespace !== this.effectiveNamespace && r.referenceGrant !== false) {
          ensureReferenceGrant(this, {
            fromGroup: GATEWAY_GROUP,
            fromKind: 'Gateway',
            fromNamespace: this.effectiveNamespace,
            toGroup: r.group ?? '',
            toKind: r.kind ?? 'Secret',
            toName: r.name,
            toNamespace: r.namespace,
          });
        }
      });
      return listener;
    });
  }

  /** Creates an HTTPRoute attached to this Gateway (in this Gateway's scope) and returns it. */
  public addHttpRoute(id: string, props: GatewayHttpRouteProps = {}): HttpRoute {
    return this._mutate(() => {
      const { sectionName, port, ...rest } = props;
      return new HttpRoute(this.node.scope as Construct, id, {
        ...rest,
        parents: [ParentRef.gateway(this, { sectionName, port })],
      });
    });
  }

  /** Creates a GRPCRoute attached to this Gateway (in this Gateway's scope) and returns it. */
  public addGrpcRoute(id: string, props: GatewayGrpcRouteProps = {}): GrpcRoute {
    return this._mutate(() => {
      const { sectionName, port, ...rest } = props;
      return new GrpcRoute(this.node.scope as Construct, id, { ...rest, parents: [ParentRef.gateway(this, { sectionName, port })] });
    });
  }

  /** Creates a TLSRoute attached to this Gateway and returns it. */
  public addTlsRoute(id: string, props: GatewayTlsRouteProps): TlsRoute {
    return this._mutate(() => {
      const { sectionName, port, ...rest } = props;
      return new TlsRoute(this.node.scope as Construct, id, { ...rest, parents: [ParentRef.gateway(this, { sectionName, port })] });
    });
  }

  /** Creates a TCPRoute attached to this Gateway and returns it. */
  public addTcpRoute(id: string, props: GatewayStreamRouteProps): TcpRoute {
    return this._mutate(() => {
      const { sectionName, port, ...rest } = props;
      return new TcpRoute(this.node.scope as Construct, id, { ...rest, parents: [ParentRef.gateway(this, { sectionName, port })] });
    });
  }

  /** Creates a UDPRoute attached to this Gateway and returns it. */
  public addUdpRoute(id: string, props: GatewayStreamRouteProps): UdpRoute {
    return this._mutate(() => {
      const { sectionName, port, ...rest } = props;
      return new UdpRoute(this.node.scope as Construct, id, { ...rest, parents: [ParentRef.gateway(this, { sectionName, port })] });
    });
  }

  protected renderSpec(): unknown {
    const p = this.props;
    const lbAnnotations = this.loadBalancerAnnotations();
    const hasLbAnnotations = Object.keys(lbAnnotations).length > 0;
    const infra: GatewayInfrastructure | undefined = p.infrastructure || hasLbAnnotations ? { ...p.infrastructure } : undefined;
    const annotations = infra?.annotations || hasLbAnnotations ? { ...infra?.annotations, ...lbAnnotations } : undefined;
    const addresses = this.addressList;
    const tls = p.tls;
    return {
      gatewayClassName: this.gatewayClassName,
      listeners: this.listeners.map((l) => l._render()),
      ...(addresses.length ? { addresses: addresses.map((a) => ({ type: a.type, ...(a.value !== undefined ? { value: a.value } : {}) })) } : {}),
      ...(infra
        ? {
          infrastructure: {
            ...(infra.labels ? { labels: { ...infra.labels } } : {}),
            ...(annotations ? { annotations } : {}),
            ...(infra.parametersRef ? { parametersRef: { group: infra.parametersRef.group, kind: infra.parametersRef.kind, name: infra.parametersRef.name } } : {}),
          },
        }
        : {}),
      ...(p.allowedListeners ? { allowedListeners: { namespaces: { from: p.allowedListeners.from, ...(p.allowedListeners.selector ? { selector: p.allowedListeners.selector } : {}) } } } : {}),
      ...(tls && (tls.backendClientCertificate || tls.frontendCaConfigMaps)
        ? {
          tls: {
            ...(tls.backendClientCertificate ? { backend: { clientCertificateRef: { group: '', kind: 'Secret', name: tls.backendClientCertificate } } } : {}),
            ...(tls.frontendCaConfigMaps
              ? {
                frontend: {
                  default: {
                    validation: {
                      caCertificateRefs: tls.frontendCaConfigMaps.map((name) => ({ group: '', kind: 'ConfigMap', name })),
                      mode: tls.frontendValidationMode ?? 'AllowValidOnly',
                    },
                  },
                  ...(tls.frontendPerPort?.length
                    ? {
                      perPort: tls.frontendPerPort.map((pp) => ({
                        port: pp.port,
                        tls: { validation: { caCertificateRefs: pp.caConfigMaps.map((name) => ({ group: '', kind: 'ConfigMap', name })), mode: pp.mode ?? 'AllowValidOnly' } },
                      })),
                    }
                    : {}),
                },
              }
              : {}),
          },
        }
        : {}),
    };
  }
}

/** Protocols that may share a port: HTTP with HTTP, HTTPS with HTTPS and TLS (SNI), TCP with TCP, UDP with UDP. */
function compatibleOnPort(a: ListenerProtocol, b: ListenerProtocol): boolean {
  if (a === b) return true;
  const tlsFamily = [ListenerProtocol.HTTPS, ListenerProtocol.TLS];
  return tlsFamily.includes(a) && tlsFamily.includes(b);
}
