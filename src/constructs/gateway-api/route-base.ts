import { Construct } from 'constructs';
import { EXTERNAL_BACKENDS_ANNOTATION, ExternalBackendEntry, formatExternalBackends, GATEWAY_API_VERSION, GATEWAY_GROUP } from '../../model';
import { Backend } from './backend';
import { checkHostname } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import { ParentRef } from './parent';
import { ensureReferenceGrant } from './reference-grant';
import { Resource, ResourceProps } from '../core/resource';
import { proxyAnnotations, RouteProxyProps } from './route-proxy';

/** Props every route kind accepts. */
export interface RouteProps extends ResourceProps {
  /** Gateways (or listeners of them) the route attaches to. @default - none; add with `addParentRef` */
  readonly parents?: ParentRef[];
}

/**
 * Common base of the route kinds: parent references, hostnames (for the kinds that have them),
 * and the ReferenceGrants that cross-namespace backends need.
 */
export abstract class RouteBase extends Resource {
  protected readonly parents: ParentRef[] = [];
  protected readonly hostnames: string[] = [];
  private readonly externalBackends: ExternalBackendEntry[] = [];

  protected constructor(scope: Construct, id: string, kind: string, props: RouteProps, private readonly maxHostnames: number) {
    super(scope, id, { apiVersion: GATEWAY_API_VERSION, kind }, props);
    (props.parents ?? []).forEach((p) => this.addParentRef(p));
  }

  /** Attaches the route to a parent (a Gateway or one of its listeners). */
  public addParentRef(parent: ParentRef): void {
    this._mutate(() => {
      if (this.parents.some((p) => p._key(this.namespace) === parent._key(this.namespace))) {
        fail(this, 'spec.parentRefs', parent.name, 'is listed twice with the same sectionName and port', 'remove the duplicate parent');
      }
      const max = gwLimit(this.kind, 'spec.parentRefs');
      if (this.parents.length >= max) fail(this, 'spec.parentRefs', this.parents.length + 1, `exceeds ${max} parents`, `attach to at most ${max} parents`);
      this.parents.push(parent);
    });
  }

  /** Adds a hostname the route serves (`*.example.com` allowed). */
  public addHostname(hostname: string): void {
    this._mutate(() => {
      if (this.maxHostnames === 0) fail(this, 'spec.hostnames', hostname, `is set on a ${this.kind}, which has no hostnames`, 'remove it (TCP and UDP routes match by listener port only)');
      const p = checkHostname(hostname);
      if (p) fail(this, 'spec.hostnames', hostname, p, 'use a DNS name such as "api.example.com" or "*.example.com"');
      if (this.hostnames.includes(hostname)) fail(this, 'spec.hostnames', hostname, 'is listed twice', 'remove the duplicate');
      if (this.hostnames.length >= this.maxHostnames) fail(this, 'spec.hostnames', hostname, `exceeds ${this.maxHostnames} hostnames`, 'split the route');
      this.hostnames.push(hostname);
    });
  }

  /**
   * Derives the grant a cross-namespace backend needs, and lists a backend the app references by
   * name in the `cdk8s-gateway.dev/external-backends` annotation (so `check` of the synthesized
   * YAML assumes it exists outside the input, as synth does). @internal
   */
  public _onBackend(b: Backend): void {
    for (const f of b.filters) if (f.mirrorBackend) this._onBackend(f.mirrorBackend);
    const from = this.effectiveNamespace;
    if (b._external) {
      this.externalBackends.push({ group: b.group, kind: b.kind, namespace: b.namespace ?? from, name: b.name });
      this.apiObject.metadata.addAnnotation(EXTERNAL_BACKENDS_ANNOTATION, formatExternalBackends(this.externalBackends));
    }
    if (b.namespace === undefined || b.namespace === from || !b.referenceGrant) return;
    ensureReferenceGrant(this, {
      fromGroup: GATEWAY_GROUP,
      fromKind: this.kind,
      fromNamespace: from,
      toGroup: b.group,
      toKind: b.kind,
      toName: b.name,
      toNamespace: b.namespace,
    });
  }

  /** Writes the proxy options as the route's annotations (see {@link RouteProxyProps}). @internal */
  public _setProxyAnnotations(props: RouteProxyProps): void {
    this._mutate(() => {
      for (const [k, v] of Object.entries(proxyAnnotations(this, props))) this.apiObject.metadata.addAnnotation(k, v);
    });
  }

  /** `parentRefs` and `hostnames` of the spec. */
  protected renderCommon(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.parents.length) out.parentRefs = this.parents.map((p) => p._render(this.namespace));
    if (this.hostnames.length) out.hostnames = [...this.hostnames];
    return out;
  }
}

/** A `backendRefs[]` entry as seen from a route in `routeNamespace` (without weight and filters). @internal */
export function renderBackendRef(b: Backend, routeNamespace: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (b.group !== '') out.group = b.group;
  if (b.kind !== 'Service') out.kind = b.kind;
  out.name = b.name;
  if (b.namespace !== undefined && b.namespace !== (routeNamespace ?? 'default')) out.namespace = b.namespace;
  if (b.port !== undefined) out.port = b.port;
  return out;
}
