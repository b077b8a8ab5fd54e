import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GATEWAY_API_VERSION } from '../../model';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkPort, nameFromId } from '../core/checks';
import { fail, freeId } from '../core/errors';
import { parseIp } from '../../model/ip-range';
import { ResourceProps } from '../core/resource';

/** Well-known `appProtocol` values of a Service port (what the gateway speaks to the backend). */
export class AppProtocol {
  /** HTTP/1.1 in the clear. */
  public static readonly HTTP = 'http';
  /** HTTP over TLS (set with a BackendTLSPolicy). */
  public static readonly HTTPS = 'https';
  /** HTTP/2 without TLS (GEP-1911). */
  public static readonly H2C = 'kubernetes.io/h2c';
  /** WebSocket in the clear (GEP-1911). */
  public static readonly WS = 'kubernetes.io/ws';
  /** WebSocket over TLS (GEP-1911). */
  public static readonly WSS = 'kubernetes.io/wss';
  private constructor() {}
}

/** Options of the {@link BackendTls} factories. */
export interface BackendTlsOptions {
  /**
   * Extra names the backend's certificate may carry instead of `hostname` (`subjectAltNames`).
   * @default - the certificate must match `hostname`
   */
  readonly subjectAltNames?: string[];
}

/**
 * TLS from the gateway to a backend (`BackendTLSPolicy.validation`): the name the gateway
 * sends as SNI and expects in the backend's certificate, and the CAs it trusts.
 */
export class BackendTls {
  /** Trust the gateway's system CA bundle (`wellKnownCACertificates: System`), e.g. for a Let's Encrypt certificate. */
  public static systemCertificates(hostname: string, options: BackendTlsOptions = {}): BackendTls {
    return new BackendTls(hostname, options, undefined, undefined);
  }
  /** Trust the CA bundle in key `ca.crt` of a ConfigMap in the Service's namespace. */
  public static fromCaConfigMap(hostname: string, configMapName: string, options: BackendTlsOptions = {}): BackendTls {
    const p = checkDnsSubdomain(configMapName);
    if (p) fail(undefined, 'validation.caCertificateRefs[].name', configMapName, p, "use the ConfigMap's metadata.name");
    return new BackendTls(hostname, options, configMapName, undefined);
  }
  /** Trust this PEM CA certificate (a ConfigMap `<service>-ca` holding it is created), e.g. a NAS's self-signed CA. */
  public static fromCaPem(hostname: string, pem: string, options: BackendTlsOptions = {}): BackendTls {
    if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) {
      fail(undefined, 'ca.crt', pem.slice(0, 40), 'is not a PEM certificate', 'paste the CA certificate including the BEGIN/END CERTIFICATE lines');
    }
    return new BackendTls(hostname, options, undefined, pem);
  }

  private constructor(
    public readonly hostname: string,
    private readonly options: BackendTlsOptions,
    /** @internal */ public readonly _configMap: string | undefined,
    /** @internal */ public readonly _pem: string | undefined,
  ) {
    if (parseIp(hostname)) {
      fail(undefined, 'validation.hostname', hostname, 'is an IP address, but a BackendTLSPolicy needs a DNS name (sent as SNI and matched against the backend\'s certificate)', 'give the name in the backend\'s certificate, e.g. "nas.example.com"');
    }
    const p = checkDnsSubdomain(hostname);
    if (p) fail(undefined, 'validation.hostname', hostname, p, 'give a DNS name without wildcard, e.g. "nas.example.com"');
    for (const san of options.subjectAltNames ?? []) {
      const ps = checkHostname(san);
      if (ps) fail(undefined, 'validation.subjectAltNames', san, ps, 'give DNS names');
    }
    if ((options.subjectAltNames?.length ?? 0) > 5) fail(undefined, 'validation.subjectAltNames', options.subjectAltNames, 'has more than 5 entries', 'use at most 5');
  }

  /** @internal */
  public _render(caConfigMap: string | undefined): unknown {
    return {
      hostname: this.hostname,
      ...(caConfigMap !== undefined ? { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: caConfigMap }] } : { wellKnownCACertificates: 'System' }),
      ...(this.options.subjectAltNames?.length ? { subjectAltNames: this.options.subjectAltNames.map((hostname) => ({ type: 'Hostname', hostname })) } : {}),
    };
  }
}

/** Props of {@link ExternalService}. */
export interface ExternalServiceProps extends ResourceProps {
  /**
   * Where the backend is: an IPv4 or IPv6 address, or a DNS name (EndpointSlice
   * `addressType` FQDN; kube-proxy ignores those, so only gateways that read
   * EndpointSlices themselves route to it).
   */
  readonly address: string;
  /** The port on `address`. */
  readonly port: number;
  /** The Service port routes refer to. @default - `port` */
  readonly servicePort?: number;
  /** What the gateway speaks to the backend (see {@link AppProtocol}). @default - `https` with `tls`, else none (HTTP/1.1) */
  readonly appProtocol?: string;
  /** Name of the Service port (and EndpointSlice port). @default - from the protocol: `https`, `http`, `h2c`, `ws`, `wss` or `tcp` */
  readonly portName?: string;
  /** Speak TLS to the backend (a BackendTLSPolicy targeting the Service). @default - plain text */
  readonly tls?: BackendTls;
}

/**
 * A backend outside the cluster (a NAS, a VM, a service on another network), usable as a
 * route backend like any Service (`Backend.fromExternalService(ext)`): a `Service`
 * without selector, an `EndpointSlice` with the address, and with `tls` a
 * `BackendTLSPolicy` (plus a CA ConfigMap for `BackendTls.fromCaPem`), all named after it.
 *
 * @example
 * const nas = new ExternalService(chart, 'nas', {
 *   namespace: 'nas', address: '172.30.1.77', port: 5001,
 *   tls: BackendTls.systemCertificates('nas.example.com'),
 * });
 * route.addRule({ backends: [Backend.fromExternalService(nas)] });
 */
export class ExternalService extends Construct {
  /** `metadata.name` of the Service, EndpointSlice and BackendTLSPolicy. */
  public readonly name: string;
  /** The namespace of the objects (undefined: the chart's, else `default`). */
  public readonly namespace?: string;
  /** The address outside the cluster. */
  public readonly address: string;
  /** `IPv4`, `IPv6` or `FQDN`. */
  public readonly addressType: string;
  /** The port on the address. */
  public readonly targetPort: number;
  /** The Service port routes use. */
  public readonly port: number;
  /** The Service port's `appProtocol`, if any. */
  public readonly appProtocol?: string;
  /** The backend TLS settings, if any. */
  public readonly tls?: BackendTls;
  /** The selector-less Service. */
  public readonly service: ApiObject;
  /** The EndpointSlice holding the address. */
  public readonly endpointSlice: ApiObject;
  /** The BackendTLSPolicy (with `tls`). */
  public readonly backendTlsPolicy?: ApiObject;
  /** The CA ConfigMap (with `BackendTls.fromCaPem`). */
  public readonly caConfigMap?: ApiObject;

  constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, freeId(scope, id, 'ExternalService'));
    this.name = props.name ?? nameFromId(id);
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(this.name) || this.name.length > 63) {
      fail(this, 'metadata.name', this.name, 'is not a Service name (a DNS-1035 label: lowercase letters, digits and "-", starting with a letter, at most 63 characters)', props.name ? 'choose a name such as "nas"' : 'pass `name` explicitly');
    }
    this.namespace = props.namespace ?? Chart.of(this).namespace;
    const nsProblem = this.namespace !== undefined ? checkDnsLabel(this.namespace) : undefined;
    if (nsProblem) fail(this, 'metadata.namespace', this.namespace, nsProblem, 'use a namespace name: up to 63 lowercase letters, digits and "-"');
    this.address = props.address;
    const ip = parseIp(props.address);
    if (ip) {
      this.addressType = ip.family === 4 ? 'IPv4' : 'IPv6';
    } else {
      const p = checkDnsSubdomain(props.address);
      if (p) fail(this, 'endpoints[0].addresses[0]', props.address, `is neither an IP address nor a DNS name (${p})`, 'give e.g. "172.30.1.77" or "nas.lan.example.com"');
      this.addressType = 'FQDN';
    }
    for (const [field, v] of [['port', props.port], ['servicePort', props.servicePort]] as const) {
      if (v === undefined) continue;
      const p = checkPort(v);
      if (p) fail(this, field, v, p, 'use a port from 1 to 65535');
    }
    this.targetPort = props.port;
    this.port = props.servicePort ?? props.port;
    this.tls = props.tls;
    this.appProtocol = props.appProtocol ?? (props.tls ? AppProtocol.HTTPS : undefined);
    if (this.appProtocol !== undefined && !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(this.appProtocol)) {
      fail(this, 'spec.ports[0].appProtocol', this.appProtocol, 'is not an appProtocol (an IANA service name or a domain-prefixed name)', 'use e.g. "https" or "kubernetes.io/h2c"');
    }
    if (props.tls && (this.appProtocol === AppProtocol.H2C || this.appProtocol === AppProtocol.WS || this.appProtocol === AppProtocol.HTTP)) {
      fail(this, 'spec.ports[0].appProtocol', this.appProtocol, 'is a cleartext protocol, but `tls` makes the gateway speak TLS to the backend', 'use "https" (or "kubernetes.io/wss" for WebSocket), or drop `tls`');
    }
    if (!props.tls && (this.appProtocol === AppProtocol.HTTPS || this.appProtocol === AppProtocol.WSS)) {
      fail(this, 'spec.ports[0].appProtocol', this.appProtocol, 'says the backend speaks TLS, but without `tls` no BackendTLSPolicy tells the gateway to use it', 'pass `tls` (e.g. BackendTls.systemCertificates("nas.example.com"))');
    }
    const portName = props.portName ?? defaultPortName(this.appProtocol);
    if (checkDnsLabel(portName) !== undefined || portName.length > 15 || !/[a-z]/.test(portName)) {
      fail(this, 'spec.ports[0].name', portName, 'is not a port name (an IANA_SVC_NAME: up to 15 lowercase letters, digits and "-", with a letter)', 'use e.g. "https"');
    }
    const metadata = { name: this.name, ...(this.namespace !== undefined ? { namespace: this.namespace } : {}), ...(props.labels ? { labels: { ...props.labels } } : {}), ...(props.annotations ? { annotations: { ...props.annotations } } : {}) };
    const appProtocol = this.appProtocol !== undefined ? { appProtocol: this.appProtocol } : {};

    this.service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { ports: [{ name: portName, port: this.port, targetPort: this.targetPort, protocol: 'TCP', ...appProtocol }] },
    });
    this.endpointSlice = new ApiObject(this, 'EndpointSlice', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        ...metadata,
        labels: { ...(props.labels ?? {}), 'kubernetes.io/service-name': this.name, 'endpointslice.kubernetes.io/managed-by': 'cdk8s-gateway' },
      },
      addressType: this.addressType,
      endpoints: [{ addresses: [this.address], conditions: { ready: true } }],
      ports: [{ name: portName, port: this.targetPort, protocol: 'TCP', ...appProtocol }],
    } as any);
    if (props.tls) {
      let caName = props.tls._configMap;
      if (props.tls._pem !== undefined) {
        caName = `${this.name}-ca`;
        this.caConfigMap = new ApiObject(this, 'CaConfigMap', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: caName, ...(this.namespace !== undefined ? { namespace: this.namespace } : {}) },
          data: { 'ca.crt': props.tls._pem },
        } as any);
      }
      this.backendTlsPolicy = new ApiObject(this, 'BackendTLSPolicy', {
        apiVersion: GATEWAY_API_VERSION,
        kind: 'BackendTLSPolicy',
        metadata: { name: this.name, ...(this.namespace !== undefined ? { namespace: this.namespace } : {}) },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: this.name }],
          validation: props.tls._render(caName),
        },
      });
    }
  }

  /**
   * `host:port` of the backend itself (IPv6 in brackets): what a data plane that does not
   * go through the Service's cluster IP (the built-in proxy) connects to.
   */
  public get endpoint(): string {
    return `${this.addressType === 'IPv6' ? `[${this.address}]` : this.address}:${this.targetPort}`;
  }
}

function defaultPortName(appProtocol: string | undefined): string {
  switch (appProtocol) {
    case undefined:
      return 'http';
    case AppProtocol.H2C:
      return 'h2c';
    case AppProtocol.WS:
      return 'ws';
    case AppProtocol.WSS:
      return 'wss';
    default: {
      const n = appProtocol.slice(appProtocol.lastIndexOf('/') + 1).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 15);
      return /[a-z]/.test(n) ? n : 'tcp';
    }
  }
}
