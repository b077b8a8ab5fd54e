/** Small object builders for the validator tests. */
import { KubeObject } from '../../src/model';
import { Violation } from '../../src/validate';

export function gateway(spec: Record<string, unknown>, apiVersion = 'gateway.networking.k8s.io/v1'): KubeObject {
  return { apiVersion, kind: 'Gateway', metadata: { name: 'gw', namespace: 'infra' }, spec: { gatewayClassName: 'nginx', ...spec } };
}

export function httpRoute(spec: Record<string, unknown>, apiVersion = 'gateway.networking.k8s.io/v1'): KubeObject {
  return { apiVersion, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'apps' }, spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], ...spec } };
}

export function tlsRoute(spec: Record<string, unknown>, apiVersion = 'gateway.networking.k8s.io/v1'): KubeObject {
  return { apiVersion, kind: 'TLSRoute', metadata: { name: 'tls', namespace: 'apps' }, spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], ...spec } };
}

export const HTTP_LISTENER = { name: 'http', port: 80, protocol: 'HTTP' };

/** `type field: message` per violation (the shape most assertions compare). */
export function summary(vs: readonly Violation[]): string[] {
  return vs.map((v) => `${v.type} ${v.field}: ${v.message}`);
}

export const CEL_SKIPPED = 'cel : some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
