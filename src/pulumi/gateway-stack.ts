import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as YAML from 'yaml';
import { ClusterGatewayApi } from '../constructs/gateway-api/cluster-channel';
import { BUILTIN_CONTROLLER_NAME, KubeObject } from '../model';
import { registerObject } from './kinds';
import { controllerOf, PlannedObject, planObjects, Prerequisite, proxyServicesOf } from './plan';
import { createPrerequisites, PrerequisiteResources, PrerequisitesOptions } from './prerequisites';

/** What the component deploys: an App, one Chart of an App, or a function that fills a fresh App. */
export type AppSource = App | Chart | ((app: App) => void);

/** Waiting for `Programmed` on Gateways served by a controller. */
export interface WaitForProgrammedOptions {
  /** `pulumi.com/timeoutSeconds` on each Gateway. @default - the provider's default (10 minutes) */
  readonly timeoutSeconds?: number;
}

/** Arguments of {@link GatewayStack}. */
export interface GatewayStackArgs {
  /**
   * The cdk8s app to deploy. It is synthesized with validation (`app.synthYaml()`), so every
   * whole-app error (a route naming no listener, a missing grant, a schema or CEL violation)
   * fails `pulumi preview` / `pulumi up` with the same message `cdk8s synth` prints.
   * A Chart deploys that chart's objects (and those of charts nested in it); its App is
   * validated as a whole.
   */
  readonly app: AppSource;
  /**
   * Sets `pulumi.com/skipAwait: "true"` on every object: Pulumi does not wait for Deployments
   * to become ready, LoadBalancer Services to get an address, etc. Prerequisites still wait.
   * @default false
   */
  readonly skipAwait?: boolean;
  /**
   * Sets `pulumi.com/patchForce: "true"` on every object: with server-side apply (the provider's
   * `enableServerSideApply`, on by default in @pulumi/kubernetes v4) Pulumi takes over fields
   * other field managers (kubectl, Helm) own. This is how objects that already exist in the
   * cluster are adopted without an import; see docs/pulumi.md.
   * @default false
   */
  readonly patchForce?: boolean;
  /**
   * Keys (`Kind/namespace/name`, `Kind/name` for cluster-scoped objects) of objects that already
   * exist in the cluster: they are imported (resource option `import`, id `namespace/name`)
   * instead of created. The key may stay after the import: the engine treats a resource already
   * in the state with the same import id like any other.
   * @default - none
   */
  readonly importExisting?: readonly string[];
  /**
   * Wait until each Gateway reports `Programmed=True`, through the provider's
   * `pulumi.com/waitFor: condition=Programmed` annotation (@pulumi/kubernetes ≥ 4.18).
   * Applies to Gateways whose GatewayClass is not the built-in proxy's (no controller writes
   * status for those, so waiting would never end).
   * @default false
   */
  readonly waitForGatewayProgrammed?: boolean | WaitForProgrammedOptions;
  /** Cluster add-ons to install first (Gateway API CRDs, MetalLB, cert-manager). @default - none */
  readonly prerequisites?: PrerequisitesOptions;
}

/** Annotations the component sets (objects that set them themselves keep their value). */
export const PULUMI_ANNOTATIONS = {
  skipAwait: 'pulumi.com/skipAwait',
  patchForce: 'pulumi.com/patchForce',
  waitFor: 'pulumi.com/waitFor',
  timeoutSeconds: 'pulumi.com/timeoutSeconds',
} as const;

function isApp(x: unknown): x is App {
  return typeof x === 'object' && x !== null && typeof (x as App).synthYaml === 'function' && !Chart.isChart(x);
}

/** Synthesizes with validation; returns the objects and the construct tree root. */
function synthesize(source: AppSource, channel?: 'standard' | 'experimental'): { objects: KubeObject[]; root: IConstruct } {
  let app: App;
  let chart: Chart | undefined;
  if (typeof source === 'function') {
    app = new App();
    source(app);
  } else if (Chart.isChart(source)) {
    chart = source;
    const root = source.node.root;
    if (!isApp(root)) throw new Error('cdk8s-gateway/pulumi: the chart must belong to a cdk8s App');
    app = root;
  } else if (isApp(source)) {
    app = source;
  } else {
    throw new Error('cdk8s-gateway/pulumi: `app` must be a cdk8s App, a Chart or a function (app) => void');
  }
  // the CRDs the stack installs are the cluster's: validate the app against their channel
  if (channel) ClusterGatewayApi.of(app).useChannel(channel);
  // synthYaml() runs every construct's validation first: whole-app errors throw here
  const yaml = app.synthYaml();
  let objects: KubeObject[];
  if (chart) {
    objects = chart.node.findAll().filter((c): c is Chart => Chart.isChart(c)).flatMap((c) => c.toJson() as KubeObject[]);
  } else {
    objects = YAML.parseAllDocuments(yaml).map((d) => d.toJS()).filter((o) => o && typeof o === 'object') as KubeObject[];
  }
  return { objects, root: app };
}

/** ApiObjects whose metadata.name carries cdk8s's construct-path hash (it changes when the construct moves). */
function generatedNames(root: IConstruct): string[] {
  const out: string[] = [];
  for (const c of root.node.findAll()) {
    const o = c as any;
    if (typeof o.toJson !== 'function' || typeof o.kind !== 'string' || typeof o.name !== 'string') continue;
    if (o.name.endsWith(`-${c.node.addr.slice(0, 8)}`)) out.push(`${o.kind} "${o.name}" (${c.node.path})`);
  }
  return out.sort();
}

function withAnnotations(obj: KubeObject, extra: { [key: string]: string }): KubeObject {
  if (Object.keys(extra).length === 0) return obj;
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...extra, ...(obj.metadata.annotations ?? {}) } } };
}

/** Plan order with every dependency before its dependents (stable; throws on a cycle). */
function topological(plan: readonly PlannedObject[]): PlannedObject[] {
  const byKey = new Map(plan.map((p) => [p.key, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: PlannedObject[] = [];
  const visit = (p: PlannedObject, trail: string[]) => {
    const s = state.get(p.key);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`cdk8s-gateway/pulumi: dependency cycle ${[...trail, p.key].join(' → ')}`);
    state.set(p.key, 'visiting');
    for (const d of p.dependsOn) visit(byKey.get(d)!, [...trail, p.key]);
    state.set(p.key, 'done');
    out.push(p);
  };
  for (const p of plan) visit(p, []);
  return out;
}

function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * A cdk8s app deployed by Pulumi: one Kubernetes resource per synthesized object, children of
 * this component, ordered by `dependsOn` (see {@link planObjects}), with optional cluster
 * prerequisites (Gateway API CRDs, MetalLB, cert-manager).
 *
 * Logical names are `<component name>/<Kind>/<namespace>/<name>` (`<component name>/<Kind>/<name>`
 * without a namespace): they come from the objects, never from construct paths, so moving or
 * renaming a construct whose `metadata.name` is pinned changes nothing in the stack.
 *
 * Providers: pass `provider` / `providers` in the component's options; children inherit them.
 *
 * @example
 * const stack = new GatewayStack('homelab', {
 *   app: (app) => new HomelabChart(app, 'homelab'),
 *   prerequisites: { gatewayApiCrds: true, metallb: true, certManager: true },
 * }, { provider });
 * export const addresses = stack.gatewayAddresses;
 */
export class GatewayStack extends pulumi.ComponentResource {
  /** Pulumi type token of the component. */
  public static readonly TYPE = 'cdk8s-gateway:index:GatewayStack';

  /** Every registered object by key (`Kind/namespace/name` or `Kind/name`). */
  public readonly resources: { readonly [key: string]: pulumi.CustomResource };
  /** The synthesized objects, in `cdk8s synth` order (before the component's Pulumi annotations). */
  public readonly objects: readonly KubeObject[];
  /** The deployment plan: phase, dependencies and prerequisites of each object, in registration order. */
  public readonly plan: readonly PlannedObject[];
  /** The installed prerequisites. */
  public readonly prerequisites: PrerequisiteResources;
  /**
   * Addresses per Gateway (`namespace/name`): the Gateway's `status.addresses` (written by a
   * controller) and the load-balancer ingress IPs / hostnames of its proxy Services (Services in
   * the Gateway's namespace labelled `gateway.networking.k8s.io/gateway-name: <gateway>`).
   * Unknown during preview; empty lists until something assigns an address.
   */
  public readonly gatewayAddresses: pulumi.Output<{ [gateway: string]: string[] }>;

  constructor(name: string, args: GatewayStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // synthesize (and validate) before anything is registered: an invalid app registers nothing
    const crds = args.prerequisites?.gatewayApiCrds;
    const { objects, root } = synthesize(args.app, crds ? (typeof crds === 'object' ? crds.channel ?? 'standard' : 'standard') : undefined);
    const plan = topological(planObjects(objects));
    if (args.prerequisites?.gatewayApiCrds) {
      // the app's own Gateway API CRDs (GatewayApiCrds) and the prerequisite would both manage them
      const own = plan.filter((p) => p.phase === 'crds' && String((p.object as { spec?: { group?: unknown } }).spec?.group ?? '').startsWith('gateway.networking.'));
      if (own.length > 0) {
        throw new Error(
          `cdk8s-gateway/pulumi: the app holds Gateway API CRDs (${own.map((p) => p.object.metadata.name).join(', ')}, e.g. from GatewayApiCrds) and prerequisites.gatewayApiCrds installs them too, so Pulumi would manage each twice. ` +
            'Fix: drop prerequisites.gatewayApiCrds (the app installs them, first), or remove GatewayApiCrds from the app',
        );
      }
    }
    const unknownImports = (args.importExisting ?? []).filter((k) => !plan.some((p) => p.key === k));
    if (unknownImports.length > 0) {
      throw new Error(`cdk8s-gateway/pulumi: importExisting names no object of the app: ${unknownImports.join(', ')} (keys are Kind/namespace/name, or Kind/name)`);
    }
    super(GatewayStack.TYPE, name, {}, opts);
    this.objects = objects;
    this.plan = plan;

    for (const g of generatedNames(root)) {
      pulumi.log.warn(`${g}: metadata.name comes from the construct path (cdk8s hash suffix); moving or renaming the construct renames the object and Pulumi replaces it. Pin the name.`, this);
    }

    const resources: { [key: string]: pulumi.CustomResource } = {};
    const register = (p: PlannedObject, extraDeps: pulumi.Resource[]) => {
      const { namespace, name: objectName } = p.object.metadata;
      resources[p.key] = registerObject(`${name}/${p.key}`, this.prepare(p, args, objects), {
        parent: this,
        dependsOn: [...p.dependsOn.map((k) => resources[k]), ...extraDeps],
        ...(args.importExisting?.includes(p.key) ? { import: namespace ? `${namespace}/${objectName}` : objectName } : {}),
      });
    };
    // CRDs and Namespaces need no prerequisite; a Helm release waits for the app's own Namespace
    const early = (p: PlannedObject) => p.phase === 'crds' || p.phase === 'namespaces';
    plan.filter(early).forEach((p) => register(p, []));
    const namespaces = new Map(plan.filter((p) => p.phase === 'namespaces').map((p) => [p.object.metadata.name ?? '', resources[p.key] as pulumi.Resource]));
    this.prerequisites = createPrerequisites({ prefix: name, options: args.prerequisites ?? {}, parent: this, namespaces });
    const prerequisites = this.prerequisites;
    const needed = (needs: readonly Prerequisite[]): pulumi.Resource[] =>
      needs.flatMap((n) => prerequisites[n] ? [prerequisites[n] as pulumi.Resource] : []);
    plan.filter((p) => !early(p)).forEach((p) => register(p, needed(p.needs)));
    this.resources = resources;

    const gateways = plan.filter((p) => p.object.kind === 'Gateway' && p.group.startsWith('gateway.networking.'));
    this.gatewayAddresses = pulumi.all(gateways.map((g) => {
      const services = proxyServicesOf(g.object, objects).map((k) => (resources[k] as any).status as pulumi.Output<any>);
      const gw = (resources[g.key] as any).status as pulumi.Output<any>;
      return pulumi.all([gw, ...services]).apply(([gwStatus, ...svcStatus]) => [
        `${g.object.metadata.namespace ?? 'default'}/${g.object.metadata.name}`,
        uniqueSorted([
          ...((gwStatus?.addresses ?? []) as any[]).map((a) => a?.value).filter((v): v is string => typeof v === 'string'),
          ...svcStatus.flatMap((s: any) => ((s?.loadBalancer?.ingress ?? []) as any[]).map((i) => i?.ip ?? i?.hostname)).filter((v): v is string => typeof v === 'string'),
        ]),
      ] as const);
    })).apply((pairs) => Object.fromEntries(pairs));

    this.registerOutputs({ gatewayAddresses: this.gatewayAddresses, resourceKeys: Object.keys(resources).sort() });
  }

  /** The object as sent to the provider: the component's Pulumi annotations added. */
  private prepare(p: PlannedObject, args: GatewayStackArgs, objects: readonly KubeObject[]): KubeObject {
    const extra: { [key: string]: string } = {};
    const isGateway = p.object.kind === 'Gateway' && p.group.startsWith('gateway.networking.');
    const wait = args.waitForGatewayProgrammed;
    const waitHere = !!wait && isGateway && controllerOf(p.object, objects) !== BUILTIN_CONTROLLER_NAME;
    if (args.skipAwait && !waitHere) extra[PULUMI_ANNOTATIONS.skipAwait] = 'true';
    if (args.patchForce) extra[PULUMI_ANNOTATIONS.patchForce] = 'true';
    if (waitHere) {
      extra[PULUMI_ANNOTATIONS.waitFor] = 'condition=Programmed';
      if (typeof wait === 'object' && wait.timeoutSeconds !== undefined) extra[PULUMI_ANNOTATIONS.timeoutSeconds] = String(wait.timeoutSeconds);
    }
    return withAnnotations(p.object, extra);
  }
}
