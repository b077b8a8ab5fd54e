import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { GATEWAY_API_BUNDLE_VERSION } from '../model';

/** Pinned versions and sources of the cluster add-ons (the releases the bundled CRD schemas come from). */
export const PREREQUISITE_DEFAULTS = {
  gatewayApi: {
    version: GATEWAY_API_BUNDLE_VERSION,
    /** `…/releases/download/<version>/<channel>-install.yaml` */
    releaseUrl: 'https://github.com/kubernetes-sigs/gateway-api/releases/download',
  },
  metallb: { chart: 'metallb', version: '0.16.1', repo: 'https://metallb.github.io/metallb', namespace: 'metallb-system', releaseName: 'metallb' },
  certManager: { chart: 'cert-manager', version: 'v1.21.1', repo: 'https://charts.jetstack.io', namespace: 'cert-manager', releaseName: 'cert-manager' },
} as const;

/** The Gateway API CRDs, applied from the upstream release manifest. */
export interface GatewayApiCrdsOptions {
  /** `standard` or `experimental` (TLSRoute, TCPRoute, UDPRoute, ListenerSet, … need experimental). @default 'standard' */
  readonly channel?: 'standard' | 'experimental';
  /** Release tag. @default 'v1.6.1' (the version the bundled schemas validate against) */
  readonly version?: string;
}

/** A Helm-installed add-on. */
export interface HelmPrerequisiteOptions {
  /** Chart version. @default the pinned version (MetalLB 0.16.1, cert-manager v1.21.1) */
  readonly version?: string;
  /** Namespace of the release (created by Helm unless the app declares the Namespace). @default 'metallb-system' / 'cert-manager' */
  readonly namespace?: string;
  /** Chart values, merged over the component's (cert-manager: `crds.enabled=true`). @default - none */
  readonly values?: { readonly [key: string]: unknown };
}

/** What to install on a bare cluster before the app's objects. Everything is off by default. */
export interface PrerequisitesOptions {
  /** Gateway API CRDs (`k8s.yaml.v2.ConfigFile` of the upstream release manifest). @default false */
  readonly gatewayApiCrds?: boolean | GatewayApiCrdsOptions;
  /** MetalLB (`k8s.helm.v3.Release` of chart `metallb`). @default false */
  readonly metallb?: boolean | HelmPrerequisiteOptions;
  /** cert-manager with its CRDs (`k8s.helm.v3.Release` of chart `cert-manager`). @default false */
  readonly certManager?: boolean | HelmPrerequisiteOptions;
}

/** The resources installed for {@link PrerequisitesOptions}. */
export interface PrerequisiteResources {
  readonly gatewayApiCrds?: k8s.yaml.v2.ConfigFile;
  readonly metallb?: k8s.helm.v3.Release;
  readonly certManager?: k8s.helm.v3.Release;
}

/** The upstream manifest URL of a Gateway API release and channel. */
export function gatewayApiCrdsUrl(options: GatewayApiCrdsOptions = {}): string {
  const version = options.version ?? PREREQUISITE_DEFAULTS.gatewayApi.version;
  return `${PREREQUISITE_DEFAULTS.gatewayApi.releaseUrl}/${version}/${options.channel ?? 'standard'}-install.yaml`;
}

function merge(base: { [key: string]: any }, over: { readonly [key: string]: any } = {}): { [key: string]: any } {
  const out: { [key: string]: any } = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k]) ? merge(out[k], v) : v;
  }
  return out;
}

/** @internal */
export interface CreatePrerequisitesInput {
  readonly prefix: string;
  readonly options: PrerequisitesOptions;
  readonly parent: pulumi.Resource;
  /** Namespace resources of the app, by name: a release in one of them waits for it and does not create it */
  readonly namespaces: ReadonlyMap<string, pulumi.Resource>;
}

/** Registers the enabled prerequisites as children of `parent`. @internal */
export function createPrerequisites(input: CreatePrerequisitesInput): PrerequisiteResources {
  const { prefix, options, parent, namespaces } = input;
  const out: { -readonly [K in keyof PrerequisiteResources]: PrerequisiteResources[K] } = {};
  if (options.gatewayApiCrds) {
    const o = options.gatewayApiCrds === true ? {} : options.gatewayApiCrds;
    out.gatewayApiCrds = new k8s.yaml.v2.ConfigFile(`${prefix}/gateway-api-crds`, { file: gatewayApiCrdsUrl(o) }, { parent });
  }
  const release = (id: 'metallb' | 'certManager', setting: boolean | HelmPrerequisiteOptions | undefined, baseValues: { [key: string]: unknown }, dependsOn: pulumi.Resource[]) => {
    if (!setting) return undefined;
    const o = setting === true ? {} : setting;
    const d = PREREQUISITE_DEFAULTS[id];
    const namespace = o.namespace ?? d.namespace;
    const ns = namespaces.get(namespace);
    return new k8s.helm.v3.Release(`${prefix}/${d.releaseName}`, {
      name: d.releaseName,
      chart: d.chart,
      version: o.version ?? d.version,
      repositoryOpts: { repo: d.repo },
      namespace,
      createNamespace: ns === undefined,
      values: merge(baseValues, o.values),
    }, { parent, dependsOn: [...dependsOn, ...(ns ? [ns] : [])] });
  };
  const metallb = release('metallb', options.metallb, {}, []);
  if (metallb) out.metallb = metallb;
  // cert-manager's Gateway API support (config.enableGatewayAPI) needs the CRDs at start-up
  const certManager = release('certManager', options.certManager, { crds: { enabled: true } }, out.gatewayApiCrds ? [out.gatewayApiCrds] : []);
  if (certManager) out.certManager = certManager;
  return out;
}
