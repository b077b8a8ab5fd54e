import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CLUSTER_NAMESPACES, uncreatedNamespaces } from '../../resolve/namespaces';
import { checkDnsLabel, checkLabelKey, checkLabelValue } from './checks';
import { fail, freeId } from './errors';
import { Resource, ResourceProps } from './resource';
import { declaredExternalNamespaces, lightRef, mutate, registerPreparation, registerValidation } from './validation';

/** Props of {@link AppNamespaces}. */
export interface AppNamespacesProps {
  /**
   * Labels of every Namespace this construct creates.
   * @default - none
   */
  readonly labels?: { readonly [key: string]: string };
  /**
   * Labels of individual namespaces, added to (and overriding) `labels`. A namespace listed here is
   * created even when no object of the app uses it. Labels matter to listeners that admit routes
   * by namespace label (`RouteNamespaces.selector`).
   * @default - none
   */
  readonly namespaceLabels?: { readonly [namespace: string]: { readonly [key: string]: string } };
  /**
   * Namespaces to create even when no object of the app uses them (e.g. the namespace of a team
   * that deploys its routes with another app).
   * @default - none
   */
  readonly include?: readonly string[];
}

/** One `v1 Namespace` emitted by {@link AppNamespaces}. */
class NamespaceObject extends Resource {
  constructor(scope: Construct, name: string, labels: { readonly [key: string]: string } | undefined) {
    const props: ResourceProps = { name, ...(labels && Object.keys(labels).length ? { labels } : {}) };
    super(scope, name, { apiVersion: 'v1', kind: 'Namespace', clusterScoped: true }, props);
  }
  protected renderSpec(): unknown {
    return undefined;
  }
}

const instances = new WeakMap<IConstruct, AppNamespaces>();

/**
 * Emits a `v1 Namespace` for every namespace the app uses that nothing else creates, so the
 * manifests apply to an empty cluster (opt-in; without it, synth warns `NamespaceNotCreated` for
 * each such namespace).
 *
 * The set is computed from the whole app at synth time, so objects added after this construct
 * count too. Left out: namespaces the app already creates (a `kplus.Namespace`, a plain
 * `ApiObject` of kind Namespace), namespaces declared in {@link ExternalNamespaces}, `default`,
 * `kube-system`, `kube-public`, `kube-node-lease`, and namespaces holding only MetalLB objects (its
 * installation creates them, with labels MetalLB needs). Namespaces are sorted by name and each has
 * an explicit `metadata.name` (the namespace), so the output is byte-stable.
 *
 * The objects of the same chart that live in these namespaces depend on the Namespaces, so the
 * Namespaces come before them in the chart's manifest. When the app has several charts, put
 * `AppNamespaces` in a chart of its own and make the others depend on it
 * (`chart.addDependency(namespacesChart)`): cdk8s then numbers the files in apply order.
 *
 * One per app.
 *
 * ```ts
 * new AppNamespaces(chart, 'namespaces', {
 *   namespaceLabels: { blog: { 'gateway-access': 'true' }, photos: { 'gateway-access': 'true' } },
 * });
 * ```
 */
export class AppNamespaces extends Construct {
  private readonly labels: { readonly [key: string]: string };
  private readonly perNamespace = new Map<string, { [key: string]: string }>();
  private readonly explicit = new Set<string>();
  private readonly own = new Map<string, NamespaceObject>();
  private emittedKey = '';
  /** the last Namespace emitted (the chain's end) */
  private last?: ApiObject;

  constructor(scope: Construct, id: string, props: AppNamespacesProps = {}) {
    super(scope, freeId(scope, id, 'AppNamespaces', false));
    const root = this.node.root;
    const existing = instances.get(root);
    if (existing) {
      fail(this, 'AppNamespaces', id, `is a second AppNamespaces of this app (the first is ${existing.node.path})`, 'keep one AppNamespaces per app; give it every label and namespace (`namespaceLabels`, `include`, `addLabels`)');
    }
    instances.set(root, this);
    this.labels = checkLabels(this, 'labels', props.labels ?? {});
    for (const ns of props.include ?? []) this.addNamespace(ns);
    for (const [ns, labels] of Object.entries(props.namespaceLabels ?? {})) this.addLabels(ns, labels);
    registerValidation(this);
    registerPreparation(this, 'add', () => this.emit());
    registerPreparation(this, 'order', () => this.order());
    this.node.addValidation({ validate: () => this.conflicts() });
  }

  /**
   * Adds labels to one namespace (created even when no object of the app uses it).
   * @returns this
   */
  public addLabels(namespace: string, labels: { readonly [key: string]: string }): AppNamespaces {
    return mutate(() => {
      this.addNamespace(namespace);
      const checked = checkLabels(this, `namespaceLabels.${namespace}`, labels);
      this.perNamespace.set(namespace, { ...(this.perNamespace.get(namespace) ?? {}), ...checked });
      return this;
    });
  }

  /**
   * The namespaces this construct emits, sorted: computed from the app as it is now (final at
   * synth).
   */
  public get namespaces(): string[] {
    return this.plan().map((p) => p.name);
  }

  private addNamespace(namespace: string): void {
    const problem = checkDnsLabel(namespace);
    if (problem) fail(this, 'metadata.name', namespace, `${problem}, so it cannot name a namespace`, 'use the namespace name, e.g. "blog"');
    if (CLUSTER_NAMESPACES.includes(namespace)) {
      fail(this, 'metadata.name', namespace, 'exists on every cluster and cannot be created', `leave it out (labels of "${namespace}" are set with \`kubectl label namespace ${namespace} …\`)`);
    }
    this.explicit.add(namespace);
  }

  /** The ApiObjects of the app outside this construct. */
  private others(): ApiObject[] {
    const mine = new Set<ApiObject>([...this.own.values()].map((n) => n.apiObject));
    return this.node.root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && !mine.has(c));
  }

  /** What to emit: every namespace used and not created elsewhere, plus the explicit ones. */
  private plan(): Array<{ name: string; labels: { [key: string]: string } }> {
    const objects = this.others().map((o) => {
      const ref = lightRef(o);
      return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
    });
    const external = new Set(declaredExternalNamespaces(this));
    const createdElsewhere = new Set(objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace').map((o) => o.metadata.name));
    const names = new Set(uncreatedNamespaces(objects, { external: [...external] }).map((u) => u.namespace));
    for (const ns of this.explicit) if (!external.has(ns) && !createdElsewhere.has(ns)) names.add(ns);
    return [...names].sort().map((name) => ({ name, labels: { ...this.labels, ...(this.perNamespace.get(name) ?? {}) } }));
  }

  /** Synchronizes the child Namespace objects with {@link plan} (recreated, sorted, when it changes). */
  private emit(): void {
    const plan = this.plan();
    const key = JSON.stringify(plan);
    if (key === this.emittedKey) return;
    for (const id of this.own.keys()) this.node.tryRemoveChild(id);
    this.own.clear();
    this.last = undefined;
    for (const { name, labels } of plan) {
      const ns = new NamespaceObject(this, name, labels);
      this.own.set(name, ns);
      // a chain (each Namespace after the previous one) keeps them together and sorted in the
      // chart's manifest: whatever depends on the last one comes after all of them (see order)
      if (this.last) ns.apiObject.node.addDependency(this.last);
      this.last = ns.apiObject;
    }
    this.emittedKey = key;
  }

  /** Objects of this chart in the emitted namespaces come after the Namespaces. */
  private order(): void {
    const last = this.last;
    if (!last) return;
    const chart = Chart.of(this);
    for (const o of this.others()) {
      const ns = o.metadata.namespace;
      if (ns !== undefined && this.own.has(ns) && Chart.of(o) === chart) o.node.addDependency(last);
    }
  }

  /** Labels given for a namespace this construct does not create (they would be lost). */
  private conflicts(): string[] {
    const external = new Set(declaredExternalNamespaces(this));
    const out: string[] = [];
    for (const ns of [...this.perNamespace.keys()].sort()) {
      if (this.own.has(ns)) continue;
      const field = `namespaceLabels.${ns}`;
      if (external.has(ns)) {
        out.push(`${field}: namespace "${ns}" is declared in ExternalNamespaces, so AppNamespaces does not create it and its labels would be lost. Fix: remove "${ns}" from ExternalNamespaces, or drop the labels here and set them where the namespace is created`);
        continue;
      }
      const by = this.others().find((o) => o.apiVersion === 'v1' && o.kind === 'Namespace' && o.name === ns);
      if (by) {
        out.push(`${field}: the app already creates Namespace ${ns} (${by.node.path}), so AppNamespaces does not and its labels would be lost. Fix: put the labels on that Namespace, or remove it and let AppNamespaces create "${ns}"`);
      }
    }
    return out;
  }
}

function checkLabels(scope: IConstruct, field: string, labels: { readonly [key: string]: string }): { [key: string]: string } {
  for (const [k, v] of Object.entries(labels)) {
    const pk = checkLabelKey(k);
    if (pk) fail(scope, `${field}[${k}]`, k, pk, 'use a Kubernetes label key such as "gateway-access"');
    const pv = checkLabelValue(v);
    if (pv) fail(scope, `${field}[${k}]`, v, pv, 'use up to 63 letters, digits, "-", "_" or "."');
  }
  return { ...labels };
}
