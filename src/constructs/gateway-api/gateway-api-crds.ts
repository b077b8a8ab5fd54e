import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GATEWAY_API_BUNDLE_VERSION } from '../../model';
import { fail, freeId } from '../core/errors';
import { Resource } from '../core/resource';
import { registerPreparation } from '../core/validation';

/** A Gateway API release channel. */
export type GatewayApiChannel = 'standard' | 'experimental';

/** Props of {@link GatewayApiCrds}. */
export interface GatewayApiCrdsProps {
  /**
   * The release channel. `experimental` adds the alpha API versions (TLSRoute / TCPRoute /
   * UDPRoute v1alpha2, BackendTLSPolicy v1alpha3), the experimental fields and the
   * `gateway.networking.x-k8s.io` kinds (XBackendTrafficPolicy, XMesh, XBackend).
   * @default 'standard'
   */
  readonly channel?: GatewayApiChannel;
  /**
   * Also emit upstream's `safe-upgrades.gateway.networking.k8s.io` ValidatingAdmissionPolicy and
   * its binding, part of the release's install manifest: they stop a later apply from downgrading
   * the CRDs or switching a standard installation to experimental. They need
   * `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy (Kubernetes 1.30 or later).
   * @default true
   */
  readonly safeUpgradesPolicy?: boolean;
}

/** The shipped install manifest of one channel (see scripts/import-crds.ts). @internal */
export interface UpstreamCrdBundle {
  readonly bundleVersion: string;
  readonly channel: GatewayApiChannel;
  /** the upstream files, in install order */
  readonly files: readonly string[];
  /** the objects of `<channel>-install.yaml`, as parsed from upstream */
  readonly objects: ReadonlyArray<{
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly labels?: { readonly [key: string]: string }; readonly annotations?: { readonly [key: string]: string } };
    readonly spec: unknown;
  }>;
}

/** Where the shipped manifests are: `assets/` at the package root (three levels above src/constructs/gateway-api and lib/constructs/gateway-api). */
const ASSETS = path.join(__dirname, '..', '..', '..', 'assets', 'gateway-api-crds');

const loaded = new Map<GatewayApiChannel, UpstreamCrdBundle>();

/**
 * The Gateway API CRDs shipped with the package, for one channel (read and parsed once per process,
 * deeply frozen: shared by every construct).
 * @internal
 */
export function loadGatewayApiCrds(channel: GatewayApiChannel): UpstreamCrdBundle {
  let b = loaded.get(channel);
  if (!b) {
    const file = path.join(ASSETS, `${channel}.json.gz`);
    let text: string;
    try {
      text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    } catch (e) {
      throw new Error(`cdk8s-gateway: cannot read the Gateway API CRDs shipped with the package (${file}): ${(e as Error).message}. Fix: reinstall cdk8s-gateway; when bundling the app, copy the package's assets/ folder next to it`);
    }
    b = deepFreeze(JSON.parse(text) as UpstreamCrdBundle);
    loaded.set(channel, b);
  }
  return b;
}

function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  for (const k of Object.keys(v as object)) deepFreeze((v as Record<string, unknown>)[k]);
  return Object.freeze(v);
}

/** One object of the upstream install manifest, emitted as is. */
class UpstreamObject extends Resource {
  constructor(scope: Construct, private readonly upstream: UpstreamCrdBundle['objects'][number]) {
    // construct id: the name (CRD names are unique); the policy and its binding share a name
    const id = upstream.kind === 'CustomResourceDefinition' ? upstream.metadata.name : `${upstream.kind}-${upstream.metadata.name}`;
    super(scope, id, { apiVersion: upstream.apiVersion, kind: upstream.kind, clusterScoped: true }, {
      name: upstream.metadata.name,
      ...(upstream.metadata.labels ? { labels: upstream.metadata.labels } : {}),
      ...(upstream.metadata.annotations ? { annotations: upstream.metadata.annotations } : {}),
    });
  }
  protected renderSpec(): unknown {
    return this.upstream.spec;
  }
}

/**
 * The Gateway API CustomResourceDefinitions, pinned to the release the library validates against
 * (v1.6.1), emitted as objects of the chart: for `cdk8s synth` into a GitOps repository, where
 * nothing installs them otherwise (the Pulumi component can install them itself:
 * `prerequisites.gatewayApiCrds`).
 *
 * The objects are upstream's `<channel>-install.yaml` of the release, unchanged (shipped with the
 * package; nothing is fetched at synth), each with its explicit upstream name, in upstream order.
 * Every other object of the same chart depends on this construct, so the CRDs come first in the
 * chart's manifest. Apply them first and server-side (they are too large for the client-side
 * `last-applied-configuration` annotation): put them in a chart of their own that the other charts
 * depend on (`appChart.addDependency(crdsChart)`, cdk8s then numbers the files in apply order),
 * `kubectl apply --server-side -f dist/0000-gateway-api-crds.k8s.yaml`, then the rest.
 *
 * ```ts
 * const crds = new Chart(app, 'gateway-api-crds');
 * new GatewayApiCrds(crds, 'crds', { channel: 'experimental' });
 * appChart.addDependency(crds);
 * ```
 */
export class GatewayApiCrds extends Construct {
  /** The Gateway API release of the CRDs. */
  public static readonly BUNDLE_VERSION: string = GATEWAY_API_BUNDLE_VERSION;

  /** The channel emitted. */
  public readonly channel: GatewayApiChannel;
  /** The Gateway API release emitted (`gateway.networking.k8s.io/bundle-version` of every object). */
  public readonly bundleVersion: string;
  /** `metadata.name` of every CustomResourceDefinition emitted, in order. */
  public readonly crdNames: string[];

  constructor(scope: Construct, id: string, props: GatewayApiCrdsProps = {}) {
    super(scope, freeId(scope, id, 'GatewayApiCrds', false));
    const channel = props.channel ?? 'standard';
    if (channel !== 'standard' && channel !== 'experimental') {
      fail(this, 'channel', channel, 'is not a Gateway API release channel', 'use "standard" or "experimental"');
    }
    this.channel = channel;
    const bundle = loadGatewayApiCrds(channel);
    this.bundleVersion = bundle.bundleVersion;
    const withPolicy = props.safeUpgradesPolicy ?? true;
    const objects = bundle.objects.filter((o) => withPolicy || !o.apiVersion.startsWith('admissionregistration.k8s.io/'));
    this.crdNames = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    const own = new Set<ApiObject>();
    let last: ApiObject | undefined;
    for (const o of objects) {
      const r = new UpstreamObject(this, o);
      own.add(r.apiObject);
      // a chain (each object after the previous one) keeps them together, in upstream order
      if (last) r.apiObject.node.addDependency(last);
      last = r.apiObject;
    }
    // every other object of the chart (including objects added later) comes after the last one
    registerPreparation(this, 'order', () => {
      const chart = Chart.of(this);
      for (const c of chart.node.findAll()) {
        if (last && c instanceof ApiObject && !own.has(c) && Chart.of(c) === chart) c.node.addDependency(last);
      }
    });
  }
}
