/**
 * The life of the homelab (examples/homelab) on an empty cluster, with the proxy pod run exactly as
 * its synthesized Deployment says (see ./README.md for what the sandbox reproduces and what not):
 *
 * start with no certificate Secrets → cert-manager's HTTP-01 challenge for www/photos/wiki/nas reaches
 * a stand-in solver through nginx, ahead of the 301 → the Secrets appear → HTTPS serves them, without
 * a restart → 20 certificate swaps and a configuration change under wrk with 0 non-2xx → failures
 * (a broken key, DNS down, a backend down) → SIGTERM drains an in-flight request and exits 0; and in a
 * second pod, nginx killed → the container exits at once, non-zero.
 *
 * Stand-ins listen on the host side of the pod's veth (addresses of a network namespace the test
 * creates): one echo backend for the three apps' Services, one solver for the four solver Services,
 * and the stand-in cluster DNS resolving their names. The NAS (an address outside the cluster) is
 * never sent a request: its name is checked by TLS handshakes and the HTTP listener only.
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { App } from 'cdk8s';
import { HomelabChart } from '../../examples/homelab/app';
import { Backend, DEFAULT_PROXY_NGINX_VERSION, HttpFilter, PathMatch } from '../../src';
import { selfSigned } from '../harness/openssl';
import { find, synth } from '../util';
import { Cluster, describeSandbox, httpRequest, nginxVersion, Pod, ROOTFS_TIMEOUT_MS, sandboxRootfs, startBackend, startPod } from '.';
import type { Backend as HostBackend } from '.';

type Json = Record<string, any>;

const HOSTS = ['www.example.com', 'photos.example.com', 'wiki.example.com', 'nas.example.com'];
const APP_SERVICES: Record<string, string> = { 'www.example.com': 'blog.blog', 'photos.example.com': 'photos.photos', 'wiki.example.com': 'wiki.wiki' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function homelabObjects(change?: (chart: HomelabChart) => void): Json[] {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'homelab-')) });
  const chart = new HomelabChart(app, 'homelab');
  change?.(chart);
  return synth(app) as unknown as Json[];
}

/** cert-manager's key authorization for a token (what its solver pod answers). */
const keyAuth = (token: string) => `${token}.${crypto.createHash('sha256').update(token).digest('base64url')}`;

interface Solver {
  readonly hits: { host: string; path: string }[];
  readonly tokens: Map<string, string>;
  close(): Promise<void>;
}

/**
 * A stand-in for cert-manager's solver pods (`acmesolver`, port 8089): answers the key
 * authorization of a known token for its domain (the Host header), 404 otherwise.
 */
async function startSolver(address: string): Promise<Solver> {
  const hits: Solver['hits'] = [];
  const tokens = new Map<string, string>(); // "<domain> <token>" → key authorization
  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    hits.push({ host, path: req.url ?? '' });
    const m = /^\/\.well-known\/acme-challenge\/([^/?]+)$/.exec(req.url ?? '');
    const answer = m && tokens.get(`${host} ${m[1]}`);
    res.statusCode = answer ? 200 : 404;
    res.setHeader('content-type', 'text/plain');
    res.end(answer ?? 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(8089, address, () => resolve());
  });
  return { hits, tokens, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

type Handshake = { ok: true; fingerprint: string } | { ok: false; error: string };

/** A TLS handshake with `servername` as SNI; the served certificate's SHA-256 fingerprint. */
function handshake(ip: string, servername: string, timeoutMs = 5000): Promise<Handshake> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: ip, port: 443, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const t = setTimeout(() => { s.destroy(); resolve({ ok: false, error: 'timeout' }); }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(t);
      const fingerprint = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve({ ok: true, fingerprint });
    });
    s.once('error', (e) => { clearTimeout(t); resolve({ ok: false, error: e.message }); });
  });
}

const fingerprintOf = (pem: string) => new crypto.X509Certificate(pem).fingerprint256;

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; echo?: Json }

function httpsRequest(ip: string, host: string, p: string, timeoutMs = 10000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: ip, port: 443, path: p, servername: host, headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => {
        let echo: Json | undefined;
        try { echo = JSON.parse(body); } catch { echo = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo ? { echo } : {}) });
      });
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.end();
  });
}

/** Polls `fn` every 200 ms until it returns true; the ms it took (throws after `timeoutMs`). */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

interface WrkResult { requests: number; non2xx3xx: number; socket: { connect: number; read: number; write: number; timeout: number }; output: string }

/**
 * wrk against https://<host>/ on the pod, in a private mount namespace whose /etc/hosts maps the
 * host to the pod IP (wrk sends the URL's host as SNI and Host). Stopped by `stop()` (SIGINT: wrk
 * prints its totals).
 */
function startWrk(ip: string, host: string, p: string): { stop(): Promise<WrkResult> } {
  const hosts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wrk-hosts-')), 'hosts');
  fs.writeFileSync(hosts, `127.0.0.1 localhost\n${ip} ${host}\n`);
  const child: ChildProcess = spawn('unshare', ['-m', 'sh', '-c', `mount --bind ${hosts} /etc/hosts && exec wrk -t1 -c8 -d600s --timeout 10s https://${host}${p}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      fs.rmSync(path.dirname(hosts), { recursive: true, force: true });
      const n = (re: RegExp) => Number(re.exec(output)?.[1] ?? 0);
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
      return {
        requests: n(/(\d+) requests in/),
        non2xx3xx: n(/Non-2xx or 3xx responses: (\d+)/),
        socket: { connect: Number(sock?.[1] ?? 0), read: Number(sock?.[2] ?? 0), write: Number(sock?.[3] ?? 0), timeout: Number(sock?.[4] ?? 0) },
        output,
      };
    },
  };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

describeSandbox('homelab lifecycle: the synthesized proxy on an empty cluster', () => {
  let rootfs: string;
  let objects: Json[];
  let deployment: Json;
  let cluster: Cluster;
  let pod: Pod;
  let apps: HostBackend;
  let solver: Solver;
  let nginxMasterPid: number;
  const certs = {
    www: selfSigned(['www.example.com'])!,
    apps: selfSigned(['photos.example.com', 'wiki.example.com', 'nas.example.com'])!,
  };
  const report: string[] = [];

  beforeAll(async () => {
    rootfs = await sandboxRootfs();
    objects = homelabObjects();
    deployment = find(objects as any, 'Deployment', 'web-gateway-proxy', 'gateway');
    cluster = new Cluster(objects);
    pod = await startPod({ deployment, cluster, rootfs });
    apps = await startBackend('apps', pod.hostIp, 80);
    solver = await startSolver(pod.hostIp);
    for (const s of Object.values(APP_SERVICES)) pod.dns!.set(`${s}.svc.cluster.local`, pod.hostIp);
    for (const svc of objects.filter((o) => o.kind === 'Service' && o.metadata.name.startsWith('acme-http01-'))) {
      pod.dns!.set(`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`, pod.hostIp);
    }
  }, ROOTFS_TIMEOUT_MS);

  afterAll(async () => {
    if (process.env.SANDBOX_DEBUG) console.log(pod?.logs());
    if (report.length) console.log(`homelab lifecycle (nginx ${nginxVersion(rootfs)} in the sandbox):\n  ${report.join('\n  ')}`);
    await apps?.close();
    await solver?.close();
    await pod?.destroy();
  });

  test('the image the proxy defaults to runs the nginx line the sandbox tests', () => {
    const line = (v: string) => v.split('.').slice(0, 2).join('.');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(`nginx:${DEFAULT_PROXY_NGINX_VERSION}`);
    expect(line(nginxVersion(rootfs))).toBe(line(DEFAULT_PROXY_NGINX_VERSION));
  });

  test('no certificate Secret exists, yet the pod starts and becomes ready (the Secret volumes are optional, mounted empty)', async () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const secretVolumes = deployment.spec.template.spec.volumes.filter((v: Json) => v.secret);
    expect(secretVolumes.map((v: Json) => [v.secret.secretName, v.secret.optional])).toEqual([['www-tls', true], ['apps-tls', true]]);
    const ready = await pod.waitReady({ timeoutMs: 60000 });
    report.push(`ready without certificates after ${ready.ms} ms`);
    for (const v of secretVolumes) expect(fs.readdirSync(pod.volumePath(v.name)).filter((e) => !e.startsWith('..'))).toEqual([]);
    nginxMasterPid = pod.processes().find((p) => p.cmdline.startsWith('nginx: master'))!.pid;
    expect(nginxMasterPid).toBeGreaterThan(0);
  }, 90000);

  test('the HTTP-01 challenge of every name reaches the solver through nginx, ahead of the 301; everything else redirects', async () => {
    for (const host of HOSTS) {
      const token = `tok-${host.split('.')[0]}-${crypto.randomBytes(6).toString('hex')}`;
      solver.tokens.set(`${host} ${token}`, keyAuth(token));
      const r = await httpRequest(pod.ip, 80, `/.well-known/acme-challenge/${token}`, { host });
      expect({ host, status: r.status, body: r.body }).toEqual({ host, status: 200, body: keyAuth(token) });
      // the solver saw the name it validates (cert-manager's solver checks the Host)
      expect(solver.hits[solver.hits.length - 1]).toEqual({ host, path: `/.well-known/acme-challenge/${token}` });
      // an unknown token is the solver's 404, not a redirect
      expect((await httpRequest(pod.ip, 80, '/.well-known/acme-challenge/unknown', { host })).status).toBe(404);
      const other = await httpRequest(pod.ip, 80, '/photo/1?x=y', { host });
      expect({ host, status: other.status, location: other.headers.location }).toEqual({ host, status: 301, location: `https://${host}/photo/1?x=y` });
    }
    // no app backend was asked anything
    expect(apps.hits).toEqual([]);
  });

  test('before the Secrets exist, HTTPS handshakes are refused (no placeholder certificate is served)', async () => {
    for (const host of HOSTS) {
      const h = await handshake(pod.ip, host);
      expect({ host, ok: h.ok }).toEqual({ host, ok: false });
    }
  });

  test('the Secrets appear: HTTPS serves them within a minute, with no restart', async () => {
    const t0 = Date.now();
    await cluster.setSecret('gateway', 'www-tls', { 'tls.crt': certs.www.cert, 'tls.key': certs.www.key });
    await cluster.setSecret('gateway', 'apps-tls', { 'tls.crt': certs.apps.cert, 'tls.key': certs.apps.key });
    const want: Record<string, string> = { 'www.example.com': fingerprintOf(certs.www.cert) };
    for (const h of ['photos.example.com', 'wiki.example.com', 'nas.example.com']) want[h] = fingerprintOf(certs.apps.cert);
    for (const host of HOSTS) {
      await until(`HTTPS for ${host}`, async () => {
        const h = await handshake(pod.ip, host);
        return h.ok && h.fingerprint === want[host];
      });
    }
    const ms = Date.now() - t0;
    report.push(`both Secrets created → all four names served over HTTPS after ${ms} ms`);
    expect(ms).toBeLessThan(60000);
    // the same nginx master: reloaded, not restarted
    expect(pod.running).toBe(true);
    expect(pod.processes().find((p) => p.cmdline.startsWith('nginx: master'))?.pid).toBe(nginxMasterPid);
    for (const host of ['www.example.com', 'photos.example.com', 'wiki.example.com']) {
      const r = await httpsRequest(pod.ip, host, '/hello');
      expect({ host, status: r.status, path: r.echo?.path, host2: r.echo?.host, hsts: r.headers['strict-transport-security'] }).toEqual({ host, status: 200, path: '/hello', host2: host, hsts: 'max-age=63072000' });
    }
    expect(pod.logs('stderr')).toMatch(/Secret gateway\/www-tls: certificate loaded/);
  }, 120000);

  test('20 certificate swaps and a configuration change under wrk: 0 non-2xx, each swap served', async () => {
    const swaps = Array.from({ length: 20 }, () => selfSigned(['www.example.com'])!);
    const changed = homelabObjects((chart) => {
      chart.https.addHttpRoute('extra-route', {
        name: 'extra',
        namespace: 'blog',
        hostnames: ['www.example.com'],
        rules: [{ matches: [PathMatch.prefix('/extra')], filters: [HttpFilter.requestHeaders({ set: { 'x-config': '2' } })], backends: [Backend.fromName('blog', { port: 80 })] }],
      });
    });
    const newConfig = find(changed as any, 'ConfigMap', 'web-gateway-proxy-config', 'gateway').data;
    const oldConfig = find(objects as any, 'ConfigMap', 'web-gateway-proxy-config', 'gateway').data;
    expect(newConfig['nginx.conf']).not.toBe(oldConfig['nginx.conf']);

    const wrk = startWrk(pod.ip, 'www.example.com', '/');
    const pickup: number[] = [];
    let result: WrkResult;
    try {
      await sleep(2000);
      for (const c of swaps) {
        await cluster.setSecret('gateway', 'www-tls', { 'tls.crt': c.cert, 'tls.key': c.key });
        const fp = fingerprintOf(c.cert);
        pickup.push(await until('a swapped certificate', async () => {
          const h = await handshake(pod.ip, 'www.example.com');
          return h.ok && h.fingerprint === fp;
        }));
      }
      const before = await httpsRequest(pod.ip, 'www.example.com', '/extra');
      expect(before.echo?.headers?.['x-config']).toBeUndefined();
      await cluster.setConfigMap('gateway', 'web-gateway-proxy-config', newConfig);
      const configMs = await until('the new configuration', async () => (await httpsRequest(pod.ip, 'www.example.com', '/extra')).echo?.headers?.['x-config'] === '2');
      report.push(`configuration change served after ${configMs} ms`);
      await sleep(2000);
    } finally {
      result = await wrk.stop();
    }
    const s = stats(pickup);
    report.push(`20 swaps under wrk: pick-up median ${s.median} ms, max ${s.max} ms; wrk ${result.requests} requests, non-2xx/3xx ${result.non2xx3xx}, socket errors ${JSON.stringify(result.socket)}`);
    expect(result.requests).toBeGreaterThan(100);
    expect({ non2xx3xx: result.non2xx3xx, connect: result.socket.connect, timeout: result.socket.timeout }).toEqual({ non2xx3xx: 0, connect: 0, timeout: 0 });
    // keep-alive connections closed by old workers at a reload can race a request on them (a read
    // error in wrk, which does not retry): at most a few per reload
    expect(result.socket.read + result.socket.write).toBeLessThanOrEqual(8 * 21);
    expect(s.max).toBeLessThan(60000);
    expect(pod.processes().find((p) => p.cmdline.startsWith('nginx: master'))?.pid).toBe(nginxMasterPid);
  }, 20 * 60000);

  test('a broken key on disk is refused with its reason; the previous certificate stays in use; fixing it is picked up', async () => {
    const served = await handshake(pod.ip, 'www.example.com');
    expect(served.ok).toBe(true);
    const other = selfSigned(['www.example.com'])!;
    const logLen = pod.logs('stderr').length;
    await cluster.setSecret('gateway', 'www-tls', { 'tls.crt': other.cert, 'tls.key': certs.www.key });
    await until('the refusal in the log', async () => /Secret gateway\/www-tls: refused, nginx cannot load it \(.*key values mismatch.*\); the previous certificate stays in use/.test(pod.logs('stderr').slice(logLen)), 30000);
    const after = await handshake(pod.ip, 'www.example.com');
    expect(after).toEqual(served);
    expect((await httpsRequest(pod.ip, 'www.example.com', '/ok')).status).toBe(200);
    expect((await httpRequest(pod.ip, 80, '/x', { host: 'www.example.com' })).status).toBe(301);
    // the matching pair arrives: served
    await cluster.setSecret('gateway', 'www-tls', { 'tls.crt': other.cert, 'tls.key': other.key });
    const fp = fingerprintOf(other.cert);
    await until('the fixed certificate', async () => {
      const h = await handshake(pod.ip, 'www.example.com');
      return h.ok && h.fingerprint === fp;
    });
  }, 90000);

  test('cluster DNS down: a certificate swap is still picked up (loading the configuration never resolves a name); back up, requests recover', async () => {
    pod.dns!.mode = 'drop';
    try {
      const c = selfSigned(['www.example.com'])!;
      await cluster.setSecret('gateway', 'www-tls', { 'tls.crt': c.cert, 'tls.key': c.key });
      const fp = fingerprintOf(c.cert);
      const ms = await until('a certificate swap with DNS down', async () => {
        const h = await handshake(pod.ip, 'www.example.com');
        return h.ok && h.fingerprint === fp;
      });
      report.push(`DNS down: certificate swap served after ${ms} ms`);
      // the HTTP listener's redirects need no DNS
      expect((await httpRequest(pod.ip, 80, '/x', { host: 'photos.example.com' })).status).toBe(301);
    } finally {
      pod.dns!.mode = 'answer';
    }
    await until('a backend request after DNS is back', async () => (await httpsRequest(pod.ip, 'photos.example.com', '/back')).status === 200, 60000);
  }, 120000);

  test('a backend down answers 502 at once; back up, it serves again', async () => {
    await apps.close();
    const t0 = Date.now();
    const down = await httpsRequest(pod.ip, 'wiki.example.com', '/down');
    const ms = Date.now() - t0;
    expect(down.status).toBe(502);
    expect(ms).toBeLessThan(3000);
    report.push(`backend down: 502 in ${ms} ms`);
    apps = await startBackend('apps', pod.hostIp, 80);
    expect((await httpsRequest(pod.ip, 'wiki.example.com', '/up')).status).toBe(200);
  });

  test('termination with DNS down: the in-flight request finishes, new connections are refused, the container exits 0 within the grace period', async () => {
    const inflight = httpsRequest(pod.ip, 'www.example.com', '/slow?delay=8000', 30000);
    await until('the in-flight request at the backend', async () => apps.hits.includes('/slow?delay=8000'), 10000);
    pod.dns!.mode = 'drop';
    const term = pod.terminate();
    // the preStop hook (sleep 5) runs first, then the stop signal: by then the request is in flight
    const r = await inflight;
    expect(r.status).toBe(200);
    const t = await term;
    report.push(`terminate: preStop ${t.preStop?.ms} ms, signal ${t.stopSignal} at ${t.signalAtMs} ms, exit ${t.exit.code} after ${t.exit.msSinceSignal} ms, total ${t.totalMs} ms`);
    expect(t.signalAtMs).toBeLessThan(8000); // the request was still running at the signal
    expect(t.killed).toBe(false);
    expect(t.exit.code).toBe(0);
    expect(t.totalMs).toBeLessThan((deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000);
    expect(pod.logs('stderr')).toMatch(/received SIGQUIT: draining/);
    // nothing listens any more
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: pod.ip, port: 80 });
      s.once('connect', () => { s.destroy(); resolve(false); });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 60000);
});

describeSandbox('homelab lifecycle: nginx killed', () => {
  test('the container exits at once, non-zero, with the reason in its log', async () => {
    const rootfs = await sandboxRootfs();
    const objects = homelabObjects();
    const pod = await startPod({ deployment: find(objects as any, 'Deployment', 'web-gateway-proxy', 'gateway'), objects, rootfs });
    try {
      await pod.waitReady({ timeoutMs: 60000 });
      const master = pod.processes().find((p) => p.cmdline.startsWith('nginx: master'))!;
      process.kill(master.pid, 'SIGKILL');
      const t0 = Date.now();
      const exit = await Promise.race([pod.exited, sleep(10000).then(() => undefined)]);
      expect(exit).toBeDefined();
      expect(exit!.code).not.toBe(0);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(pod.logs('stderr')).toMatch(/nginx exited \(status \d+\): the container exits/);
    } finally {
      await pod.destroy();
    }
  }, ROOTFS_TIMEOUT_MS);

  test('kubelet restarts the container in the same pod (its emptyDirs kept): it starts and serves again', async () => {
    const rootfs = await sandboxRootfs();
    const objects = homelabObjects();
    const deployment = find(objects as any, 'Deployment', 'web-gateway-proxy', 'gateway');
    const first = await startPod({ deployment, objects, rootfs });
    let second: Awaited<ReturnType<typeof startPod>> | undefined;
    try {
      await first.waitReady({ timeoutMs: 60000 });
      process.kill(first.processes().find((p) => p.cmdline.startsWith('nginx: master'))!.pid, 'SIGKILL');
      expect((await Promise.race([first.exited, sleep(10000).then(() => undefined)]))?.code).not.toBe(0);
      const emptyDirs = (deployment.spec.template.spec.volumes as { name: string; emptyDir?: unknown }[]).filter((v) => v.emptyDir).map((v) => v.name);
      expect(emptyDirs).toContain('run');
      second = await startPod({ deployment, objects, rootfs, emptyDirsFrom: Object.fromEntries(emptyDirs.map((n) => [n, first.volumePath(n)])) });
      expect(second.events.some((e) => e.includes('volume "run": kept from the previous container'))).toBe(true);
      await second.waitReady({ timeoutMs: 60000 });
      expect(second.running).toBe(true);
      expect(second.logs('stderr')).not.toMatch(/cannot|No such file/);
    } finally {
      await second?.destroy();
      await first.destroy();
    }
  }, ROOTFS_TIMEOUT_MS);
});
