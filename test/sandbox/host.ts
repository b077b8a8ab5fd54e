/**
 * Host helpers of the sandbox rig: finding host tools, running them, process identity (for
 * stale-lock / stale-slot detection), quantities.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The repository root (test/sandbox/../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where the rig keeps its per-checkout state (git-ignored). */
export function sandboxStateDir(): string {
  return process.env.SANDBOX_DIR ? path.resolve(process.env.SANDBOX_DIR) : path.join(REPO_ROOT, '.tmp', 'sandbox');
}

const found = new Map<string, string | undefined>();

/** A host command on PATH (then the usual sbin directories), or undefined. */
export function findCommand(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  let hit: string | undefined;
  for (const d of dirs) {
    const c = path.join(d, name);
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) {
        hit = c;
        break;
      }
    } catch {
      /* next */
    }
  }
  found.set(name, hit);
  return hit;
}

export function mustFind(name: string): string {
  const c = findCommand(name);
  if (!c) throw new Error(`sandbox: the host command ${name} is not installed`);
  return c;
}

/** Runs a host command synchronously; throws with its output on failure. */
export function run(cmd: string, args: readonly string[], options: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(mustFind(cmd), args, { encoding: 'utf8', input: options.input, timeout: options.timeoutMs ?? 60000 });
  const code = r.status ?? -1;
  if (code !== 0 && !options.allowFail) {
    throw new Error(`sandbox: ${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${code}`}): ${r.stderr ?? ''}${r.stdout ?? ''}`.trim());
  }
  return { code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Start time (clock ticks since boot) of a process, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** `<pid> <start time>` of this process: an identity that survives pid reuse. */
export function selfIdentity(): string {
  return `${process.pid} ${processStartTime(process.pid)}`;
}

/** Whether the process named by an identity written by {@link selfIdentity} still runs. */
export function identityAlive(identity: string): boolean {
  const [pid, start] = identity.trim().split(/\s+/);
  if (!/^\d+$/.test(pid ?? '')) return false;
  const now = processStartTime(Number(pid));
  return now !== undefined && now === start;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Kubernetes quantity (`64Mi`, `1G`, `500m`, `1e3`) in its base unit (bytes / cores). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) throw new Error(`sandbox: not a Kubernetes quantity: ${q}`);
  const factor: Record<string, number> = {
    '': 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(m[1]) * factor[m[2] ?? ''];
}

/** Mount points at or below `dir` (host mount namespace), deepest first. */
export function mountsUnder(dir: string): string[] {
  const root = path.resolve(dir);
  const out: string[] = [];
  let info = '';
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === root || mp.startsWith(`${root}/`)) out.push(mp);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir` (lazily when busy). */
export function unmountAll(dir: string): void {
  for (let round = 0; round < 5; round++) {
    const mps = mountsUnder(dir);
    if (!mps.length) return;
    for (const mp of mps) {
      const r = spawnSync(mustFind('umount'), [mp], { encoding: 'utf8' });
      if (r.status !== 0) spawnSync(mustFind('umount'), ['-l', mp], { encoding: 'utf8' });
    }
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`sandbox: could not unmount ${left.join(', ')}`);
}

/** `rm -rf` that refuses to cross into anything still mounted below `dir`. */
export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  unmountAll(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Whether this process runs as root. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** `execFileSync` without throwing: true when the command exits 0. */
export function succeeds(cmd: string, args: readonly string[]): boolean {
  const c = findCommand(cmd);
  if (!c) return false;
  try {
    execFileSync(c, args, { stdio: 'ignore', timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}
