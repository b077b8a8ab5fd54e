import * as crypto from 'crypto';
import { ApiObject, Duration, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BUILTIN_CONTROLLER_NAME, Diagnostic, KubeObject } from '../../model';
import { buildDataplane } from '../../ir';
import { parseNginxVersion, renderNginx, RenderedGateway } from '../../render/nginx';
import { resolveWithAcmeChallenges } from '../../resolve';
import { PROXY_PATHS, proxyEntrypoint } from './proxy-entrypoint';
import { checkObjectName, checkPort } from '../core/checks';
import { fail, freeId } from '../core/errors';
import { Gateway } from '../gateway-api/gateway';
import { ListenerProtocol } from '../gateway-api/listener';
import { appSnapshot, DERIVED_OBJECTS_METADATA, warnOnce } from '../core/validation';
import { ILoadBalancerAddress } from '../gateway-api/load-balancer-address';

/**
 * The nginx line the default image ships and the tests run (Debian's packages of the same line,
 * in a chroot; see docs/dataplane.md). A test fails when the two differ.
 */
export const DEFAULT_PROXY_NGINX_VERSION = '1.30.6';
/** The pinned official nginx image the proxy runs by default (the newest patch of the tested line). */
export const DEFAULT_PROXY_IMAGE = `nginx:${DEFAULT_PROXY_NGINX_VERSION}`;

/** How the proxy's replicas are spread over nodes. */
export enum NodeSpread {
  /** Prefer different nodes (scheduling still succeeds on one node). */
  PREFERRED = 'preferred',
  /** Require different nodes: a replica stays Pending rather than share a node. */
  REQUIRED = 'required',
  /** No anti-affinity (use `topologySpread` instead, or a single-node cluster). */
  NONE = 'none',
}

/** A topology spread constraint for the proxy's pods. */
export interface ProxyTopologySpread {
  /** Node label to spread over, e.g. `topology.kubernetes.io/zone` or `kubernetes.io/hostname`. */
  readonly topologyKey: string;
  /** @default 1 */
  readonly maxSkew?: number;
  /** `DoNotSchedule` or `ScheduleAnyway`. @default 'ScheduleAnyway' */
  readonly whenUnsatisfiable?: string;
}

/** A HorizontalPodAutoscaler for the proxy (replicas then come from it, not from `replicas`). */
export interface ProxyAutoscaling {
  /** @default 2 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization in percent of the request. @default 70 */
  readonly cpuUtilizationPercent?: number;
}

/** Service exposure of the proxy. */
export enum ProxyServiceType {
  LOAD_BALANCER = 'LoadBalancer',
  NODE_PORT = 'NodePort',
  CLUSTER_IP = 'ClusterIP',
}

/** Props of {@link GatewayProxy}. */
export interface GatewayProxyProps {
  /** The Gateway to serve. Its class must have the built-in controller (`GatewayClass.builtin`). */
  readonly gateway: Gateway;
  /** Base name of the emitted objects. @default `<gateway name>-proxy` */
  readonly name?: string;
  /** @default - the Gateway's namespace */
  readonly namespace?: string;
  /** Container image (official nginx image). @default DEFAULT_PROXY_IMAGE */
  readonly image?: string;
  /**
   * The nginx version of `image` (what the configuration is compiled for: `http2 on;` from
   * 1.25.1, TLS stream listeners without a certificate from 1.25.5).
   * @default - read from the image tag (`nginx:1.28.0`, `…:1.27.3-alpine`), else DEFAULT_PROXY_NGINX_VERSION
   */
  readonly nginxVersion?: string;
  /** At least 2 unless you accept a single point of failure. @default 2 */
  readonly replicas?: number;
  /** @default ProxyServiceType.LOAD_BALANCER */
  readonly serviceType?: ProxyServiceType;
  /** `Local` keeps client source addresses and avoids a second hop. @default 'Local' */
  readonly externalTrafficPolicy?: string;
  /** Extra Service annotations. @default - none */
  readonly serviceAnnotations?: { readonly [key: string]: string };
  /** The load-balancer address (e.g. `pool.address('192.168.1.240')` of a MetalLbPool). @default - the Gateway's `loadBalancerAddress` */
  readonly loadBalancerAddress?: ILoadBalancerAddress;
  /** Emit a PodDisruptionBudget (minAvailable 1). @default true */
  readonly podDisruptionBudget?: boolean;
  /** Readiness / liveness port. @default 8081 */
  readonly healthPort?: number;
  /** Cluster DNS domain of Service names. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * DNS resolver nginx uses for backend Service names at request time (so the proxy starts
   * before every backend exists). `auto`: the pod's nameservers, read from its /etc/resolv.conf
   * when the container starts, so loading the configuration never waits for cluster DNS. An address
   * is used as given; a name would be looked up at every start and reload.
   * @default 'auto'
   */
  readonly resolver?: string;
  /** Seconds between the entrypoint's checks for new certificates and configuration. @default 5 */
  readonly checkIntervalSeconds?: number;
  /**
   * Size limit of the emptyDir that buffers request bodies and upstream responses (nginx's
   * prefix). A request body larger than the memory buffers is written there.
   * @default Size.gibibytes(1)
   */
  readonly bufferVolumeSize?: Size;
  /**
   * Roll the pods when the compiled configuration changes (a checksum in the pod template). Without
   * it, a new configuration reaches the running pods when kubelet updates the mounted ConfigMap
   * (about a minute) and is loaded by a reload after `nginx -t` passes: no pod is replaced (on bare
   * metal with MetalLB L2 that also keeps the address where it is).
   * @default true
   */
  readonly rolloutOnConfigChange?: boolean;
  /** @default NodeSpread.PREFERRED */
  readonly nodeSpread?: NodeSpread;
  /** Topology spread constraint (e.g. over zones). @default - none */
  readonly topologySpread?: ProxyTopologySpread;
  /** Scale with a HorizontalPodAutoscaler (CPU). @default - fixed `replicas` */
  readonly autoscaling?: ProxyAutoscaling;
  /** Seconds of `preStop` sleep before nginx drains (endpoints update first). @default 5 */
  readonly preStopSleepSeconds?: number;
  /**
   * How the image provides nginx's stream module (TLS passthrough, TCP, UDP): `builtin` (the
   * official image) or `dynamic` (loaded from /usr/lib/nginx/modules, e.g. Debian-based images).
   * @default 'builtin'
   */
  readonly streamModule?: string;
}

/**
 * The built-in data plane for a Gateway: nginx configured at synth time from the routes
 * attached to the Gateway, so the cluster needs no gateway controller.
 *
 * Emits a ConfigMap with the compiled `nginx.conf`, a hardened nginx Deployment (non-root,
 * read-only root file system, all capabilities dropped, seccomp RuntimeDefault, unprivileged
 * ports from 0, probes on a dedicated port, a preStop drain, a checksum of the configuration in
 * the pod template so a new configuration rolls the pods), 2 replicas spread over nodes with a
 * PodDisruptionBudget, and a `LoadBalancer` Service with `externalTrafficPolicy: Local`.
 * The Deployment, Service, PodDisruptionBudget and anti-affinity select the pods by
 * `app.kubernetes.io/name: cdk8s-gateway-proxy` + `app.kubernetes.io/instance: <name>`, so a
 * rename or move of the construct in code never changes the Deployment's immutable selector.
 * Certificate Secrets of the listeners are mounted (they must be in the proxy's namespace).
 */
export class GatewayProxy extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The ConfigMap holding `nginx.conf` and the entrypoint. */
  public readonly configMap: ApiObject;
  /** The ConfigMap holding the CA bundles the configuration reads (BackendTLSPolicy, client validation), copied from the app. */
  public readonly caConfigMap: ApiObject;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  /** The nginx version the configuration is compiled for. */
  public readonly nginxVersion: string;
  private readonly props: GatewayProxyProps;
  private readonly mountedSecrets = new Set<string>();
  private rendered?: { key: string; objects: readonly KubeObject[]; result: RenderedGateway | undefined; diagnostics: Diagnostic[] };

  constructor(scope: Construct, id: string, props: GatewayProxyProps) {
    super(scope, freeId(scope, id, 'GatewayProxy'));
    // its objects are outputs of the compile, not inputs of the whole-app checks (see validation.ts)
    this.node.addMetadata(DERIVED_OBJECTS_METADATA, true);
    this.props = props;
    const gw = props.gateway;
    this.name = props.name ?? `${gw.name}-proxy`;
    this.namespace = props.namespace ?? gw.effectiveNamespace;
    const pn = checkObjectName(this.name);
    if (pn || this.name.length > 52) fail(this, 'name', this.name, pn ?? 'is longer than 52 characters (suffixes are added)', 'pass a short lowercase `name`');
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) fail(this, 'replicas', replicas, 'is not a positive integer', 'use 2 or more for a proxy that survives a node failure');
    const healthPort = props.healthPort ?? 8081;
    const ph = checkPort(healthPort);
    if (ph) fail(this, 'healthPort', healthPort, ph, 'choose a free port');
    const metadata = (suffix: string) => ({ name: `${this.name}${suffix}`, namespace: this.namespace, labels: {
        'app.kubernetes.io/name': 'cdk8s-gateway-proxy',
        'app.kubernetes.io/instance': this.name,
        // the label Gateway API implementations put on the resources they create for a Gateway
        'gateway.networking.k8s.io/gateway-name': gw.name,
      },
    });

    this.configMap = new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('-config'),
      data: Lazy.any({ produce: () => this.configFiles() }),
    });

    this.caConfigMap = new ApiObject(this, 'ca', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('-ca'),
      data: Lazy.any({ produce: () => this.caFiles() }),
    });
    if (props.streamModule !== undefined && props.streamModule !== 'builtin' && props.streamModule !== 'dynamic') {
      fail(this, 'streamModule', props.streamModule, 'is neither "builtin" nor "dynamic"', 'use "builtin" for the official nginx image');
    }

    const listeners = gw.listenerList;
    const ports = [...new Map(listeners.map((l) => [`${l.port}/${l.protocol === ListenerProtocol.UDP ? 'UDP' : 'TCP'}`, l])).values()]
      .sort((a, b) => a.port - b.port);
    this.nginxVersion = props.nginxVersion ?? versionFromImage(props.image) ?? DEFAULT_PROXY_NGINX_VERSION;
    try {
      parseNginxVersion(this.nginxVersion);
    } catch {
      fail(this, 'nginxVersion', this.nginxVersion, 'is not a version such as "1.30.0"', 'pass the nginx version of the image');
    }
    const every = props.checkIntervalSeconds ?? 5;
    if (!Number.isInteger(every) || every < 1 || every > 300) fail(this, 'checkIntervalSeconds', every, 'is not a whole number from 1 to 300', 'use e.g. 5');
    if (props.autoscaling) {
      const a = props.autoscaling;
      const min = a.minReplicas ?? 2;
      if (!Number.isInteger(min) || min < 1 || !Number.isInteger(a.maxReplicas) || a.maxReplicas < min) {
        fail(this, 'autoscaling', `${min}..${a.maxReplicas}`, 'is not a range of whole numbers with 1 ≤ minReplicas ≤ maxReplicas', 'use e.g. { minReplicas: 2, maxReplicas: 6 }');
      }
      const cpu = a.cpuUtilizationPercent ?? 70;
      if (!Number.isInteger(cpu) || cpu < 1) fail(this, 'autoscaling.cpuUtilizationPercent', cpu, 'is not a positive whole number', 'use e.g. 70');
    }

    // the pods are selected by labels derived from the proxy's name, not from the construct path
    // (cdk8s-plus's default): a Deployment's selector is immutable, so renaming or moving the
    // construct in code must not change it
    const podLabels = { 'app.kubernetes.io/name': 'cdk8s-gateway-proxy', 'app.kubernetes.io/instance': this.name };
    const healthProbe = (path: string, o: kplus.HttpGetProbeOptions) => kplus.Probe.fromHttpGet(path, { port: healthPort, ...o });
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: metadata(''),
      select: false,
      podMetadata: { labels: podLabels },
      ...(props.autoscaling ? {} : { replicas }),
      securityContext: {
        ensureNonRoot: true,
        user: 101,
        group: 101,
        fsGroup: 101,
        sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
      },
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'nginx',
          image: props.image ?? DEFAULT_PROXY_IMAGE,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: ['/bin/sh', `${PROXY_PATHS.config}/entrypoint.sh`],
          envVariables: { CDK8S_GATEWAY_CHECK_SECONDS: kplus.EnvValue.fromValue(String(every)) },
          ports: [
            ...ports.map((l) => ({ number: l.port, protocol: l.protocol === ListenerProtocol.UDP ? kplus.Protocol.UDP : kplus.Protocol.TCP })),
            { number: healthPort, name: 'health' },
          ],
          securityContext: {
            ensureNonRoot: true,
            user: 101,
            group: 101,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
          // a large configuration takes seconds to load: liveness waits for the startup probe
          startup: healthProbe('/readyz', { periodSeconds: Duration.seconds(2), failureThreshold: 60 }),
          readiness: healthProbe('/readyz', { periodSeconds: Duration.seconds(5) }),
          liveness: healthProbe('/healthz', {}),
          lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/sh', '-c', `sleep ${props.preStopSleepSeconds ?? 5}`]) },
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
            memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) },
          },
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
    const pods = kplus.Pods.select(this, 'pods', { labels: podLabels });
    const container = this.deployment.containers[0];
    // the configuration is mounted as a directory (not subPath), so kubelet's updates reach the pod
    const configRef = kplus.ConfigMap.fromConfigMapName(this, 'config-ref', `${this.name}-config`);
    container.mount(PROXY_PATHS.config, kplus.Volume.fromConfigMap(this, 'config-volume', configRef, { name: 'config', defaultMode: 0o444 }), { readOnly: true });
    const caRef = kplus.ConfigMap.fromConfigMapName(this, 'ca-ref', `${this.name}-ca`);
    container.mount(PROXY_PATHS.ca, kplus.Volume.fromConfigMap(this, 'ca-volume', caRef, { name: 'ca', defaultMode: 0o444 }), { readOnly: true });
    // certificate copies and include files: memory, never the node's disk
    container.mount(PROXY_PATHS.run, kplus.Volume.fromEmptyDir(this, 'run-volume', 'run', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(16) }));
    container.mount(PROXY_PATHS.prefix, kplus.Volume.fromEmptyDir(this, 'cache-volume', 'cache', { sizeLimit: props.bufferVolumeSize ?? Size.gibibytes(1) }));
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp-volume', 'tmp', { sizeLimit: Size.mebibytes(16) }));
    const mounted = this.mountedSecrets;
    for (const l of listeners) {
      for (const c of l.certificates) {
        const r = c.certificateRef;
        if ((r.kind ?? 'Secret') !== 'Secret' || (r.group ?? '') !== '') continue;
        const ns = r.namespace ?? gw.effectiveNamespace;
        if (ns !== this.namespace) {
          fail(this, `gateway listener ${l.name}.tls.certificateRefs`, `${ns}/${r.name}`, `is in namespace ${ns}; a pod can only mount Secrets of its own namespace (${this.namespace})`, `issue the certificate into namespace ${this.namespace} (e.g. a CertManagerCert there) or run the proxy in ${ns}`);
        }
        if (mounted.has(r.name)) continue;
        mounted.add(r.name);
        const secret = kplus.Secret.fromSecretName(this, `secret-${r.name}`, r.name);
        // optional: on an empty cluster cert-manager has not written it yet; the pod starts, the
        // server rejects TLS handshakes, and the entrypoint loads the certificate when it appears
        const vol = kplus.Volume.fromSecret(this, `secret-volume-${r.name}`, secret, {
          name: `tls-${r.name}`.slice(0, 63),
          defaultMode: 0o440,
          optional: Lazy.any({ produce: () => !this.requiredSecrets().has(r.name) }) as unknown as boolean,
        });
        container.mount(`${PROXY_PATHS.secrets}/${ns}/${r.name}`, vol, { readOnly: true });
      }
    }
    const spread = props.nodeSpread ?? NodeSpread.PREFERRED;
    if (spread !== NodeSpread.NONE) this.deployment.scheduling.separate(pods, { topology: kplus.Topology.HOSTNAME, ...(spread === NodeSpread.PREFERRED ? { weight: 100 } : {}) });
    if (props.rolloutOnConfigChange ?? true) {
      this.deployment.podMetadata.addAnnotation('cdk8s-gateway.dev/config-checksum', Lazy.any({ produce: () => this.checksum() }) as any);
    }
    const deploymentObject = ApiObject.of(this.deployment);
    // graceful termination: preStop sleep + nginx's worker_shutdown_timeout (10s)
    deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/terminationGracePeriodSeconds', 30));
    // Pod Security Standards "restricted" asks for the profile on the pod (or every container)
    deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    // cdk8s-plus labels every pod template with a hash of the construct path (`cdk8s.io/metadata.addr`,
    // even with `select: false`); the pods are selected by the stable labels above, and a label that
    // changes when the construct moves would roll the pods for nothing
    deploymentObject.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
    if (props.topologySpread) {
      const t = props.topologySpread;
      const when = t.whenUnsatisfiable ?? 'ScheduleAnyway';
      if (when !== 'ScheduleAnyway' && when !== 'DoNotSchedule') fail(this, 'topologySpread.whenUnsatisfiable', when, 'is neither "ScheduleAnyway" nor "DoNotSchedule"', 'use "ScheduleAnyway"');
      const skew = t.maxSkew ?? 1;
      if (!Number.isInteger(skew) || skew < 1) fail(this, 'topologySpread.maxSkew', skew, 'is not a positive whole number', 'use 1');
      deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{ maxSkew: skew, topologyKey: t.topologyKey, whenUnsatisfiable: when, labelSelector: { matchLabels: podLabels } }]));
    }
    if (props.autoscaling) {
      new kplus.HorizontalPodAutoscaler(this, 'autoscaler', {
        metadata: metadata(''),
        target: this.deployment,
        minReplicas: props.autoscaling.minReplicas ?? 2,
        maxReplicas: props.autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.autoscaling.cpuUtilizationPercent ?? 70))],
      });
    }

    const lbAddress = props.loadBalancerAddress ?? gw.loadBalancerAddress;
    const annotations = { ...(lbAddress?.serviceAnnotations() ?? {}), ...(props.serviceAnnotations ?? {}) };
    const serviceType = props.serviceType ?? ProxyServiceType.LOAD_BALANCER;
    this.service = new kplus.Service(this, 'service', {
      metadata: { ...metadata(''), annotations },
      type: serviceType as unknown as kplus.ServiceType,
      selector: pods,
      ports: ports.map((l) => ({
        name: `${l.protocol === ListenerProtocol.UDP ? 'udp' : 'tcp'}-${l.port}`,
        port: l.port,
        targetPort: l.port,
        protocol: l.protocol === ListenerProtocol.UDP ? kplus.Protocol.UDP : kplus.Protocol.TCP,
      })),
    });
    if (serviceType !== ProxyServiceType.CLUSTER_IP) {
      ApiObject.of(this.service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', props.externalTrafficPolicy ?? 'Local'));
    }

    if (props.podDisruptionBudget ?? true) {
      new ApiObject(this, 'pdb', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: metadata(''),
        spec: { minAvailable: 1, selector: { matchLabels: Lazy.any({ produce: () => this.deployment.matchLabels }) } },
      });
    }

    this.node.addValidation({ validate: () => this.validateProxy() });
  }

  /** The compiled configuration files (nginx.conf, tls.list, entrypoint.sh). */
  private configFiles(): Record<string, string> {
    const r = this.compile();
    return {
      'entrypoint.sh': proxyEntrypoint(),
      'nginx.conf': r.result?.files['nginx.conf'] ?? '# the Gateway is not served: see the synth errors\n',
      'tls.list': r.result?.files['tls.list'] ?? '',
    };
  }

  /** Secrets the configuration cannot start without (TLS stream listeners on nginx before 1.25.5): their volumes are not optional. */
  private requiredSecrets(): Set<string> {
    const out = new Set<string>();
    for (const t of this.compile().result?.tls ?? []) if (t.fallback === 'required') for (const x of t.secrets) out.add(x.name);
    return out;
  }

  /** CA bundles the configuration reads, copied from the app's ConfigMaps (a pod cannot mount other namespaces' ConfigMaps). */
  private caFiles(): Record<string, string> {
    const r = this.compile();
    const out: Record<string, string> = {};
    for (const c of r.result?.references.configMaps ?? []) {
      const pem = this.appConfigMap(c.namespace, c.name)?.['ca.crt'];
      if (typeof pem === 'string') out[`${c.namespace}_${c.name}.crt`] = pem;
    }
    return out;
  }

  private appConfigMap(namespace: string, name: string): Record<string, unknown> | undefined {
    // the objects the current configuration was compiled from
    const o = this.compile().objects.find((x) => x.kind === 'ConfigMap' && x.apiVersion === 'v1' && (x.metadata.namespace ?? 'default') === namespace && x.metadata.name === name);
    return o && typeof o.data === 'object' && o.data ? (o.data as Record<string, unknown>) : undefined;
  }

  private checksum(): string {
    const files = this.configFiles();
    const h = crypto.createHash('sha256').update(files['nginx.conf']).update(files['entrypoint.sh']).update(files['tls.list']);
    for (const [k, v] of Object.entries(this.caFiles())) h.update(k).update(v);
    return h.digest('hex');
  }

  /**
   * Compiles the app's Gateway API objects. It starts from the whole-app validation's snapshot
   * (the synthesized objects and the resolver's model for the built-in controller), so a synth
   * synthesizes and resolves the app once for the checks and the compile together; memoized per
   * snapshot content.
   */
  private compile(): { objects: readonly KubeObject[]; result: RenderedGateway | undefined; diagnostics: Diagnostic[] } {
    const snapshot = appSnapshot(this);
    if (this.rendered?.key === snapshot.key) return this.rendered;
    const gw = this.props.gateway;
    const served = (namespace: string, name: string) => namespace === gw.effectiveNamespace && name === gw.name;
    // cert-manager's HTTP-01 challenges through this Gateway: the routes it creates at run time are
    // known in advance (only the token is not) and compiled in, so the challenge is answered
    // before any certificate exists
    const acme = resolveWithAcmeChallenges(snapshot.objects, snapshot.resolved.get(BUILTIN_CONTROLLER_NAME)!.model, { controllerName: BUILTIN_CONTROLLER_NAME, assumeExternal: true, schemaValidation: false }, served);
    const objects = acme.objects;
    const all = acme.model;
    const model = { ...all, gateways: all.gateways.filter((g) => served(g.namespace, g.name)) };
    // Secrets written by cert-manager and Services deployed elsewhere are not in the app: the
    // resolver run assumes them (assumeExternal)
    const rendered = renderNginx(buildDataplane(model, objects), objects, {
      backends: staticEndpoints(objects),
      clusterDomain: this.props.clusterDomain ?? 'cluster.local',
      resolver: this.props.resolver ?? 'auto',
      runtimeDir: PROXY_PATHS.run,
      nginxVersion: this.nginxVersion,
      healthPort: this.props.healthPort ?? 8081,
      embedSecrets: false,
      caFiles: 'flat',
      streamModule: (this.props.streamModule ?? 'builtin') as 'builtin' | 'dynamic',
    });
    const result = rendered.find((r) => served(r.namespace, r.name));
    this.rendered = { key: snapshot.key, objects, result, diagnostics: [...(result?.diagnostics ?? []), ...acme.diagnostics] };
    return this.rendered;
  }

  /**
   * The compiled configuration must fit in its ConfigMap (an error: the apply would fail); past what
   * client-side `kubectl apply` can record, a warning says to apply server-side.
   */
  private checkConfigMapSizes(): string[] {
    const errors: string[] = [];
    for (const [name, data] of [[`${this.name}-config`, this.configFiles()], [`${this.name}-ca`, this.caFiles()]] as const) {
      const bytes = Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      const kib = (bytes / 1024).toFixed(0);
      if (bytes > CONFIGMAP_MAX_BYTES) {
        errors.push(
          `ConfigMap ${this.namespace}/${name}: the compiled configuration of Gateway ${this.props.gateway.effectiveNamespace}/${this.props.gateway.name} is ${kib} KiB; the API server stores at most 1,024 KiB in a ConfigMap, so applying it would fail. ` +
            'Fix: spread the routes over several Gateways, each with its own GatewayProxy (about 1,500 routes with a header and a query match fit in one), or serve some hostnames with another Gateway',
        );
      } else if (bytes > ANNOTATIONS_MAX_BYTES / 2 && JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: this.namespace }, data }).length > ANNOTATIONS_MAX_BYTES) {
        // (the configuration is printable ASCII and newlines, which JSON at most doubles: below half
        // the limit it cannot reach it)
        warnOnce(
          this,
          `[${this.node.path}] ConfigMap ${this.namespace}/${name} holds ${kib} KiB, more than client-side \`kubectl apply\` can record in its last-applied-configuration annotation (256 KiB for all annotations): ` +
            'apply it server-side (`kubectl apply --server-side`, Argo CD sync option `ServerSideApply=true`; Flux and Pulumi apply server-side already)',
        );
      }
    }
    return errors;
  }

  private validateProxy(): string[] {
    const gw = this.props.gateway;
    const classes = this.node.root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'GatewayClass');
    const cls = classes.find((c) => c.name === gw.gatewayClassName);
    if (!cls || (cls.toJson() as KubeObject & { spec?: { controllerName?: string } }).spec?.controllerName !== BUILTIN_CONTROLLER_NAME) {
      return [`gateway: Gateway ${gw.effectiveNamespace}/${gw.name} has class "${gw.gatewayClassName}", which is not a GatewayClass of this app with controllerName ${BUILTIN_CONTROLLER_NAME}. Fix: use GatewayClass.builtin(...) as its gatewayClass, or drop the GatewayProxy and let the class's controller serve it`];
    }
    const r = this.compile();
    if (!r.result) return [`gateway: Gateway ${gw.effectiveNamespace}/${gw.name} is not served (it is not accepted; see its own errors)`];
    const line = (d: Diagnostic) => `${d.object.kind} ${d.object.namespace ?? ''}/${d.object.name} ${d.field ?? ''}: ${d.message}${d.fix ? ` Fix: ${d.fix}` : ''} (${d.code})`;
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map(line);
    for (const d of r.diagnostics.filter((x) => x.severity === 'warning')) warnOnce(this, `[${this.node.path}] ${line(d)}`);
    for (const s of r.result.references.secrets) {
      if (s.namespace !== this.namespace) {
        errors.push(`gateway: the configuration reads Secret ${s.namespace}/${s.name}, but a pod can only mount Secrets of its own namespace (${this.namespace}). Fix: put the Secret (e.g. a CertManagerCert) in namespace ${this.namespace}`);
      } else if (!this.mountedSecrets.has(s.name)) {
        errors.push(`gateway: the configuration reads Secret ${s.namespace}/${s.name}, which the proxy does not mount (a listener or client certificate added after the GatewayProxy was created). Fix: create the GatewayProxy after the Gateway's listeners and TLS settings`);
      }
    }
    errors.push(...this.checkConfigMapSizes());
    for (const c of r.result.references.configMaps) {
      if (typeof this.appConfigMap(c.namespace, c.name)?.['ca.crt'] !== 'string') {
        errors.push(`gateway: the configuration reads the CA bundle of ConfigMap ${c.namespace}/${c.name}, which is not in the app (or has no ca.crt), so the proxy cannot copy it. Fix: define the ConfigMap in the app (e.g. BackendTls.fromCaPem) or use system CAs`);
      }
    }
    return errors;
  }
}

/** What the API server stores in one ConfigMap: keys and values of `data`, in bytes (1 MiB). */
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** All annotations of an object together, in bytes: kubectl's client-side apply records the whole object in one (256 KiB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

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
function versionFromImage(image: string | undefined): string | undefined {
  const m = image === undefined ? undefined : /:(\d+\.\d+\.\d+)(?:-[A-Za-z0-9.-]+)?$/.exec(image);
  return m?.[1];
}
