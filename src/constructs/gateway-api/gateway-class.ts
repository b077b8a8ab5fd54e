import { Construct } from 'constructs';
import { BUILTIN_CONTROLLER_NAME, GATEWAY_API_VERSION } from '../../model';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import { IObjectReference, Resource, ResourceProps } from '../core/resource';

/** Reference to a GatewayClass, owned by this app or not. */
export interface IGatewayClass {
  /** metadata.name of the GatewayClass, used as `spec.gatewayClassName` */
  readonly name: string;
}

/** Well-known controllers (`spec.controllerName`). */
export class GatewayController {
  /** NGINX Gateway Fabric */
  public static readonly NGINX_GATEWAY_FABRIC = 'gateway.nginx.org/nginx-gateway-controller';
  /** Istio */
  public static readonly ISTIO = 'istio.io/gateway-controller';
  /** Envoy Gateway */
  public static readonly ENVOY_GATEWAY = 'gateway.envoyproxy.io/gatewayclass-controller';
  /** Cilium */
  public static readonly CILIUM = 'io.cilium/gateway-controller';
  /** The built-in nginx proxy of this library (`GatewayProxy`): no controller runs in the cluster. */
  public static readonly BUILTIN = BUILTIN_CONTROLLER_NAME;
  private constructor() {}
}

/** Props of {@link GatewayClass}. */
export interface GatewayClassProps extends ResourceProps {
  /** `spec.controllerName`, a domain-prefixed path such as `istio.io/gateway-controller`. See {@link GatewayController}. */
  readonly controllerName: string;
  /** `spec.description` @default - none */
  readonly description?: string;
  /**
   * `spec.parametersRef`: implementation-specific configuration
   * (e.g. NGF's `NginxProxy`, Envoy Gateway's `EnvoyProxy`).
   * @default - none
   */
  readonly parametersRef?: IObjectReference;
}

/** Presets take the same props minus the controller. */
export interface GatewayClassPresetProps extends ResourceProps {
  /** @default - none */
  readonly description?: string;
  /** @default - none */
  readonly parametersRef?: IObjectReference;
}

/**
 * A GatewayClass (cluster-scoped): the kind of gateway and the controller that
 * implements it. Use the presets for the common controllers.
 *
 * @example
 * const cls = GatewayClass.istio(chart, 'istio');              // name "istio"
 * const own = GatewayClass.builtin(chart, 'cdk8s-gateway');    // served by GatewayProxy
 */
export class GatewayClass extends Resource implements IGatewayClass {
  /** NGINX Gateway Fabric (`gateway.nginx.org/nginx-gateway-controller`); default name `nginx`. */
  public static nginxGatewayFabric(scope: Construct, id: string, props: GatewayClassPresetProps = {}): GatewayClass {
    return new GatewayClass(scope, id, { name: 'nginx', ...props, controllerName: GatewayController.NGINX_GATEWAY_FABRIC });
  }
  /** Istio (`istio.io/gateway-controller`); default name `istio`. */
  public static istio(scope: Construct, id: string, props: GatewayClassPresetProps = {}): GatewayClass {
    return new GatewayClass(scope, id, { name: 'istio', ...props, controllerName: GatewayController.ISTIO });
  }
  /** Envoy Gateway (`gateway.envoyproxy.io/gatewayclass-controller`); default name `eg`. */
  public static envoyGateway(scope: Construct, id: string, props: GatewayClassPresetProps = {}): GatewayClass {
    return new GatewayClass(scope, id, { name: 'eg', ...props, controllerName: GatewayController.ENVOY_GATEWAY });
  }
  /** Cilium (`io.cilium/gateway-controller`); default name `cilium`. */
  public static cilium(scope: Construct, id: string, props: GatewayClassPresetProps = {}): GatewayClass {
    return new GatewayClass(scope, id, { name: 'cilium', ...props, controllerName: GatewayController.CILIUM });
  }
  /** The project's built-in nginx proxy; default name `cdk8s-gateway`. */
  public static builtin(scope: Construct, id: string, props: GatewayClassPresetProps = {}): GatewayClass {
    return new GatewayClass(scope, id, { name: 'cdk8s-gateway', ...props, controllerName: GatewayController.BUILTIN });
  }
  /** A GatewayClass that exists in the cluster but is not part of this app. */
  public static fromName(name: string): IGatewayClass {
    return { name };
  }

  public readonly controllerName: string;
  private readonly props: GatewayClassProps;

  constructor(scope: Construct, id: string, props: GatewayClassProps) {
    super(scope, id, { apiVersion: GATEWAY_API_VERSION, kind: 'GatewayClass', clusterScoped: true }, props);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(props.controllerName)) {
      fail(this, 'spec.controllerName', props.controllerName, 'is not a domain-prefixed path', 'use a value like "example.com/gateway-controller" (see GatewayController)');
    }
    const maxDescription = gwLimit('GatewayClass', 'spec.description');
    if (props.description !== undefined && props.description.length > maxDescription) {
      fail(this, 'spec.description', props.description, `is longer than ${maxDescription} characters`, 'shorten the description');
    }
    this.controllerName = props.controllerName;
    this.props = props;
  }

  protected renderSpec(): unknown {
    const p = this.props.parametersRef;
    return {
      controllerName: this.controllerName,
      ...(this.props.description !== undefined ? { description: this.props.description } : {}),
      ...(p ? { parametersRef: { group: p.group, kind: p.kind, name: p.name, ...(p.namespace ? { namespace: p.namespace } : {}) } } : {}),
    };
  }
}
