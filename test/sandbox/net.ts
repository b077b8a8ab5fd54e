/**
 * Pod networks: one network namespace per pod (`ip netns add`) joined to the host by a veth pair
 * (host side `10.213.<slot>.1/30`, pod side `eth0` with `10.213.<slot>.2/30` and a default route
 * via the host side). Slots are claimed machine-wide (network namespace names are machine-wide)
 * with directories under `<tmpdir>/cdk8s-sandbox/`, each holding its owner's pid and start time,
 * so parallel jest workers (and checkouts) never collide; a slot whose owner is gone (a crashed
 * run) is torn down (its processes, mounts, network namespace and veth) before it is reused.
 * Everything a live network holds is torn down at process exit too.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findCommand, identityAlive, run, selfIdentity, unmountAll } from './host';

export interface PodNetwork {
  readonly slot: number;
  /** `ip netns` name. */
  readonly netns: string;
  /** Its bind-mount path (for `nsenter --net=`). */
  readonly netnsPath: string;
  /** Host-side veth. */
  readonly hostIf: string;
  readonly podIf: string;
  /** Host-side address: the pod's gateway, where stand-in Services and the DNS listen. */
  readonly hostIp: string;
  readonly podIp: string;
  /** The slot's private state directory (pod files, volumes, overlay). */
  readonly dir: string;
  /** Applies a namespaced `net.*` sysctl inside the pod's network namespace. */
  sysctl(name: string, value: string): void;
  readSysctl(name: string): string;
  /** Tears down the namespace, the veth and the state directory; releases the slot. Idempotent. */
  destroy(): void;
}

const SLOTS = 256;
const SUBNET = '10.213';

/** Machine-wide directory of slot claims. */
export function slotsDir(): string {
  return path.join(os.tmpdir(), 'cdk8s-sandbox');
}

function names(slot: number) {
  return { netns: `cdk8s-sbx-${slot}`, hostIf: `cdk8ssbx${slot}`, dir: path.join(slotsDir(), `slot-${slot}`) };
}

function netnsPath(netns: string): string {
  return path.join('/run/netns', netns);
}

const live = new Set<PodNetwork>();
let exitHook = false;

function withAllocLock<T>(fn: () => T): T {
  const lock = path.join(slotsDir(), 'alloc.lock');
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = '';
      try {
        owner = fs.readFileSync(path.join(lock, 'owner'), 'utf8');
      } catch {
        /* being written */
      }
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if ((owner && !identityAlive(owner)) || (!owner && age > 10000)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`sandbox: slot allocation lock ${lock} held by ${owner}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    fs.writeFileSync(path.join(lock, 'owner'), selfIdentity());
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function netnsExists(netns: string): boolean {
  return fs.existsSync(netnsPath(netns));
}

function linkExists(dev: string): boolean {
  return fs.existsSync(path.join('/sys/class/net', dev));
}

/** Removes whatever a slot holds: processes in its namespace, mounts, state, the namespace, the veth. */
export function teardownSlot(slot: number): void {
  const n = names(slot);
  if (netnsExists(n.netns)) {
    // processes still in the namespace can only be the rig's own (a crashed run's pods)
    const pids = run('ip', ['netns', 'pids', n.netns], { allowFail: true }).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  if (fs.existsSync(n.dir)) {
    unmountAll(n.dir);
    fs.rmSync(n.dir, { recursive: true, force: true });
  }
  if (netnsExists(n.netns)) run('ip', ['netns', 'delete', n.netns], { allowFail: true });
  if (linkExists(n.hostIf)) run('ip', ['link', 'delete', n.hostIf], { allowFail: true });
}

function claimSlot(): { slot: number; token: string } {
  fs.mkdirSync(slotsDir(), { recursive: true });
  return withAllocLock(() => {
    for (let slot = 0; slot < SLOTS; slot++) {
      const n = names(slot);
      const ownerFile = path.join(n.dir, 'owner');
      if (fs.existsSync(n.dir)) {
        let owner = '';
        try {
          owner = fs.readFileSync(ownerFile, 'utf8');
        } catch {
          /* none */
        }
        if (owner && identityAlive(owner)) continue;
        teardownSlot(slot);
      } else if (netnsExists(n.netns) || linkExists(n.hostIf)) {
        teardownSlot(slot);
      }
      fs.mkdirSync(n.dir, { recursive: true });
      // the identity of this process, and a token of this claim (a later destroy() only tears down its own claim)
      const token = `${selfIdentity()} ${Math.random().toString(36).slice(2)}`;
      fs.writeFileSync(ownerFile, token);
      return { slot, token };
    }
    throw new Error(`sandbox: all ${SLOTS} pod network slots are in use`);
  });
}

function sysctlPath(name: string): string {
  // both `net.ipv4.ip_unprivileged_port_start` and `net/ipv4/...` forms, as Kubernetes accepts
  const parts = name.includes('/') ? name.split('/') : name.split('.');
  if (parts[0] !== 'net' || parts.some((p) => !p || p === '..')) throw new Error(`sandbox: only namespaced net.* sysctls are supported, not ${name}`);
  return `/proc/sys/${parts.join('/')}`;
}

/** Creates a pod network in a fresh slot. */
export function createPodNetwork(): PodNetwork {
  for (const c of ['ip', 'nsenter']) if (!findCommand(c)) throw new Error(`sandbox: ${c} is not installed`);
  const { slot, token } = claimSlot();
  const n = names(slot);
  const hostIp = `${SUBNET}.${slot}.1`;
  const podIp = `${SUBNET}.${slot}.2`;
  let destroyed = false;
  const network: PodNetwork = {
    slot,
    netns: n.netns,
    netnsPath: netnsPath(n.netns),
    hostIf: n.hostIf,
    podIf: 'eth0',
    hostIp,
    podIp,
    dir: n.dir,
    sysctl: (name, value) => {
      const p = sysctlPath(name);
      run('nsenter', [`--net=${netnsPath(n.netns)}`, '--', 'sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', value, p]);
    },
    readSysctl: (name) => run('nsenter', [`--net=${netnsPath(n.netns)}`, '--', 'cat', sysctlPath(name)]).stdout.trim(),
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      live.delete(network);
      let owner = '';
      try {
        owner = fs.readFileSync(path.join(n.dir, 'owner'), 'utf8');
      } catch {
        /* gone */
      }
      // a slot found stale and claimed again by another run is that run's now
      if (owner === token || !owner) teardownSlot(slot);
    },
  };
  live.add(network);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const l of [...live]) {
        try {
          l.destroy();
        } catch {
          /* best effort at exit */
        }
      }
    });
  }
  try {
    run('ip', ['netns', 'add', n.netns]);
    run('ip', ['link', 'add', n.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns]);
    run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', n.hostIf]);
    run('ip', ['link', 'set', n.hostIf, 'up']);
    run('ip', ['-n', n.netns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', n.netns, 'addr', 'add', `${podIp}/30`, 'dev', 'eth0']);
    run('ip', ['-n', n.netns, 'link', 'set', 'eth0', 'up']);
    run('ip', ['-n', n.netns, 'route', 'add', 'default', 'via', hostIp]);
  } catch (e) {
    network.destroy();
    throw e;
  }
  return network;
}
