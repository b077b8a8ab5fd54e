import { GATEWAY_GROUP } from '../../model';
import { checkPort, checkSectionName } from '../core/checks';
import { fail } from '../core/errors';

/** A Gateway a route can attach to, owned by this app or not. */
export interface IGateway {
  readonly name: string;
  /** @default - `default` */
  readonly namespace?: string;
}

/** Options of a parent reference. */
export interface ParentRefOptions {
  /** Attach to this listener only (`sectionName`). @default - every listener that admits the route */
  readonly sectionName?: string;
  /** Attach to listeners on this port only. @default - any port */
  readonly port?: number;
}

/** Attributes of a Gateway the app does not own. */
export interface GatewayAttributes {
  readonly name: string;
  /** @default 'default' */
  readonly namespace?: string;
}

/** Where a route attaches: `spec.parentRefs[]`. */
export class ParentRef {
  /** A Gateway (construct or reference), optionally narrowed to a listener or a port. */
  public static gateway(gateway: IGateway, options: ParentRefOptions = {}): ParentRef {
    return new ParentRef(GATEWAY_GROUP, 'Gateway', gateway.name, gateway.namespace, options);
  }
  /** A Gateway by name (and namespace), for gateways outside the app. */
  public static gatewayName(name: string, namespace?: string, options: ParentRefOptions = {}): ParentRef {
    return new ParentRef(GATEWAY_GROUP, 'Gateway', name, namespace, options);
  }
  /** A ListenerSet by name (and namespace). */
  public static listenerSet(name: string, namespace?: string, options: ParentRefOptions = {}): ParentRef {
    return new ParentRef(GATEWAY_GROUP, 'ListenerSet', name, namespace, options);
  }

  private constructor(
    public readonly group: string,
    public readonly kind: string,
    public readonly name: string,
    public readonly namespace: string | undefined,
    public readonly options: ParentRefOptions,
  ) {
    if (options.sectionName !== undefined) {
      const p = checkSectionName(options.sectionName);
      if (p) fail(undefined, 'parentRefs[].sectionName', options.sectionName, p, 'use the name of one of the Gateway\'s listeners');
    }
    if (options.port !== undefined) {
      const p = checkPort(options.port);
      if (p) fail(undefined, 'parentRefs[].port', options.port, p, 'use the port of one of the Gateway\'s listeners');
    }
  }

  /** The `parentRefs[]` entry as seen from a route in `routeNamespace`. @internal */
  public _render(routeNamespace: string | undefined): unknown {
    const out: Record<string, unknown> = { group: this.group, kind: this.kind, name: this.name };
    if (this.namespace !== undefined && this.namespace !== (routeNamespace ?? 'default')) out.namespace = this.namespace;
    if (this.options.sectionName !== undefined) out.sectionName = this.options.sectionName;
    if (this.options.port !== undefined) out.port = this.options.port;
    return out;
  }

  /** Identity for duplicate detection. @internal */
  public _key(routeNamespace: string | undefined): string {
    return [this.group, this.kind, this.namespace ?? routeNamespace ?? 'default', this.name, this.options.sectionName ?? '', this.options.port ?? ''].join('|');
  }
}
