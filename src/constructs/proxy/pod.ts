import { ApiObject, Duration, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { fail } from '../core/errors';
import { Listener, ListenerProtocol } from '../gateway-api/listener';
import { ProxyConfig } from './config';
import { memoryQuantity, proxyMemoryNeed } from './memory';
import { DEFAULT_PROXY_IMAGE, GatewayProxyProps, NodeSpread } from './props';
import { PROXY_PATHS } from './proxy-entrypoint';

/**
 * Lets the pod spec's entry of `volume` be decided at synth (after the compile): `produce` returns
 * its source (`{ projected: … }`), or undefined for the one the volume was created with.
 */
function overrideVolume(volume: kplus.Volume, produce: () => Record<string, unknown> | undefined): void {
  const created = volume._toKube.bind(volume);
  // (the k8s binding's shapes: a quantity is `{ value }`)
  volume._toKube = () => {
    const source = produce();
    return source ? ({ name: volume.name, ...source } as ReturnType<typeof created>) : created();
  };
}

/** What the proxy's Deployment is built from (see `GatewayProxy`). @internal */
export interface ProxyDeploymentOptions {
  readonly props: GatewayProxyProps;
  /** the proxy's name and namespace */
  readonly name: string;
  readonly namespace: string;
  /** the Gateway's namespace (of its certificate references without one) */
  readonly gatewayNamespace: string;
  /** metadata of the proxy's objects, named `<name><suffix>` */
  readonly metadata: (suffix: string) => { name: string; namespace: string; labels: { [key: string]: string } };
  readonly replicas: number;
  readonly healthPort: number;
  /** seconds between the entrypoint's checks for changed files */
  readonly checkIntervalSeconds: number;
  /** one listener per port and protocol, sorted by port */
  readonly ports: Listener[];
  readonly listeners: Listener[];
  readonly config: ProxyConfig;
  /** filled with the names of the Secrets mounted */
  readonly mountedSecrets: Set<string>;
}

/**
 * The proxy's hardened nginx Deployment: pod and container security, probes, the ConfigMap,
 * emptyDir and certificate Secret volumes, node spread, the configuration checksum and the
 * JSON patches for what cdk8s-plus cannot express. Created in `scope` (the GatewayProxy).
 * @internal
 */
export function addProxyDeployment(scope: Construct, options: ProxyDeploymentOptions): { deployment: kplus.Deployment; pods: kplus.Pods } {
  const { props, name, namespace, metadata, replicas, healthPort, ports, listeners, config } = options;
  const every = options.checkIntervalSeconds;
  const mounted = options.mountedSecrets;
  // the pods are selected by labels derived from the proxy's name, not from the construct path
  // (cdk8s-plus's default): a Deployment's selector is immutable, so renaming or moving the
  // construct in code must not change it
  const podLabels = { 'app.kubernetes.io/name': 'cdk8s-gateway-proxy', 'app.kubernetes.io/instance': name };
  const healthProbe = (path: string, o: kplus.HttpGetProbeOptions) => kplus.Probe.fromHttpGet(path, { port: healthPort, ...o });
  const deployment = new kplus.Deployment(scope, 'deployment', {
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
  // memory: sized from the compiled configuration at synth, unless given (see memory.ts)
  const containerToKube = deployment.containers[0]._toKube.bind(deployment.containers[0]);
  deployment.containers[0]._toKube = () => {
    const c = containerToKube();
    const need = proxyMemoryNeed(config.configBytes());
    // (the k8s binding's shapes: a quantity is `{ value }`)
    const quantity = (s: Size) => ({ value: memoryQuantity(s) }) as unknown as NonNullable<NonNullable<typeof c.resources>['limits']>[string];
    return {
      ...c,
      resources: {
        ...c.resources,
        limits: { ...c.resources?.limits, memory: quantity(props.memoryLimit ?? need.limit) },
        requests: { ...c.resources?.requests, memory: quantity(props.memoryRequest ?? need.request) },
      },
    };
  };
  deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
  const pods = kplus.Pods.select(scope, 'pods', { labels: podLabels });
  const container = deployment.containers[0];
  // the configuration is mounted as a directory (not subPath), so kubelet's updates reach the pod
  const configRef = kplus.ConfigMap.fromConfigMapName(scope, 'config-ref', `${name}-config`);
  const configVolume = kplus.Volume.fromConfigMap(scope, 'config-volume', configRef, { name: 'config', defaultMode: 0o444 });
  // a configuration in several ConfigMaps: one projected volume of all of them, in one directory
  // (the entrypoint loads a set only when every part matches the hash nginx.conf lists)
  overrideVolume(configVolume, () => {
    const parts = config.configParts();
    if (!parts.length) return undefined;
    return { projected: { defaultMode: 0o444, sources: [`${name}-config`, ...parts.map((p) => p.name)].map((n) => ({ configMap: { name: n } })) } };
  });
  container.mount(PROXY_PATHS.config, configVolume, { readOnly: true });
  const caRef = kplus.ConfigMap.fromConfigMapName(scope, 'ca-ref', `${name}-ca`);
  container.mount(PROXY_PATHS.ca, kplus.Volume.fromConfigMap(scope, 'ca-volume', caRef, { name: 'ca', defaultMode: 0o444 }), { readOnly: true });
  // certificate copies and include files: memory, never the node's disk
  const runVolume = kplus.Volume.fromEmptyDir(scope, 'run-volume', 'run', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(16) });
  // it holds the running configuration and the one being checked: a split (large) one twice, on top
  overrideVolume(runVolume, () => {
    if (!config.configParts().length) return undefined;
    return { emptyDir: { medium: 'Memory', sizeLimit: { value: `${16 + 2 * Math.ceil(config.configBytes() / (1024 * 1024))}Mi` } } };
  });
  container.mount(PROXY_PATHS.run, runVolume);
  container.mount(PROXY_PATHS.prefix, kplus.Volume.fromEmptyDir(scope, 'cache-volume', 'cache', { sizeLimit: props.bufferVolumeSize ?? Size.gibibytes(1) }));
  container.mount('/tmp', kplus.Volume.fromEmptyDir(scope, 'tmp-volume', 'tmp', { sizeLimit: Size.mebibytes(16) }));
      for (const l of listeners) {
    for (const c of l.certificates) {
      const r = c.certificateRef;
      if ((r.kind ?? 'Secret') !== 'Secret' || (r.group ?? '') !== '') continue;
      const ns = r.namespace ?? options.gatewayNamespace;
      if (ns !== namespace) {
        fail(scope, `gateway listener ${l.name}.tls.certificateRefs`, `${ns}/${r.name}`, `is in namespace ${ns}; a pod can only mount Secrets of its own namespace (${namespace})`, `issue the certificate into namespace ${namespace} (e.g. a CertManagerCert there) or run the proxy in ${ns}`);
      }
      if (mounted.has(r.name)) continue;
      mounted.add(r.name);
      const secret = kplus.Secret.fromSecretName(scope, `secret-${r.name}`, r.name);
      // optional: on an empty cluster cert-manager has not written it yet; the pod starts, the
      // server rejects TLS handshakes, and the entrypoint loads the certificate when it appears
      const vol = kplus.Volume.fromSecret(scope, `secret-volume-${r.name}`, secret, {
        name: `tls-${r.name}`.slice(0, 63),
        defaultMode: 0o440,
        optional: Lazy.any({ produce: () => !config.requiredSecrets().has(r.name) }) as unknown as boolean,
      });
      container.mount(`${PROXY_PATHS.secrets}/${ns}/${r.name}`, vol, { readOnly: true });
    }
  }
  const spread = props.nodeSpread ?? NodeSpread.PREFERRED;
  if (spread !== NodeSpread.NONE) deployment.scheduling.separate(pods, { topology: kplus.Topology.HOSTNAME, ...(spread === NodeSpread.PREFERRED ? { weight: 100 } : {}) });
  if (props.rolloutOnConfigChange ?? true) {
    deployment.podMetadata.addAnnotation('cdk8s-gateway.dev/config-checksum', Lazy.any({ produce: () => config.checksum() }) as any);
  }
  const deploymentObject = ApiObject.of(deployment);
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
    if (when !== 'ScheduleAnyway' && when !== 'DoNotSchedule') fail(scope, 'topologySpread.whenUnsatisfiable', when, 'is neither "ScheduleAnyway" nor "DoNotSchedule"', 'use "ScheduleAnyway"');
    const skew = t.maxSkew ?? 1;
    if (!Number.isInteger(skew) || skew < 1) fail(scope, 'topologySpread.maxSkew', skew, 'is not a positive whole number', 'use 1');
    deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{ maxSkew: skew, topologyKey: t.topologyKey, whenUnsatisfiable: when, labelSelector: { matchLabels: podLabels } }]));
  }
  return { deployment, pods };
}
