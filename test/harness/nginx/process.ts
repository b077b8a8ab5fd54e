/**
 * nginx masters started by tests. Each master is spawned as the leader of its own process group
 * (`detached`), so stopping it — and the exit hook that runs when the test process exits — can
 * SIGKILL the whole group: a failing test never leaves orphaned workers behind. Every process is
 * tracked by its own handle and pid; nothing is killed by name.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { nginxBinary } from './binary';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Child pids of `pid` (nginx workers of a master), read from /proc. */
function childPids(pid: number): number[] {
  try {
    const direct = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (direct) return direct.split(/\s+/).map(Number);
  } catch {
    // no children file: scan
  }
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out; // no /proc: the process group kill has to do
  }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // process went away
    }
  }
  return out;
}

/** SIGKILL the process group led by `pid` (a master we spawned detached) and the master's children. */
export function killGroup(pid: number): void {
  const workers = childPids(pid);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // group gone already
  }
  for (const p of [pid, ...workers]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Pids of the processes whose process group is `pgid` (from /proc). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // after "(comm) ": state ppid pgrp …
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(d));
    } catch {
      // process went away
    }
  }
  return out;
}

/**
 * After the master exited and was reaped: SIGKILL what is left of its process group — workers keep
 * the group id — and nothing else. While a worker is left, the kernel does not give the number to
 * another process; once the group is empty it may, and a new group leader with that number (another
 * suite's nginx, started detached) would get the signal. So the group is killed only when it has
 * members and none of them leads it (our master is gone: a leader is someone else's).
 */
function killLeftovers(pid: number): void {
  const members = groupMembers(pid);
  if (!members.length || members.includes(pid)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // no process left in the group
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) if (c.pid) killGroup(c.pid);
  });
}

/** A spawned nginx master. */
export interface NginxProcess {
  readonly child: ChildProcess;
  /** stdout + stderr so far */
  output(): string;
  /** how it exited, once it did */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM (fast shutdown), SIGKILL of the whole group after `timeoutMs`; then the group is killed in any case. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL of the whole group, now (while the master runs). */
  kill(): void;
}

/** Spawns the nginx binary with `args` in `cwd` as a process-group leader, tracked until it exits. */
export function spawnNginx(args: readonly string[], cwd: string): NginxProcess {
  installExitHook();
  const child = spawn(nginxBinary(), [...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd, detached: true });
  running.add(child);
  let output = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    running.delete(child);
  });
  child.on('error', (e) => {
    output += String(e);
    exit = exit ?? { code: -1, signal: null };
    running.delete(child);
  });
  const pid = child.pid;
  const kill = (): void => {
    if (!pid) return;
    if (exit) killLeftovers(pid);
    else killGroup(pid);
  };
  return {
    child,
    output: () => output,
    exited: () => exit,
    kill,
    stop: async (timeoutMs = 5000) => {
      if (!exit && child.exitCode === null && child.signalCode === null) {
        const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        let signalled = true;
        try {
          child.kill('SIGTERM');
        } catch {
          signalled = false;
        }
        if (signalled) {
          const timer = setTimeout(kill, timeoutMs);
          await done;
          clearTimeout(timer);
        }
      }
      // workers the master left behind (it was killed, or exited abnormally)
      if (pid) killLeftovers(pid);
    },
  };
}

/** Stops every nginx this process started (SIGTERM, then the whole group by SIGKILL). For signal handlers. */
export async function stopAllNginx(timeoutMs = 3000): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null || !c.pid) return resolve();
          const pid = c.pid;
          const t = setTimeout(() => {
            killGroup(pid);
            resolve();
          }, timeoutMs);
          c.once('exit', () => {
            clearTimeout(t);
            killLeftovers(pid);
            resolve();
          });
          try {
            c.kill('SIGTERM');
          } catch {
            clearTimeout(t);
            resolve();
          }
        }),
    ),
  );
}
