/**
 * Backends by DNS name share one upstream zone, on the nginx line the proxy's image ships (the
 * sandbox's root file system, run on this machine's loopback through scripts/nginx-in-rootfs.sh;
 * `server NAME resolve` needs nginx 1.27.3 or later). Resolver mode as the GatewayProxy renders
 * it: every Service is an upstream block nginx re-resolves through the cluster DNS (the stand-in on
 * 127.0.0.1). What one zone per block cost, and what this checks does not come back:
 * - nginx registered, initialized and matched one shared memory zone per Service, one mapping each
 *   (10,000 Services: 5.6 s of `nginx -t` against 2.5 s, 811 MiB against 500 MiB; docs/benchmarks.md
 *   section 5);
 * - a Service with more addresses than its own 64 KiB held (20 to 60: a headless Service of a
 *   larger Deployment) lost them: `ngx_slab_alloc() failed: no memory in upstream zone`.
 * The second half runs the same configuration with a zone per block again, and sees both failures:
 * the checks can fail.
 */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { compileNginx, KubeObject } from '../../src';
import { sleep } from '../harness/async';
import { EchoServer, request, startEcho } from '../harness/echo';
import { freeOffset, freePort, removeDir, writePrefix } from '../harness/nginx';
import { gateway, gatewayClass, httpRoute, service, to } from '../render/fixtures';
import { DnsServer, describeSandbox, nginxVersion, ROOTFS_TIMEOUT_MS, sandboxRootfs, startDns } from '.';
import { zonePerBlock } from './zones';

/** Services with one address each */
const SERVICES = 1000;
/** addresses of the headless Service `many` (each a backend of its own on 127.0.1.x) */
const ADDRESSES = 200;
const HOST = 'zone.test';
const WRAPPER = path.resolve(__dirname, '../../scripts/nginx-in-rootfs.sh');

const addressOf = (k: number) => `127.0.1.${k + 1}`;
const fqdn = (svc: string) => `${svc}.default.svc.cluster.local`;

function objects(port: number): KubeObject[] {
  const out: KubeObject[] = [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), service('many', [port])];
  out.push(httpRoute('many', { hostnames: [HOST], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/many' } }], backendRefs: [to('many', port)] }] }));
  for (let i = 0; i < SERVICES; i++) {
    out.push(service(`s${i}`, [port]));
    out.push(httpRoute(`r${i}`, { hostnames: [HOST], rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/s${i}` } }], backendRefs: [to(`s${i}`, port)] }] }));
  }
  return out;
}

interface Running {
  readonly dir: string;
  readonly master: number;
  readonly child: ChildProcess;
  errorLog(): string;
  /** shared memory mappings of the master (`/dev/zero (deleted)`: nginx's zones) */
  sharedMappings(): number;
  stop(): Promise<void>;
}

async function startNginx(rootfs: string, files: Record<string, string>, port: number): Promise<Running> {
  const dir = writePrefix(files);
  const child = spawn(WRAPPER, ['-p', `${dir}/`, '-c', 'nginx.conf', '-e', 'error.log', '-g', 'daemon off;'], { env: { ...process.env, NGINX_ROOTFS: rootfs }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const errorLog = () => (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : '');
  let master = 0;
  for (let t0 = Date.now(); ; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr}${errorLog()}`);
    const pid = fs.existsSync(`${dir}/nginx.pid`) ? Number(fs.readFileSync(`${dir}/nginx.pid`, 'utf8')) : 0;
    if (pid && (await request(port, '/', { host: HOST }).then(() => true, () => false))) {
      master = pid;
      break;
    }
    if (Date.now() - t0 > 60000) throw new Error(`nginx did not answer on ${port} within 60 s: ${stderr}${errorLog()}`);
  }
  return {
    dir,
    master,
    child,
    errorLog,
    sharedMappings: () => fs.readFileSync(`/proc/${master}/maps`, 'utf8').split('\n').filter((l) => l.includes('/dev/zero')).length,
    stop: async () => {
      // QUIT to nginx's master (the wrapper's bwrap shares this PID namespace): its workers finish and exit with it
      try {
        process.kill(master, 'SIGQUIT');
      } catch {
        /* gone */
      }
      await Promise.race([exited, sleep(15000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      removeDir(dir);
    },
  };
}

/** The backend that answers a request: its echo name (the address it listens on); `status N` when not 200. */
async function answeredBy(port: number, p: string): Promise<string> {
  const r = await request(port, p, { host: HOST });
  return r.status === 200 ? String(r.echo?.name) : `status ${r.status}`;
}

describeSandbox('backends by DNS name: one upstream zone (nginx of the image line, loopback)', () => {
  let rootfs: string;
  let dns: DnsServer;
  let backends: EchoServer[] = [];
  let backendPort: number;
  let files: Record<string, string>;
  let port: number;

  beforeAll(async () => {
    rootfs = await sandboxRootfs();
    backendPort = await freePort();
    for (let k = 0; k < ADDRESSES; k++) backends.push(await startEcho(addressOf(k), { host: addressOf(k), port: backendPort }));
    const records: Record<string, string[]> = { [fqdn('many')]: Array.from({ length: ADDRESSES }, (_, k) => addressOf(k)) };
    for (let i = 0; i < SERVICES; i++) records[fqdn(`s${i}`)] = [addressOf(i % ADDRESSES)];
    // (the thousand names come at once: a receive buffer for them, see receiveBufferBytes)
    dns = await startDns({ address: '127.0.0.1', port: 0, records, receiveBufferBytes: 4 * 2 ** 20 });
    const offset = await freeOffset([80, 8081]);
    port = 80 + offset;
    files = compileNginx(objects(backendPort), { resolver: `127.0.0.1:${dns.port}`, nginxVersion: nginxVersion(rootfs), listenHost: '127.0.0.1', portOffset: offset, workerProcesses: 1 })[0].files;
  }, ROOTFS_TIMEOUT_MS);

  afterAll(async () => {
    await dns?.stop();
    for (const b of backends) await b.close();
    backends = [];
  });

  test('the configuration: every upstream block re-resolves its name in the one zone, sized 64 KiB a block', () => {
    const conf = files['nginx.conf'];
    const blocks = [...conf.matchAll(/^\s*upstream (\w+) \{\n[^}]*?zone (\S+) (\S+);\n\s*server (\S+) resolve;/gm)];
    expect(blocks).toHaveLength(SERVICES + 1);
    expect(new Set(blocks.map((m) => `${m[2]} ${m[3]}`))).toEqual(new Set([`gw_upstreams ${Math.ceil(((SERVICES + 1) * 64) / 1024)}m`]));
    expect(blocks.map((m) => m[4])).toContain(`${fqdn('many')}:${backendPort}`);
  });

  test('served: each Service through its own name, all 200 addresses of the headless one; one shared mapping for the zone', async () => {
    const nginx = await startNginx(rootfs, files, port);
    try {
      // nginx resolves in the background from the worker's start: until then the upstream has no server (502)
      for (let t0 = Date.now(); !(await answeredBy(port, '/many')).startsWith('127.0.1.'); await sleep(200)) {
        if (Date.now() - t0 > 30000) throw new Error(`/many not served within 30 s: ${nginx.errorLog().slice(-2000)}`);
      }
      for (let i = 0; i < SERVICES; i += 37) {
        for (let t0 = Date.now(); ; await sleep(200)) {
          const by = await answeredBy(port, `/s${i}/x`);
          if (by === addressOf(i % ADDRESSES)) break;
          if (Date.now() - t0 > 30000) {
            const asked = dns.queries.filter((q) => q.name === fqdn(`s${i}`)).map((q) => `${q.type} ${q.rcode} ${q.answers.join(',')}`);
            throw new Error(`/s${i}: ${by}, not ${addressOf(i % ADDRESSES)}; the DNS was asked ${JSON.stringify(asked)}; nginx's error log ends: ${nginx.errorLog().slice(-1500)}`);
          }
        }
      }
      // round robin over every address nginx holds: three rounds
      const seen = new Set<string>();
      for (let r = 0; r < 3 * ADDRESSES; r++) seen.add(await answeredBy(port, '/many/x'));
      expect([...seen].filter((s) => !s.startsWith('127.0.1.'))).toEqual([]);
      expect(seen.size).toBe(ADDRESSES);
      expect(nginx.errorLog()).not.toMatch(/no memory in upstream zone/);
      // the event module's (accept mutex, counters), the TLS session cache and the upstream zone
      expect(nginx.sharedMappings()).toBeLessThanOrEqual(3);
    } finally {
      await nginx.stop();
    }
  }, 120000);

  test('the former zone per block, the same names: a mapping per Service, and the headless Service does not fit its 64 KiB', async () => {
    const nginx = await startNginx(rootfs, { ...files, 'nginx.conf': zonePerBlock(files['nginx.conf']) }, port);
    try {
      expect(nginx.sharedMappings()).toBeGreaterThanOrEqual(SERVICES + 1);
      for (let t0 = Date.now(); !/no memory in upstream zone "\w*many\w*"/.test(nginx.errorLog()); await sleep(200)) {
        if (Date.now() - t0 > 30000) throw new Error(`no allocation failure within 30 s: ${nginx.errorLog().slice(-2000)}`);
      }
      const seen = new Set<string>();
      for (let r = 0; r < 3 * ADDRESSES; r++) seen.add(await answeredBy(port, '/many/x'));
      expect([...seen].filter((s) => s.startsWith('127.0.1.')).length).toBeLessThan(ADDRESSES);
    } finally {
      await nginx.stop();
    }
  }, 120000);
});
