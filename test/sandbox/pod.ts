/**
 * Runs the first container of a synthesized Deployment the way a kubelet + containerd/runc would,
 * without a cluster: bubblewrap on the sandbox root file system, in the pod's own network
 * namespace, with kubelet's volume semantics. See README.md beside this file.
 *
 * How the container process is made (host side, as root):
 *
 *   nsenter --net=<pod netns> --                       # the pod's network namespace (made by root)
 *     setpriv --reuid U --regid G --groups <fsGroup,…>  # uid/gid/groups of the securityContext, no caps
 *       --bounding-set -all --inh-caps -all --
 *     bwrap --unshare-user --uid U --gid G              # an unprivileged user namespace mapping only U/G to themselves
 *       --unshare-pid --as-pid-1 --unshare-ipc --unshare-uts --unshare-cgroup-try --hostname <pod>
 *       --cap-drop ALL --die-with-parent
 *       --ro-bind <overlay of the root file system> /   # (--bind when readOnlyRootFilesystem is false)
 *       --proc /proc --tmpfs /dev (+ device binds) --ro-bind /sys /sys
 *       --ro-bind/--bind <volume> <mountPath> …         # sorted by depth, as containerd does
 *       --chdir <workingDir> --clearenv --setenv … -- <command> <args>
 *
 * The command is PID 1 of its PID namespace, so (as in a container) it only receives the signals
 * it handles. `exec` / the preStop hook join the same user, mount, PID, IPC and UTS namespaces
 * (nsenter) with the same uid, gid and groups, like `runc exec`.
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { atomicWrite, Cluster, makePayload, ObjectKind, PayloadFile, setVolumeOwnership, VolumeSetupError } from './cluster';
import { CgroupMemory, memoryCgroup } from '../harness/cgroup';
import { DnsServer, startDns } from './dns';
import { mustFind, parseQuantity, run, sleep, unmountAll } from './host';
import { createPodNetwork, PodNetwork } from './net';

type Json = Record<string, any>;

/** The parts of an image's configuration a pod spec falls back on. */
export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  /** `USER` of the image (numeric or a name of the image's /etc/passwd). @default root */
  readonly user?: string;
  /** `STOPSIGNAL` of the image: what the runtime sends on termination. @default 'SIGTERM' */
  readonly stopSignal?: NodeJS.Signals;
}

const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The configuration of the official nginx image (docker-library/nginx): note its `STOPSIGNAL SIGQUIT`. */
export const NGINX_IMAGE_CONFIG: ImageConfig = {
  entrypoint: ['/docker-entrypoint.sh'],
  cmd: ['nginx', '-g', 'daemon off;'],
  env: { PATH: STANDARD_PATH },
  workingDir: '/',
  stopSignal: 'SIGQUIT',
};

/** The image configuration assumed for an image reference: the official nginx image's for `nginx:*`, else a bare one. */
export function imageConfigFor(image: string | undefined): ImageConfig {
  if (image && /^(docker\.io\/)?(library\/)?nginx(:[^/]*|@sha256:[0-9a-f]+)?$/.test(image)) return NGINX_IMAGE_CONFIG;
  return { env: { PATH: STANDARD_PATH }, workingDir: '/', stopSignal: 'SIGTERM' };
}

export interface StartPodOptions {
  /** The Deployment (or Pod, or anything with `spec.template.spec`), as synthesized JSON. */
  readonly deployment: Json;
  /** The cluster state: ConfigMaps and Secrets (e.g. all synthesized objects). Ignored when `cluster` is given. */
  readonly objects?: readonly Json[];
  /** The cluster state as a {@link Cluster} (to change Secrets while the pod runs). */
  readonly cluster?: Cluster;
  /** The root file system (see rootfs.ts). */
  readonly rootfs: string;
  /** Container to run. @default the first */
  readonly container?: string;
  /** A network made with `createPodNetwork()`; the pod then does not own (destroy) it. @default a new one */
  readonly network?: PodNetwork;
  /** A DNS stand-in already listening for the pod, or false for none. @default one on the host-side address */
  readonly dns?: DnsServer | false;
  /** A records of the default DNS stand-in; the value '@host' is the host-side address. kube-dns is always there. */
  readonly dnsRecords?: Readonly<Record<string, string | readonly string[]>>;
  /** @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** @default imageConfigFor(container.image) */
  readonly image?: ImageConfig;
  /** Delay before a Cluster change reaches the mounted volumes (a kubelet takes up to a minute or two). @default 0 */
  readonly volumeSyncDelayMs?: number;
  /** Inject the `KUBERNETES_SERVICE_*` variables kubelet adds to every container. @default true */
  readonly serviceEnv?: boolean;
  /** Output kept for `logs()` (the oldest is dropped past it). @default 64 MiB */
  readonly maxLogBytes?: number;
  /** How long to wait for the sandbox to start the command. @default 20000 */
  readonly startTimeoutMs?: number;
  /**
   * A container restart within the same pod: kubelet keeps the pod's emptyDir volumes across it.
   * The emptyDirs start with a copy of these host directories (e.g. `previous.volumePath('run')` of
   * the exited container), everything else is new. @default - empty emptyDirs
   */
  readonly emptyDirsFrom?: Readonly<Record<string, string>>;
}

/** How the container ended. Like the container status, a death by signal N reads as code 128+N. */
export interface ExitInfo {
  readonly code: number;
  /** The signal that killed it when code > 128 (as Kubernetes, the rig cannot tell that from `exit 128+N`). */
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds since the last signal the rig sent (undefined when none was sent). */
  readonly msSinceSignal?: number;
  /** Milliseconds since the container started. */
  readonly msSinceStart: number;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  readonly ms: number;
}

export interface PodProcess {
  readonly pid: number;
  readonly name: string;
  readonly cmdline: string;
  readonly uid: number[];
  readonly gid: number[];
  readonly groups: number[];
  readonly capEff: string;
  readonly capPrm: string;
  readonly capBnd: string;
  readonly noNewPrivs: string;
}

export interface TerminationReport {
  readonly preStop?: { readonly kind: 'exec' | 'httpGet' | 'sleep'; readonly ok: boolean; readonly ms: number; readonly code?: number; readonly output?: string; readonly error?: string };
  readonly stopSignal: NodeJS.Signals;
  /** When the stop signal was sent, in ms after terminate() began. */
  readonly signalAtMs: number;
  /** Whether SIGKILL was needed at the end of the grace period. */
  readonly killed: boolean;
  readonly exit: ExitInfo;
  readonly totalMs: number;
}

interface VolumeState {
  readonly name: string;
  readonly kind: 'configMap' | 'secret' | 'emptyDir' | 'projected';
  readonly hostPath: string;
  readonly source: Json;
  readonly objectName?: string;
  /** projected: its ConfigMap / Secret sources, in order */
  readonly sources?: readonly { readonly kind: ObjectKind; readonly name: string; readonly source: Json }[];
}

interface Mount {
  readonly source: string;
  readonly dest: string;
  readonly readOnly: boolean;
  readonly file: boolean;
}

/** A running (or ended) pod. */
export interface Pod {
  readonly name: string;
  readonly namespace: string;
  /** The pod IP (pod side of the veth). */
  readonly ip: string;
  /** Host-side address: where stand-in Services and the DNS listen. */
  readonly hostIp: string;
  readonly network: PodNetwork;
  /** The DNS stand-in (undefined with `dns: false`). */
  readonly dns: DnsServer | undefined;
  readonly cluster: Cluster;
  /** Host PID of the container's PID 1. */
  readonly pid: number;
  readonly podSpec: Json;
  readonly container: Json;
  /** uid, gid and supplementary groups the container runs with. */
  readonly user: { readonly uid: number; readonly gid: number; readonly groups: readonly number[] };
  /** The argv the container runs. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Kubelet-style events (volume updates and failures, hooks, kills). */
  readonly events: string[];
  readonly running: boolean;
  /** Resolves when the container ends. */
  readonly exited: Promise<ExitInfo>;
  /** Container output so far (stdout and stderr interleaved, or one of them). */
  logs(stream?: 'stdout' | 'stderr'): string;
  /** Host directory backing a volume (the atomic-writer directory for configMap/secret). */
  volumePath(name: string): string;
  /** Host path of a path inside the container's mount namespace (`/proc/<pid>/root/...`). */
  hostPath(containerPath: string): string;
  /** The processes of the pod's PID namespace, read from the host's /proc. */
  processes(): PodProcess[];
  /** Sends a signal to PID 1 (delivered only if it handles it, as in a container; SIGKILL always). */
  signal(sig: NodeJS.Signals): void;
  /** Runs a command in the container (like `kubectl exec` / runc exec). */
  exec(command: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** One probe like kubelet's (httpGet, tcpSocket, exec). */
  probe(spec: Json): Promise<ProbeResult>;
  /** Polls the startupProbe (if any), then the readinessProbe, on kubelet's schedule (or `periodMs`). */
  waitReady(options?: { timeoutMs?: number; periodMs?: number }): Promise<{ ms: number; probes: number }>;
  /** preStop hook, stop signal, SIGKILL after terminationGracePeriodSeconds: a pod deletion. */
  terminate(options?: { gracePeriodSeconds?: number }): Promise<TerminationReport>;
  /** SIGKILL to the container. */
  kill(): Promise<ExitInfo>;
  /**
   * The container's memory as the kubelet reads it, from the memory cgroup the container runs in
   * with its `resources.limits.memory` as the hard limit (the OOM killer acts past it); undefined
   * when the container has no memory limit or no cgroup could be made here (then nothing is enforced).
   */
  memory(): (CgroupMemory & { readonly limit: number }) | undefined;
  /** Kills the container if needed, unmounts and deletes everything, removes the network (when owned), stops the DNS (when owned). */
  destroy(): Promise<void>;
}

/** Synchronous tear-downs of the live pods, run when the process exits. */
const atExit = new Set<() => void>();
let exitHooked = false;

/** `p`, or undefined after `ms` (the timer is cleared either way). */
/** Waits until process `pid` no longer runs `binary` (it exec'd something else) or is gone. */
async function execOf(pid: number, binary: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let argv0: string;
    try {
      argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    } catch {
      return;
    }
    if (argv0 !== binary) return;
    if (Date.now() > deadline) throw new Error(`sandbox: the container (pid ${pid}) did not exec its command within ${timeoutMs} ms`);
    await sleep(5);
  }
}

async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

function rand(n: number, alphabet = 'bcdfghjklmnpqrstvwxz2456789'): string {
  const bytes = crypto.randomBytes(n);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** `$(VAR)` references of Kubernetes (`$$` escapes), against the variables defined so far. */
export function expandVars(s: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '$') {
      out += '$';
      i++;
    } else if (s[i] === '$' && s[i + 1] === '(') {
      const end = s.indexOf(')', i + 2);
      const name = end > 0 ? s.slice(i + 2, end) : '';
      if (end > 0 && /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name) && name in vars) {
        out += vars[name];
        i = end;
      } else out += s[i];
    } else out += s[i];
  }
  return out;
}

function lookupPasswd(rootfs: string, file: 'passwd' | 'group'): string[][] {
  try {
    return fs
      .readFileSync(path.join(rootfs, 'etc', file), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Resolves `p` inside `root` following symlinks as if `root` were `/` (like runc's securejoin). */
export function resolveInRoot(root: string, p: string): string {
  const parts = p.split('/').filter((x) => x && x !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`sandbox: too many symlinks resolving ${p}`);
      const target = fs.readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter((x) => x && x !== '.'));
      continue;
    }
    done.push(part);
  }
  return `/${done.join('/')}`;
}

function findVolumeObject(cluster: Cluster, kind: ObjectKind, ns: string, name: string) {
  return cluster.get(kind, ns, name);
}

/** Starts the pod: network, DNS, volumes, then the container. Throws when the pod would not start. */
export async function startPod(options: StartPodOptions): Promise<Pod> {
  const dep = options.deployment;
  const podSpec: Json = dep.kind === 'Pod' ? dep.spec : dep.spec?.template?.spec;
  if (!podSpec?.containers?.length) throw new Error('sandbox: the object has no pod template with containers');
  if (podSpec.initContainers?.length) throw new Error('sandbox: initContainers are not supported by the rig');
  const namespace: string = dep.metadata?.namespace ?? 'default';
  const container: Json = options.container ? podSpec.containers.find((c: Json) => c.name === options.container) : podSpec.containers[0];
  if (!container) throw new Error(`sandbox: no container ${options.container}`);
  const rootfs = path.resolve(options.rootfs);
  const cluster = options.cluster ?? new Cluster(options.objects ?? []);
  const image = options.image ?? imageConfigFor(container.image);
  const domain = options.clusterDomain ?? 'cluster.local';
  const baseName = dep.kind === 'Pod' ? dep.metadata.name : `${dep.metadata?.name ?? 'pod'}-${rand(10)}-${rand(5)}`;
  const podName: string = baseName.slice(0, 63);
  const events: string[] = [];
  const event = (s: string) => events.push(`${new Date().toISOString()} ${s}`);

  // ---- identity (securityContext, then the image) ----
  const psc: Json = podSpec.securityContext ?? {};
  const csc: Json = container.securityContext ?? {};
  if (csc.privileged) throw new Error('sandbox: privileged containers are not supported by the rig');
  if (csc.capabilities?.add?.length) throw new Error(`sandbox: capabilities.add (${csc.capabilities.add.join(', ')}) is not supported by the rig (it runs every container with no capabilities)`);
  const passwd = lookupPasswd(rootfs, 'passwd');
  const groupFile = lookupPasswd(rootfs, 'group');
  let uid: number | undefined = csc.runAsUser ?? psc.runAsUser;
  let imageUserName: string | undefined;
  if (uid === undefined) {
    const u = image.user ?? '0';
    const entry = /^\d+$/.test(u.split(':')[0]) ? undefined : passwd.find((e) => e[0] === u.split(':')[0]);
    uid = entry ? Number(entry[2]) : Number(u.split(':')[0]);
  }
  imageUserName = passwd.find((e) => Number(e[2]) === uid)?.[0];
  const runAsNonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
  if (runAsNonRoot && uid === 0) throw new Error('sandbox: CreateContainerConfigError: container has runAsNonRoot and image will run as root');
  const gid: number = csc.runAsGroup ?? psc.runAsGroup ?? Number(passwd.find((e) => Number(e[2]) === uid)?.[3] ?? 0);
  const fsGroup: number | undefined = psc.fsGroup;
  const groups = [
    ...new Set<number>([
      ...(fsGroup !== undefined ? [fsGroup] : []),
      ...((psc.supplementalGroups ?? []) as number[]),
      ...(imageUserName ? groupFile.filter((g) => (g[3] ?? '').split(',').includes(imageUserName!)).map((g) => Number(g[2])) : []),
    ]),
  ];
  const readOnlyRoot = csc.readOnlyRootFilesystem === true;
  const noNewPrivs = csc.allowPrivilegeEscalation !== true; // bwrap always sets it for the container itself

  // ---- network, sysctls, DNS ----
  const ownNetwork = !options.network;
  const network = options.network ?? createPodNetwork();
  const dir = path.join(network.dir, `pod-${podName}`);
  let dns: DnsServer | undefined;
  const cleanups: Array<() => void | Promise<void>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* best effort */
      }
    }
    cleanups.length = 0;
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
    cleanups.push(() => {
      unmountAll(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    if (ownNetwork) cleanups.push(() => network.destroy());
    for (const s of (psc.sysctls ?? []) as Json[]) network.sysctl(s.name, String(s.value));
    if (options.dns === false) dns = undefined;
    else if (options.dns) dns = options.dns;
    else {
      const records: Record<string, string | readonly string[]> = { [`kube-dns.kube-system.svc.${domain}`]: network.hostIp };
      for (const [n, v] of Object.entries(options.dnsRecords ?? {})) records[n] = v === '@host' ? network.hostIp : v;
      dns = await startDns({ address: network.hostIp, records });
      const d = dns;
      cleanups.push(() => d.stop());
    }

    // ---- root file system: an overlay, as containerd's snapshotter (the mount points land in the upper layer) ----
    const ov = path.join(dir, 'rootfs');
    for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(ov, d), { recursive: true });
    run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs},upperdir=${path.join(ov, 'upper')},workdir=${path.join(ov, 'work')}`, path.join(ov, 'merged')]);
    const merged = path.join(ov, 'merged');

    // ---- environment (needed for subPathExpr and $(VAR) in command/args) ----
    const env: Record<string, string> = { ...(image.env ?? { PATH: STANDARD_PATH }) };
    env.HOSTNAME = podName;
    const specVars: Record<string, string> = {};
    if (options.serviceEnv ?? true) {
      Object.assign(specVars, {
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
        KUBERNETES_SERVICE_PORT: '443',
        KUBERNETES_SERVICE_PORT_HTTPS: '443',
        KUBERNETES_PORT: 'tcp://10.96.0.1:443',
        KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
        KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
        KUBERNETES_PORT_443_TCP_PORT: '443',
        KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      });
    }
    const fieldValue = (fp: string): string => {
      const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fp);
      if (m) return String(dep.spec?.template?.metadata?.[m[1]]?.[m[2]] ?? '');
      const fields: Record<string, string> = {
        'metadata.name': podName,
        'metadata.namespace': namespace,
        'metadata.uid': crypto.randomUUID(),
        'status.podIP': network.podIp,
        'status.podIPs': network.podIp,
        'status.hostIP': network.hostIp,
        'status.hostIPs': network.hostIp,
        'spec.nodeName': 'sandbox-node',
        'spec.serviceAccountName': podSpec.serviceAccountName ?? 'default',
      };
      if (!(fp in fields)) throw new Error(`sandbox: fieldRef ${fp} is not supported`);
      return fields[fp];
    };
    const keyRef = (kind: ObjectKind, ref: Json): string | undefined => {
      const values = findVolumeObject(cluster, kind, namespace, ref.name);
      const v = values?.[ref.key];
      if (v === undefined) {
        if (ref.optional) return undefined;
        throw new Error(`sandbox: CreateContainerConfigError: ${kind === 'Secret' ? 'secret' : 'configmap'} "${ref.name}" ${values ? `has no key "${ref.key}"` : 'not found'}`);
      }
      return v.toString('utf8');
    };
    for (const from of (container.envFrom ?? []) as Json[]) {
      const kind: ObjectKind = from.secretRef ? 'Secret' : 'ConfigMap';
      const ref = from.secretRef ?? from.configMapRef;
      const values = findVolumeObject(cluster, kind, namespace, ref.name);
      if (!values) {
        if (ref.optional) continue;
        throw new Error(`sandbox: CreateContainerConfigError: ${kind} "${ref.name}" not found`);
      }
      for (const [k, v] of Object.entries(values)) specVars[`${from.prefix ?? ''}${k}`] = v.toString('utf8');
    }
    for (const e of (container.env ?? []) as Json[]) {
      let v: string | undefined;
      if (e.valueFrom?.fieldRef) v = fieldValue(e.valueFrom.fieldRef.fieldPath);
      else if (e.valueFrom?.secretKeyRef) v = keyRef('Secret', e.valueFrom.secretKeyRef);
      else if (e.valueFrom?.configMapKeyRef) v = keyRef('ConfigMap', e.valueFrom.configMapKeyRef);
      else if (e.valueFrom) throw new Error(`sandbox: env ${e.name}: ${Object.keys(e.valueFrom).join(', ')} is not supported`);
      else v = expandVars(String(e.value ?? ''), specVars);
      if (v !== undefined) specVars[e.name] = v;
    }
    Object.assign(env, specVars);

    // ---- volumes ----
    const volumes = new Map<string, VolumeState>();
    const volDir = path.join(dir, 'volumes');
    fs.mkdirSync(volDir);
    const memoryLimit = container.resources?.limits?.memory !== undefined ? parseQuantity(container.resources.limits.memory) : undefined;
    const writeProjectedVolume = (v: VolumeState, initial: boolean) => {
      // one atomic write of every source as the cluster holds it now: sources updated one after the
      // other (kubelet fetches each object on its own) give projections that mix their versions
      const payload: Record<string, PayloadFile> = {};
      for (const src of v.sources!) {
        const values = cluster.get(src.kind, namespace, src.name);
        const what = `${src.kind === 'Secret' ? 'secret' : 'configmap'} "${src.name}"`;
        if (!values && !src.source.optional) {
          const msg = `MountVolume.SetUp failed for volume "${v.name}" : ${what} not found`;
          if (initial) throw new VolumeSetupError(`sandbox: the pod would stay in ContainerCreating: ${msg}`);
          event(msg);
          return;
        }
        const files = makePayload({ ...src.source, defaultMode: src.source.defaultMode ?? v.source.defaultMode }, values, what);
        for (const [k, f] of Object.entries(files)) {
          if (k in payload) throw new VolumeSetupError(`sandbox: projected volume ${v.name}: conflicting path ${k}`);
          payload[k] = f;
        }
      }
      const wrote = atomicWrite(v.hostPath, payload, fsGroup !== undefined ? () => setVolumeOwnership(v.hostPath, { fsGroup, readOnly: true }) : undefined);
      if (wrote && !initial) event(`volume "${v.name}": projection updated`);
    };
    const writeObjectVolume = (v: VolumeState, initial: boolean) => {
      if (v.kind === 'projected') return writeProjectedVolume(v, initial);
      const kind: ObjectKind = v.kind === 'secret' ? 'Secret' : 'ConfigMap';
      const values = cluster.get(kind, namespace, v.objectName!);
      const what = `${v.kind === 'secret' ? 'secret' : 'configmap'} "${v.objectName}"`;
      if (!values && !v.source.optional) {
        const msg = `MountVolume.SetUp failed for volume "${v.name}" : ${what} not found`;
        if (initial) throw new VolumeSetupError(`sandbox: the pod would stay in ContainerCreating: ${msg}`);
        event(msg);
        return;
      }
      const payload = makePayload(v.source, values, what);
      const wrote = atomicWrite(v.hostPath, payload, fsGroup !== undefined ? () => setVolumeOwnership(v.hostPath, { fsGroup, readOnly: true }) : undefined);
      if (wrote && !initial) event(`volume "${v.name}": ${what} ${values ? 'updated' : 'gone (optional): emptied'}`);
    };
    for (const vol of (podSpec.volumes ?? []) as Json[]) {
      const hostPath = path.join(volDir, vol.name);
      fs.mkdirSync(hostPath);
      if (vol.configMap || vol.secret) {
        const kind = vol.secret ? 'secret' : 'configMap';
        const source = vol.secret ?? vol.configMap;
        if (kind === 'secret') {
          // secret volumes are memory-backed (kubelet wraps them in an emptyDir with medium Memory)
          run('mount', ['-t', 'tmpfs', '-o', 'mode=1777', 'tmpfs', hostPath]);
        } else fs.chmodSync(hostPath, 0o777);
        const v: VolumeState = { name: vol.name, kind, hostPath, source, objectName: vol.secret ? source.secretName : source.name };
        volumes.set(vol.name, v);
        writeObjectVolume(v, true);
        if (fsGroup !== undefined) setVolumeOwnership(hostPath, { fsGroup, readOnly: true });
      } else if (vol.projected) {
        const sources = ((vol.projected.sources ?? []) as Json[]).map((x) => {
          if (x.configMap) return { kind: 'ConfigMap' as ObjectKind, name: x.configMap.name as string, source: x.configMap };
          if (x.secret) return { kind: 'Secret' as ObjectKind, name: x.secret.name as string, source: x.secret };
          throw new Error(`sandbox: volume ${vol.name}: projected source ${Object.keys(x).join(', ')} is not supported by the rig (configMap, secret are)`);
        });
        // memory-backed, as kubelet's projected volumes
        run('mount', ['-t', 'tmpfs', '-o', 'mode=1777', 'tmpfs', hostPath]);
        const v: VolumeState = { name: vol.name, kind: 'projected', hostPath, source: vol.projected, sources };
        volumes.set(vol.name, v);
        writeObjectVolume(v, true);
        if (fsGroup !== undefined) setVolumeOwnership(hostPath, { fsGroup, readOnly: true });
      } else if (vol.emptyDir) {
        const ed: Json = vol.emptyDir;
        const limit = ed.sizeLimit !== undefined ? parseQuantity(ed.sizeLimit) : undefined;
        if (ed.medium === 'Memory') {
          const size = limit ?? memoryLimit;
          run('mount', ['-t', 'tmpfs', '-o', `mode=1777${size ? `,size=${Math.ceil(size)}` : ''}`, 'tmpfs', hostPath]);
        } else if (ed.medium === 'HugePages' || (ed.medium && ed.medium !== '')) {
          throw new Error(`sandbox: emptyDir medium ${ed.medium} is not supported`);
        } else if (limit !== undefined) {
          // a disk emptyDir's sizeLimit is enforced by eviction in a kubelet; here it is a hard limit
          run('mount', ['-t', 'tmpfs', '-o', `mode=0777,size=${Math.ceil(limit)}`, 'tmpfs', hostPath]);
        } else fs.chmodSync(hostPath, 0o777);
        const previous = options.emptyDirsFrom?.[vol.name];
        if (previous !== undefined) {
          // what the previous container left in the volume (kubelet keeps it across a restart)
          // cp -a: owners, modes and symlinks as the container left them
          run('cp', ['-a', `${previous}/.`, hostPath]);
          event(`volume "${vol.name}": kept from the previous container`);
        }
        if (fsGroup !== undefined) setVolumeOwnership(hostPath, { fsGroup, readOnly: false });
        volumes.set(vol.name, { name: vol.name, kind: 'emptyDir', hostPath, source: ed });
      } else {
        throw new Error(`sandbox: volume ${vol.name}: ${Object.keys(vol).filter((k) => k !== 'name').join(', ')} is not supported by the rig (configMap, secret, projected, emptyDir are)`);
      }
    }

    // ---- mounts ----
    const mounts: Mount[] = [];
    for (const m of (container.volumeMounts ?? []) as Json[]) {
      const v = volumes.get(m.name);
      if (!v) throw new Error(`sandbox: volumeMount ${m.mountPath}: no volume ${m.name}`);
      const readOnly = v.kind !== 'emptyDir' || m.readOnly === true; // configMap/secret volumes are always read-only
      const sub = m.subPathExpr !== undefined ? expandVars(m.subPathExpr, env) : m.subPath;
      let source = v.hostPath;
      let file = false;
      if (sub) {
        if (path.isAbsolute(sub) || sub.split('/').includes('..')) throw new Error(`sandbox: subPath ${sub} must be relative without '..'`);
        let target = path.join(v.hostPath, sub);
        if (!fs.existsSync(target)) fs.mkdirSync(target, { recursive: true, mode: 0o750 }); // kubelet creates a missing subPath
        // kubelet binds the resolved file itself: later updates of the volume do not reach it
        target = fs.realpathSync(target);
        const volReal = fs.realpathSync(v.hostPath);
        if (target !== volReal && !target.startsWith(`${volReal}/`)) throw new Error(`sandbox: subPath ${sub} leaves volume ${v.name}`);
        source = target;
        file = !fs.statSync(target).isDirectory();
      }
      mounts.push({ source, dest: m.mountPath, readOnly, file });
    }
    // files kubelet/containerd provide: hosts, hostname, resolv.conf (read-only with a read-only root), termination log
    const etc = path.join(dir, 'etc');
    fs.mkdirSync(etc);
    fs.writeFileSync(
      path.join(etc, 'hosts'),
      `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${network.podIp}\t${podName}\n`,
    );
    fs.writeFileSync(path.join(etc, 'hostname'), `${podName}\n`);
    const dnsPolicy = podSpec.dnsPolicy ?? 'ClusterFirst';
    if (dnsPolicy !== 'ClusterFirst' && dnsPolicy !== 'None') throw new Error(`sandbox: dnsPolicy ${dnsPolicy} is not supported (ClusterFirst, None are)`);
    const dnsConfig: Json = podSpec.dnsConfig ?? {};
    const nameservers = [...(dnsPolicy === 'ClusterFirst' ? [dns?.address ?? network.hostIp] : []), ...(dnsConfig.nameservers ?? [])];
    const searches = [...(dnsPolicy === 'ClusterFirst' ? [`${namespace}.svc.${domain}`, `svc.${domain}`, domain] : []), ...(dnsConfig.searches ?? [])];
    const dnsOptions = new Map<string, string | undefined>(dnsPolicy === 'ClusterFirst' ? [['ndots', '5']] : []);
    for (const o of (dnsConfig.options ?? []) as Json[]) dnsOptions.set(o.name, o.value);
    fs.writeFileSync(
      path.join(etc, 'resolv.conf'),
      [
        ...nameservers.map((n) => `nameserver ${n}`),
        ...(searches.length ? [`search ${searches.join(' ')}`] : []),
        ...(dnsOptions.size ? [`options ${[...dnsOptions].map(([k, v]) => (v === undefined ? k : `${k}:${v}`)).join(' ')}`] : []),
        '',
      ].join('\n'),
    );
    for (const f of ['hosts', 'hostname', 'resolv.conf']) fs.chmodSync(path.join(etc, f), 0o644);
    const termLog = path.join(dir, 'termination-log');
    fs.writeFileSync(termLog, '');
    fs.chmodSync(termLog, 0o666);
    const hasMountAt = (p: string) => mounts.some((m) => path.resolve(m.dest) === p);
    for (const f of ['hosts', 'hostname', 'resolv.conf']) if (!hasMountAt(`/etc/${f}`)) mounts.push({ source: path.join(etc, f), dest: `/etc/${f}`, readOnly: readOnlyRoot, file: true });
    const termPath = container.terminationMessagePath ?? '/dev/termination-log';
    mounts.push({ source: termLog, dest: termPath, readOnly: false, file: true });

    // resolve each destination inside the root (symlinks such as /var/run -> /run) and create the
    // missing mount points in the overlay's upper layer, as runc does
    const resolved = mounts.map((m) => ({ ...m, dest: m.dest.startsWith('/dev/') ? path.resolve(m.dest) : resolveInRoot(merged, m.dest) }));
    for (const m of resolved) {
      if (m.dest.startsWith('/dev/')) continue; // on bwrap's /dev tmpfs
      const host = path.join(merged, m.dest);
      const st = fs.statSync(host, { throwIfNoEntry: false });
      if (st) {
        if (st.isDirectory() === m.file) throw new Error(`sandbox: cannot mount a ${m.file ? 'file' : 'directory'} on ${m.dest} (a ${st.isDirectory() ? 'directory' : 'file'} in the image)`);
        continue;
      }
      fs.mkdirSync(path.dirname(host), { recursive: true, mode: 0o755 });
      if (m.file) fs.writeFileSync(host, '', { mode: 0o644 });
      else fs.mkdirSync(host, { mode: 0o755 });
    }
    // containerd mounts shallow paths first
    resolved.sort((a, b) => a.dest.split('/').length - b.dest.split('/').length);

    // ---- argv ----
    const cmd: string[] | undefined = container.command;
    const args: string[] | undefined = container.args;
    let argv: string[];
    if (cmd?.length) argv = [...cmd, ...(args ?? [])];
    else argv = [...(image.entrypoint ?? []), ...(args ?? image.cmd ?? [])];
    argv = argv.map((a) => expandVars(a, specVars));
    if (!argv.length) throw new Error('sandbox: the container has no command (and the image configuration none)');
    const workingDir: string = container.workingDir ?? image.workingDir ?? '/';
    // runc creates a missing working directory (in the writable layer, before a read-only remount)
    fs.mkdirSync(path.join(merged, resolveInRoot(merged, workingDir)), { recursive: true, mode: 0o755 });

    // ---- stdout/stderr: FIFOs owned by the container user (runc fchowns the stdio of a non-root container) ----
    const fifo = (n: string) => {
      const p = path.join(dir, n);
      run('mkfifo', ['-m', '600', p]);
      fs.chownSync(p, uid!, gid);
      const rfd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const wfd = fs.openSync(p, fs.constants.O_WRONLY);
      return { rfd, wfd };
    };
    const out = fifo('stdout');
    const err = fifo('stderr');
    const chunks: Array<{ stream: 'stdout' | 'stderr'; data: string }> = [];
    const maxLogBytes = options.maxLogBytes ?? 64 * 2 ** 20;
    let logBytes = 0;
    const readers: net.Socket[] = [];
    const ended: Array<Promise<void>> = [];
    for (const [stream, f] of [['stdout', out], ['stderr', err]] as const) {
      const s = new net.Socket({ fd: f.rfd, readable: true, writable: false });
      s.on('data', (d) => {
        chunks.push({ stream, data: String(d) });
        logBytes += d.length;
        // keep the newest output only (an access log under load grows without end)
        while (logBytes > maxLogBytes && chunks.length > 1) logBytes -= Buffer.byteLength(chunks.shift()!.data);
      });
      s.on('error', () => undefined);
      ended.push(new Promise((r) => s.once('close', () => r())));
      readers.push(s);
    }
    cleanups.push(() => readers.forEach((s) => s.destroy()));

    const bwrap: string[] = [
      '--unshare-user', '--uid', String(uid), '--gid', String(gid),
      '--unshare-pid', '--as-pid-1', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
      '--hostname', podName, '--die-with-parent', '--cap-drop', 'ALL',
      readOnlyRoot ? '--ro-bind' : '--bind', merged, '/',
      '--proc', '/proc',
      // /dev like a container's: a tmpfs with the standard devices (not bwrap's --dev, whose devpts
      // needs a nested user namespace that `exec` could not join)
      '--tmpfs', '/dev',
      ...['null', 'zero', 'full', 'random', 'urandom', 'tty'].flatMap((d) => ['--dev-bind', `/dev/${d}`, `/dev/${d}`]),
      '--symlink', '/proc/self/fd', '/dev/fd',
      '--symlink', '/proc/self/fd/0', '/dev/stdin',
      '--symlink', '/proc/self/fd/1', '/dev/stdout',
      '--symlink', '/proc/self/fd/2', '/dev/stderr',
      '--symlink', '/proc/kcore', '/dev/core',
      '--dir', '/dev/pts',
      '--perms', '1777', '--size', String(64 * 2 ** 20), '--tmpfs', '/dev/shm',
      '--mqueue', '/dev/mqueue',
      '--ro-bind', '/sys', '/sys',
      ...resolved.flatMap((m) => [m.readOnly ? '--ro-bind' : '--bind', m.source, m.dest]),
      '--chdir', workingDir,
      '--clearenv',
      ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
      '--info-fd', '3',
      '--',
      ...argv,
    ];
    const setpriv = (extra: string[]) => [
      mustFind('setpriv'),
      `--reuid=${uid}`, `--regid=${gid}`,
      ...(groups.length ? [`--groups=${groups.join(',')}`] : ['--clear-groups']),
      '--bounding-set=-all', '--inh-caps=-all',
      ...extra,
      '--',
    ];
    // resources.limits.memory: the container in a memory cgroup of its own with that hard limit, as
    // runc does (its exec'd processes join it too)
    const cgroup = memoryLimit !== undefined ? memoryCgroup(`sandbox-${podName}`, Math.ceil(memoryLimit)) : undefined;
    if (memoryLimit !== undefined && !cgroup) event(`resources.limits.memory ${container.resources.limits.memory} is not enforced here: no memory cgroup could be made`);
    if (cgroup) {
      cleanups.push(async () => {
        // the cgroup goes once its last process has
        for (let i = 0; i < 50; i++) {
          try {
            cgroup.remove();
            return;
          } catch {
            await sleep(100);
          }
        }
      });
    }
    const inCgroup = cgroup?.wrapper ?? [];
    const startedAt = Date.now();
    const monitorArgv = [...inCgroup, mustFind('nsenter'), `--net=${network.netnsPath}`, '--', ...setpriv([]), mustFind('bwrap'), ...bwrap];
    const child: ChildProcess = spawn(monitorArgv[0], monitorArgv.slice(1), {
      stdio: ['ignore', out.wfd, err.wfd, 'pipe'],
      env: {},
      detached: true,
    });
    fs.closeSync(out.wfd);
    fs.closeSync(err.wfd);
    let lastSignalAt: number | undefined;
    let running = true;
    let monitorExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.on('exit', (code, signal) => {
        monitorExit = { code, signal };
        running = false;
        const c = code ?? 128 + (signal ? (os.constants.signals[signal] as number) : 9);
        const sig = c > 128 ? ((Object.entries(os.constants.signals as unknown as Record<string, number>).find(([, n]) => n === c - 128)?.[0] ?? null) as NodeJS.Signals | null) : null;
        const oomKills = cgroup?.read().oomKills ?? 0;
        event(`container exited with code ${c}${oomKills ? ` (OOMKilled: ${oomKills} process(es) of the container ended by the OOM killer)` : ''}`);
        // give the log FIFOs a moment to drain
        void within(Promise.all(ended), 500).then(() =>
          resolve({ code: c, signal: sig, msSinceStart: Date.now() - startedAt, ...(lastSignalAt !== undefined ? { msSinceSignal: Date.now() - lastSignalAt } : {}) }),
        );
      });
    });
    cleanups.push(async () => {
      if (running) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        await within(exited, 5000);
      }
    });
    let info = '';
    const pid = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`sandbox: the container did not start within ${options.startTimeoutMs ?? 20000} ms`)), options.startTimeoutMs ?? 20000);
      child.stdio[3]!.on('data', (d) => {
        info += String(d);
        const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', () => {
        setTimeout(() => {
          clearTimeout(t);
          reject(new Error(`sandbox: the sandbox failed to start (exit ${monitorExit?.code ?? monitorExit?.signal}): ${chunks.map((c) => c.data).join('')}`));
        }, 300);
      });
    });
    // bwrap reports the child's pid as soon as it has forked it, before the child has built the
    // container's mounts and exec'd the command: an exec (nsenter) that early joins a half-built
    // mount namespace (seen under load: a write to the overlay failed). Wait for the command's exec,
    // as runc's start does; a command that is gone already ends the wait too.
    await execOf(pid, monitorArgv[monitorArgv.indexOf(mustFind('bwrap'))], options.startTimeoutMs ?? 20000);
    event(`Started container ${container.name} (host pid ${pid})`);

    // ---- volume updates ----
    let syncChain = Promise.resolve();
    const unwatch = cluster.watch((kind, ns, name) => {
      if (ns !== namespace) return;
      const affected = [...volumes.values()].filter((v) => (v.kind === (kind === 'Secret' ? 'secret' : 'configMap') && v.objectName === name) || (v.kind === 'projected' && v.sources!.some((x) => x.kind === kind && x.name === name)));
      if (!affected.length) return;
      syncChain = syncChain.then(async () => {
        if (options.volumeSyncDelayMs) await sleep(options.volumeSyncDelayMs);
        for (const v of affected) {
          try {
            writeObjectVolume(v, false);
          } catch (e) {
            event(`MountVolume.SetUp failed for volume "${v.name}" : ${(e as Error).message}`);
          }
        }
      });
      return syncChain;
    });
    cleanups.push(unwatch);

    const user = { uid: uid!, gid, groups };
    const hostPathOf = (p: string) => path.join(`/proc/${pid}/root`, p);

    const exec = (command: readonly string[], o: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> =>
      new Promise((resolve) => {
        const started = Date.now();
        const execArgv = [
          ...inCgroup,
          mustFind('nsenter'),
          `--net=${network.netnsPath}`, '--', ...setpriv(noNewPrivs ? ['--no-new-privs'] : []), mustFind('nsenter'), '-t', String(pid), '-U', '-m', '-p', '-i', '-u', '--preserve-credentials', '-r', '-w', '--', ...command,
        ];
        const p = spawn(execArgv[0], execArgv.slice(1), { env, stdio: [o.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        p.stdout!.on('data', (d) => (stdout += String(d)));
        p.stderr!.on('data', (d) => (stderr += String(d)));
        if (o.input !== undefined) p.stdin!.end(o.input);
        const t = setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-p.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, o.timeoutMs ?? 30000);
        p.on('close', (code, signal) => {
          clearTimeout(t);
          resolve({ code: code ?? 128 + (signal ? (os.constants.signals[signal] as number) : 0), stdout, stderr, timedOut, ms: Date.now() - started });
        });
      });

    const resolvePort = (port: number | string): number => {
      if (typeof port === 'number') return port;
      if (/^\d+$/.test(port)) return Number(port);
      const p = (container.ports ?? []).find((x: Json) => x.name === port);
      if (!p) throw new Error(`sandbox: no container port named ${port}`);
      return p.containerPort;
    };

    const probe = async (spec: Json): Promise<ProbeResult> => {
      const started = Date.now();
      const timeoutMs = (spec.timeoutSeconds ?? 1) * 1000;
      if (spec.httpGet) {
        const g = spec.httpGet;
        const port = resolvePort(g.port);
        const host = g.host ?? network.podIp;
        const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.33', Accept: '*/*' };
        for (const h of (g.httpHeaders ?? []) as Json[]) headers[h.name] = h.value;
        const scheme = String(g.scheme ?? 'HTTP').toUpperCase();
        return new Promise((resolve) => {
          const mod = scheme === 'HTTPS' ? https : http;
          const req = mod.request(
            { host, port, path: g.path ?? '/', method: 'GET', headers, agent: false, ...(scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) },
            (res) => {
              let body = '';
              res.on('data', (d) => {
                if (body.length < 10240) body += String(d);
              });
              res.on('end', () => {
                const status = res.statusCode ?? 0;
                resolve({ ok: status >= 200 && status < 400, status, body, ms: Date.now() - started });
              });
              res.on('error', (e) => resolve({ ok: false, error: e.message, ms: Date.now() - started }));
            },
          );
          req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
          req.on('error', (e) => resolve({ ok: false, error: e.message, ms: Date.now() - started }));
          req.end();
        });
      }
      if (spec.tcpSocket) {
        const port = resolvePort(spec.tcpSocket.port);
        return new Promise((resolve) => {
          const s = net.connect({ host: spec.tcpSocket.host ?? network.podIp, port });
          const t = setTimeout(() => {
            s.destroy();
            resolve({ ok: false, error: `timeout after ${timeoutMs} ms`, ms: Date.now() - started });
          }, timeoutMs);
          s.once('connect', () => {
            clearTimeout(t);
            s.destroy();
            resolve({ ok: true, ms: Date.now() - started });
          });
          s.once('error', (e) => {
            clearTimeout(t);
            resolve({ ok: false, error: e.message, ms: Date.now() - started });
          });
        });
      }
      if (spec.exec) {
        const r = await exec(spec.exec.command, { timeoutMs });
        return { ok: r.code === 0 && !r.timedOut, status: r.code, body: r.stdout + r.stderr, ms: Date.now() - started, ...(r.timedOut ? { error: 'timeout' } : {}) };
      }
      throw new Error(`sandbox: probe ${Object.keys(spec).join(', ')} is not supported (httpGet, tcpSocket, exec are)`);
    };

    const processes = (): PodProcess[] => {
      let nsId: string;
      try {
        nsId = fs.readlinkSync(`/proc/${pid}/ns/pid`);
      } catch {
        return [];
      }
      const out2: PodProcess[] = [];
      for (const e of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(e)) continue;
        try {
          if (fs.readlinkSync(`/proc/${e}/ns/pid`) !== nsId) continue;
          const status = fs.readFileSync(`/proc/${e}/status`, 'utf8');
          const field = (n: string) => new RegExp(`^${n}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
          const nums = (n: string) => field(n).split(/\s+/).filter(Boolean).map(Number);
          out2.push({
            pid: Number(e),
            name: field('Name'),
            cmdline: fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '),
            uid: nums('Uid'),
            gid: nums('Gid'),
            groups: nums('Groups'),
            capEff: field('CapEff'),
            capPrm: field('CapPrm'),
            capBnd: field('CapBnd'),
            noNewPrivs: field('NoNewPrivs'),
          });
        } catch {
          /* exited meanwhile */
        }
      }
      return out2;
    };

    const signal = (sig: NodeJS.Signals) => {
      if (!running) return;
      lastSignalAt = Date.now();
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    };

    const kill = async (): Promise<ExitInfo> => {
      signal('SIGKILL');
      return exited;
    };

    const stopSignal: NodeJS.Signals = (container.lifecycle?.stopSignal as NodeJS.Signals | undefined) ?? image.stopSignal ?? 'SIGTERM';

    let destroyed = false;
    const pod: Pod = {
      name: podName,
      namespace,
      ip: network.podIp,
      hostIp: network.hostIp,
      network,
      dns,
      cluster,
      pid,
      podSpec,
      container,
      user,
      argv,
      env,
      events,
      get running() {
        return running;
      },
      exited,
      logs: (stream) => chunks.filter((c) => !stream || c.stream === stream).map((c) => c.data).join(''),
      volumePath: (name) => {
        const v = volumes.get(name);
        if (!v) throw new Error(`sandbox: no volume ${name}`);
        return v.hostPath;
      },
      hostPath: hostPathOf,
      processes,
      signal,
      exec,
      probe,
      waitReady: async (o = {}) => {
        const started = Date.now();
        const deadline = started + (o.timeoutMs ?? 60000);
        let probes = 0;
        const poll = async (spec: Json, what: string, successThreshold: number) => {
          const period = o.periodMs ?? (spec.periodSeconds ?? 10) * 1000;
          const initial = (spec.initialDelaySeconds ?? 0) * 1000;
          if (initial) await sleep(Math.max(0, started + initial - Date.now()));
          let ok = 0;
          let failures = 0;
          let last: ProbeResult | undefined;
          for (;;) {
            if (!running) throw new Error(`sandbox: the container exited while waiting for its ${what}: ${(await exited).code}\n${pod.logs()}`);
            last = await probe(spec);
            probes++;
            if (last.ok) {
              if (++ok >= successThreshold) return;
            } else {
              ok = 0;
              failures++;
              if (what === 'startupProbe' && failures >= (spec.failureThreshold ?? 3)) {
                throw new Error(`sandbox: startupProbe failed ${failures} times (a kubelet would restart the container): ${last.error ?? last.status}\n${pod.logs()}`);
              }
            }
            if (Date.now() + period > deadline) throw new Error(`sandbox: ${what} did not pass within ${o.timeoutMs ?? 60000} ms (last: ${last.error ?? `HTTP ${last.status}`})\n${pod.logs()}`);
            await sleep(period);
          }
        };
        if (container.startupProbe) await poll(container.startupProbe, 'startupProbe', 1);
        if (container.readinessProbe) await poll(container.readinessProbe, 'readinessProbe', container.readinessProbe.successThreshold ?? 1);
        return { ms: Date.now() - started, probes };
      },
      terminate: async (o = {}) => {
        const t0 = Date.now();
        const grace = (o.gracePeriodSeconds ?? podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
        let preStop: TerminationReport['preStop'];
        const hook: Json | undefined = container.lifecycle?.preStop;
        event(`Killing: stopping container ${container.name} (grace ${grace / 1000}s)`);
        if (hook && running) {
          const hs = Date.now();
          if (hook.exec) {
            const r = await exec(hook.exec.command, { timeoutMs: grace });
            preStop = { kind: 'exec', ok: r.code === 0, ms: Date.now() - hs, code: r.code, output: r.stdout + r.stderr };
          } else if (hook.httpGet) {
            const r = await probe({ httpGet: hook.httpGet, timeoutSeconds: grace / 1000 });
            preStop = { kind: 'httpGet', ok: r.ok, ms: Date.now() - hs, ...(r.status ? { code: r.status } : {}), ...(r.error ? { error: r.error } : {}) };
          } else if (hook.sleep) {
            await within(exited, Math.min(hook.sleep.seconds * 1000, grace));
            preStop = { kind: 'sleep', ok: true, ms: Date.now() - hs };
          }
          if (preStop && !preStop.ok) event(`FailedPreStopHook: ${preStop.error ?? preStop.output ?? preStop.code}`);
        }
        const signalAtMs = Date.now() - t0;
        signal(stopSignal);
        // kubelet gives at least 2 more seconds when the hook used up the grace period
        const remaining = Math.max(grace - signalAtMs, 2000);
        let killed = false;
        let handle: NodeJS.Timeout | undefined;
        const timer = new Promise<'timeout'>((r) => (handle = setTimeout(() => r('timeout'), remaining)));
        const first = await Promise.race([exited, timer]);
        clearTimeout(handle);
        if (first === 'timeout' && running) {
          killed = true;
          event('grace period over: SIGKILL');
          lastSignalAt = lastSignalAt ?? Date.now();
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        const exit = await exited;
        return { ...(preStop ? { preStop } : {}), stopSignal, signalAtMs, killed, exit, totalMs: Date.now() - t0 };
      },
      kill,
      memory: () => (cgroup && cgroup.limit !== undefined ? { ...cgroup.read(), limit: cgroup.limit } : undefined),
      destroy: async () => {
        if (destroyed) return;
        destroyed = true;
        await cleanup();
      },
    };
    // an exiting jest worker tears everything down (synchronously: no awaiting at exit)
    const onExit = () => {
      // (only while the container's monitor is not reaped: after that its number may be another's)
      if (running) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      try {
        unmountAll(dir);
      } catch {
        /* best effort */
      }
    };
    atExit.add(onExit);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => atExit.forEach((f) => f()));
    }
    cleanups.unshift(() => void atExit.delete(onExit));
    return pod;
  } catch (e) {
    await cleanup();
    throw e;
  }
}
