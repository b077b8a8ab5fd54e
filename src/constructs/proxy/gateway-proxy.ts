import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BUILTIN_CONTROLLER_NAME, Diagnostic, KubeObject } from '../../model';
import { parseNginxVersion, WORKER_CONNECTIONS } from '../../render/nginx';
import { checkObjectName, checkPort } from '../core/checks';
import { fail, freeId } from '../core/errors';
import { DERIVED_OBJECTS_METADATA, registerLateObjectsScope, warnOnce } from '../core/validation';
import { ListenerProtocol } from '../gateway-api/listener';
import { checkBodySize } from '../gateway-api/route-proxy';
import { ProxyConfig, versionFromImage } from './config';
import { memoryQuantity, proxyMemoryNeed, sizeBytes } from './memory';
import { addProxyDeployment } from './pod';
import { DEFAULT_PROXY_NGINX_VERSION, GatewayProxyProps } from './props';
import { addProxyAutoscaler, addProxyService } from './service';

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
  /**
   * The ConfigMap holding `nginx.conf` and the entrypoint. A configuration larger than 768 KiB is
   * split: this one holds nginx.conf (which includes the parts), and `<name>-config-001`,
   * `<name>-config-002`… one part each (children of the construct `config-parts`, added when the
   * app is synthesized: the compile decides how many), all mounted through one projected volume.
   */
  public readonly configMap: ApiObject;
  /** The ConfigMap holding the CA bundles the configuration reads (BackendTLSPolicy, client validation), copied from the app. */
  public readonly caConfigMap: ApiObject;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  /** The nginx version the configuration is compiled for. */
  public readonly nginxVersion: string;
  private readonly props: GatewayProxyProps;
  private readonly mountedSecrets = new Set<string>();
  private readonly metadataOf: (suffix: string) => { name: string; namespace: string; labels: { [key: string]: string } };
  private readonly config: ProxyConfig;
  /** parent of the part ConfigMaps, created at synth (see `configMap`) */
  private readonly configParts: Construct;

  constructor(scope: Construct, id: string, props: GatewayProxyProps) {
    super(scope, freeId(scope, id, 'GatewayProxy'));
    // its objects are outputs of the compile, not inputs of the whole-app checks (see core/validation.ts)
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
      data: Lazy.any({ produce: () => this.config.configFiles() }),
    });
    this.configParts = new Construct(this, 'config-parts');
    registerLateObjectsScope(this.configParts);
    this.metadataOf = metadata;

    this.caConfigMap = new ApiObject(this, 'ca', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('-ca'),
      data: Lazy.any({ produce: () => this.config.caFiles() }),
    });
    if (props.streamModule !== undefined && props.streamModule !== 'builtin' && props.streamModule !== 'dynamic') {
      fail(this, 'streamModule', props.streamModule, 'is neither "builtin" nor "dynamic"', 'use "builtin" for the official nginx image');
    }

    if (props.maxRequestBodySize !== undefined) checkBodySize(this, 'maxRequestBodySize', props.maxRequestBodySize, false);
    const keepalive = props.backendKeepalive;
    if (keepalive !== undefined && (!Number.isInteger(keepalive) || keepalive < 1 || keepalive > WORKER_CONNECTIONS)) fail(this, 'backendKeepalive', keepalive, `is not a whole number from 1 to ${WORKER_CONNECTIONS} (idle connections per backend and nginx worker)`, 'use e.g. 32, or leave it out to size it from the number of backends');

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

    const config = new ProxyConfig(this, props, this.name, this.namespace, this.nginxVersion);
    this.config = config;
    const built = addProxyDeployment(this, {
      props,
      name: this.name,
      namespace: this.namespace,
      gatewayNamespace: gw.effectiveNamespace,
      metadata,
      replicas,
      healthPort,
      checkIntervalSeconds: every,
      ports,
      listeners,
      config,
      mountedSecrets: this.mountedSecrets,
    });
    this.deployment = built.deployment;
    addProxyAutoscaler(this, props, metadata, this.deployment);
    this.service = addProxyService(this, props, metadata, gw, ports, built.pods, this.deployment);

    this.node.addValidation({ validate: () => this.validateProxy() });
  }

  /**
   * One ConfigMap per part of the compiled configuration, in order: created (or removed) here, at
   * validation, which cdk8s runs before it writes any object; their data is read at output.
   */
  private syncConfigParts(): void {
    const parts = this.config.configParts();
    const existing = this.configParts.node.children.length;
    for (let i = existing; i < parts.length; i++) {
      const n = i;
      const name = parts[n].name;
      new ApiObject(this.configParts, `part-${n + 1}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: this.metadataOf(name.slice(this.name.length)),
        data: Lazy.any({ produce: () => this.config.configParts()[n]?.data ?? {} }),
      });
    }
    for (let i = existing; i > parts.length; i--) this.configParts.node.tryRemoveChild(`part-${i}`);
  }

  private validateProxy(): string[] {
    const gw = this.props.gateway;
    const classes = this.node.root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'GatewayClass');
    const cls = classes.find((c) => c.name === gw.gatewayClassName);
    if (!cls || (cls.toJson() as KubeObject & { spec?: { controllerName?: string } }).spec?.controllerName !== BUILTIN_CONTROLLER_NAME) {
      return [`gateway: Gateway ${gw.effectiveNamespace}/${gw.name} has class "${gw.gatewayClassName}", which is not a GatewayClass of this app with controllerName ${BUILTIN_CONTROLLER_NAME}. Fix: use GatewayClass.builtin(...) as its gatewayClass, or drop the GatewayProxy and let the class's controller serve it`];
    }
    // one compile (one freshness check of the app's snapshot) for every read of it below
    return this.config.pinned(() => this.checkCompiled());
  }

  private checkCompiled(): string[] {
    const gw = this.props.gateway;
    const r = this.config.compile();
    this.syncConfigParts();
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
    errors.push(...this.config.checkConfigMapSizes());
    const memoryLimit = this.props.memoryLimit;
    if (memoryLimit !== undefined) {
      const need = proxyMemoryNeed(this.config.configBytes());
      if (sizeBytes(memoryLimit) < need.reloadBytes) {
        warnOnce(
          this,
          `[${this.node.path}] memoryLimit: ${memoryQuantity(memoryLimit)} is less than the ${Math.ceil(need.reloadBytes / 2 ** 20)} MiB this configuration (${(this.config.configBytes() / 2 ** 20).toFixed(1)} MiB of nginx configuration) needs while it changes: nginx -t and a reload hold the running and the new configuration at once, so the proxy would be OOM-killed at the first change. Fix: remove memoryLimit (the proxy sizes it, ${memoryQuantity(need.limit)} here) or set at least ${memoryQuantity(need.limit)}`,
        );
      }
    }
    for (const c of r.result.references.configMaps) {
      if (typeof this.config.appConfigMap(c.namespace, c.name)?.['ca.crt'] !== 'string') {
        errors.push(`gateway: the configuration reads the CA bundle of ConfigMap ${c.namespace}/${c.name}, which is not in the app (or has no ca.crt), so the proxy cannot copy it. Fix: define the ConfigMap in the app (e.g. BackendTls.fromCaPem) or use system CAs`);
      }
    }
    return errors;
  }
}
