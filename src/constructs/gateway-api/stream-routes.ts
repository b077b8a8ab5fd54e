import { Construct } from 'constructs';
import { Backend } from './backend';
import { checkSectionName } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import { ResourceProps } from '../core/resource';
import { renderBackendRef, RouteBase, RouteProps } from './route-base';

/** Props shared by TCPRoute and UDPRoute. */
export interface StreamRouteProps extends RouteProps {
  /** Where connections go, split by weight (at least one). */
  readonly backends: Backend[];
  /** Name of the single rule. @default - none */
  readonly ruleName?: string;
}

/** Props of {@link TlsRoute}. */
export interface TlsRouteProps extends StreamRouteProps {
  /** SNI hostnames the route serves (at least one; `*.example.com` allowed). */
  readonly hostnames: string[];
}

/** Props of `gateway.addTcpRoute()` / `addUdpRoute()`. */
export interface GatewayStreamRouteProps extends ResourceProps {
  /** @default - every listener that admits the route */
  readonly sectionName?: string;
  /** @default - any port */
  readonly port?: number;
  readonly backends: Backend[];
  /** @default - none */
  readonly ruleName?: string;
}

/** Props of `gateway.addTlsRoute()`. */
export interface GatewayTlsRouteProps extends GatewayStreamRouteProps {
  readonly hostnames: string[];
}

/** One rule with weighted backends: the shape of TLS, TCP and UDP routes (v1: exactly one rule). */
abstract class SingleRuleRoute extends RouteBase {
  private readonly backends: Backend[];
  private readonly ruleName?: string;

  protected constructor(scope: Construct, id: string, kind: string, props: StreamRouteProps, maxHostnames: number) {
    super(scope, id, kind, props, maxHostnames);
    this.backends = [...props.backends];
    this.ruleName = props.ruleName;
    if (this.backends.length === 0) fail(this, 'spec.rules[0].backendRefs', [], 'is empty', 'give at least one backend');
    const maxBackends = gwLimit(kind, 'spec.rules[].backendRefs');
    if (this.backends.length > maxBackends) fail(this, 'spec.rules[0].backendRefs', this.backends.length, `has more than ${maxBackends} backends`, `use at most ${maxBackends}`);
    if (this.ruleName !== undefined) {
      const p = checkSectionName(this.ruleName);
      if (p) fail(this, 'spec.rules[0].name', this.ruleName, p, 'use a lowercase name');
    }
    this.backends.forEach((b, i) => {
      if (b.filters.length) fail(this, `spec.rules[0].backendRefs[${i}].filters`, b.filters.map((x) => x.type), `are set, but ${kind} backends take no filters`, 'remove the filters');
      this._onBackend(b);
    });
  }

  protected renderSpec(): unknown {
    return {
      ...this.renderCommon(),
      rules: [
        {
          ...(this.ruleName !== undefined ? { name: this.ruleName } : {}),
          backendRefs: this.backends.map((b) => ({ ...renderBackendRef(b, this.namespace), ...(b.weight !== undefined ? { weight: b.weight } : {}) })),
        },
      ],
    };
  }
}

/**
 * A TLSRoute: TLS connections routed by SNI — passthrough (the backend terminates TLS) or,
 * on a TLS listener in Terminate mode, decrypted and forwarded as TCP.
 */
export class TlsRoute extends SingleRuleRoute {
  constructor(scope: Construct, id: string, props: TlsRouteProps) {
    super(scope, id, 'TLSRoute', props, gwLimit('TLSRoute', 'spec.hostnames'));
    if (props.hostnames.length === 0) fail(this, 'spec.hostnames', [], 'is empty', 'give at least one SNI hostname');
    props.hostnames.forEach((h) => this.addHostname(h));
  }
}

/** A TCPRoute: TCP connections on a listener's port, forwarded to backends. */
export class TcpRoute extends SingleRuleRoute {
  constructor(scope: Construct, id: string, props: StreamRouteProps) {
    super(scope, id, 'TCPRoute', props, 0);
  }
}

/** A UDPRoute: UDP datagrams on a listener's port, forwarded to backends. */
export class UdpRoute extends SingleRuleRoute {
  constructor(scope: Construct, id: string, props: StreamRouteProps) {
    super(scope, id, 'UDPRoute', props, 0);
  }
}
