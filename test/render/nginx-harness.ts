/**
 * Test harness for the nginx renderer: find nginx, write a prefix, `nginx -t`, run nginx in the
 * foreground on loopback, echo backends (HTTP and TCP), free ports, self-signed certificates.
 * Every process started here is tracked and stopped by its own handle.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';

/** The nginx binary (PATH, then /usr/sbin/nginx), or undefined. With REQUIRE_NGINX=1 a missing nginx throws. */
export function findNginx(): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'nginx')), '/usr/sbin/nginx'];
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  if (process.env.REQUIRE_NGINX === '1') throw new Error('REQUIRE_NGINX=1 but no nginx binary was found on PATH or at /usr/sbin/nginx');
  return undefined;
}

const NGINX = findNginx();
let warned = false;

/** `describe` that is skipped (with a printed notice) when nginx is not installed. */
export const describeNginx: jest.Describe = ((name: string, fn: () => void) => {
  if (NGINX) return describe(name, fn);
  if (!warned) {
    warned = true;
    // eslint-disable-next-line no-console
    console.warn('nginx is not installed: skipping tests that run nginx (set REQUIRE_NGINX=1 to fail instead)');
  }
  return describe.skip(name, fn);
}) as unknown as jest.Describe;

export function nginxBinary(): string {
  if (!NGINX) throw new Error('nginx not found');
  return NGINX;
}

/** The version of the nginx binary the tests run (`nginx -v`), e.g. "1.22.1". */
export function nginxBinaryVersion(): string {
  const r = spawnSync(nginxBinary(), ['-v'], { encoding: 'utf8', timeout: 30000 });
  const m = /nginx\/(\d+\.\d+\.\d+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (!m) throw new Error(`cannot read the version of ${nginxBinary()}: ${r.stderr ?? ''}`);
  return m[1];
}

/** Writes files into a fresh temp directory (the nginx prefix). */
export function writePrefix(files: Readonly<Record<string, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-nginx-'));
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

/** Runs `nginx -t`; returns `{ ok, output }`. */
export function nginxTest(files: Readonly<Record<string, string>>): { ok: boolean; output: string } {
  const dir = writePrefix(files);
  try {
    const r = spawnSync(nginxBinary(), ['-t', '-q', '-p', dir, '-c', 'nginx.conf', '-e', 'error.log'], { encoding: 'utf8', timeout: 60000 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    removeDir(dir);
  }
}

/** {@link nginxTest} without blocking (for running many in parallel). */
export function nginxTestAsync(files: Readonly<Record<string, string>>): Promise<{ ok: boolean; output: string }> {
  const dir = writePrefix(files);
  return new Promise((resolve) => {
    const child = spawn(nginxBinary(), ['-t', '-q', '-p', dir, '-c', 'nginx.conf', '-e', 'error.log'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    child.on('close', (code) => {
      removeDir(dir);
      resolve({ ok: code === 0, output });
    });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * A port offset such that every `port + offset` (for the given declared ports) is free on
 * 127.0.0.1: from 20000 on, or from 10000 when a high declared port (gRPC's 50051) leaves no room.
 */
export async function freeOffset(ports: readonly number[]): Promise<number> {
  const top = 65535 - Math.max(...ports);
  const low = top >= 25000 ? 20000 : 10000;
  if (top < low) throw new Error(`no port offset ≥ ${low} keeps port ${Math.max(...ports)} below 65536`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = low + Math.floor(Math.random() * Math.min(30000, top - low + 1));
    const ok = await Promise.all(ports.map((p) => isFree(p + offset)));
    if (ok.every(Boolean)) return offset;
  }
  throw new Error('no free port offset');
}

function isFree(port: number): Promise<boolean> {
  if (port > 65535) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A running nginx. */
export interface RunningNginx {
  readonly dir: string;
  stop(): Promise<void>;
  errorLog(): string;
}

/** Starts nginx in the foreground and waits until `waitPort` (on 127.0.0.1) accepts connections. */
export async function startNginx(files: Readonly<Record<string, string>>, waitPort: number): Promise<RunningNginx> {
  const dir = writePrefix(files);
  // an empty working directory outside the prefix: nothing may be written there (a relative path
  // in the config would resolve against it; as non-root in a read-only pod that fails)
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-cwd-'));
  const child: ChildProcess = spawn(nginxBinary(), ['-p', dir, '-c', 'nginx.conf', '-e', 'error.log', '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  let exited = false;
  child.on('exit', () => (exited = true));
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 10000;
  for (;;) {
    if (exited) {
      removeDir(dir);
      removeDir(cwd);
      throw new Error(`nginx exited: ${output}\n${errorLog()}`);
    }
    if (await canConnect(waitPort)) {
      const stray = fs.readdirSync(cwd);
      if (stray.length) {
        child.kill('SIGKILL');
        removeDir(cwd);
        throw new Error(`nginx wrote ${stray.join(', ')} into its working directory instead of the prefix`);
      }
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${waitPort}: ${output}\n${errorLog()}`);
    }
    await sleep(50);
  }
  return {
    dir,
    errorLog,
    stop: async () => {
      if (!exited) {
        const done = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
      removeDir(dir);
      removeDir(cwd);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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

/** What the echo backend answers. */
export interface Echo {
  readonly name: string;
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: string;
}

/** A running echo backend. */
export interface EchoServer {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  /** Requests received (path list), for mirrors. */
  readonly hits: string[];
  close(): Promise<void>;
}

/**
 * HTTP echo backend on 127.0.0.1 answering JSON `{name, path, host, method, headers, body}`.
 * `?status=N` answers N; `?delay=MS` waits first; header `x-echo-set-header: a:b,c:d` sets response headers.
 */
export async function startEcho(name: string): Promise<EchoServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      hits.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const reply = () => {
        const extra = String(req.headers['x-echo-set-header'] ?? '');
        for (const kv of extra.split(',').filter(Boolean)) {
          const i = kv.indexOf(':');
          res.setHeader(kv.slice(0, i), kv.slice(i + 1));
        }
        res.setHeader('content-type', 'application/json');
        res.statusCode = Number(u.searchParams.get('status') ?? 200);
        res.end(JSON.stringify({ name, path: req.url, host: req.headers.host, method: req.method, headers: req.headers, body }));
      };
      const delay = Number(u.searchParams.get('delay') ?? 0);
      if (delay) setTimeout(reply, delay);
      else reply();
    });
  });
  server.keepAliveTimeout = 1000;
  // WebSocket-style upgrade: 101, then echo raw bytes prefixed with the name
  const upgraded = new Set<net.Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${String(req.headers.upgrade)}\r\nConnection: Upgrade\r\n\r\n`);
    socket.on('data', (x) => socket.write(`${name}:${String(x)}`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
        server.close(() => r());
      }),
  };
}

/** TCP echo on 127.0.0.1: answers `<name>:` + whatever it receives. */
export async function startTcpEcho(name: string, tlsOptions?: { key: string; cert: string }): Promise<EchoServer> {
  const onConn = (s: net.Socket) => {
    s.on('data', (d) => s.write(`${name}:${String(d)}`));
    s.on('error', () => undefined);
  };
  const server = tlsOptions ? tls.createServer(tlsOptions, onConn) : net.createServer(onConn);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    hits: [],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Response of {@link request}. */
export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly echo?: Echo;
}

/** One HTTP/1.1 request to 127.0.0.1:port (no redirects followed). */
export function request(port: number, p: string, opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: { host: opts.host ?? 'example.com', ...opts.headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => {
        let echo: Echo | undefined;
        try {
          echo = JSON.parse(body) as Echo;
        } catch {
          echo = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo && echo.name ? { echo } : {}) });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** Self-signed certificate (openssl) for the given DNS names; undefined when openssl is missing. */
export function selfSigned(names: readonly string[]): { cert: string; key: string } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')],
      { stdio: 'ignore' },
    );
    return { cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    removeDir(dir);
  }
}
