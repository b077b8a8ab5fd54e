/**
 * The rig's own semantics on a hand-written pod (a shell as PID 1 on the sandbox root file system):
 * identity, kubelet's volume layout and updates, subPath, read-only mounts, memory-backed volumes,
 * env expansion, DNS and /etc files, PID-1 signal handling, preStop, clean-up.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { createPodNetwork, Cluster, describeSandbox, Pod, ROOTFS_TIMEOUT_MS, sandboxRootfs, startPod } from '.';
import { slotsDir } from './net';

type Json = Record<string, any>;

const b64 = (s: string) => Buffer.from(s).toString('base64');

function podObject(overrides: { container?: Json; spec?: Json } = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `semantics-${Math.random().toString(36).slice(2, 7)}`, namespace: 'apps' },
    spec: {
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000], sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      terminationGracePeriodSeconds: 3,
      containers: [
        {
          name: 'main',
          image: 'debian:sid',
          command: ['/bin/sh', '-c'],
          // kubelet expands $(GREETING) before the shell sees it
          args: ['trap "echo got TERM; exit 7" TERM; echo started $(GREETING) in $PWD; while :; do sleep 1 & wait $!; done'],
          workingDir: '/work/dir',
          env: [
            { name: 'GREETING', value: 'hello' },
            { name: 'GREETING2', value: '$(GREETING) world $$(GREETING) $(MISSING)' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tls', key: 'token' } } },
          ],
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'cat /proc/self/status > /scratch/prestop-status; echo $$ > /scratch/prestop-pid'] } } },
          volumeMounts: [
            { name: 'config', mountPath: '/config' },
            { name: 'tls', mountPath: '/tls', readOnly: true },
            { name: 'tls', mountPath: '/tls-token', subPath: 'token' },
            { name: 'later', mountPath: '/later' },
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'scratch', mountPath: '/var/run/scratch-ro', readOnly: true },
            { name: 'mem', mountPath: '/mem' },
          ],
          ...overrides.container,
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'app-config', items: [{ key: 'a', path: 'dir/a.txt', mode: 0o400 }], defaultMode: 0o644 } },
        { name: 'tls', secret: { secretName: 'tls', defaultMode: 0o440 } },
        { name: 'later', secret: { secretName: 'later', optional: true } },
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      ],
      ...overrides.spec,
    },
  };
}

const objects: Json[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'apps' }, data: { a: 'value of a\n', b: 'value of b\n' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'apps' }, data: { 'tls.crt': b64('CERT 1\n'), token: b64('s3cret') } },
];

async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([p, new Promise<undefined>((res) => (t = setTimeout(() => res(undefined), ms)))]);
  clearTimeout(t);
  return r;
}

describeSandbox('sandbox rig: pod semantics', () => {
  let rootfs: string;
  let cluster: Cluster;
  let pod: Pod;

  beforeAll(async () => {
    rootfs = await sandboxRootfs();
    cluster = new Cluster(objects);
    pod = await startPod({ deployment: podObject(), cluster, rootfs, dnsRecords: { 'web.apps.svc.cluster.local': '@host' } });
    // the shell's first line
    for (let i = 0; i < 50 && !pod.logs().includes('started'); i++) await new Promise((r) => setTimeout(r, 50));
  }, ROOTFS_TIMEOUT_MS);

  afterAll(async () => {
    await pod?.destroy();
  });

  test('command and args with $(VAR) expanded by kubelet, env from the spec, workingDir', async () => {
    expect(pod.logs()).toBe('started hello in /work/dir\n');
    const r = await pod.exec(['sh', '-c', 'echo "$GREETING2|$POD_NAME|$POD_IP|$TOKEN|$HOSTNAME|$KUBERNETES_SERVICE_HOST"']);
    expect(r.stdout).toBe(`hello world $(GREETING) $(MISSING)|${pod.name}|${pod.ip}|s3cret|${pod.name}|10.96.0.1\n`);
  });

  test('uid, gid and groups of the securityContext (fsGroup and supplementalGroups), no capabilities, for PID 1 and exec alike', async () => {
    const [pid1] = pod.processes().filter((p) => p.pid === pod.pid);
    expect(pid1).toMatchObject({ uid: [1000, 1000, 1000, 1000], gid: [3000, 3000, 3000, 3000], capEff: '0000000000000000', capPrm: '0000000000000000', capBnd: '0000000000000000', noNewPrivs: '1' });
    expect([...pid1.groups].sort()).toEqual([2000, 4000]);
    const r = await pod.exec(['sh', '-c', 'grep -E "^(Uid|Gid|CapEff|CapPrm|NoNewPrivs)" /proc/self/status; echo pid=$$']);
    expect(r.stdout).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(r.stdout).toMatch(/^Gid:\s+3000\s+3000\s+3000\s+3000$/m);
    expect(r.stdout).toMatch(/^CapEff:\s+0{16}$/m);
    expect(r.stdout).toMatch(/^CapPrm:\s+0{16}$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    // exec joins the pod's PID namespace
    expect(Number(/pid=(\d+)/.exec(r.stdout)![1])).toBeGreaterThan(1);
    // the sysctl is in the pod's network namespace: uid 1000 binds port 80
    const bind = await pod.exec(['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/80 2>/dev/null && echo connected || echo refused']);
    expect(bind.stdout).toBe('refused\n');
  });

  test('configMap volume: kubelet layout, items with their modes, fsGroup ownership; read-only', () => {
    const dir = pod.volumePath('config');
    const ts = fs.readlinkSync(path.join(dir, '..data'));
    expect(ts).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    expect(fs.readdirSync(dir).sort()).toEqual(['..data', ts, 'dir'].sort());
    expect(fs.readlinkSync(path.join(dir, 'dir'))).toBe('..data/dir');
    const file = path.join(dir, ts, 'dir/a.txt');
    const st = fs.statSync(file);
    // item mode 0400, plus g+r for the fsGroup (kubelet's SetVolumeOwnership)
    expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o440, uid: 0, gid: 2000 });
    expect(fs.statSync(path.join(dir, ts)).mode & 0o7777).toBe(0o2755);
  });

  test('files readable through the fsGroup only, key b not projected, read-only mounts', async () => {
    const r = await pod.exec(['sh', '-c', 'cat /config/dir/a.txt; ls /config; cat /tls/tls.crt; cat /tls-token; echo; echo x > /config/new || echo ro1; echo x > /tls/new || echo ro2; echo x > /var/run/scratch-ro/new || echo ro3; echo x > /var/tmp/new || echo ro4']);
    expect(r.stdout).toBe('value of a\ndir\nCERT 1\ns3cret\nro1\nro2\nro3\nro4\n');
  });

  test('emptyDir: writable, shared between its mounts, owned for the fsGroup; Memory medium is a sized tmpfs', async () => {
    const r = await pod.exec(['sh', '-c', 'echo shared > /scratch/f && cat /var/run/scratch-ro/f && stat -c %a /scratch']);
    expect(r.stdout).toBe('shared\n2777\n');
    // created by uid 1000 (gid 3000) in a setgid directory of group 2000 (the fsGroup)
    expect(fs.statSync(path.join(pod.volumePath('scratch'), 'f'))).toMatchObject({ uid: 1000, gid: 2000 });
    const st = fs.statfsSync(pod.volumePath('mem'));
    expect(st.type).toBe(0x01021994); // TMPFS_MAGIC
    expect(st.blocks * st.bsize).toBe(2 ** 20);
    const fill = await pod.exec(['dd', 'if=/dev/zero', 'of=/mem/big', 'bs=64k', 'count=17']);
    expect(fill.code).toBe(1);
    expect(fill.stderr).toMatch(/No space left on device/);
    // the Secret volume is memory-backed too
    expect(fs.statfsSync(pod.volumePath('tls')).type).toBe(0x01021994);
  });

  test('Secret updates land like kubelet\'s atomic writer; a subPath mount keeps the old file', async () => {
    const dir = pod.volumePath('tls');
    const before = fs.readlinkSync(path.join(dir, '..data'));
    await cluster.setSecret('apps', 'tls', { 'tls.crt': 'CERT 2\n', 'tls.key': 'KEY 2\n', token: 'n3w' });
    const after = fs.readlinkSync(path.join(dir, '..data'));
    expect(after).not.toBe(before);
    expect(fs.existsSync(path.join(dir, before))).toBe(false); // the old version is removed
    expect(fs.existsSync(path.join(dir, '..data_tmp'))).toBe(false);
    expect(fs.readdirSync(dir).filter((e) => !e.startsWith('..')).sort()).toEqual(['tls.crt', 'tls.key', 'token']);
    const r = await pod.exec(['sh', '-c', 'cat /tls/tls.crt /tls/tls.key /tls/token; echo; cat /tls-token']);
    expect(r.stdout).toBe('CERT 2\nKEY 2\nn3w\ns3cret');
    // an unchanged payload writes nothing
    await cluster.setSecret('apps', 'tls', { 'tls.crt': 'CERT 2\n', 'tls.key': 'KEY 2\n', token: 'n3w' });
    expect(fs.readlinkSync(path.join(dir, '..data'))).toBe(after);
    // a key that goes away loses its symlink
    await cluster.setSecret('apps', 'tls', { 'tls.crt': 'CERT 3\n', token: 'n3w' });
    expect(fs.readdirSync(dir).filter((e) => !e.startsWith('..')).sort()).toEqual(['tls.crt', 'token']);
  });

  test('an optional Secret that is missing at start: an empty volume, filled when it appears, emptied when deleted', async () => {
    const dir = pod.volumePath('later');
    expect(fs.readdirSync(dir).filter((e) => !e.startsWith('..'))).toEqual([]);
    expect((await pod.exec(['ls', '-A', '/later'])).stdout.split('\n').filter((e) => e && !e.startsWith('..'))).toEqual([]);
    await cluster.setSecret('apps', 'later', { 'tls.crt': 'LATE\n' });
    expect((await pod.exec(['cat', '/later/tls.crt'])).stdout).toBe('LATE\n');
    await cluster.deleteSecret('apps', 'later');
    expect((await pod.exec(['ls', '/later'])).stdout).toBe('');
    // a non-optional Secret deleted under a running pod stays as it was (kubelet only reports the failure)
    await cluster.deleteSecret('apps', 'tls');
    expect((await pod.exec(['cat', '/tls/tls.crt'])).stdout).toBe('CERT 3\n');
    expect(pod.events.some((e) => /MountVolume.SetUp failed for volume "tls" : secret "tls" not found/.test(e))).toBe(true);
    await cluster.setSecret('apps', 'tls', { 'tls.crt': 'CERT 4\n', token: 'n3w' });
  });

  test('kubelet\'s /etc/resolv.conf, /etc/hosts and hostname; the stand-in DNS answers, fails and recovers', async () => {
    const r = await pod.exec(['sh', '-c', 'cat /etc/resolv.conf; grep -v "^#" /etc/hosts | tail -1; hostname']);
    expect(r.stdout).toBe(`nameserver ${pod.hostIp}\nsearch apps.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n${pod.ip}\t${pod.name}\n${pod.name}\n`);
    // a short name goes through the search list
    expect((await pod.exec(['getent', 'hosts', 'web'])).stdout).toMatch(new RegExp(`^${pod.hostIp.replace(/\./g, '\\.')}\\s+web\\.apps\\.svc\\.cluster\\.local`));
    expect((await pod.exec(['getent', 'hosts', 'nothing.apps.svc.cluster.local'])).code).toBe(2);
    await pod.dns!.stop();
    expect((await pod.exec(['getent', 'hosts', 'web.apps.svc.cluster.local'])).code).not.toBe(0);
    await pod.dns!.start();
    expect((await pod.exec(['getent', 'hosts', 'web.apps.svc.cluster.local'])).code).toBe(0);
  });

  test('the pod has its own network: the host\'s loopback services are out of reach, the host side of the veth is not', async () => {
    const server = net.createServer((s) => s.end('from host\n'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const lo = await pod.exec(['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && echo reached || echo unreachable`]);
      expect(lo.stdout).toBe('unreachable\n');
      const gw = await pod.exec(['bash', '-c', `exec 3<>/dev/tcp/${pod.hostIp}/${port} && cat <&3`]);
      expect(gw.stdout).toBe('from host\n');
    } finally {
      server.close();
    }
  });

  test('terminate(): the preStop exec runs inside the pod as the container user, then the stop signal', async () => {
    const report = await pod.terminate();
    expect(report.preStop).toMatchObject({ kind: 'exec', ok: true, code: 0 });
    expect(report.stopSignal).toBe('SIGTERM');
    expect(report.killed).toBe(false);
    expect(report.exit.code).toBe(7);
    expect(pod.logs()).toContain('got TERM');
    const status = fs.readFileSync(path.join(pod.volumePath('scratch'), 'prestop-status'), 'utf8');
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status).toMatch(/^CapEff:\s+0{16}$/m);
    expect(Number(fs.readFileSync(path.join(pod.volumePath('scratch'), 'prestop-pid'), 'utf8'))).toBeGreaterThan(1);
  });
});

describeSandbox('sandbox rig: pod lifecycle edges', () => {
  let rootfs: string;
  beforeAll(async () => {
    rootfs = await sandboxRootfs();
  }, ROOTFS_TIMEOUT_MS);

  test('PID 1 without a handler ignores SIGTERM: SIGKILL at the end of the grace period', async () => {
    const pod = await startPod({ deployment: podObject({ container: { command: ['sleep', 'infinity'], args: undefined, lifecycle: undefined } }), objects, rootfs });
    try {
      pod.signal('SIGTERM');
      expect(await within(pod.exited, 500)).toBeUndefined();
      const report = await pod.terminate({ gracePeriodSeconds: 1 });
      expect(report.preStop).toBeUndefined();
      expect(report.killed).toBe(true);
      expect(report.exit).toMatchObject({ code: 137, signal: 'SIGKILL' });
      // at least 2 s: kubelet's minimum after the stop signal
      expect(report.totalMs).toBeGreaterThanOrEqual(1900);
    } finally {
      await pod.destroy();
    }
  });

  test('a missing non-optional ConfigMap keeps the pod in ContainerCreating, and nothing is left behind', async () => {
    const before = fs.readdirSync(slotsDir()).filter((e) => e.startsWith('slot-')).length;
    const spec = podObject();
    spec.spec.volumes[0].configMap.name = 'not-there';
    await expect(startPod({ deployment: spec, objects, rootfs })).rejects.toThrow(/ContainerCreating.*configmap "not-there" not found/);
    expect(fs.readdirSync(slotsDir()).filter((e) => e.startsWith('slot-')).length).toBe(before);
  });

  test('runAsNonRoot with a root user is refused', async () => {
    const spec = podObject({ spec: { securityContext: { runAsNonRoot: true } } });
    await expect(startPod({ deployment: spec, objects, rootfs })).rejects.toThrow(/runAsNonRoot/);
  });

  test('a writable root file system is a private overlay: the root file system on disk is untouched', async () => {
    const pod = await startPod({
      deployment: podObject({ container: { securityContext: {}, command: ['sleep', 'infinity'], args: undefined } }),
      objects,
      rootfs,
    });
    try {
      const r = await pod.exec(['sh', '-c', 'echo x > /var/tmp/written-by-pod && cat /var/tmp/written-by-pod; echo x > /etc/written-by-pod']);
      expect(r.stdout).toBe('x\n');
      // the image's permissions still apply: /etc is root's
      expect(r.stderr).toMatch(/Permission denied/);
      expect(fs.existsSync(path.join(rootfs, 'var/tmp/written-by-pod'))).toBe(false);
      expect(fs.readFileSync(path.join(pod.network.dir, `pod-${pod.name}`, 'rootfs/upper/var/tmp/written-by-pod'), 'utf8')).toBe('x\n');
    } finally {
      await pod.destroy();
    }
  });

  test('destroy() removes the network namespace, the veth and the state; a slot left by a dead run is reclaimed', async () => {
    const pod = await startPod({ deployment: podObject({ container: { command: ['sleep', 'infinity'], args: undefined } }), objects, rootfs });
    const { netnsPath, hostIf, dir } = pod.network;
    expect(fs.existsSync(netnsPath)).toBe(true);
    await pod.destroy();
    expect(fs.existsSync(netnsPath)).toBe(false);
    expect(fs.existsSync(path.join('/sys/class/net', hostIf))).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
    // a network whose owner died (a crashed worker): the next claim tears it down and reuses the slot
    const stale = createPodNetwork();
    fs.writeFileSync(path.join(stale.dir, 'owner'), '999999999 0 x');
    fs.writeFileSync(path.join(stale.dir, 'left-over'), '');
    const fresh = createPodNetwork();
    try {
      expect(fresh.slot).toBe(stale.slot);
      expect(fs.existsSync(path.join(fresh.dir, 'left-over'))).toBe(false);
      expect(fs.existsSync(fresh.netnsPath)).toBe(true);
      stale.destroy(); // no longer its slot: leaves the new owner's alone
      expect(fs.existsSync(fresh.netnsPath)).toBe(true);
    } finally {
      fresh.destroy();
    }
    expect(fs.existsSync(fresh.netnsPath)).toBe(false);
  });
});
