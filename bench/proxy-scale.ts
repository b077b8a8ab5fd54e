/**
 * Ten thousand routes on one proxy (issue 15): nginx memory and load time of a configuration split
 * into include files as the GatewayProxy splits it (`maxFileBytes` 768 KiB: one part per
 * ConfigMap). N HTTPRoutes as in bench/synth.ts — route i on hostname `app<i mod 50>`, PathPrefix
 * `/svc<i>` + header `x-tenant: t<i>` + query `v=<i mod 7>` → Service svc<i> (all mapped to one
 * Node backend on 127.0.0.1) — compiled with `compileNginx` (`workerProcesses: 1`), `nginx -t`
 * once, nginx started, a sample of routes checked (200 from the backend; a wrong header or query
 * 404), then VmRSS of the master and the worker from /proc/<pid>/status (PSS from smaps_rollup),
 * and, when this process may create a memory cgroup (root), the memory of nginx started inside a
 * cgroup of its own as the kubelet counts a container's: working set now and peak usage since
 * start (a page the master and the worker share is charged once; VmRSS counts it in both).
 *
 *   npx ts-node --project tsconfig.dev.json bench/proxy-scale.ts [N...] [--hosts H] [--json FILE] [--resolver [--zone-per-upstream]]
 *
 * Default N: 10000; H: 50. Skips (exit 0, with a message) when nginx is not installed.
 *
 * `--resolver` renders as the GatewayProxy does on a cluster: every Service by its DNS name, one
 * `upstream` block each that nginx re-resolves (`server NAME resolve`, nginx 1.27.3 or later: run
 * with the image's nginx line on PATH, e.g. a wrapper around scripts/nginx-in-rootfs.sh), through
 * a DNS stand-in on 127.0.0.1 answering every name with the backend's address. Without it the
 * Services are mapped to the backend's address (`backends`), the way the render tests run.
 * `--zone-per-upstream` (with `--resolver`) also measures each size with the zone lines as the
 * renderer wrote them before (a 64 KiB zone per upstream block), in the same run.
 */
import * as fs from 'fs';
import { compileNginx, KubeObject } from '../src';
import { parseNginxVersion } from '../src/render/nginx';
import { versionAtLeast } from '../src/render/nginx/context';
import { spawnSync } from 'child_process';
import { startDns } from '../test/sandbox/dns';
import { zonePerBlock } from '../test/sandbox/zones';
import { findNginx, freeOffset, machine, memoryCgroup, MemoryCgroup, nginxVersion, pssKb, removeDir, request, skip, sleep, startBackend, startNginx, statusKb, stopAll, writePrefix } from './lib';

const NS = 'bench';
/** The GatewayProxy's part size (src/constructs/proxy/config.ts CONFIG_PART_BYTES). */
const PART_BYTES = 768 * 1024;

function objects(n: number, hosts: number, servicePort = 8080): KubeObject[] {
  const out: KubeObject[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'builtin' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } } as KubeObject,
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: NS },
      spec: { gatewayClassName: 'builtin', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
    } as KubeObject,
  ];
  for (let i = 0; i < n; i++) {
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc${i}`, namespace: NS }, spec: { selector: { app: `svc${i}` }, ports: [{ name: 'http', port: servicePort }] } } as KubeObject);
    out.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: { name: `r${i}`, namespace: NS, creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: [`app${i % hosts}.example.com`],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }], queryParams: [{ name: 'v', type: 'Exact', value: String(i % 7) }] }], backendRefs: [{ name: `svc${i}`, port: servicePort }] }],
      },
    } as KubeObject);
  }
  return out;
}

const mib = (kb: number) => +(kb / 1024).toFixed(1);

/** `mapped`: Services mapped to the backend's address; `one-zone`: by DNS name as the proxy renders them; `zone-per-upstream`: by name, a zone per upstream block as before. */
type Variant = 'mapped' | 'one-zone' | 'zone-per-upstream';

/**
 * Removes the cgroup once its processes are gone: nginx run through a wrapper (scripts/nginx-in-rootfs.sh)
 * leaves its processes to be reaped by PID 1, which on a loaded machine took more than 10 s.
 */
async function removeWhenEmpty(cgroup: MemoryCgroup): Promise<void> {
  for (const deadline = Date.now() + 60000; ; await sleep(200)) {
    try {
      cgroup.remove();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() > deadline) throw e;
    }
  }
}

/** Shared memory mappings of a process (nginx's zones, the event module's, the TLS session cache). */
function sharedMappings(pid: number): number {
  return fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('/dev/zero')).length;
}

/** `nginx -t` with the CPU time it took (lib's nginxTest stops at 2 minutes; 10,000 routes take about one of CPU). */
function nginxTest(nginx: string, files: Readonly<Record<string, string>>): { ok: boolean; ms: number; cpuMs: number; output: string } {
  const dir = writePrefix(files);
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/bin/sh', ['-c', '"$@"; rc=$?; times; exit $rc', 'sh', nginx, '-t', '-q', '-p', dir, '-c', 'nginx.conf', '-e', 'error.log'], { encoding: 'utf8', timeout: 30 * 60 * 1000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // `times` prints the shell's then its children's user and system time: "0m1.234s 0m0.567s"
    const lines = (r.stdout ?? '').trim().split('\n');
    const child = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(lines[lines.length - 1] ?? '');
    const cpuMs = child ? Math.round((Number(child[1]) * 60 + Number(child[2]) + Number(child[3]) * 60 + Number(child[4])) * 1000) : NaN;
    return { ok: r.status === 0, ms, cpuMs, output: `${r.stderr ?? ''}` };
  } finally {
    removeDir(dir);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const hosts = Number(flag('--hosts') ?? 50);
  const jsonFile = flag('--json');
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && !['--hosts'].includes(args[i - 1])).map(Number);
  const ns = sizes.length ? sizes : [10000];
  const nginx = findNginx();
  if (!nginx) skip('nginx is not installed (looked on PATH and in /usr/sbin); install it (Debian: apt-get install nginx) to run this benchmark');
  console.log(`nginx ${nginxVersion(nginx)}; ${machine()}; ${hosts} hostnames; parts of at most ${PART_BYTES / 1024} KiB; worker_processes 1`);
  const resolverMode = args.includes('--resolver');
  const zonePerUpstream = args.includes('--zone-per-upstream');
  if (zonePerUpstream && !resolverMode) throw new Error('--zone-per-upstream goes with --resolver');
  const version = nginxVersion(nginx).replace(/^nginx\//, '');
  if (resolverMode && !versionAtLeast(parseNginxVersion(version), [1, 27, 3])) skip(`--resolver needs nginx 1.27.3 or later (\`server NAME resolve\`), found ${version}: put the image's nginx line on PATH (e.g. a wrapper around scripts/nginx-in-rootfs.sh)`);
  const variants: Variant[] = resolverMode ? (zonePerUpstream ? ['zone-per-upstream', 'one-zone'] : ['one-zone']) : ['mapped'];
  const backend = await startBackend('backend');
  // every Service name answers the backend's address; nginx asks for all of them at once when a
  // worker starts (see the stand-in's receiveBufferBytes)
  const dns = resolverMode ? await startDns({ address: '127.0.0.1', port: 0, records: {}, receiveBufferBytes: 16 * 2 ** 20 }) : undefined;
  const rows: Record<string, number | string>[] = [];
  try {
    for (const n of ns) {
      for (const variant of variants) {
        const offset = await freeOffset([80, 8081]);
        const t0 = process.hrtime.bigint();
        let gw;
        if (dns) {
          for (let i = 0; i < n; i++) dns.set(`svc${i}.${NS}.svc.cluster.local`, '127.0.0.1');
          [gw] = compileNginx(objects(n, hosts, backend.port), { resolver: `127.0.0.1:${dns.port}`, nginxVersion: version, listenHost: '127.0.0.1', portOffset: offset, workerProcesses: 1, maxFileBytes: PART_BYTES });
        } else {
          const backends: Record<string, string> = {};
          for (let i = 0; i < n; i++) backends[`${NS}/svc${i}:8080`] = backend.address;
          [gw] = compileNginx(objects(n, hosts), { backends, listenHost: '127.0.0.1', portOffset: offset, workerProcesses: 1, maxFileBytes: PART_BYTES });
        }
        const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const errors = gw.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length) throw new Error(`compile errors: ${errors.slice(0, 3).map((d) => d.message).join('; ')}`);
        const files: Record<string, string> = variant === 'zone-per-upstream' ? Object.fromEntries(Object.entries(gw.files).map(([k, v]) => [k, zonePerBlock(v)])) : { ...gw.files };
        const upstreamZones = new Set(Object.values(files).flatMap((f) => [...f.matchAll(/^\s*zone (\w+)/gm)].map((m) => m[1]))).size;
        const parts = Object.keys(files).filter((k) => k !== 'nginx.conf');
        const bytes = Object.values(files).reduce((sum, v) => sum + Buffer.byteLength(v), 0);
        const largest = Math.max(0, ...parts.map((p) => Buffer.byteLength(files[p])));
        const t = nginxTest(nginx, files);
        if (!t.ok) throw new Error(`nginx -t failed: ${t.output}`);
        const port = 80 + offset;
        const cgroup = memoryCgroup('proxy-scale');
        if (!cgroup) console.log('(no memory cgroup could be created here: the cgroup columns are left out)');
        const s0 = process.hrtime.bigint();
        const server = await startNginx(nginx, files, port, { startTimeoutMs: 30 * 60 * 1000, ...(cgroup ? { wrapper: cgroup.wrapper } : {}) });
        const startMs = Number(process.hrtime.bigint() - s0) / 1e6;
        try {
          let requests = 0;
          for (const i of [...new Set([0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 2, n - 1])].filter((x) => x >= 0 && x < n)) {
            const host = `app${i % hosts}.example.com`;
            for (const p of [
              { path: `/svc${i}/x?v=${i % 7}`, headers: { host, 'x-tenant': `t${i}` }, want: 200 },
              { path: `/svc${i}/x?v=${i % 7}`, headers: { host, 'x-tenant': `t${n}` }, want: 404 },
              { path: `/svc${i}/x?v=${(i + 1) % 7}`, headers: { host, 'x-tenant': `t${i}` }, want: 404 },
            ]) {
              // (by name, the upstream has no address until nginx resolved it in the background: 502 until then)
              let r = await request(port, p.path, p.headers);
              for (const deadline = Date.now() + 60000; dns && r.status === 502 && Date.now() < deadline; r = await request(port, p.path, p.headers)) await sleep(200);
              requests++;
              if (r.status !== p.want) throw new Error(`${n}: GET ${p.path} ${JSON.stringify(p.headers)} → ${r.status}, want ${p.want}\n${r.body}\n${server.errorLog().slice(-2000)}`);
            }
          }
          const workers = server.workers();
          if (workers.length !== 1) throw new Error(`expected 1 worker, found ${workers.length}`);
          const master = statusKb(server.master(), 'VmRSS');
          const worker = statusKb(workers[0], 'VmRSS');
          const pss = [server.master(), ...workers].map(pssKb);
          const mappings = sharedMappings(server.master());
          const cg = cgroup?.read();
          const row = {
            routes: n,
            variant,
            compileMs: Math.round(compileMs),
            configKiB: Math.round(bytes / 1024),
            parts: parts.length,
            largestPartKiB: Math.round(largest / 1024),
            upstreamZones,
            sharedMappings: mappings,
            nginxTestMs: Math.round(t.ms),
            nginxTestCpuMs: t.cpuMs,
            startMs: Math.round(startMs),
            masterRssMiB: mib(master),
            workerRssMiB: mib(worker),
            totalRssMiB: mib(master + worker),
            ...(pss.every((x) => x !== undefined) ? { totalPssMiB: mib(pss.reduce((a, b) => a! + b!, 0)!) } : {}),
            ...(cg ? { cgroupWorkingSetMiB: mib(cg.workingSet / 1024), cgroupAnonMiB: mib(cg.anon / 1024), cgroupPeakMiB: mib(cg.peak / 1024) } : {}),
            requests,
          };
          rows.push(row);
          console.log(
            `${String(n).padStart(6)} routes (${variant}): compile ${row.compileMs} ms, ${row.configKiB} KiB in nginx.conf + ${row.parts} parts (largest ${row.largestPartKiB} KiB), ` +
              `${upstreamZones} upstream zone(s), ${mappings} shared memory mappings; ` +
              `nginx -t ${row.nginxTestMs} ms (CPU ${row.nginxTestCpuMs} ms), start ${row.startMs} ms, RSS master ${row.masterRssMiB} MiB + worker ${row.workerRssMiB} MiB = ${row.totalRssMiB} MiB (PSS ${row.totalPssMiB ?? '?'} MiB)` +
              (cg ? `; cgroup: working set ${row.cgroupWorkingSetMiB} MiB (anonymous ${row.cgroupAnonMiB} MiB), peak ${row.cgroupPeakMiB} MiB` : '') +
              `, ${requests} requests checked`,
          );
          if (n === 10000 && variant !== 'zone-per-upstream') {
            console.log(`target: 10,000 routes ≤ 500 MB nginx RSS: VmRSS master + worker ${row.totalRssMiB} MiB → ${row.totalRssMiB * 1.048576 <= 500 ? 'met' : 'NOT met'}`);
            if (cg) console.log(`  as the container's memory (cgroup): working set ${row.cgroupWorkingSetMiB} MiB, peak ${row.cgroupPeakMiB} MiB → ${mib(cg.peak / 1024) * 1.048576 <= 500 ? 'met' : 'NOT met'} (peak)`);
          }
        } finally {
          await server.stop();
          if (cgroup) await removeWhenEmpty(cgroup);
        }
      }
    }
  } finally {
    await stopAll();
    await backend.close();
    await dns?.stop();
  }
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(rows, null, 2) + '\n');
}

main().catch(async (e) => {
  await stopAll();
  console.error(e);
  process.exit(1);
});
