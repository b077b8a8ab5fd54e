/**
 * The sandbox rig with a real synthesized GatewayProxy: the Deployment's first container runs
 * exactly as its spec says (command, securityContext, volumes, probes) on Debian's nginx, in its
 * own network namespace; a request to the pod IP reaches a backend on the host side through nginx,
 * the backend's Service name resolved by the stand-in DNS.
 *
 * Every check is made from outside the thing it checks (the uid from the host's /proc, the route
 * by a request, the limits by writing), so each can fail.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Backend, Gateway, GatewayClass, GatewayProxy, Listener } from '../../src';
import { find, newChart, synth } from '../util';
import { parseQuantity } from './host';
import { describeSandbox, httpRequest, nginxVersion, Pod, ROOTFS_TIMEOUT_MS, sandboxRootfs, startBackend, startPod } from '.';
import type { Backend as HostBackend } from '.';

type Json = Record<string, any>;


describeSandbox('sandbox rig: the synthesized GatewayProxy pod', () => {
  let rootfs: string;
  let objects: Json[];
  let deployment: Json;
  let pod: Pod;
  let web: HostBackend;

  beforeAll(async () => {
    rootfs = await sandboxRootfs();
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', { gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    gateway.addHttpRoute('web', { hostnames: ['www.example.com'], rules: [{ backends: [Backend.fromName('web', { port: 80 })] }] });
    new GatewayProxy(chart, 'proxy', { gateway, streamModule: 'dynamic' });
    objects = synth(app) as unknown as Json[];
    deployment = find(objects as any, 'Deployment', 'gw-proxy');
    pod = await startPod({ deployment, objects, rootfs });
    web = await startBackend('web', pod.hostIp, 80);
    pod.dns!.set('web.default.svc.cluster.local', pod.hostIp);
  }, ROOTFS_TIMEOUT_MS);

  afterAll(async () => {
    await web?.close();
    await pod?.destroy();
    if (pod) {
      // nothing of the pod is left on the host
      expect(fs.existsSync(pod.network.netnsPath)).toBe(false);
      expect(fs.existsSync(path.join('/sys/class/net', pod.network.hostIf))).toBe(false);
    }
  });

  test('the root file system carries the nginx of the suite', () => {
    expect(nginxVersion(rootfs)).toMatch(/^1\.\d+\.\d+$/);
  });

  test('the container runs the command of the spec', () => {
    const c = deployment.spec.template.spec.containers[0];
    expect(pod.argv).toEqual([...c.command, ...(c.args ?? [])]);
    const pid1 = pod.processes().find((p) => p.pid === pod.pid);
    expect(pid1?.cmdline).toBe([...c.command, ...(c.args ?? [])].join(' '));
  });

  test('the readiness probe passes', async () => {
    const c = deployment.spec.template.spec.containers[0];
    expect(c.readinessProbe?.httpGet).toBeDefined();
    const ready = await pod.waitReady({ timeoutMs: 30000 });
    expect(ready.probes).toBeGreaterThanOrEqual(1);
    const r = await pod.probe(c.readinessProbe);
    expect(r).toMatchObject({ ok: true, status: 200 });
    if (c.livenessProbe) expect(await pod.probe(c.livenessProbe)).toMatchObject({ ok: true });
  }, 60000);

  test('a request with the route\'s Host reaches the backend on the host through nginx, its name resolved by the stand-in DNS', async () => {
    const r = await httpRequest(pod.ip, 80, '/hello?x=1', { host: 'www.example.com' });
    expect(r.status).toBe(200);
    expect(r.echo).toMatchObject({ name: 'web', path: '/hello?x=1', host: 'www.example.com' });
    // it came from the pod, not from the test
    expect(r.echo!.remoteAddress).toBe(pod.ip);
    expect(web.hits).toContain('/hello?x=1');
    expect(pod.dns!.queries).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'web.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [pod.hostIp] })]));
    // a Host the route does not expect gets the default server's 404, not the backend
    const other = await httpRequest(pod.ip, 80, '/hello', { host: 'other.example.com' });
    expect(other.status).toBe(404);
    expect(other.echo).toBeUndefined();
  });

  test('every process of the pod runs as uid 101 with no capabilities (read from the host)', async () => {
    const procs = pod.processes();
    // the entrypoint, the nginx master, at least one worker
    expect(procs.filter((p) => p.name === 'nginx').length).toBeGreaterThanOrEqual(2);
    for (const p of procs) {
      expect({ pid: p.pid, name: p.name, uid: p.uid, gid: p.gid }).toEqual({ pid: p.pid, name: p.name, uid: [101, 101, 101, 101], gid: [101, 101, 101, 101] });
      expect({ name: p.name, capEff: p.capEff, capPrm: p.capPrm, capBnd: p.capBnd, noNewPrivs: p.noNewPrivs }).toEqual({ name: p.name, capEff: '0000000000000000', capPrm: '0000000000000000', capBnd: '0000000000000000', noNewPrivs: '1' });
      expect(p.groups).toContain(101); // fsGroup
    }
    // and as the pod sees itself
    const r = await pod.exec(['cat', '/proc/self/status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Uid:\s+101\s+101\s+101\s+101$/m);
    expect(r.stdout).toMatch(/^CapEff:\s+0000000000000000$/m);
    // uid 101 listens on port 80 thanks to the pod's sysctl, applied in the pod's network namespace only
    expect(pod.network.readSysctl('net.ipv4.ip_unprivileged_port_start')).toBe('0');
    expect(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()).not.toBe('0');
  });

  test('the root file system is read-only; the emptyDir volumes are writable', async () => {
    for (const p of ['/probe', '/etc/probe', '/etc/nginx/gateway/probe', '/usr/sbin/probe']) {
      const r = await pod.exec(['sh', '-c', `echo x > ${p}`]);
      expect({ p, code: r.code }).toEqual({ p, code: 2 });
      expect(r.stderr).toMatch(/Read-only file system/);
    }
    const spec = deployment.spec.template.spec;
    const emptyDirs = spec.containers[0].volumeMounts.filter((m: Json) => spec.volumes.find((v: Json) => v.name === m.name)?.emptyDir && !m.readOnly);
    expect(emptyDirs.length).toBeGreaterThanOrEqual(1);
    for (const m of emptyDirs) {
      const r = await pod.exec(['sh', '-c', `echo written > ${m.mountPath}/probe-file`]);
      expect({ mount: m.mountPath, code: r.code, stderr: r.stderr }).toEqual({ mount: m.mountPath, code: 0, stderr: '' });
      const onHost = path.join(pod.volumePath(m.name), 'probe-file');
      expect(fs.readFileSync(onHost, 'utf8')).toBe('written\n');
      expect(fs.statSync(onHost).uid).toBe(101);
    }
    // the ConfigMap volume is read-only even where the spec does not say so
    const r = await pod.exec(['sh', '-c', 'echo x > /etc/nginx/gateway/ca/probe']);
    expect(r.code).not.toBe(0);
  });

  test('an emptyDir with a sizeLimit refuses writes past it', async () => {
    const spec = deployment.spec.template.spec;
    const limited = spec.volumes.filter((v: Json) => v.emptyDir?.sizeLimit);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    let filled = 0;
    for (const v of limited) {
      const limit = parseQuantity(v.emptyDir.sizeLimit);
      // the volume's file system is exactly that large (read on the host)
      const st = fs.statfsSync(pod.volumePath(v.name));
      expect({ volume: v.name, bytes: st.blocks * st.bsize }).toEqual({ volume: v.name, bytes: Math.ceil(limit / 4096) * 4096 });
      const m = spec.containers[0].volumeMounts.find((x: Json) => x.name === v.name && !x.subPath && !x.readOnly);
      // filling is checked on the small ones (a memory-backed GiB on a shared machine is not worth it)
      if (!m || limit > 64 * 2 ** 20) continue;
      const mib = Math.floor(limit / 2 ** 20);
      const under = await pod.exec(['dd', 'if=/dev/zero', `of=${m.mountPath}/under`, 'bs=1M', `count=${Math.max(1, mib - 2)}`]);
      expect({ volume: v.name, code: under.code }).toEqual({ volume: v.name, code: 0 });
      const over = await pod.exec(['dd', 'if=/dev/zero', `of=${m.mountPath}/over`, 'bs=1M', `count=${mib + 1}`]);
      expect({ volume: v.name, code: over.code }).toEqual({ volume: v.name, code: 1 });
      expect(over.stderr).toMatch(/No space left on device/);
      await pod.exec(['rm', '-f', `${m.mountPath}/under`, `${m.mountPath}/over`]);
      filled++;
    }
    expect(filled).toBeGreaterThanOrEqual(1);
  });

  test('the ConfigMap volume has kubelet\'s layout and the subPath files hold the synthesized configuration', async () => {
    const cm = find(objects as any, 'ConfigMap', 'gw-proxy-config');
    const vol = deployment.spec.template.spec.volumes.find((v: Json) => v.configMap?.name === 'gw-proxy-config');
    const dir = pod.volumePath(vol.name);
    const data = fs.readlinkSync(path.join(dir, '..data'));
    expect(data).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    for (const k of Object.keys(cm.data)) {
      expect(fs.readlinkSync(path.join(dir, k))).toBe(`..data/${k}`);
      expect(fs.statSync(path.join(dir, data, k)).mode & 0o777).toBe(vol.configMap.defaultMode ?? 0o644);
    }
    const mounts = deployment.spec.template.spec.containers[0].volumeMounts.filter((x: Json) => x.name === vol.name);
    expect(mounts.length).toBeGreaterThanOrEqual(1);
    for (const m of mounts) {
      // a subPath mount is the file itself; a whole-volume mount shows every key
      for (const [file, k] of m.subPath ? [[m.mountPath, m.subPath]] : Object.keys(cm.data).map((x) => [`${m.mountPath}/${x}`, x])) {
        const r = await pod.exec(['cat', file]);
        expect({ file, content: r.stdout }).toEqual({ file, content: cm.data[k] });
      }
    }
  });

  test('SIGTERM makes the container exit', async () => {
    expect(pod.running).toBe(true);
    pod.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([pod.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 20000)))]);
    clearTimeout(timer);
    expect(exit).toBeDefined();
    expect(exit!.code).toBe(0);
    expect(exit!.msSinceSignal).toBeLessThan(20000);
    expect(pod.processes()).toEqual([]);
  }, 30000);
});
