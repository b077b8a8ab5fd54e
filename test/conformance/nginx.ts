/**
 * Runs rendered nginx data planes for the conformance runner: one nginx master per Gateway, in its
 * own temporary prefix, on 127.0.0.1 with a port offset chosen so every listen port is free and
 * above 1024 (tests pass as non-root). Every started master is tracked by pid and killed on exit.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/** The nginx binary (override with `NGINX_BIN`). */
export const NGINX_BIN = process.env.NGINX_BIN ?? 'nginx';

let version: string | undefined;
/**
 * The version `NGINX_BIN -v` reports (`1.22.1`, `1.30.6`): the renderer targets it (`http2 on;`
 * from 1.25.1). `undefined` when nginx does not run.
 */
export function nginxVersion(): string | undefined {
  if (version === undefined) {
    const r = spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8', timeout: 10000 });
    version = /nginx\/(\d+\.\d+\.\d+)/.exec(`${r.stderr ?? ''}${r.stdout ?? ''}`)?.[1] ?? '';
  }
  return version || undefined;
}

/** Whether an nginx binary runs here. */
export function nginxAvailable(): boolean {
  try {
    const r = spawnSync(NGINX_BIN, ['-v'], { stdio: 'ignore', timeout: 5000 });
    return r.status === 0;
  } catch {
    return false;
  }
}

/** A listen socket of a rendered config. */
export interface ListenPort {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
}

/** The TCP/UDP ports the config listens on (unix sockets ignored). */
export function listenPorts(files: Record<string, string>): ListenPort[] {
  const seen = new Map<string, ListenPort>();
  for (const [name, text] of Object.entries(files)) {
    if (!/\.conf$/.test(name) && name !== 'nginx.conf') continue;
    const noComments = text.replace(/#[^\n]*/g, '');
    for (const m of noComments.matchAll(/(?:^|[;{}\s])listen\s+([^;]+);/g)) {
      const parts = m[1].trim().split(/\s+/);
      const addr = parts[0];
      if (addr.startsWith('unix:')) continue;
      const pm = /(?:^|:|\])(\d+)$/.exec(addr);
      if (!pm) continue;
      const protocol = parts.includes('udp') ? 'udp' : 'tcp';
      const lp: ListenPort = { port: Number(pm[1]), protocol };
      seen.set(`${protocol}/${lp.port}`, lp);
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Whether every port is free on 127.0.0.1. */
export async function portsFree(ports: readonly ListenPort[]): Promise<boolean> {
  for (const p of ports) {
    if (p.port <= 1024 || p.port > 65535) return false;
    if (!(await (p.protocol === 'udp' ? udpFree(p.port) : tcpFree(p.port)))) return false;
  }
  return true;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}

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
  for (const d of fs.readdirSync('/proc')) {
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

/** SIGKILL a master and its workers (by pid), so no worker is orphaned. */
function killTree(pid: number): void {
  const workers = childPids(pid);
  for (const p of [pid, ...workers]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) if (c.pid) killTree(c.pid);
  });
}

/** Stops every nginx this process started (SIGTERM, then the whole tree by SIGKILL). For signal handlers. */
export async function stopAllNginx(timeoutMs = 3000): Promise<void> {
  const all = [...running];
  await Promise.all(
    all.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null || !c.pid) return resolve();
          const pid = c.pid;
          const t = setTimeout(() => {
            killTree(pid);
            resolve();
          }, timeoutMs);
          c.once('exit', () => {
            clearTimeout(t);
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

/** Makes a prefix usable by nginx workers that run as `nobody` when the master runs as root. */
function openUp(dir: string): void {
  try {
    fs.chmodSync(dir, 0o755);
  } catch {
    // best effort
  }
}

/** One Gateway's nginx. */
export class NginxInstance {
  private child?: ChildProcess;
  private stderr = '';
  private exited?: { code: number | null; signal: NodeJS.Signals | null };
  ports: ListenPort[] = [];

  /**
   * The master's working directory: an empty directory next to the prefix, read-only (0555), like
   * the root of a read-only container filesystem. A config that writes relative to the working
   * directory instead of the prefix (e.g. `listen unix:@name`, which nginx 1.22 takes as a file name,
   * not an abstract socket) then fails for a non-root user as it would in the pod.
   */
  readonly cwd: string;

  constructor(readonly prefix: string) {
    this.cwd = `${prefix}.cwd`;
  }

  /** Replaces the prefix content with `files` (pid, logs and temp paths are the config's business). */
  write(files: Record<string, string>): void {
    fs.rmSync(this.prefix, { recursive: true, force: true });
    fs.mkdirSync(this.prefix, { recursive: true });
    openUp(this.prefix);
    for (const [rel, content] of Object.entries(files)) {
      const p = path.join(this.prefix, rel);
      if (!p.startsWith(this.prefix + path.sep)) throw new Error(`rendered file escapes the prefix: ${rel}`);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      let d = path.dirname(p);
      while (d.startsWith(this.prefix) && d !== this.prefix) {
        openUp(d);
        d = path.dirname(d);
      }
      fs.writeFileSync(p, content, { mode: 0o644 });
    }
    this.ports = listenPorts(files);
  }

  private exitInfo(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exited;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Output of the master so far (errors, `nginx: [emerg] …`). */
  get log(): string {
    return this.stderr;
  }

  /** `nginx -t` on the written prefix; `undefined` when the config is valid, else nginx's message. */
  test(): string | undefined {
    const conf = fs.readFileSync(path.join(this.prefix, 'nginx.conf'), 'utf8');
    const args = ['-t', '-q', '-p', this.prefix + path.sep, '-c', 'nginx.conf', ...(/^\s*daemon\s/m.test(conf) ? [] : ['-g', 'daemon off;'])];
    fs.mkdirSync(this.cwd, { recursive: true });
    fs.chmodSync(this.cwd, 0o555);
    const r = spawnSync(NGINX_BIN, args, { encoding: 'utf8', timeout: 20000, cwd: this.cwd });
    return r.status === 0 ? undefined : `${r.stderr}${r.stdout}`.trim() || `nginx -t exited with ${r.status}`;
  }

  /** Starts the master and waits until every TCP port accepts (UDP: until bound). */
  async start(timeoutMs = 10000): Promise<void> {
    installExitHook();
    const conf = fs.readFileSync(path.join(this.prefix, 'nginx.conf'), 'utf8');
    const args = ['-p', this.prefix + path.sep, '-c', 'nginx.conf', ...(/^\s*daemon\s/m.test(conf) ? [] : ['-g', 'daemon off;'])];
    this.stderr = '';
    this.exited = undefined;
    fs.mkdirSync(this.cwd, { recursive: true });
    fs.chmodSync(this.cwd, 0o555);
    const child = spawn(NGINX_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.cwd });
    this.child = child;
    running.add(child);
    child.stdout?.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      running.delete(child);
    });
    child.on('error', (e) => {
      this.stderr += String(e);
      this.exited = { code: -1, signal: null };
      running.delete(child);
    });
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.ports);
    const exitedEarly = (): void => {
      const ex = this.exitInfo();
      if (ex) throw new Error(`nginx exited (${ex.code ?? ex.signal}) at start: ${this.stderr.trim().slice(-2000)}`);
    };
    while (pending.size) {
      exitedEarly();
      for (const p of [...pending]) {
        const up = p.protocol === 'tcp' ? await connects(p.port) : !(await udpFree(p.port));
        if (up) pending.delete(p);
      }
      if (!pending.size) break;
      if (Date.now() > deadline) throw new Error(`nginx did not open ${[...pending].map((p) => `${p.protocol}/${p.port}`).join(', ')} within ${timeoutMs} ms: ${this.stderr.trim().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!this.ports.length) await new Promise((r) => setTimeout(r, 100));
    exitedEarly();
    // Root writes into the read-only working directory anyway; a non-root pod could not.
    const stray = fs.readdirSync(this.cwd);
    if (stray.length) {
      throw new Error(
        `nginx created ${stray.map((f) => JSON.stringify(f)).join(', ')} in its working directory instead of the prefix ` +
          '(a relative path in the config; nginx 1.22 takes "unix:@name" as a file name, not an abstract socket) — ' +
          'as non-root with a read-only root filesystem this fails with EACCES/EROFS',
      );
    }
  }

  /** Fast shutdown (SIGTERM), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || this.exited || child.exitCode !== null) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      child.kill('SIGTERM');
    } catch {
      return;
    }
    const pid = child.pid;
    const timer = setTimeout(() => {
      if (pid) killTree(pid);
    }, 5000);
    await done;
    clearTimeout(timer);
  }

  /** Stops nginx and removes the prefix. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.prefix, { recursive: true, force: true });
    if (fs.existsSync(this.cwd)) {
      fs.chmodSync(this.cwd, 0o755);
      fs.rmSync(this.cwd, { recursive: true, force: true });
    }
  }
}
