/**
 * A configuration too large for one ConfigMap, in the pod: the GatewayProxy splits it into
 * `<name>-config` (nginx.conf, which lists the SHA-256 of every part) and `<name>-config-001`…,
 * mounted through one projected volume. kubelet fetches each ConfigMap on its own, so a projection
 * can hold nginx.conf of one version and a part of another: the entrypoint must load only a
 * consistent set. Here the ConfigMaps are updated one at a time (the rig rewrites the projection
 * from the cluster's current objects after each), in both orders, and at start.
 */
import { Backend, Gateway, GatewayClass, GatewayProxy, HeaderMatch, HttpFilter, Listener, PathMatch, QueryParamMatch } from '../../src';
import { find, newChart, synth } from '../util';
import { Cluster, describeSandbox, httpRequest, Pod, ROOTFS_TIMEOUT_MS, sandboxRootfs, startBackend, startPod } from '.';
import type { Backend as HostBackend } from '.';

type Json = Record<string, any>;

/** enough header + query routes for a configuration over 768 KiB, in nginx.conf and two parts (1,600 fit in one ConfigMap since the hash / if dispatch) */
const ROUTES = 2200;
/** the route whose response header tells the version (it is in the last part) */
const PROBE = ROUTES - 1;

/** The app at `version`: route PROBE sets `x-config: <version>` on the request to the backend. */
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

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 60000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

describeSandbox('a configuration in several ConfigMaps (projected volume)', () => {
  const versions = new Map<number, Json[]>();
  const objectsOf = (v: number): Json[] => {
    if (!versions.has(v)) versions.set(v, appObjects(v));
    return versions.get(v)!;
  };
  let cluster: Cluster;
  let pod: Pod;
  let web: HostBackend;
  let rootfs: string;

  const served = async (): Promise<string | undefined> => {
    const r = await httpRequest(pod.ip, 80, `/svc${PROBE}/x?v=${PROBE % 7}`, { host: `app${PROBE % 50}.example.com`, headers: { 'x-tenant': `t${PROBE}` } });
    return r.status === 200 ? String(r.echo?.headers?.['x-config']) : `status ${r.status}`;
  };
  const master = () => pod.processes().find((p) => p.cmdline.startsWith('nginx: master'))?.pid;
  const setConfigMap = (o: Json) => cluster.setConfigMap(o.metadata.namespace ?? 'default', o.metadata.name, o.data);
  /** the ConfigMaps of version `to` whose data differ from version `from`'s: [first one, parts] */
  const changed = (from: number, to: number): { main: Json; parts: Json[] } => {
    const before = new Map(configMaps(objectsOf(from)).map((o) => [o.metadata.name, JSON.stringify(o.data)]));
    const after = configMaps(objectsOf(to)).filter((o) => before.get(o.metadata.name) !== JSON.stringify(o.data));
    return { main: after.find((o) => o.metadata.name === 'gw-proxy-config')!, parts: after.filter((o) => o.metadata.name !== 'gw-proxy-config') };
  };

  beforeAll(async () => {
    rootfs = await sandboxRootfs();
    const v1 = objectsOf(1);
    // start from a mix: nginx.conf of version 1, the parts of version 0
    const mixed = [...v1.filter((o) => !(o.kind === 'ConfigMap' && /^gw-proxy-config-\d+$/.test(o.metadata.name))), ...configMaps(objectsOf(0)).filter((o) => o.metadata.name !== 'gw-proxy-config')];
    cluster = new Cluster(mixed);
    pod = await startPod({ deployment: find(v1 as any, 'Deployment', 'gw-proxy'), cluster, rootfs });
    web = await startBackend('web', pod.hostIp, 80);
    pod.dns!.set('web.default.svc.cluster.local', pod.hostIp);
  }, ROOTFS_TIMEOUT_MS);

  afterAll(async () => {
    await web?.close();
    await pod?.destroy();
  });

  test('the configuration is split: several ConfigMaps, one projected volume', () => {
    const maps = configMaps(objectsOf(1));
    expect(maps.map((o) => o.metadata.name)).toEqual(['gw-proxy-config', 'gw-proxy-config-001', 'gw-proxy-config-002']);
    const dep = find(objectsOf(1) as any, 'Deployment', 'gw-proxy');
    const vol = dep.spec.template.spec.volumes.find((v: Json) => v.name === 'config');
    expect(vol.projected.sources.map((s: Json) => s.configMap.name)).toEqual(maps.map((o) => o.metadata.name));
    // the probed route is in a part, and version 1 → 2 changes nginx.conf (the part hashes) and that part
    const c = changed(1, 2);
    expect(c.main).toBeDefined();
    expect(c.parts.length).toBeGreaterThanOrEqual(1);
  });

  test('at start, a mix of versions is not loaded: the entrypoint waits (and says so) until every part matches', async () => {
    await until('the wait in the log', () => /waiting for kubelet to update every ConfigMap of the configuration: part-\d{3}\.conf is not the version nginx\.conf lists/.test(pod.logs('stderr')), 20000);
    await sleep(3000);
    expect(master()).toBeUndefined();
    expect(pod.logs('stderr')).not.toMatch(/nginx started/);
    // kubelet catches up with the parts of version 1
    for (const o of configMaps(objectsOf(1)).filter((x) => x.metadata.name !== 'gw-proxy-config')) await setConfigMap(o);
    await pod.waitReady({ timeoutMs: 60000 });
    expect(pod.logs('stderr')).toMatch(/every ConfigMap of the configuration is updated/);
    expect(await served()).toBe('1');
  }, 120000);

  test('nginx.conf updated before its parts: still the previous configuration, no reload, until the parts arrive', async () => {
    const pid = master();
    expect(pid).toBeDefined();
    const c = changed(1, 2);
    const logLen = pod.logs('stderr').length;
    await setConfigMap(c.main);
    await until('the wait in the log', () => /waiting for kubelet to update every ConfigMap/.test(pod.logs('stderr').slice(logLen)), 20000);
    // several rounds (checkIntervalSeconds 1): nothing loaded, the wait logged once
    await sleep(4000);
    expect(await served()).toBe('1');
    expect(pod.logs('stderr').slice(logLen)).not.toMatch(/reloaded|refused by nginx -t/);
    expect(pod.logs('stderr').slice(logLen).match(/waiting for kubelet/g)).toHaveLength(1);
    for (const o of c.parts) await setConfigMap(o);
    await until('version 2 served', async () => (await served()) === '2', 30000);
    expect(pod.logs('stderr').slice(logLen)).toMatch(/every ConfigMap of the configuration is updated[\s\S]*reloaded/);
    expect(master()).toBe(pid);
  }, 120000);

  test('parts updated before nginx.conf: the same', async () => {
    const pid = master();
    const c = changed(2, 3);
    const logLen = pod.logs('stderr').length;
    for (const o of c.parts) await setConfigMap(o);
    await until('the wait in the log', () => /waiting for kubelet to update every ConfigMap/.test(pod.logs('stderr').slice(logLen)), 20000);
    await sleep(3000);
    expect(await served()).toBe('2');
    expect(pod.logs('stderr').slice(logLen)).not.toMatch(/reloaded/);
    await setConfigMap(c.main);
    await until('version 3 served', async () => (await served()) === '3', 30000);
    expect(master()).toBe(pid);
    // the run directory holds the running configuration: nginx.conf and every part it lists
    const out = await pod.exec(['/bin/sh', '-c', 'cd /var/run/nginx-gateway/conf && ls && sha256sum part-*.conf']);
    expect(out.code).toBe(0);
    const parts = configMaps(objectsOf(3)).filter((o) => o.metadata.name !== 'gw-proxy-config');
    for (const o of parts) for (const k of Object.keys(o.data)) expect(out.stdout).toContain(k);
    const main = configMaps(objectsOf(3)).find((o) => o.metadata.name === 'gw-proxy-config')!;
    for (const line of String(main.data['nginx.conf']).split('\n').filter((l) => l.startsWith('# part '))) {
      const [, , file, sum] = line.split(' ');
      expect(out.stdout).toContain(`${sum}  ${file}`);
    }
  }, 120000);
});
