/**
 * Running nginx under test, in two forms over the same process handling (./process):
 *
 * - {@link startNginx}: one-shot, for renderer tests — write the files into a fresh prefix, start,
 *   wait for one port, `stop()` removes everything;
 * - {@link NginxInstance}: one Gateway's data plane in the conformance runner — a fixed prefix that
 *   is rewritten and restarted as the case changes, waiting for every listen port.
 *
 * Both run the master with an empty working directory and fail when nginx writes into it (a
 * relative path in the config; in a read-only pod as non-root that fails).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sleep } from '../async';
import { nginxBinary } from './binary';
import { connects, ListenPort, listenPorts, udpFree } from './ports';
import { removeDir, writePrefix } from '../temp';
import { NginxProcess, spawnNginx } from './process';

/** A running nginx started by {@link startNginx}. */
export interface RunningNginx {
  readonly dir: string;
  stop(): Promise<void>;
  errorLog(): string;
}

/**
 * Starts nginx in the foreground on a fresh prefix holding `files` and waits until `waitPort` (on
 * 127.0.0.1) accepts connections, for at most `timeoutMs` (a configuration of thousands of routes
 * takes nginx seconds to a minute to load).
 */
export async function startNginx(files: Readonly<Record<string, string>>, waitPort: number, timeoutMs = 10000): Promise<RunningNginx> {
  const dir = writePrefix(files);
  // workers run as `nobody` under a root master: they write request bodies into <prefix>/client_body_temp
  openUp(dir);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-cwd-'));
  const proc = spawnNginx(['-p', dir, '-c', 'nginx.conf', '-e', 'error.log', '-g', 'daemon off;'], cwd);
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const fail = async (message: string): Promise<never> => {
    await proc.stop();
    removeDir(dir);
    removeDir(cwd);
    throw new Error(message);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited()) return fail(`nginx exited: ${proc.output()}\n${errorLog()}`);
    if (await connects(waitPort)) {
      const stray = fs.readdirSync(cwd);
      if (stray.length) return fail(`nginx wrote ${stray.join(', ')} into its working directory instead of the prefix`);
      break;
    }
    if (Date.now() > deadline) {
      const log = errorLog();
      return fail(`nginx did not listen on ${waitPort}: ${proc.output()}\n${log}`);
    }
    await sleep(50);
  }
  return {
    dir,
    errorLog,
    stop: async () => {
      await proc.stop();
      removeDir(dir);
      removeDir(cwd);
    },
  };
}

/** Makes a prefix usable by nginx workers that run as `nobody` when the master runs as root. */
function openUp(dir: string): void {
  try {
    fs.chmodSync(dir, 0o755);
  } catch {
    // best effort
  }
}

/** `-g 'daemon off;'` unless the config says itself. */
function daemonArgs(prefix: string): string[] {
  const conf = fs.readFileSync(path.join(prefix, 'nginx.conf'), 'utf8');
  return /^\s*daemon\s/m.test(conf) ? [] : ['-g', 'daemon off;'];
}

/** One Gateway's nginx (conformance runner). */
export class NginxInstance {
  private proc?: NginxProcess;
  private lastOutput = '';
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

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /** Output of the master so far (errors, `nginx: [emerg] …`). */
  get log(): string {
    return this.proc?.output() ?? this.lastOutput;
  }

  private readOnlyCwd(): void {
    fs.mkdirSync(this.cwd, { recursive: true });
    fs.chmodSync(this.cwd, 0o555);
  }

  /** `nginx -t` on the written prefix; `undefined` when the config is valid, else nginx's message. */
  test(): string | undefined {
    this.readOnlyCwd();
    const r = spawnSync(nginxBinary(), ['-t', '-q', '-p', this.prefix + path.sep, '-c', 'nginx.conf', ...daemonArgs(this.prefix)], { encoding: 'utf8', timeout: 20000, cwd: this.cwd });
    return r.status === 0 ? undefined : `${r.stderr}${r.stdout}`.trim() || `nginx -t exited with ${r.status}`;
  }

  /** Starts the master and waits until every TCP port accepts (UDP: until bound). */
  async start(timeoutMs = 10000): Promise<void> {
    const args = ['-p', this.prefix + path.sep, '-c', 'nginx.conf', ...daemonArgs(this.prefix)];
    this.readOnlyCwd();
    const proc = spawnNginx(args, this.cwd);
    this.proc = proc;
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.ports);
    const exitedEarly = (): void => {
      const ex = proc.exited();
      if (ex) throw new Error(`nginx exited (${ex.code ?? ex.signal}) at start: ${proc.output().trim().slice(-2000)}`);
    };
    while (pending.size) {
      exitedEarly();
      for (const p of [...pending]) {
        const up = p.protocol === 'tcp' ? await connects(p.port) : !(await udpFree(p.port));
        if (up) pending.delete(p);
      }
      if (!pending.size) break;
      if (Date.now() > deadline) throw new Error(`nginx did not open ${[...pending].map((p) => `${p.protocol}/${p.port}`).join(', ')} within ${timeoutMs} ms: ${proc.output().trim().slice(-2000)}`);
      await sleep(20);
    }
    if (!this.ports.length) await sleep(100);
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

  /** Fast shutdown (SIGTERM), SIGKILL of the whole process group after 5 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    await proc.stop(5000);
    this.lastOutput = proc.output();
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
