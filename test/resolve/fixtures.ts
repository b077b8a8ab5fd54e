import { KubeObject } from '../../src/model';
import { ObjectStatus, ResolveResult } from '../../src/resolve';
import * as fx from '../fixtures';

/** Builders for small hand-written inputs (namespace `infra`, class `ours`), on test/fixtures.ts. */
export const GW = fx.GATEWAY_API_V1;

export function gatewayClass(name = 'ours', controllerName?: string): KubeObject {
  return fx.gatewayClass(name, controllerName);
}

export function gateway(name: string, listeners: Record<string, unknown>[], extra: Record<string, unknown> = {}, namespace = 'infra'): KubeObject {
  return fx.gateway({ name, namespace, className: 'ours', listeners, spec: extra });
}

export function http(name = 'http', port = 80, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, port, protocol: 'HTTP', ...extra };
}

export function https(name = 'https', secret = 'cert', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: secret }] }, ...extra };
}

export function route(name: string, spec: Record<string, unknown>, namespace = 'infra', kind = 'HTTPRoute'): KubeObject {
  return fx.route({ kind, name, namespace, spec });
}

export function service(name: string, ports: number[] = [8080], namespace = 'infra'): KubeObject {
  return fx.service(namespace, name, ports);
}

export const namespace = fx.namespace;

/** A placeholder certificate (not parsable; the resolver only checks that both keys are there). */
const PLACEHOLDER_PEM: fx.PemPair = {
  cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n',
};

export function tlsSecret(name: string, namespace = 'infra'): KubeObject {
  return fx.tlsSecret(namespace, name, PLACEHOLDER_PEM);
}

export function grant(namespace: string, from: Record<string, unknown>[], to: Record<string, unknown>[], name = 'grant'): KubeObject {
  return fx.referenceGrant(namespace, name, from, to);
}

export function statusOf(res: ResolveResult, kind: string, name: string, namespace?: string): Record<string, any> {
  const s = res.status.find((x: ObjectStatus) => x.kind === kind && x.name === name && (namespace === undefined || x.namespace === namespace));
  if (!s) throw new Error(`no status for ${kind} ${namespace ?? ''}/${name}`);
  return s.status as Record<string, any>;
}

export function cond(conditions: any[], type: string): any {
  return conditions.find((c) => c.type === type);
}

/** The listener status entry named `listener` of a Gateway. */
export function listenerOf(res: ResolveResult, gw: string, listener: string, namespace = 'infra'): Record<string, any> {
  const l = (statusOf(res, 'Gateway', gw, namespace).listeners as any[]).find((x) => x.name === listener);
  if (!l) throw new Error(`no listener ${listener}`);
  return l;
}

/** The first parent status of a route. */
export function parentOf(res: ResolveResult, name: string, index = 0, kind = 'HTTPRoute', namespace = 'infra'): Record<string, any> {
  return (statusOf(res, kind, name, namespace).parents as any[])[index];
}

export function diag(res: ResolveResult, code: string): any {
  const d = res.diagnostics.find((x) => x.code === code);
  if (!d) throw new Error(`no diagnostic ${code}; have ${res.diagnostics.map((x) => x.code).join(',')}`);
  return d;
}
