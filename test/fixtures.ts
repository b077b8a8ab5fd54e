/**
 * The one place where tests build Kubernetes / Gateway API input objects: one builder per kind,
 * with options for the variations the suites use. Suite fixture modules (test/render/fixtures.ts,
 * test/resolve/fixtures.ts, test/validate/fixtures.ts, ...) only bind their suite's defaults
 * (namespace, class name, placeholder certificates) and delegate here, so an object's shape is
 * written once. Key order is part of the contract (some outputs are compared byte for byte).
 */
import { BUILTIN_CONTROLLER_NAME, KubeObject } from '../src/model';

/** The Gateway API group/version of the standard-channel kinds. */
export const GATEWAY_API_V1 = 'gateway.networking.k8s.io/v1';

/** A PEM certificate and its key. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A GatewayClass (default controller: the built-in nginx proxy). */
export function gatewayClass(name: string, controllerName: string = BUILTIN_CONTROLLER_NAME): KubeObject {
  return { apiVersion: GATEWAY_API_V1, kind: 'GatewayClass', metadata: { name }, spec: { controllerName } };
}

export interface GatewayOptions {
  readonly name: string;
  readonly namespace: string;
  readonly className: string;
  /** spec.listeners (left out of the spec when undefined) */
  readonly listeners?: readonly unknown[];
  /** further spec fields, after gatewayClassName and listeners (may override them) */
  readonly spec?: Record<string, unknown>;
  readonly apiVersion?: string;
}

/** A Gateway: spec `{ gatewayClassName, listeners?, ...spec }`. */
export function gateway(o: GatewayOptions): KubeObject {
  return {
    apiVersion: o.apiVersion ?? GATEWAY_API_V1,
    kind: 'Gateway',
    metadata: { name: o.name, namespace: o.namespace },
    spec: { gatewayClassName: o.className, ...(o.listeners !== undefined ? { listeners: o.listeners } : {}), ...o.spec },
  };
}

export interface RouteOptions {
  readonly name: string;
  readonly namespace: string;
  readonly spec: Record<string, unknown>;
  /** default HTTPRoute */
  readonly kind?: string;
  readonly apiVersion?: string;
  /** metadata.creationTimestamp (left out when undefined) */
  readonly created?: string;
  /** spec.parentRefs put before the given spec (which may override them); when undefined `spec` is used as is */
  readonly parentRefs?: readonly Record<string, unknown>[];
}

/** A route of any kind (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, ...). */
export function route(o: RouteOptions): KubeObject {
  return {
    apiVersion: o.apiVersion ?? GATEWAY_API_V1,
    kind: o.kind ?? 'HTTPRoute',
    metadata: { name: o.name, namespace: o.namespace, ...(o.created !== undefined ? { creationTimestamp: o.created } : {}) },
    spec: o.parentRefs !== undefined ? { parentRefs: o.parentRefs, ...o.spec } : o.spec,
  };
}

/** A Service port: a number, or a port entry with e.g. an appProtocol. */
export type ServicePort = number | { port: number; appProtocol?: string };

/** A Service with the given ports. */
export function service(namespace: string, name: string, ports: readonly ServicePort[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: ports.map((p) => (typeof p === 'number' ? { port: p } : p)) },
  };
}

/** A Namespace with labels. */
export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** A kubernetes.io/tls Secret holding `pem` (base64 `data`). */
export function tlsSecret(namespace: string, name: string, pem: PemPair): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pem.cert).toString('base64'), 'tls.key': Buffer.from(pem.key).toString('base64') },
  };
}

/** A ConfigMap holding a CA bundle under `ca.crt`. */
export function caConfigMap(namespace: string, name: string, ca: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { 'ca.crt': ca } };
}

/** A ReferenceGrant in `namespace`. */
export function referenceGrant(namespace: string, name: string, from: Record<string, unknown>[], to: Record<string, unknown>[]): KubeObject {
  return { apiVersion: GATEWAY_API_V1, kind: 'ReferenceGrant', metadata: { name, namespace }, spec: { from, to } };
}
