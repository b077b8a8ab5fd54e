import { Size } from 'cdk8s';
import type { Gateway } from '../gateway-api/gateway';
import type { ILoadBalancerAddress } from '../gateway-api/load-balancer-address';


/**
 * The nginx line the default image ships and the tests run (Debian's packages of the same line,
 * in a chroot; see docs/dataplane.md). A test fails when the two differ.
 */
export const DEFAULT_PROXY_NGINX_VERSION = '1.30.6';
/** The pinned official nginx image the proxy runs by default (the newest patch of the tested line). */
export const DEFAULT_PROXY_IMAGE = `nginx:${DEFAULT_PROXY_NGINX_VERSION}`;

/** How the proxy's replicas are spread over nodes. */
export enum NodeSpread {
  /** Prefer different nodes (scheduling still succeeds on one node). */
  PREFERRED = 'preferred',
  /** Require different nodes: a replica stays Pending rather than share a node. */
  REQUIRED = 'required',
  /** No anti-affinity (use `topologySpread` instead, or a single-node cluster). */
  NONE = 'none',
}

/** A topology spread constraint for the proxy's pods. */
export interface ProxyTopologySpread {
  /** Node label to spread over, e.g. `topology.kubernetes.io/zone` or `kubernetes.io/hostname`. */
  readonly topologyKey: string;
  /** @default 1 */
  readonly maxSkew?: number;
  /** `DoNotSchedule` or `ScheduleAnyway`. @default 'ScheduleAnyway' */
  readonly whenUnsatisfiable?: string;
}

/** A HorizontalPodAutoscaler for the proxy (replicas then come from it, not from `replicas`). */
export interface ProxyAutoscaling {
  /** @default 2 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization in percent of the request. @default 70 */
  readonly cpuUtilizationPercent?: number;
}

/** Service exposure of the proxy. */
export enum ProxyServiceType {
  LOAD_BALANCER = 'LoadBalancer',
  NODE_PORT = 'NodePort',
  CLUSTER_IP = 'ClusterIP',
}

/** Props of {@link GatewayProxy}. */
export interface GatewayProxyProps {
  /** The Gateway to serve. Its class must have the built-in controller (`GatewayClass.builtin`). */
  readonly gateway: Gateway;
  /** Base name of the emitted objects. @default `<gateway name>-proxy` */
  readonly name?: string;
  /** @default - the Gateway's namespace */
  readonly namespace?: string;
  /** Container image (official nginx image). @default DEFAULT_PROXY_IMAGE */
  readonly image?: string;
  /**
   * The nginx version of `image` (what the configuration is compiled for: `http2 on;` from
   * 1.25.1, TLS stream listeners without a certificate from 1.25.5).
   * @default - read from the image tag (`nginx:1.28.0`, `…:1.27.3-alpine`), else DEFAULT_PROXY_NGINX_VERSION
   */
  readonly nginxVersion?: string;
  /** At least 2 unless you accept a single point of failure. @default 2 */
  readonly replicas?: number;
  /** @default ProxyServiceType.LOAD_BALANCER */
  readonly serviceType?: ProxyServiceType;
  /** `Local` keeps client source addresses and avoids a second hop. @default 'Local' */
  readonly externalTrafficPolicy?: string;
  /** Extra Service annotations. @default - none */
  readonly serviceAnnotations?: { readonly [key: string]: string };
  /** The load-balancer address (e.g. `pool.address('192.168.1.240')` of a MetalLbPool). @default - the Gateway's `loadBalancerAddress` */
  readonly loadBalancerAddress?: ILoadBalancerAddress;
  /** Emit a PodDisruptionBudget (minAvailable 1). @default true */
  readonly podDisruptionBudget?: boolean;
  /** Readiness / liveness port. @default 8081 */
  readonly healthPort?: number;
  /** Cluster DNS domain of Service names. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * DNS resolver nginx uses for backend Service names at request time (so the proxy starts
   * before every backend exists). `auto`: the pod's nameservers, read from its /etc/resolv.conf
   * when the container starts, so loading the configuration never waits for cluster DNS. An address
   * is used as given; a name would be looked up at every start and reload.
   * @default 'auto'
   */
  readonly resolver?: string;
  /** Seconds between the entrypoint's checks for new certificates and configuration. @default 5 */
  readonly checkIntervalSeconds?: number;
  /**
   * Size limit of the emptyDir that buffers request bodies and upstream responses (nginx's
   * prefix). A request body larger than the memory buffers is written there.
   * @default Size.gibibytes(1)
   */
  readonly bufferVolumeSize?: Size;
  /**
   * Largest request body for routes that do not set their own (`proxy.maxRequestBodySize` of an
   * HttpRoute / GrpcRoute, annotation `cdk8s-gateway.dev/max-request-body-size`): a larger body is
   * answered 413, whether sent with Content-Length or chunked. `Size.kibibytes(0)` = no limit.
   * ingress-nginx's default was 1 MiB; set `Size.mebibytes(1)` to restore it proxy-wide.
   * @default - no limit
   */
  readonly maxRequestBodySize?: Size;
  /**
   * Idle connections each nginx worker keeps open to every backend (nginx `keepalive` of each
   * backend's `upstream` block), reused by later requests instead of opening new ones. nginx
   * reserves the slots when it loads the configuration (about 150 bytes each), and a worker holds
   * at most 4,096 connections of any kind. Raise it for a few backends under many concurrent
   * requests; lower it to save memory on a proxy with thousands of backends.
   * @default 32 up to 128 backends; above that 4,096 shared out among them, at least 8
   */
  readonly backendKeepalive?: number;
  /**
   * Roll the pods when the compiled configuration changes (a checksum in the pod template). Without
   * it, a new configuration reaches the running pods when kubelet updates the mounted ConfigMap
   * (about a minute) and is loaded by a reload after `nginx -t` passes: no pod is replaced (on bare
   * metal with MetalLB L2 that also keeps the address where it is).
   * @default true
   */
  readonly rolloutOnConfigChange?: boolean;
  /** @default NodeSpread.PREFERRED */
  readonly nodeSpread?: NodeSpread;
  /** Topology spread constraint (e.g. over zones). @default - none */
  readonly topologySpread?: ProxyTopologySpread;
  /** Scale with a HorizontalPodAutoscaler (CPU). @default - fixed `replicas` */
  readonly autoscaling?: ProxyAutoscaling;
  /**
   * The container's memory limit. By default it follows the compiled configuration: room for the
   * running configuration and a new one at once (nginx -t and a reload hold both), at least
   * 512 MiB — about 1.1 GiB at 10,000 header + query routes. A smaller limit than that need is a
   * synth warning: the proxy would be OOM-killed when its configuration changes.
   * @default - sized from the configuration (see docs/dataplane.md, "Memory")
   */
  readonly memoryLimit?: Size;
  /**
   * The container's memory request.
   * @default - the running configuration's need, at least 64 MiB
   */
  readonly memoryRequest?: Size;
  /** Seconds of `preStop` sleep before nginx drains (endpoints update first). @default 5 */
  readonly preStopSleepSeconds?: number;
  /**
   * How the image provides nginx's stream module (TLS passthrough, TCP, UDP): `builtin` (the
   * official image) or `dynamic` (loaded from /usr/lib/nginx/modules, e.g. Debian-based images).
   * @default 'builtin'
   */
  readonly streamModule?: string;
}
