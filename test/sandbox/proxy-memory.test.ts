/**
 * The proxy's memory limit against its configuration, in the pod with `resources.limits.memory`
 * enforced by a memory cgroup (as runc does): nginx holds its configuration in memory, about as
 * much again while `nginx -t` checks a new one, and the old and the new one at once while it
 * reloads. A limit that fits the running configuration only is an OOM kill at the first change.
 */
import { Backend, Gateway, GatewayClass, GatewayProxy, HeaderMatch, HttpFilter, Listener, PathMatch, QueryParamMatch } from '../../src';
import { memoryQuantity, proxyMemoryNeed } from '../../src/constructs/proxy/memory';
import { find, newChart, synth } from '../util';
import { Cluster, describeSandbox, httpRequest, Pod, ROOTFS_TIMEOUT_MS, sandboxRootfs, startBackend, startPod } from '.';
import type { Backend as HostBackend } from '.';

type Json = Record<string, any>;

/** about 4.1 MiB of nginx configuration in nginx.conf and 6 parts */
const ROUTES = 10000;
const PROBE = ROUTES - 1;
const MIB = 2 ** 20;

function appObjects(version: number): Json[] {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  for (let i = 0; i < ROUTES; i++) {
    gateway.addHttpRoute(`r${i}`, {
      hostnames: [`app${i % 50}.example.com`],
      rules: [{
        matches: [PathMatch.prefix(`/svc${i}`).withHeaders(HeaderMatch.exact('x-tenant', `t${i}`)).withQueryParams(QueryParamMatch.exact('v', String(i % 7)))],
        ...(i === PROBE ? { filters: [HttpFilter.requestHeaders({ set: { 'x-config': String(version) } })] } : {}),
        backends: [Backend.fromName('web', { port: 80 })],
      }],
    });
  }
  new GatewayProxy(chart, 'proxy', { gateway, streamModule: 'dynamic', checkIntervalSeconds: 1 });
  return synth(app) as unknown as Json[];
}

const configMaps = (objects: Json[]) => objects.filter((o) => o.kind === 'ConfigMap' && /^gw-proxy-config(-\d+)?$/.test(o.metadata.name));

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeSandbox(`the proxy's memory limit and its configuration (${ROUTES} routes)`, () => {
  let v1: Json[];
  let v2: Json[];
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await sandboxRootfs();
    v1 = appObjects(1);
    v2 = appObjects(2);
  }, ROOTFS_TIMEOUT_MS);

  /** Starts the pod on version 1 (with `memoryLimit` instead of the Deployment's), then changes every ConfigMap to version 2. */
  async function run(memoryLimit: string | undefined) {
    const deployment = JSON.parse(JSON.stringify(find(v1 as any, 'Deployment', 'gw-proxy')));
    if (memoryLimit) deployment.spec.template.spec.containers[0].resources.limits.memory = memoryLimit;
    const cluster = new Cluster(v1);
    let pod: Pod | undefined;
    let web: HostBackend | undefined;
    try {
      pod = await startPod({ deployment, cluster, rootfs, startTimeoutMs: 60000 });
      const p = pod;
      if (!p.memory()) throw new Error(`no memory cgroup here: ${p.events.join('; ')}`);
      web = await startBackend('web', p.hostIp, 80);
      p.dns!.set('web.default.svc.cluster.local', p.hostIp);
      const served = async () => {
        const r = await httpRequest(p.ip, 80, `/svc${PROBE}/x?v=${PROBE % 7}`, { host: `app${PROBE % 50}.example.com`, headers: { 'x-tenant': `t${PROBE}` } });
        return r.status === 200 ? String(r.echo?.headers?.['x-config']) : `status ${r.status}`;
      };
      await p.waitReady({ timeoutMs: 300000 });
      const started = p.memory()!;
      const v1Served = await served();
      for (const o of configMaps(v2)) await cluster.setConfigMap(o.metadata.namespace ?? 'default', o.metadata.name, o.data);
      let after = 'not served';
      try {
        await until('version 2 served', async () => (await served()) === '2' || p.memory()!.oomKills > 0 || !p.running, 300000);
        await new Promise((r) => setTimeout(r, 3000));
        after = await served().catch((e) => `error ${(e as Error).message}`);
      } catch (e) {
        after = (e as Error).message;
      }
      const end = p.memory()!;
      const report = {
        limitMiB: end.limit / MIB,
        startedWorkingSetMiB: +(started.workingSet / MIB).toFixed(1),
        peakMiB: +(end.peak / MIB).toFixed(1),
        oomKills: end.oomKills,
        v1Served,
        after,
        running: p.running,
        log: p.logs('stderr').split('\n').filter((l) => /reload|refused|nginx -t|killed|signal|exited|emerg|alert/.test(l)).slice(-8),
      };
      console.log(JSON.stringify(report, null, 2));
      return report;
    } finally {
      await web?.close();
      await pod?.destroy();
    }
  }

  test('the limit the GatewayProxy sizes from its configuration holds a change: no OOM kill, the new version served, the peak under the limit', async () => {
    // the Deployment's limit is the need of the configuration its ConfigMaps hold
    const configBytes = configMaps(v1).reduce((n, o) => n + Object.values(o.data as Record<string, string>).reduce((m, v) => m + Buffer.byteLength(v), 0), 0);
    const limit = find(v1 as any, 'Deployment', 'gw-proxy').spec.template.spec.containers[0].resources.limits.memory;
    expect(limit).toBe(memoryQuantity(proxyMemoryNeed(configBytes).limit));
    const limitMiB = Number(/^(\d+)Mi$/.exec(limit)![1]);
    expect(limitMiB).toBeGreaterThan(512);
    console.log(`${ROUTES} routes: ${(configBytes / MIB).toFixed(2)} MiB of configuration, limit ${limit}`);
    const r = await run(undefined);
    expect(r.limitMiB).toBe(limitMiB);
    expect(r.v1Served).toBe('1');
    expect(r.oomKills).toBe(0);
    expect(r.after).toBe('2');
    expect(r.running).toBe(true);
    expect(r.peakMiB).toBeLessThan(r.limitMiB);
    // the change needs more than twice what serving needs: the sizing's reason
    expect(r.peakMiB).toBeGreaterThan(2 * r.startedWorkingSetMiB);
  }, 900000);

  test('under the former fixed limit (512 MiB, enough to serve) the first change is OOM-killed: what a memoryLimit under the need warns about', async () => {
    const r = await run('512Mi');
    expect(r.v1Served).toBe('1');
    expect(r.startedWorkingSetMiB).toBeLessThan(512);
    expect(r.oomKills).toBeGreaterThan(0);
    expect(r.after).not.toBe('2');
  }, 900000);
});
