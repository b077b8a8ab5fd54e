import * as crypto from 'crypto';
import { IConstruct } from 'constructs';
import { BUILTIN_CONTROLLER_NAME, Diagnostic, KubeObject } from '../../model';
import { buildDataplane } from '../../ir';
import { partName, renderDataplane, RenderedGateway } from '../../render/nginx';
import { resolveWithAcmeChallenges } from '../../resolve';
import { appSnapshot, warnOnce } from '../core/validation';
import { GatewayProxyProps } from './props';
import { PROXY_PATHS, proxyEntrypoint } from './proxy-entrypoint';

/** What a compile of the app for one proxy gives. */
export interface ProxyCompile {
  readonly objects: readonly KubeObject[];
  readonly result: RenderedGateway | undefined;
  readonly diagnostics: Diagnostic[];
}

/**
 * The configuration of a GatewayProxy: the app compiled to nginx (memoized per snapshot of the
 * app), the files of its ConfigMaps, their checksum and their size checks.
 * @internal
 */
export class ProxyConfig {
  private rendered?: ProxyCompile & { key: string };
  /** the compile every call inside `pinned` reads (see there) */
  private pin?: ProxyCompile;

  /**
   * @param owner the GatewayProxy (its snapshot of the app, its warnings)
   * @param name the proxy's name (its ConfigMaps are `<name>-config` and `<name>-ca`)
   */
  constructor(
    private readonly owner: IConstruct,
    private readonly props: GatewayProxyProps,
    private readonly name: string,
    private readonly namespace: string,
    private readonly nginxVersion: string,
  ) {}

  /**
   * Runs `fn` with one compile of the app for every call of this class inside it. Each public method
   * runs through here: a method that reads the compile several times (the configuration's files,
   * parts, CA bundles…) checks the app's snapshot for freshness once instead of per read (each
   * check walks the construct tree). Nothing but this library's code runs inside, so the app
   * cannot change in between. Nests.
   * @internal
   */
  public pinned<T>(fn: () => T): T {
    if (this.pin) return fn();
    this.pin = this.compile();
    try {
      return fn();
    } finally {
      this.pin = undefined;
    }
  }

  /** The files of the first ConfigMap `<name>-config`: nginx.conf, tls.list, entrypoint.sh. */
  public configFiles(): Record<string, string> {
    return this.pinned(() => this.configFilesNow());
  }

  private configFilesNow(): Record<string, string> {
    const r = this.compile();
    return {
      // (the script that loads a split configuration only when every part matches; the same script as before the split otherwise)
      'entrypoint.sh': proxyEntrypoint({ parts: this.configParts().length > 0 }),
      'nginx.conf': r.result?.files['nginx.conf'] ?? '# the Gateway is not served: see the synth errors\n',
      'tls.list': r.result?.files['tls.list'] ?? '',
    };
  }

  /**
   * The parts of a configuration too large for one ConfigMap (`part-001.conf`…, see the renderer's
   * `maxFileBytes`), one ConfigMap each: `<name>-config-001` holds `part-001.conf`, … In order;
   * none for a configuration that fits in `<name>-config`.
   */
  public configParts(): { readonly name: string; readonly data: Record<string, string> }[] {
    return this.pinned(() => this.configPartsNow());
  }

  private configPartsNow(): { readonly name: string; readonly data: Record<string, string> }[] {
    const files = this.compile().result?.files ?? {};
    const out: { name: string; data: Record<string, string> }[] = [];
    for (let n = 1; partName(n) in files; n++) out.push({ name: `${this.name}-config-${partName(n).slice(5, -5)}`, data: { [partName(n)]: files[partName(n)] } });
    return out;
  }

  /** Bytes of all the configuration files (nginx.conf, its parts, tls.list, entrypoint.sh). */
  public configBytes(): number {
    return this.pinned(() => this.configBytesNow());
  }

  private configBytesNow(): number {
    let n = 0;
    for (const data of [this.configFiles(), ...this.configParts().map((p) => p.data)]) for (const v of Object.values(data)) n += Buffer.byteLength(v);
    return n;
  }

  /** Secrets the configuration cannot start without (TLS stream listeners on nginx before 1.25.5): their volumes are not optional. */
  public requiredSecrets(): Set<string> {
    return this.pinned(() => this.requiredSecretsNow());
  }

  private requiredSecretsNow(): Set<string> {
    const out = new Set<string>();
    for (const t of this.compile().result?.tls ?? []) if (t.fallback === 'required') for (const x of t.secrets) out.add(x.name);
    return out;
  }

  /** CA bundles the configuration reads, copied from the app's ConfigMaps (a pod cannot mount other namespaces' ConfigMaps). */
  public caFiles(): Record<string, string> {
    return this.pinned(() => this.caFilesNow());
  }

  private caFilesNow(): Record<string, string> {
    const r = this.compile();
    const out: Record<string, string> = {};
    for (const c of r.result?.references.configMaps ?? []) {
      const pem = this.appConfigMap(c.namespace, c.name)?.['ca.crt'];
      if (typeof pem === 'string') out[`${c.namespace}_${c.name}.crt`] = pem;
    }
    return out;
  }

  public appConfigMap(namespace: string, name: string): Record<string, unknown> | undefined {
    return this.pinned(() => this.appConfigMapNow(namespace, name));
  }

  private appConfigMapNow(namespace: string, name: string): Record<string, unknown> | undefined {
    // the objects the current configuration was compiled from
    const o = this.compile().objects.find((x) => x.kind === 'ConfigMap' && x.apiVersion === 'v1' && (x.metadata.namespace ?? 'default') === namespace && x.metadata.name === name);
    return o && typeof o.data === 'object' && o.data ? (o.data as Record<string, unknown>) : undefined;
  }

  public checksum(): string {
    return this.pinned(() => this.checksumNow());
  }

  private checksumNow(): string {
    const files = this.configFiles();
    const h = crypto.createHash('sha256').update(files['nginx.conf']).update(files['entrypoint.sh']).update(files['tls.list']);
    // (the parts' contents are in nginx.conf as their hashes, but a part's own bytes count too)
    for (const p of this.configParts()) for (const [k, v] of Object.entries(p.data)) h.update(k).update(v);
    for (const [k, v] of Object.entries(this.caFiles())) h.update(k).update(v);
    return h.digest('hex');
  }

  /**
   * Compiles the app's Gateway API objects. It starts from the whole-app validation's snapshot
   * (the synthesized objects and the resolver's model for the built-in controller), so a synth
   * synthesizes and resolves the app once for the checks and the compile together; memoized per
   * snapshot content.
   */
  public compile(): ProxyCompile {
    if (this.pin) return this.pin;
    const snapshot = appSnapshot(this.owner);
    if (this.rendered?.key === snapshot.key) return this.rendered;
    const gw = this.props.gateway;
    const served = (namespace: string, name: string) => namespace === gw.effectiveNamespace && name === gw.name;
    // cert-manager's HTTP-01 challenges through this Gateway: the routes it creates at run time are
    // known in advance (only the token is not) and compiled in, so the challenge is answered
    // before any certificate exists
    const acme = resolveWithAcmeChallenges(snapshot.objects, snapshot.resolved.get(BUILTIN_CONTROLLER_NAME)!.model, { controllerName: BUILTIN_CONTROLLER_NAME, assumeExternal: true }, served);
    const objects = acme.objects;
    const all = acme.model;
    const model = { ...all, gateways: all.gateways.filter((g) => served(g.namespace, g.name)) };
    // Secrets written by cert-manager and Services deployed elsewhere are not in the app: the
    // resolver run assumes them (assumeExternal)
    // (buildDataplane reads the IR's inputs from these objects: rendered as is)
    const rendered = renderDataplane(buildDataplane(model, objects), {
      backends: staticEndpoints(objects),
      clusterDomain: this.props.clusterDomain ?? 'cluster.local',
      resolver: this.props.resolver ?? 'auto',
      runtimeDir: PROXY_PATHS.run,
      nginxVersion: this.nginxVersion,
      healthPort: this.props.healthPort ?? 8081,
      embedSecrets: false,
      caFiles: 'flat',
      streamModule: (this.props.streamModule ?? 'builtin') as 'builtin' | 'dynamic',
      maxFileBytes: CONFIG_PART_BYTES,
      ...(this.props.maxRequestBodySize !== undefined ? { maxRequestBodySize: this.props.maxRequestBodySize.toKibibytes() * 1024 } : {}),
      ...(this.props.backendKeepalive !== undefined ? { backendKeepalive: this.props.backendKeepalive } : {}),
    });
    const result = rendered.find((r) => served(r.namespace, r.name));
    this.rendered = { key: snapshot.key, objects, result, diagnostics: [...(result?.diagnostics ?? []), ...acme.diagnostics] };
    return this.rendered;
  }

  /**
   * Every ConfigMap must fit in what the API server stores (an error: the apply would fail), and the
   * configuration in at most MAX_CONFIG_PARTS of them; past what client-side `kubectl apply` can
   * record, one warning says to apply server-side.
   */
  public checkConfigMapSizes(): string[] {
    return this.pinned(() => this.checkConfigMapSizesNow());
  }

  private checkConfigMapSizesNow(): string[] {
    const errors: string[] = [];
    const gw = `Gateway ${this.props.gateway.effectiveNamespace}/${this.props.gateway.name}`;
    const parts = this.configParts();
    const maps: [string, Record<string, string>][] = [[`${this.name}-config`, this.configFiles()], ...parts.map((p): [string, Record<string, string>] => [p.name, p.data]), [`${this.name}-ca`, this.caFiles()]];
    if (parts.length > MAX_CONFIG_PARTS) {
      errors.push(
        `ConfigMap ${this.namespace}/${this.name}-config: the compiled configuration of ${gw} is ${(this.configBytes() / MIB).toFixed(1)} MiB, ${parts.length} parts of at most ${CONFIG_PART_BYTES / 1024} KiB, more than the ${MAX_CONFIG_PARTS} ConfigMaps a proxy mounts (${(MAX_CONFIG_PARTS * CONFIG_PART_BYTES / MIB).toFixed(0)} MiB, about 35,000 routes with a header and a query match). ` +
          'Fix: spread the routes over several Gateways, each with its own GatewayProxy, or serve some hostnames with another Gateway',
      );
    }
    const large: string[] = [];
    for (const [name, data] of maps) {
      const bytes = Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      const kib = (bytes / 1024).toFixed(0);
      if (bytes > CONFIGMAP_MAX_BYTES) {
        const what = name === `${this.name}-ca` ? `the CA bundles the configuration of ${gw} reads are` : `the compiled configuration of ${gw} (${Object.keys(data).filter((k) => k !== 'entrypoint.sh').join(', ')}) is`;
        const fix = name === `${this.name}-ca`
          ? 'Fix: reference fewer or smaller CA bundles (BackendTLSPolicy, client certificate validation), e.g. one bundle shared by the backends'
          : `Fix: spread the routes over several Gateways, each with its own GatewayProxy, or serve some hostnames with another Gateway (a configuration is split into ConfigMaps of ${CONFIG_PART_BYTES / 1024} KiB at whole blocks; this one holds a single directive or block that cannot be split, e.g. a TLS listener list or a map of that size)`;
        errors.push(`ConfigMap ${this.namespace}/${name}: ${what} ${kib} KiB; the API server stores at most 1,024 KiB in a ConfigMap, so applying it would fail. ${fix}`);
      } else if (bytes > ANNOTATIONS_MAX_BYTES || (bytes > ANNOTATIONS_MAX_BYTES / 2 && JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: this.namespace }, data }).length > ANNOTATIONS_MAX_BYTES)) {
        // (the configuration is printable ASCII and newlines, which JSON at most doubles: below half
        // the limit it cannot reach it; above the limit its JSON is longer still, so only between
        // the two is it serialized to tell — a 768 KiB part ConfigMap is not)
        large.push(`${this.namespace}/${name} holds ${kib} KiB`);
      }
    }
    if (large.length) {
      warnOnce(
        this.owner,
        `[${this.owner.node.path}] ${large.length === 1 ? 'ConfigMap' : 'ConfigMaps'} ${large.join(', ')}, more than client-side \`kubectl apply\` can record in its last-applied-configuration annotation (256 KiB for all annotations): ` +
          'apply server-side (`kubectl apply --server-side`, Argo CD sync option `ServerSideApply=true`; Flux and Pulumi apply server-side already)',
      );
    }
    return errors;
  }
}

/** What the API server stores in one ConfigMap: keys and values of `data`, in bytes (1 MiB). */
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** All annotations of an object together, in bytes: kubectl's client-side apply records the whole object in one (256 KiB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;
const MIB = 1024 * 1024;
/**
 * A configuration larger than this is split into parts of at most this size, one ConfigMap each
 * (768 KiB: a quarter of the API server's limit left for the key, the entrypoint and tls.list in
 * the first ConfigMap, and growth).
 */
export const CONFIG_PART_BYTES = 768 * 1024;
/** At most this many part ConfigMaps per proxy (24 MiB of configuration, about 35,000 routes with a header and a query match). */
export const MAX_CONFIG_PARTS = 32;

/**
 * Backends whose endpoints the app declares statically (a selector-less Service with an
 * EndpointSlice, e.g. an `ExternalService`): the proxy connects to the endpoint itself. kube-proxy
 * does not serve FQDN EndpointSlices at all, and for IP ones this saves a hop.
 */
function staticEndpoints(objects: readonly KubeObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  const services = new Map<string, any>();
  for (const o of objects) if (o.kind === 'Service' && o.apiVersion === 'v1') services.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o);
  for (const o of objects as any[]) {
    if (o.kind !== 'EndpointSlice' || !String(o.apiVersion).startsWith('discovery.k8s.io/')) continue;
    const ns = o.metadata.namespace ?? 'default';
    const svcName = o.metadata.labels?.['kubernetes.io/service-name'];
    const svc = services.get(`${ns}/${svcName}`);
    const address = o.endpoints?.find((e: any) => e.conditions?.ready !== false)?.addresses?.[0];
    if (!svc || svc.spec?.selector || typeof address !== 'string' || !/^[A-Za-z0-9.:-]+$/.test(address)) continue;
    const slicePorts: any[] = o.ports ?? [];
    for (const sp of svc.spec?.ports ?? []) {
      const match = slicePorts.find((p) => (p.name ?? '') === (sp.name ?? '')) ?? (slicePorts.length === 1 ? slicePorts[0] : undefined);
      if (!match || typeof match.port !== 'number') continue;
      const host = address.includes(':') ? `[${address}]` : address;
      out[`${ns}/${svcName}:${sp.port}`] = `${host}:${match.port}`;
    }
  }
  return out;
}

/** The nginx version of an image tag such as `nginx:1.28.0` or `registry/nginx:1.27.3-alpine`. */
export function versionFromImage(image: string | undefined): string | undefined {
  const m = image === undefined ? undefined : /:(\d+\.\d+\.\d+)(?:-[A-Za-z0-9.-]+)?$/.exec(image);
  return m?.[1];
}
