/**
 * Helpers for the whole-app checks of the MetalLB and cert-manager constructs (internal).
 * They read the construct tree at validation time (`node.addValidation`), when every
 * construct of the app exists, and report in the library's message format
 * `<field>: <value> <problem>. Fix: <fix>`.
 */
import { selectorMatches as resolverSelectorMatches } from '../../resolve/util';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { show } from './errors';
import type { LabelSelector, Listener } from '../gateway-api/listener';

/** `<field>: <value> <problem>. Fix: <fix>` @internal */
export function problem(field: string, value: unknown, what: string, fix: string): string {
  return `${field}: ${show(value)} ${what}. Fix: ${fix}`;
}

/** A synthesized object of the app. @internal */
export interface AppObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec?: any;
  readonly [key: string]: any;
  /** the construct that created it */
  readonly source: ApiObject;
}

/** API group of an apiVersion (`''` for core). @internal */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

/** Every ApiObject of the app with the given group and one of `kinds`, synthesized to JSON. @internal */
export function appObjects(scope: IConstruct, group: string, kinds: string[]): AppObject[] {
  const out: AppObject[] = [];
  for (const c of scope.node.root.node.findAll()) {
    if (!(c instanceof ApiObject) || !kinds.includes(c.kind) || groupOf(c.apiVersion) !== group) continue;
    out.push({ ...(c.toJson() as any), source: c });
  }
  return out;
}

/** `namespace/name` of an object (namespace `default` when unset). @internal */
export function refOf(o: { metadata: { name: string; namespace?: string } }): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

/** Whether `labels` satisfy a Kubernetes label selector (the resolver's matcher). @internal */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  return !selector || resolverSelectorMatches(selector, labels);
}

/**
 * Labels of namespace `name` as the app declares it (plus `kubernetes.io/metadata.name`),
 * or undefined when the app holds no Namespace object of that name.
 * @internal
 */
export function namespaceLabels(scope: IConstruct, name: string): Record<string, string> | undefined {
  const ns = appObjects(scope, '', ['Namespace']).find((o) => o.metadata.name === name);
  if (!ns) return undefined;
  return { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

/**
 * Whether a listener of a Gateway in `gatewayNamespace` admits HTTPRoutes from
 * `routeNamespace`: true, false, or undefined when it cannot be decided (a Selector
 * listener and a namespace the app does not declare).
 * @internal
 */
export function listenerAdmitsHttpRoutes(scope: IConstruct, listener: Listener, gatewayNamespace: string, routeNamespace: string): boolean | undefined {
  if (listener.routeKinds && !listener.routeKinds.some((k) => k.kind === 'HTTPRoute' && k.group === 'gateway.networking.k8s.io')) return false;
  const from = listener.routeNamespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNamespace === gatewayNamespace;
  const labels = namespaceLabels(scope, routeNamespace);
  if (!labels) return undefined;
  return selectorMatches(listener.routeNamespaces?.selector, labels);
}

/** Whether a listener hostname (absent = any) accepts requests for the DNS name `name` (no wildcard). @internal */
export function listenerHostnameAccepts(listenerHostname: string | undefined, name: string): boolean {
  if (listenerHostname === undefined) return true;
  if (listenerHostname.startsWith('*.')) {
    const suffix = listenerHostname.slice(1);
    return name.endsWith(suffix) && name.length > suffix.length;
  }
  return listenerHostname === name;
}

/** Short description of a listener for messages: `http (HTTP 80, any host, routes from Same)`. @internal */
export function describeListener(l: Listener): string {
  return `${l.name} (${l.protocol} ${l.port}, ${l.hostname ?? 'any host'}, routes from ${l.routeNamespaces?.from ?? 'Same'})`;
}
