import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkLabelKey, checkLabelValue, checkObjectName, nameFromId } from './checks';
import { fail } from './errors';
import { registerValidation } from './validation';

/** Metadata props every construct of this library accepts. */
export interface ResourceProps {
  /**
   * `metadata.name`. Explicit and stable: it never contains a hash, so renaming a
   * construct id in code does not rename (and re-create) the object in the cluster
   * once you pin it here.
   * @default - the construct id, lowercased, with characters other than `a-z0-9.-` replaced by `-`
   */
  readonly name?: string;
  /**
   * `metadata.namespace` (ignored for cluster-scoped kinds).
   * @default - the chart's namespace; without one the object is namespace-less and lands in `default`
   */
  readonly namespace?: string;
  /** @default - none */
  readonly labels?: { readonly [key: string]: string };
  /** @default - none */
  readonly annotations?: { readonly [key: string]: string };
}

/** A reference to any Kubernetes object by group, kind, name and namespace. */
export interface IObjectReference {
  /** API group (`''` for the core group) */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** undefined for cluster-scoped objects or unknown namespaces (then `default`) */
  readonly namespace?: string;
}

/** The namespace objects without one end up in. */
export const DEFAULT_NAMESPACE = 'default';

class GatewayApiObject extends ApiObject {
  constructor(scope: Construct, id: string, private readonly clusterScoped: boolean, props: ConstructorParameters<typeof ApiObject>[2]) {
    super(scope, id, props);
  }
  public toJson(): any {
    const json = super.toJson();
    if (this.clusterScoped && json.metadata) delete json.metadata.namespace;
    return json;
  }
}

/**
 * Base of every construct in this library: one Kubernetes object with an explicit
 * name, whose `spec` is produced lazily at synth time from the construct's state.
 */
export abstract class Resource extends Construct implements IObjectReference {
  /** The underlying cdk8s ApiObject (escape hatch: `addJsonPatch`). */
  public readonly apiObject: ApiObject;
  public readonly apiVersion: string;
  public readonly group: string;
  public readonly kind: string;
  public readonly name: string;
  /** The namespace the object is emitted in (undefined for cluster-scoped kinds). */
  public readonly namespace?: string;

  protected constructor(scope: Construct, id: string, type: { apiVersion: string; kind: string; clusterScoped?: boolean }, props: ResourceProps = {}) {
    super(scope, id);
    this.apiVersion = type.apiVersion;
    this.kind = type.kind;
    this.group = type.apiVersion.includes('/') ? type.apiVersion.slice(0, type.apiVersion.lastIndexOf('/')) : '';
    const name = props.name ?? nameFromId(id);
    const problem = checkObjectName(name);
    if (problem) {
      fail(this, 'metadata.name', name, problem, props.name ? 'choose a lowercase DNS name such as "web-gateway"' : 'pass `name` explicitly: the construct id does not make a valid object name');
    }
    this.name = name;
    if (!type.clusterScoped) {
      this.namespace = props.namespace ?? Chart.of(this).namespace;
      if (this.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(this.namespace)) {
        fail(this, 'metadata.namespace', this.namespace, 'is not a valid namespace name (a DNS label)', 'use lowercase letters, digits and "-"');
      }
    }
    for (const [k, v] of Object.entries(props.labels ?? {})) {
      const pk = checkLabelKey(k);
      if (pk) fail(this, `metadata.labels[${k}]`, k, pk, 'use a Kubernetes label key such as "app.kubernetes.io/name"');
      const pv = checkLabelValue(v);
      if (pv) fail(this, `metadata.labels[${k}]`, v, pv, 'use up to 63 letters, digits, "-", "_" or "."');
    }
    this.apiObject = new GatewayApiObject(this, 'Resource', !!type.clusterScoped, {
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: {
        name,
        ...(this.namespace !== undefined ? { namespace: this.namespace } : {}),
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    registerValidation(this);
  }

  /** The namespace used for references (`default` when none is set). */
  public get effectiveNamespace(): string {
    return this.namespace ?? DEFAULT_NAMESPACE;
  }

  /** Produces `spec` at synth time. */
  protected abstract renderSpec(): unknown;
}
