/**
 * A memory cgroup of its own for processes a test or a benchmark starts, so their memory is read —
 * and limited — as a kubelet reads and limits a container's: a page is charged once however many
 * processes map it (nginx's worker shares most of its pages with the master; VmRSS counts them in
 * both), the peak is kept since the cgroup was made, and past the limit the kernel's OOM killer
 * ends a process of the cgroup, as it does in a container with `resources.limits.memory`.
 *
 * A child of this process's own cgroup: the cgroup v1 `memory` hierarchy, or cgroup v2 with the
 * memory controller. Needs root (or a delegated cgroup); {@link memoryCgroup} returns undefined
 * when neither can be made.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Memory of the cgroup, in bytes. */
export interface CgroupMemory {
  /** Charged now (anonymous memory, page cache and tmpfs pages of the cgroup). */
  readonly usage: number;
  /** usage minus inactive file pages: the kubelet's working set, what it compares with the limit. */
  readonly workingSet: number;
  /** Anonymous memory (process heaps). */
  readonly anon: number;
  /** Highest usage since the cgroup was made. */
  readonly peak: number;
  /** Processes the kernel's OOM killer ended in this cgroup. */
  readonly oomKills: number;
}

export interface MemoryCgroup {
  /** `cgroup v1` or `cgroup v2`. */
  readonly version: 'cgroup v1' | 'cgroup v2';
  /** The limit in bytes, when one was set. */
  readonly limit: number | undefined;
  /** Prefix for a command so it runs inside the cgroup: a shell that joins it, then execs the command (same PID). */
  readonly wrapper: string[];
  read(): CgroupMemory;
  /** Removes the cgroup (its processes must have exited). */
  remove(): void;
}

function ownPath(controller: string): string | undefined {
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, ctrls, p] = line.split(':');
    if (p !== undefined && ctrls.split(',').includes(controller)) return p;
  }
  return undefined;
}
const num = (file: string) => Number(fs.readFileSync(file, 'utf8').trim());
const keyed = (file: string): Record<string, number> =>
  Object.fromEntries(
    fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/)).filter((kv) => kv.length === 2).map(([k, v]) => [k, Number(v)]),
  );
const wrapperFor = (dir: string) => ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir];

let serial = 0;

/**
 * Makes a memory cgroup named `<name>-<pid>-<n>` under this process's own, with `limitBytes` as its
 * hard limit (no swap beyond it) when given. Undefined when no memory cgroup can be made here.
 */
export function memoryCgroup(name: string, limitBytes?: number): MemoryCgroup | undefined {
  const leaf = `${name}-${process.pid}-${serial++}`;
  const v1 = ownPath('memory');
  const v1Base = v1 !== undefined ? `/sys/fs/cgroup/memory${v1}` : undefined;
  if (v1Base && fs.existsSync(path.join(v1Base, 'memory.max_usage_in_bytes'))) {
    let dir: string | undefined;
    try {
      dir = path.join(v1Base, leaf);
      fs.mkdirSync(dir);
      if (limitBytes !== undefined) {
        fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
        // no swap past the limit, as a kubelet without swap
        if (fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'))) fs.writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
      }
      const d = dir;
      return {
        version: 'cgroup v1',
        limit: limitBytes,
        wrapper: wrapperFor(d),
        read: () => {
          const st = keyed(path.join(d, 'memory.stat'));
          const usage = num(path.join(d, 'memory.usage_in_bytes'));
          return {
            usage,
            workingSet: Math.max(0, usage - (st.total_inactive_file ?? 0)),
            anon: st.total_rss ?? 0,
            peak: num(path.join(d, 'memory.max_usage_in_bytes')),
            oomKills: keyed(path.join(d, 'memory.oom_control')).oom_kill ?? 0,
          };
        },
        remove: () => fs.rmdirSync(d),
      };
    } catch {
      if (dir && fs.existsSync(dir)) fs.rmdirSync(dir);
      return undefined;
    }
  }
  const v2 = ownPath('');
  const v2Base = v2 !== undefined ? `/sys/fs/cgroup${v2}` : undefined;
  if (v2Base && fs.existsSync(path.join(v2Base, 'cgroup.subtree_control')) && fs.readFileSync(path.join(v2Base, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory')) {
    let dir: string | undefined;
    try {
      dir = path.join(v2Base, leaf);
      fs.mkdirSync(dir);
      if (limitBytes !== undefined) {
        fs.writeFileSync(path.join(dir, 'memory.max'), String(limitBytes));
        if (fs.existsSync(path.join(dir, 'memory.swap.max'))) fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
      }
      const d = dir;
      return {
        version: 'cgroup v2',
        limit: limitBytes,
        wrapper: wrapperFor(d),
        read: () => {
          const st = keyed(path.join(d, 'memory.stat'));
          const usage = num(path.join(d, 'memory.current'));
          return {
            usage,
            workingSet: Math.max(0, usage - (st.inactive_file ?? 0)),
            anon: st.anon ?? 0,
            peak: fs.existsSync(path.join(d, 'memory.peak')) ? num(path.join(d, 'memory.peak')) : usage,
            oomKills: keyed(path.join(d, 'memory.events')).oom_kill ?? 0,
          };
        },
        remove: () => fs.rmdirSync(d),
      };
    } catch {
      if (dir && fs.existsSync(dir)) fs.rmdirSync(dir);
      return undefined;
    }
  }
  return undefined;
}
