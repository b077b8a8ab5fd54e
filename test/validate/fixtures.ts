/** Small object builders for the validator tests. */
import { KubeObject } from '../../src/model';
import { Violation } from '../../src/validate';
import * as fx from '../fixtures';

/** Gateway infra/gw of class nginx with the given spec fields. */
export function gateway(spec: Record<string, unknown>, apiVersion = fx.GATEWAY_API_V1): KubeObject {
  return fx.gateway({ apiVersion, name: 'gw', namespace: 'infra', className: 'nginx', spec });
}

/** HTTPRoute apps/web attached to infra/gw. */
export function httpRoute(spec: Record<string, unknown>, apiVersion = fx.GATEWAY_API_V1): KubeObject {
  return fx.route({ apiVersion, kind: 'HTTPRoute', name: 'web', namespace: 'apps', parentRefs: [{ name: 'gw', namespace: 'infra' }], spec });
}

/** TLSRoute apps/tls attached to infra/gw. */
export function tlsRoute(spec: Record<string, unknown>, apiVersion = fx.GATEWAY_API_V1): KubeObject {
  return fx.route({ apiVersion, kind: 'TLSRoute', name: 'tls', namespace: 'apps', parentRefs: [{ name: 'gw', namespace: 'infra' }], spec });
}

export const HTTP_LISTENER = { name: 'http', port: 80, protocol: 'HTTP' };

/** `type field: message` per violation (the shape most assertions compare). */
export function summary(vs: readonly Violation[]): string[] {
  return vs.map((v) => `${v.type} ${v.field}: ${v.message}`);
}

export const CEL_SKIPPED = 'cel : some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
