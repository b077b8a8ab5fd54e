/**
 * The echo rig: plays the Pods behind the conformance Services on 127.0.0.1.
 *
 * Each Deployment of the input becomes one "pod" named like a real one (`<deployment>-<hash>-<hash>`,
 * so weight checks that strip the last two dash parts see the Deployment name). What the pod runs
 * follows its container the way echo-basic decides it: `GRPC_ECHO_SERVER` → gRPC, `TCP_ECHO_SERVER`
 * → TCP echo, `UDP_ECHO_SERVER` → UDP echo, coredns image → DNS, otherwise HTTP echo (3000 HTTP and
 * WebSocket, 3001 h2c, 8443 HTTPS when `TLS_SERVER_CERT`/`TLS_SERVER_PRIVKEY` are set, verifying
 * client certificates against `TLS_CLIENT_CACERTS`). Env values and mounted Secret/ConfigMap files
 * are resolved from the input objects. Servers start on first use, each on its own random port, and
 * are reused across cases while the Deployment (and the files it mounts) stay the same.
 *
 * A Service maps its port → targetPort (by number or container port name) on the pods its selector
 * picks, or on the Pods its EndpointSlices name (`targetRef`). A Service without a ready endpoint gets
 * a black hole (TCP reset / silent UDP), like a Service without endpoints.
 */
import * as crypto from 'crypto';
import { configValue } from '../certs';
import { Listening, PodContext, PodLog } from './context';
import { startGrpcEcho, startGrpcsEcho } from './grpc';
import { HttpEchoPod, startH2cEcho, startHttpEcho, startHttpsEcho, TlsServerConfig } from './http';
import { startDns, startTcpBlackhole, startTcpEcho, startTlsTcpEcho, startUdpBlackhole, startUdpEcho } from './l4';

type J = Record<string, any>;

export type PodKind = 'http' | 'grpc' | 'tcp' | 'udp' | 'dns' | 'none';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod name the way a ReplicaSet would make it, deterministic for a Deployment. */
export function podNameFor(namespace: string, deployment: string): string {
  const h = crypto.createHash('sha256').update(`${namespace}/${deployment}`).digest();
  const pick = (from: number, n: number) => Array.from(h.subarray(from, from + n), (b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${deployment}-${pick(0, 10)}-${pick(10, 5)}`;
}

function labelsMatch(selector: J | undefined, labels: J | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** One pod of a Deployment and its lazily started servers. */
export class EchoPod {
  readonly name: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly kind: PodKind;
  readonly log = new PodLog();
  private readonly env: Record<string, string>;
  private readonly files: Record<string, string>;
  private readonly containerPorts: J[];
  private readonly servers = new Map<string, Promise<Listening | undefined>>();
  private readonly http: HttpEchoPod;
  readonly ctx: PodContext;

  constructor(deployment: J, objects: readonly J[]) {
    this.namespace = deployment.metadata?.namespace ?? 'default';
    this.deployment = deployment.metadata?.name ?? '';
    this.name = podNameFor(this.namespace, this.deployment);
    const spec = deployment.spec?.template?.spec ?? {};
    const containers = (spec.containers ?? []) as J[];
    const c = containers.find((x) => /echo-basic|echoserver|coredns/.test(String(x.image ?? ''))) ?? containers[0] ?? {};
    this.containerPorts = (c.ports ?? []) as J[];
    this.env = {};
    for (const e of (c.env ?? []) as J[]) {
      if (e.value !== undefined) this.env[e.name] = String(e.value);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') this.env[e.name] = this.name;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') this.env[e.name] = this.namespace;
      else this.env[e.name] = '';
    }
    this.files = {};
    const volumes = (spec.volumes ?? []) as J[];
    for (const m of (c.volumeMounts ?? []) as J[]) {
      const v = volumes.find((x) => x.name === m.name);
      const src = v?.secret
        ? objects.find((o) => o.kind === 'Secret' && o.metadata?.name === v.secret.secretName && (o.metadata?.namespace ?? 'default') === this.namespace)
        : v?.configMap
          ? objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === v.configMap.name && (o.metadata?.namespace ?? 'default') === this.namespace)
          : undefined;
      if (!src || !v) continue;
      const items = ((v.secret ?? v.configMap).items as J[] | undefined) ?? Object.keys({ ...(src.data ?? {}), ...(src.stringData ?? {}) }).map((k) => ({ key: k, path: k }));
      for (const it of items) {
        const value = configValue(src as any, it.key);
        if (value !== undefined) this.files[`${String(m.mountPath).replace(/\/$/, '')}/${it.path}`] = value;
      }
    }
    const image = String(c.image ?? '');
    this.kind = /coredns/.test(image)
      ? 'dns'
      : this.env.GRPC_ECHO_SERVER
        ? 'grpc'
        : this.env.TCP_ECHO_SERVER
          ? 'tcp'
          : this.env.UDP_ECHO_SERVER
            ? 'udp'
            : /echo-basic|echoserver/.test(image)
              ? 'http'
              : 'none';
    this.ctx = { namespace: this.env.NAMESPACE ?? '', ingress: this.env.INGRESS_NAME ?? '', service: this.env.SERVICE_NAME ?? '', pod: this.env.POD_NAME ?? '' };
    this.http = { ctx: this.ctx, log: this.log, retries: new Map() };
  }

  /** A key that changes when anything the pod's behaviour depends on changes. */
  static identity(deployment: J, objects: readonly J[]): string {
    const pod = new EchoPod(deployment, objects);
    return crypto.createHash('sha256').update(JSON.stringify([deployment.metadata?.namespace, deployment.metadata?.name, deployment.spec?.template, pod.files])).digest('hex');
  }

  private file(envName: string): string | undefined {
    const p = this.env[envName];
    return p ? this.files[p] : undefined;
  }

  private tlsConfig(keyEnv: string): TlsServerConfig | undefined {
    const cert = this.file('TLS_SERVER_CERT');
    const key = this.file(keyEnv);
    if (!cert || !key) return undefined;
    const clientCa = this.file('TLS_CLIENT_CACERTS');
    return { cert, key, ...(clientCa ? { clientCa } : {}) };
  }

  /** Resolves a named container port. */
  containerPort(target: number | string | undefined, fallback: number): number | undefined {
    if (target === undefined || target === null || target === '') return fallback;
    if (typeof target === 'number' || /^\d+$/.test(String(target))) return Number(target);
    const p = this.containerPorts.find((x) => x.name === target);
    return p ? Number(p.containerPort) : undefined;
  }

  private num(envName: string, dflt: number): number {
    const v = Number(this.env[envName]);
    return Number.isInteger(v) && v > 0 ? v : dflt;
  }

  /** What the pod serves on a container port, or `undefined`. */
  private starter(port: number, protocol: 'tcp' | 'udp'): (() => Promise<Listening>) | undefined {
    switch (this.kind) {
      case 'http': {
        if (protocol !== 'tcp') return undefined;
        if (port === this.num('HTTP_PORT', 3000)) return () => startHttpEcho(this.http);
        if (port === this.num('H2C_PORT', 3001)) return () => startH2cEcho(this.http);
        const t = this.tlsConfig('TLS_SERVER_PRIVKEY');
        if (port === this.num('HTTPS_PORT', 8443) && t) return () => startHttpsEcho(this.http, t);
        return undefined;
      }
      case 'grpc': {
        if (protocol !== 'tcp') return undefined;
        if (port === this.num('HTTP_PORT', 3000)) return () => startGrpcEcho(this.ctx, this.log);
        const t = this.tlsConfig('TLS_SERVER_PRIV_KEY');
        if (port === this.num('HTTPS_PORT', 8443) && t) return () => startGrpcsEcho(this.ctx, this.log, t);
        return undefined;
      }
      case 'tcp': {
        if (protocol !== 'tcp') return undefined;
        if (port === this.num('TCP_PORT', 3000)) return () => startTcpEcho(this.ctx, this.log);
        const t = this.tlsConfig('TLS_SERVER_PRIV_KEY');
        if (port === this.num('TLS_PORT', 8443) && t) return () => startTlsTcpEcho(this.ctx, this.log, t);
        return undefined;
      }
      case 'udp':
        return protocol === 'udp' && port === this.num('UDP_PORT', 8080) ? () => startUdpEcho(this.ctx, this.log) : undefined;
      case 'dns':
        return protocol === 'udp' && port === 53 ? () => startDns(this.log) : undefined;
      default:
        return undefined;
    }
  }

  /** The loopback port serving container port `port`, started on first use. */
  async serve(port: number, protocol: 'tcp' | 'udp'): Promise<number | undefined> {
    const key = `${protocol}/${port}`;
    let p = this.servers.get(key);
    if (!p) {
      const start = this.starter(port, protocol);
      p = start ? start() : Promise.resolve(undefined);
      this.servers.set(key, p);
    }
    return (await p)?.port;
  }

  async close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}

/** Where one Service port goes. */
export interface ServicePortTarget {
  readonly key: string;
  readonly address: string;
  readonly pods: EchoPod[];
  readonly protocol: 'tcp' | 'udp';
}

export class EchoRig {
  private readonly pods = new Map<string, EchoPod>();
  private tcpHole?: Promise<Listening>;
  private udpHole?: Promise<Listening>;

  /** The pod of a Deployment (same identity → same pod across cases). */
  pod(deployment: J, objects: readonly J[]): EchoPod {
    const id = EchoPod.identity(deployment, objects);
    let p = this.pods.get(id);
    if (!p) {
      p = new EchoPod(deployment, objects);
      this.pods.set(id, p);
    }
    return p;
  }

  /** Pods behind a Service: selector over Deployments, else EndpointSlices naming Pods. */
  podsOf(service: J, objects: readonly J[]): { pods: EchoPod[]; slicePorts?: J[] } {
    const ns = service.metadata?.namespace ?? 'default';
    const deployments = objects.filter((o) => o.kind === 'Deployment' && (o.metadata?.namespace ?? 'default') === ns);
    const selector = service.spec?.selector as J | undefined;
    if (selector && Object.keys(selector).length) {
      const pods = deployments
        .filter((d) => labelsMatch(selector, d.spec?.template?.metadata?.labels))
        .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))
        .map((d) => this.pod(d, objects));
      return { pods };
    }
    const slices = objects.filter(
      (o) => o.kind === 'EndpointSlice' && (o.metadata?.namespace ?? 'default') === ns && o.metadata?.labels?.['kubernetes.io/service-name'] === service.metadata?.name,
    );
    const pods: EchoPod[] = [];
    let slicePorts: J[] | undefined;
    for (const s of slices) {
      for (const e of (s.endpoints ?? []) as J[]) {
        if (e.conditions?.ready === false) continue;
        const podName = e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined;
        const d = deployments.find((x) => podNameFor(ns, x.metadata?.name) === podName);
        if (d) {
          pods.push(this.pod(d, objects));
          slicePorts = (s.ports ?? []) as J[];
        }
      }
    }
    return { pods, slicePorts };
  }

  private async hole(protocol: 'tcp' | 'udp'): Promise<number> {
    if (protocol === 'udp') return (await (this.udpHole = this.udpHole ?? startUdpBlackhole())).port;
    return (await (this.tcpHole = this.tcpHole ?? startTcpBlackhole())).port;
  }

  /** Every port of every Service of the input, started. */
  async services(objects: readonly J[]): Promise<ServicePortTarget[]> {
    const out: ServicePortTarget[] = [];
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const ns = svc.metadata?.namespace ?? 'default';
      const { pods, slicePorts } = this.podsOf(svc, objects);
      for (const sp of (svc.spec?.ports ?? []) as J[]) {
        const protocol: 'tcp' | 'udp' = String(sp.protocol ?? 'TCP').toUpperCase() === 'UDP' ? 'udp' : 'tcp';
        const key = `${ns}/${svc.metadata?.name}:${sp.port}`;
        let port: number | undefined;
        const serving: EchoPod[] = [];
        for (const pod of pods) {
          let cp: number | undefined;
          if (slicePorts) {
            const e = slicePorts.find((x) => x.name === sp.name) ?? (slicePorts.length === 1 ? slicePorts[0] : undefined);
            cp = e?.port !== undefined ? Number(e.port) : undefined;
          } else cp = pod.containerPort(sp.targetPort, Number(sp.port));
          const p = cp === undefined ? undefined : await pod.serve(cp, protocol);
          if (p !== undefined) {
            port = port ?? p;
            serving.push(pod);
          }
        }
        out.push({ key, address: `127.0.0.1:${port ?? (await this.hole(protocol))}`, pods: serving, protocol });
      }
    }
    return out;
  }

  /** The `backends` map for the compiler: `<ns>/<svc>:<port>` → `127.0.0.1:<port>`. */
  async backends(objects: readonly J[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const t of await this.services(objects)) out[t.key] = t.address;
    return out;
  }

  /** Pods whose Deployment is `name` in `namespace` (for mirror log checks by backend name). */
  podsNamed(namespace: string, name: string, objects: readonly J[]): EchoPod[] {
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === namespace);
    if (svc) return this.podsOf(svc, objects).pods;
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === namespace);
    return d ? [this.pod(d, objects)] : [];
  }

  async close(): Promise<void> {
    const pods = [...this.pods.values()];
    this.pods.clear();
    await Promise.all(pods.map((p) => p.close()));
    for (const h of [this.tcpHole, this.udpHole]) if (h) await (await h.catch(() => undefined))?.close();
    this.tcpHole = undefined;
    this.udpHole = undefined;
  }
}
