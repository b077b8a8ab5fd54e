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

/** A running nginx (master started here, in the foreground). */
export interface RunningNginx {
  readonly pid: number;
  readonly dir: string;
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
  const workers = () => (exited ? [] : childrenOf(pid).filter((p) => stat(p)?.comm === 'nginx'));
  // (under a wrapper such as valgrind the command name differs: use `master_process off` there)
  let stopping: Promise<void> | undefined;
  const handle: RunningNginx = {
    pid,
    dir,
    workers,
    errorLog,
    stop: () => {
      stopping ??= (async () => {
        const known = workers();
        if (!exited) {
          child.kill('SIGTERM');
          const t = setTimeout(() => {
            if (!exited) child.kill('SIGKILL');
          }, opts.wrapper ? 30000 : 5000);
          await exit;
          clearTimeout(t);
        }
        // a worker whose master was killed is re-parented; end it by its pid if it is still ours
        for (const w of known) {
          const s = stat(w);
          if (s && s.comm === 'nginx' && (s.ppid === pid || s.ppid === 1)) {
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
