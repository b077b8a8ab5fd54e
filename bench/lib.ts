/**
 * Helpers of the nginx benchmarks (bench/nginx-scale.ts, bench/throughput.ts): find binaries, free
 * loopback ports, nginx prefixes, `nginx -t`, running nginx with its master pid, RSS / PSS from /proc,
 * plain HTTP requests. Small copies of test/render/nginx-harness.ts ideas, kept here so the
 * benchmarks do not depend on the test harness.
 *
 * Every process started here is tracked by its pid and stopped by it (never by name); the workers of
 * an nginx master are found through /proc (their parent pid) and killed by pid only if the master
 * could not stop them.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** First executable `name` on PATH or in `extra` directories. */
export function findBinary(name: string, extra: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extra];
  for (const d of dirs) {
    const c = path.join(d, name);
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export const findNginx = (): string | undefined => findBinary('nginx', ['/usr/sbin']);
export const findWrk = (): string | undefined => findBinary('wrk');

/** Prints why the benchmark cannot run and exits 0 (a skip, not a failure). */
export function skip(reason: string): never {
  // eslint-disable-next-line no-console
  console.log(`SKIPPED: ${reason}`);
  process.exit(0);
}

export function nginxVersion(nginx: string): string {
  const r = spawnSync(nginx, ['-v'], { encoding: 'utf8' });
  return `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().replace(/^nginx version:\s*/, '');
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Writes files into a fresh temp directory (an nginx prefix). */
export function writePrefix(files: Readonly<Record<string, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-bench-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** `nginx -t` on `files`; wall time in ms. */
export function nginxTest(nginx: string, files: Readonly<Record<string, string>>): { ok: boolean; ms: number; output: string } {
  const dir = writePrefix(files);
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(nginx, ['-t', '-q', '-p', dir, '-c', 'nginx.conf', '-e', 'error.log'], { encoding: 'utf8', timeout: 120000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ok: r.status === 0, ms, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    removeDir(dir);
  }
}

function isFree(port: number): Promise<boolean> {
  if (port > 65535) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** An offset ≥ 20000 such that every `port + offset` is free on 127.0.0.1 (the render option `portOffset`). */
export async function freeOffset(ports: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(ports.map((p) => isFree(p + offset)));
    if (ok.every(Boolean)) return offset;
  }
  throw new Error('no free port offset');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Parent pid and command name of a process, from /proc/<pid>/stat. */
function stat(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const ppid = Number(s.slice(close + 2).split(' ')[1]);
    return { ppid, comm };
  } catch {
    return undefined;
  }
}

/** Pids whose parent is `pid` (scan of /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    if (stat(Number(e))?.ppid === pid) out.push(Number(e));
  }
  return out.sort((a, b) => a - b);
}

/** A `kB` field of /proc/<pid>/status (VmRSS, RssAnon, …) in KiB. */
export function statusKb(pid: number, field: string): number {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Proportional set size (shared pages split between the processes sharing them) in KiB; undefined when unreadable. */
export function pssKb(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(s);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

// a memory cgroup for the processes a benchmark starts (shared with the pod sandbox)
export { memoryCgroup, MemoryCgroup } from '../test/harness/cgroup';

/** A running nginx (master started here, in the foreground). */
export interface RunningNginx {
  /** The process started (nginx's master, or the wrapper nginx runs under). */
  readonly pid: number;
  readonly dir: string;
  /**
   * nginx's master: `pid`, or under a wrapper that runs nginx as a child (such as
   * scripts/nginx-in-rootfs.sh, whose bwrap stays the parent) the pid nginx wrote to `nginx.pid`
   * in its prefix (the configurations here write it there; the wrapper shares this PID namespace).
   */
  master(): number;
  /** Worker pids (children of the master). */
  workers(): number[];
  errorLog(): string;
  stop(): Promise<void>;
}

const running = new Set<RunningNginx>();

/** Stops every nginx started by {@link startNginx} that is still running (on exit / Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** Options of {@link startNginx}. */
export interface StartOptions {
  /** A command nginx runs under (e.g. `['valgrind', '--tool=callgrind', …]`); its process is the one tracked. */
  readonly wrapper?: readonly string[];
  /** Extra global directives for `-g` (after `daemon off;`), e.g. `master_process off;`. */
  readonly globals?: string;
  /** @default 60000 */
  readonly startTimeoutMs?: number;
}

/** Starts `nginx -p <prefix> -c nginx.conf -g 'daemon off;'` and waits until `waitPort` accepts connections. */
export async function startNginx(nginx: string, files: Readonly<Record<string, string>>, waitPort: number, opts: StartOptions = {}): Promise<RunningNginx> {
  installHandlers();
  const dir = writePrefix(files);
  const argv = [nginx, '-p', dir, '-c', 'nginx.conf', '-e', 'error.log', '-g', `daemon off;${opts.globals ? ` ${opts.globals}` : ''}`];
  const cmd = [...(opts.wrapper ?? []), ...argv];
  const child: ChildProcess = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => {
    exited = true;
    r();
  }));
  const pid = child.pid!;
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const master = (): number => {
    if (stat(pid)?.comm === 'nginx') return pid;
    try {
      const m = Number(fs.readFileSync(path.join(dir, 'nginx.pid'), 'utf8').trim());
      if (m > 0 && stat(m)?.comm === 'nginx') return m;
    } catch {
      /* not written yet */
    }
    return pid;
  };
  const workers = () => (exited ? [] : childrenOf(master()).filter((p) => stat(p)?.comm === 'nginx'));
  // (under a wrapper such as valgrind the command name differs: use `master_process off` there)
  let stopping: Promise<void> | undefined;
  const handle: RunningNginx = {
    pid,
    dir,
    master,
    workers,
    errorLog,
    stop: () => {
      stopping ??= (async () => {
        const known = workers();
        const m = master();
        if (!exited) {
          // a wrapper that stays nginx's parent may not pass the signal on: the master gets it itself
          if (m !== pid) {
            try {
              process.kill(m, 'SIGTERM');
            } catch {
              /* gone */
            }
          }
          child.kill('SIGTERM');
          const t = setTimeout(() => {
            if (!exited) child.kill('SIGKILL');
          }, opts.wrapper ? 30000 : 5000);
          await exit;
          clearTimeout(t);
        }
        // under a wrapper, the master and its workers may outlive the wrapper's exit by a moment (and
        // stay in the process table until reaped): wait for them, so a cgroup they ran in can be removed
        const alive = () => [m, ...known].some((x) => x !== pid && fs.existsSync(`/proc/${x}`));
        for (const deadline = Date.now() + 10000; alive() && Date.now() < deadline; ) await sleep(50);
        // a worker whose master was killed is re-parented; end it by its pid if it is still ours
        for (const w of known) {
          const s = stat(w);
          if (s && s.comm === 'nginx' && (s.ppid === m || s.ppid === 1)) {
            try {
              process.kill(w, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
        }
        running.delete(handle);
        removeDir(dir);
      })();
      return stopping;
    },
  };
  running.add(handle);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60000);
  for (;;) {
    if (exited) {
      const log = errorLog();
      running.delete(handle);
      removeDir(dir);
      throw new Error(`nginx exited: ${output}\n${log}`);
    }
    if (await canConnect(waitPort)) break;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`nginx did not listen on ${waitPort}: ${output}`);
    }
    await sleep(50);
  }
  return handle;
}

/** Response of {@link request}. */
export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP/1.1 GET to 127.0.0.1:port. */
export function request(port: number, p: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** A running Node HTTP backend answering `200 <name> <url>` (fast enough for the RSS benchmark). */
export async function startBackend(name: string): Promise<{ port: number; address: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} ${req.url}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Machine note for the reports. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

/** A wrk duration (`812.00us`, `1.20ms`, `2.01s`) in ms; NaN when absent. */
function toMs(v: string | undefined): number {
  const m = v ? /^([\d.]+)(us|ms|s|m)$/.exec(v) : null;
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60000;
}

export interface WrkResult {
  rps: number;
  /** CPU time of the proxy's worker per request (µs), when its pid is given */
  cpuUsPerRequest?: number;
  requests: number;
  non2xx: number;
  socketErrors: string;
  latency: string;
  /** 99th percentile latency (ms) */
  p99Ms: number;
}

/** CPU time a process has used, in ns (/proc/<pid>/schedstat; utime + stime from /proc/<pid>/stat as a fallback). */
export function cpuNs(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 1e7; // clock ticks of 10 ms
  }
}

export function runWrk(wrk: string, port: number, script: string, seconds: number, workerPid?: number, connections = 32): Promise<WrkResult> {
  const cpu0 = workerPid !== undefined ? cpuNs(workerPid) : 0;
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    child.on('error', reject);
    child.on('close', (code) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const reqs = /(\d+) requests in/.exec(out);
      if (code !== 0 || !rps || !reqs) return reject(new Error(`wrk failed (${code}): ${out}`));
      const requests = Number(reqs[1]);
      resolve({
        rps: Number(rps[1]),
        ...(workerPid !== undefined ? { cpuUsPerRequest: +((cpuNs(workerPid) - cpu0) / 1000 / requests).toFixed(2) } : {}),
        requests,
        non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
        socketErrors: /Socket errors:[^\n]*/.exec(out)?.[0] ?? '',
        latency: /Latency\s+(\S+)/.exec(out)?.[1] ?? '?',
        p99Ms: toMs(/^\s*99%\s+(\S+)/m.exec(out)?.[1]),
      });
    });
  });
}

/**
 * Instructions nginx executes per request (valgrind callgrind, single process: `master_process off`):
 * counters zeroed after a warm-up, `wrk -c8` for `seconds`, counters dumped; total ÷ requests. A
 * deterministic count, unaffected by other load on the machine (unlike req/s and CPU time), though it
 * ignores cache and branch behaviour.
 */
export async function instructionsPerRequest(
  tools: { nginx: string; wrk: string; valgrind: string; callgrindControl: string },
  files: Readonly<Record<string, string>>,
  port: number,
  script: string,
  work: string,
  seconds: number,
): Promise<{ perRequest: number; requests: number }> {
  const out = fs.mkdtempSync(path.join(work, 'callgrind-'));
  const server = await startNginx(tools.nginx, files, port, {
    wrapper: [tools.valgrind, '--tool=callgrind', `--callgrind-out-file=${out}/cg.%p`, '--vgdb=yes'],
    globals: 'master_process off;',
    startTimeoutMs: 120000,
  });
  try {
    await runWrk(tools.wrk, port, script, 2, undefined, 8);
    const zero = spawnSync(tools.callgrindControl, ['-z', String(server.pid)], { encoding: 'utf8' });
    if (zero.status !== 0) throw new Error(`callgrind_control -z: ${zero.stdout}${zero.stderr}`);
    const w = await runWrk(tools.wrk, port, script, seconds, undefined, 8);
    if (w.non2xx || w.socketErrors) throw new Error(`under callgrind: ${w.non2xx} non-2xx ${w.socketErrors}`);
    const dump = spawnSync(tools.callgrindControl, ['-d', String(server.pid)], { encoding: 'utf8' });
    if (dump.status !== 0) throw new Error(`callgrind_control -d: ${dump.stdout}${dump.stderr}`);
    const dumps = fs.readdirSync(out).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort();
    if (!dumps.length) throw new Error('callgrind wrote no dump');
    const text = fs.readFileSync(path.join(out, dumps[dumps.length - 1]), 'utf8');
    const m = /^(?:summary|totals):\s+(\d+)/m.exec(text);
    if (!m) throw new Error('no summary in the callgrind dump');
    return { perRequest: Math.round(Number(m[1]) / w.requests), requests: w.requests };
  } finally {
    await server.stop();
  }
}

