import { IConstruct } from 'constructs';
import { checkDnsLabel, checkDnsSubdomain, checkPort, checkWeight } from '../core/checks';
import { fail } from '../core/errors';
import type { ExternalService } from './external-service';
import type { HttpFilter } from './http-filter';

/** Options shared by every backend factory. */
export interface BackendOptions {
  /** Share of traffic relative to the other backends of the rule (0 disables). @default 1 */
  readonly weight?: number;
  /** Filters applied only when this backend is chosen (`backendRefs[].filters`). @default - none */
  readonly filters?: HttpFilter[];
  /**
   * Derive the ReferenceGrant a backend in another namespace needs.
   * Turn off when you manage grants yourself (the app then fails if none exists).
   * @default true
   */
  readonly referenceGrant?: boolean;
}

/**
 * What {@link Backend.fromService} reads of a Service construct: its name, namespace and ports. A
 * `Service` of any cdk8s-plus major (28, 33, 34, …) has this shape, so the app's own cdk8s-plus is
 * used as it is.
 */
export interface IServiceBackend extends IConstruct {
  /** `metadata.name` */
  readonly name: string;
  /** The Service's metadata (only `namespace` is read). */
  readonly metadata: { readonly namespace?: string };
  /** The Service's ports (only `port` is read). */
  readonly ports: ReadonlyArray<{ readonly port: number }>;
}

/** Options of {@link Backend.fromService}. */
export interface ServiceBackendOptions extends BackendOptions {
  /** @default - the Service's only port; required when it has several */
  readonly port?: number;
}

/** Options of {@link Backend.fromName}. */
export interface NamedBackendOptions extends BackendOptions {
  readonly port: number;
  /** @default - the route's namespace */
  readonly namespace?: string;
}

/** A backend by arbitrary group/kind (e.g. a multi-cluster `ServiceImport`). */
export interface BackendRefProps extends BackendOptions {
  /** @default '' */
  readonly group?: string;
  /** @default 'Service' */
  readonly kind?: string;
  readonly name: string;
  /** @default - the route's namespace */
  readonly namespace?: string;
  /** required for Services @default - none */
  readonly port?: number;
}

/**
 * Where a route rule sends traffic: `backendRefs[]`.
 *
 * @example
 * Backend.fromService(docsService, { port: 80, weight: 90 })
 * Backend.fromName('docserver', { namespace: 'docs', port: 80 })
 * Backend.fromServiceImport('helloworld', { namespace: 'sample', port: 5000 })
 */
export class Backend {
  /** A cdk8s-plus Service of this app (any major: {@link IServiceBackend}); its port is inferred when it has exactly one. */
  public static fromService(service: IServiceBackend, options: ServiceBackendOptions = {}): Backend {
    const ports = service.ports.map((p) => p.port);
    let port = options.port;
    if (port === undefined) {
      if (ports.length !== 1) {
        fail(service, 'backendRefs[].port', ports, `cannot be inferred: Service "${service.name}" has ${ports.length === 0 ? 'no ports' : 'several ports'}`, `pass \`port\` (one of ${ports.length ? ports.join(', ') : 'the ports you add to the Service'})`);
      }
      port = ports[0];
    } else if (ports.length > 0 && !ports.includes(port)) {
      fail(service, 'backendRefs[].port', port, `is not a port of Service "${service.name}" (its ports: ${ports.join(', ')})`, `use one of ${ports.join(', ')}`);
    }
    return new Backend({ ...options, group: '', kind: 'Service', name: service.name, namespace: service.metadata.namespace, port });
  }
  /** A backend outside the cluster (an {@link ExternalService}), through its selector-less Service. */
  public static fromExternalService(service: ExternalService, options: BackendOptions = {}): Backend {
    return new Backend({ ...options, group: '', kind: 'Service', name: service.name, namespace: service.namespace ?? 'default', port: service.port });
  }
  /** A Service by name, e.g. one deployed by another tool. */
  public static fromName(name: string, options: NamedBackendOptions): Backend {
    return new Backend(Backend.named(options, '', 'Service', name), true);
  }
  /** A multi-cluster `ServiceImport` (group `multicluster.x-k8s.io`). */
  public static fromServiceImport(name: string, options: NamedBackendOptions): Backend {
    return new Backend(Backend.named(options, 'multicluster.x-k8s.io', 'ServiceImport', name), true);
  }
  /** Any backend kind an implementation supports. */
  public static fromRef(props: BackendRefProps): Backend {
    return new Backend(props);
  }

  /**
   * The props of a backend by name: `{ ...options, group, kind, name }` written out (V8 makes an
   * object spread followed by new keys a slow copy, about 1 µs: one per backend of a large app).
   */
  private static named(options: NamedBackendOptions, group: string, kind: string, name: string): BackendRefProps {
    return { group, kind, name, namespace: options.namespace, port: options.port, weight: options.weight, filters: options.filters, referenceGrant: options.referenceGrant };
  }

  public readonly group: string;
  public readonly kind: string;
  public readonly name: string;
  public readonly namespace?: string;
  public readonly port?: number;
  public readonly weight?: number;
  public readonly filters: HttpFilter[];
  public readonly referenceGrant: boolean;
  /**
   * Referenced by name, not defined by the app (`fromName`, `fromServiceImport`): routes list it in
   * their `cdk8s-gateway.dev/external-backends` annotation. @internal
   */
  public readonly _external: boolean;

  private constructor(props: BackendRefProps, external = false) {
    this.group = props.group ?? '';
    this.kind = props.kind ?? 'Service';
    this.name = props.name;
    this.namespace = props.namespace;
    this.port = props.port;
    this.weight = props.weight;
    this.filters = [...(props.filters ?? [])];
    this.referenceGrant = props.referenceGrant ?? true;
    this._external = external;
    const pn = this.kind === 'Service' ? checkDnsLabel(this.name) : checkDnsSubdomain(this.name);
    if (pn) fail(undefined, 'backendRefs[].name', this.name, pn, `use the ${this.kind}'s metadata.name`);
    if (this.namespace !== undefined) {
      const p = checkDnsLabel(this.namespace);
      if (p) fail(undefined, 'backendRefs[].namespace', this.namespace, p, 'use the namespace the backend lives in');
    }
    if (this.port !== undefined) {
      const p = checkPort(this.port);
      if (p) fail(undefined, 'backendRefs[].port', this.port, p, 'use the Service port (not the container port)');
    } else if (this.kind === 'Service' && this.group === '') {
      fail(undefined, 'backendRefs[].port', undefined, `is missing for Service "${this.name}"`, 'pass `port`: a Service backend needs one');
    }
    if (this.weight !== undefined) {
      const p = checkWeight(this.weight);
      if (p) fail(undefined, 'backendRefs[].weight', this.weight, p, 'use an integer from 0 (no traffic) to 1000000');
    }
  }

  /** The same backend with another weight. */
  public withWeight(weight: number): Backend {
    return new Backend({ ...this.props(), weight }, this._external);
  }

  /** The same backend with backend-level filters. */
  public withFilters(...filters: HttpFilter[]): Backend {
    return new Backend({ ...this.props(), filters: [...this.filters, ...filters] }, this._external);
  }

  private props(): BackendRefProps {
    return {
      group: this.group,
      kind: this.kind,
      name: this.name,
      namespace: this.namespace,
      port: this.port,
      weight: this.weight,
      filters: this.filters,
      referenceGrant: this.referenceGrant,
    };
  }
}
