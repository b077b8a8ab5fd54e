/** Small builders of Gateway API input for renderer tests. */
import * as fs from 'fs';
import * as YAML from 'yaml';
import { KubeObject } from '../../src/model';
import { CONFORMANCE_BASE_MANIFESTS, CONFORMANCE_CASES } from '../data/upstream';
import * as fx from '../fixtures';

export const NS = 'default';

/** GatewayClass `nginx` of the built-in controller. */
export function gatewayClass(): KubeObject {
  return fx.gatewayClass('nginx');
}

export interface ListenerSpec {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  tls?: Record<string, unknown>;
  allowedRoutes?: Record<string, unknown>;
}

/** A Gateway of class `nginx` in {@link NS}; listeners allow routes from all namespaces unless they say otherwise. */
export function gateway(name: string, listeners: ListenerSpec[], extra: Record<string, unknown> = {}): KubeObject {
  return fx.gateway({ name, namespace: NS, className: 'nginx', listeners: listeners.map((l) => ({ allowedRoutes: { namespaces: { from: 'All' } }, ...l })), spec: extra });
}

export function service(name: string, ports: fx.ServicePort[] = [8080], namespace = NS): KubeObject {
  return fx.service(namespace, name, ports);
}

let seq = 0;
/** An HTTPRoute attached to `gw`; creationTimestamp increases with each call unless given. */
export function httpRoute(name: string, spec: Record<string, unknown>, opts: { gateway?: string; kind?: string; created?: string; namespace?: string } = {}): KubeObject {
  seq++;
  return fx.route({
    kind: opts.kind,
    name,
    namespace: opts.namespace ?? NS,
    created: opts.created ?? `2024-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`,
    parentRefs: [{ name: opts.gateway ?? 'gw' }],
    spec,
  });
}

export function tlsSecret(name: string, cert: string, key: string, namespace = NS): KubeObject {
  return fx.tlsSecret(namespace, name, { cert, key });
}

export function caConfigMap(name: string, ca: string, namespace = NS): KubeObject {
  return fx.caConfigMap(namespace, name, ca);
}

/** backend rule shorthand. */
export function to(name: string, port = 8080, weight?: number): Record<string, unknown> {
  return { name, port, ...(weight !== undefined ? { weight } : {}) };
}

/** The conformance catalogue (vendored, test/data/upstream/conformance). */
export function conformanceCases(): { name: string; manifests: { documents: KubeObject[] }[] }[] {
  return JSON.parse(fs.readFileSync(CONFORMANCE_CASES, 'utf8'));
}

/** Base manifests with the GatewayClass placeholder filled in. */
export function conformanceBase(): KubeObject[] {
  const text = fs.readFileSync(CONFORMANCE_BASE_MANIFESTS, 'utf8');
  return YAML.parseAllDocuments(text)
    .map((d) => d.toJSON() as KubeObject)
    .filter((o) => o && o.kind);
}

/** Replaces `{GATEWAY_CLASS_NAME}` and adds our GatewayClass. */
export function withClass(objects: KubeObject[]): KubeObject[] {
  const out = objects.map((o) => (o.kind === 'Gateway' || o.kind === 'ListenerSet' ? { ...o, spec: { ...(o.spec as object), gatewayClassName: 'nginx' } } : o));
  return [gatewayClass(), ...out];
}

/** Suite-generated Secrets / CA ConfigMaps of the conformance suite (all with one test certificate). */
const SUITE_SECRETS: Record<string, string[]> = {
  'gateway-conformance-infra': ['tls-validity-checks-certificate', 'tls-checks-certificate', 'tls-passthrough-checks-certificate', 'tls-terminate-checks-certificate', 'tls-validity-checks-client-certificate', 'tls-validity-checks-per-port-client-certificate', 'tls-checks-client-certificate'],
  'gateway-conformance-web-backend': ['certificate'],
  'gateway-conformance-app-backend': ['tls-passthrough-checks-certificate'],
};
const SUITE_CAS: Record<string, string[]> = {
  'gateway-conformance-infra': ['tls-validity-checks-ca-certificate', 'tls-validity-checks-per-port-ca-certificate', 'tls-checks-ca-certificate', 'mismatch-ca-certificate'],
  'gateway-conformance-web-backend': ['web-backend-cm'],
};

/**
 * The objects of one conformance case (base + case manifests + suite-generated secrets), and a
 * `backends` map sending every Service port to `backend`.
 */
export function conformanceInput(documents: KubeObject[], pem: { cert: string; key: string }, backend = '127.0.0.1:9'): { objects: KubeObject[]; backends: Record<string, string> } {
  const objects = withClass([...conformanceBase(), ...documents]);
  const have = new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`));
  for (const [ns, names] of Object.entries(SUITE_SECRETS)) for (const n of names) if (!have.has(`Secret/${ns}/${n}`)) objects.push(tlsSecret(n, pem.cert, pem.key, ns));
  for (const [ns, names] of Object.entries(SUITE_CAS)) for (const n of names) if (!have.has(`ConfigMap/${ns}/${n}`)) objects.push(caConfigMap(n, pem.cert, ns));
  const backends: Record<string, string> = {};
  for (const o of objects) {
    if (o.kind !== 'Service') continue;
    for (const p of ((o.spec as { ports?: { port: number }[] }).ports ?? [])) backends[`${o.metadata.namespace}/${o.metadata.name}:${p.port}`] = backend;
  }
  return { objects, backends };
}
