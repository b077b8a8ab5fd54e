import * as dgram from 'dgram';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { startEcho, startTcpEcho, EchoServer } from '../harness/echo';
import { freeOffset, startNginx, RunningNginx } from '../harness/nginx';
import { cli, tempTree } from '../cli/helpers';

/** An imported, rendered and running setup. */
export interface Served {
  readonly dir: string;
  readonly offset: number;
  readonly importCode: number;
  readonly report: { items: { ingress: string; annotation: string; result: string; detail: string }[] };
  readonly nginx: RunningNginx;
  readonly echoes: Map<string, EchoServer>;
  stop(): Promise<void>;
}

/** Every file under `dir`, by path relative to it. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/**
 * import → check (no errors) → render (self-signed certificates for missing Secrets, Services
 * served by echo backends on loopback) → nginx. `services` are `ns/name:port` keys; the echo
 * backend of each answers with that key as its name. `tcp` keys get a TCP echo; `backends` are
 * addresses of servers the test started itself (closed by the test).
 */
export async function importAndServe(
  files: Record<string, string>,
  services: readonly string[],
  opts: { tcp?: readonly string[]; udp?: readonly string[]; importArgs?: string[]; ports?: number[]; backends?: Readonly<Record<string, string>> } = {},
): Promise<Served> {
  const dir = tempTree(files);
  const imp = await cli(['import', '.', '--out', 'out', ...(opts.importArgs ?? [])], { cwd: dir });
  if (imp.code === 2) throw new Error(`import failed: ${imp.stderr}`);
  const check = await cli(['check', 'out/gateway-api.yaml', '--format', 'json'], { cwd: dir });
  const diagnostics = JSON.parse(check.stdout).diagnostics as { severity: string; message: string }[];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`check found errors: ${JSON.stringify(errors)}`);
  const echoes = new Map<string, EchoServer>();
  const backends: Record<string, string> = {};
  for (const s of services) {
    const e = await startEcho(s);
    echoes.set(s, e);
    backends[s] = e.address;
  }
  for (const s of opts.tcp ?? []) {
    const e = await startTcpEcho(s);
    echoes.set(s, e);
    backends[s] = e.address;
  }
  const sockets: dgram.Socket[] = [];
  for (const name of opts.udp ?? []) {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (m, r) => sock.send(`${name}:${String(m)}`, r.port, r.address));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sockets.push(sock);
    backends[name] = `127.0.0.1:${sock.address().port}`;
  }
  // backends the test runs itself (TLS servers): `ns/name:port` → address
  Object.assign(backends, opts.backends ?? {});
  fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify(backends));
  const offset = await freeOffset(opts.ports ?? [80, 443]);
  const r = await cli(['render', 'out/gateway-api.yaml', '--out', 'rendered', '--backends', 'backends.json', '--listen-host', '127.0.0.1', '--port-offset', String(offset), '--self-signed'], { cwd: dir });
  if (r.code !== 0) throw new Error(`render failed (${r.code}): ${r.stderr}`);
  const gwDirs: string[] = [];
  for (const ns of fs.readdirSync(path.join(dir, 'rendered'))) for (const gw of fs.readdirSync(path.join(dir, 'rendered', ns))) gwDirs.push(path.join(dir, 'rendered', ns, gw));
  if (gwDirs.length !== 1) throw new Error(`expected one Gateway, rendered ${gwDirs.length}`);
  let nginx: RunningNginx;
  try {
    nginx = await startNginx(readTree(gwDirs[0]), 80 + offset);
  } catch (e) {
    for (const x of echoes.values()) await x.close();
    for (const u of sockets) u.close();
    throw e;
  }
  return {
    dir,
    offset,
    importCode: imp.code,
    report: JSON.parse(fs.readFileSync(path.join(dir, 'out', 'report.json'), 'utf8')),
    nginx,
    echoes,
    stop: async () => {
      await nginx.stop();
      for (const e of echoes.values()) await e.close();
      for (const u of sockets) u.close();
    },
  };
}

/** One HTTPS request (self-signed certificate accepted) to 127.0.0.1:port with SNI and Host `host`. */
export function httpsGet(port: number, host: string, p: string): Promise<{ status: number; headers: Record<string, unknown>; body: string; echo?: { name: string; path: string; host: string; headers: Record<string, string> } }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, servername: host, headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => {
        let echo;
        try {
          echo = JSON.parse(body);
        } catch {
          echo = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo?.name ? { echo } : {}) });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/**
 * Bounds for the number of hits of a backend with share `p` over `n` requests: mean ± 5 standard
 * deviations of the binomial (n·p ± 5·√(n·p·(1−p))). A correct split falls outside with probability
 * below 6·10⁻⁷, so a failure means a wrong share, not bad luck.
 */
export function binomialBounds(n: number, p: number): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.floor(mean - 5 * sd), Math.ceil(mean + 5 * sd)];
}

/** One UDP datagram to 127.0.0.1:port and its first answer. */
export function udpExchange(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('udp timeout'));
    }, 5000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(String(m));
    });
    sock.send(message, port, '127.0.0.1');
  });
}
