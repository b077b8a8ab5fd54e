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
 *   npx ts-node --project tsconfig.dev.json bench/proxy-scale.ts [N...] [--hosts H] [--json FILE]
 *
 * Default N: 10000; H: 50. Skips (exit 0, with a message) when nginx is not installed.
 */
import * as fs from 'fs';
import { compileNginx, KubeObject } from '../src';
import { spawnSync } from 'child_process';
import { findNginx, freeOffset, machine, memoryCgroup, nginxVersion, pssKb, removeDir, request, skip, startBackend, startNginx, statusKb, stopAll, writePrefix } from './lib';

const NS = 'bench';
/** The GatewayProxy's part size (src/constructs/proxy/config.ts CONFIG_PART_BYTES). */
const PART_BYTES = 768 * 1024;

function objects(n: number, hosts: number): KubeObject[] {
  const out: KubeObject[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'builtin' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } } as KubeObject,
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: NS },
      spec: { gatewayClassName: 'builtin', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
    } as KubeObject,
  ];
  for (let i = 0; i < n; i++) {
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc${i}`, namespace: NS }, spec: { selector: { app: `svc${i}` }, ports: [{ name: 'http', port: 8080 }] } } as KubeObject);
    out.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: { name: `r${i}`, namespace: NS, creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: [`app${i % hosts}.example.com`],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }], queryParams: [{ name: 'v', type: 'Exact', value: String(i % 7) }] }], backendRefs: [{ name: `svc${i}`, port: 8080 }] }],
      },
    } as KubeObject);
  }
  return out;
}

const mib = (kb: number) => +(kb / 1024).toFixed(1);

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
  const backend = await startBackend('backend');
  const rows: Record<string, number>[] = [];
  try {
    for (const n of ns) {
      const backends: Record<string, string> = {};
      for (let i = 0; i < n; i++) backends[`${NS}/svc${i}:8080`] = backend.address;
      const offset = await freeOffset([80, 8081]);
      const t0 = process.hrtime.bigint();
      const [gw] = compileNginx(objects(n, hosts), { backends, listenHost: '127.0.0.1', portOffset: offset, workerProcesses: 1, maxFileBytes: PART_BYTES });
      const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const errors = gw.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) throw new Error(`compile errors: ${errors.slice(0, 3).map((d) => d.message).join('; ')}`);
      const parts = Object.keys(gw.files).filter((k) => k !== 'nginx.conf');
      const bytes = Object.values(gw.files).reduce((s, v) => s + Buffer.byteLength(v), 0);
      const largest = Math.max(0, ...parts.map((p) => Buffer.byteLength(gw.files[p])));
      const t = nginxTest(nginx, gw.files);
      if (!t.ok) throw new Error(`nginx -t failed: ${t.output}`);
      const port = 80 + offset;
      const cgroup = memoryCgroup('proxy-scale');
      if (!cgroup) console.log('(no memory cgroup could be created here: the cgroup columns are left out)');
      const s0 = process.hrtime.bigint();
      const server = await startNginx(nginx, gw.files, port, { startTimeoutMs: 30 * 60 * 1000, ...(cgroup ? { wrapper: cgroup.wrapper } : {}) });
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
            const r = await request(port, p.path, p.headers);
            requests++;
            if (r.status !== p.want) throw new Error(`${n}: GET ${p.path} ${JSON.stringify(p.headers)} → ${r.status}, want ${p.want}\n${r.body}`);
          }
        }
        const workers = server.workers();
        if (workers.length !== 1) throw new Error(`expected 1 worker, found ${workers.length}`);
        const master = statusKb(server.pid, 'VmRSS');
        const worker = statusKb(workers[0], 'VmRSS');
        const pss = [server.pid, ...workers].map(pssKb);
        const cg = cgroup?.read();
        const row = {
          routes: n,
          compileMs: Math.round(compileMs),
          configKiB: Math.round(bytes / 1024),
          parts: parts.length,
          largestPartKiB: Math.round(largest / 1024),
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
          `${String(n).padStart(6)} routes: compile ${row.compileMs} ms, ${row.configKiB} KiB in nginx.conf + ${row.parts} parts (largest ${row.largestPartKiB} KiB), ` +
            `nginx -t ${row.nginxTestMs} ms (CPU ${row.nginxTestCpuMs} ms), start ${row.startMs} ms, RSS master ${row.masterRssMiB} MiB + worker ${row.workerRssMiB} MiB = ${row.totalRssMiB} MiB (PSS ${row.totalPssMiB ?? '?'} MiB)` +
            (cg ? `; cgroup: working set ${row.cgroupWorkingSetMiB} MiB (anonymous ${row.cgroupAnonMiB} MiB), peak ${row.cgroupPeakMiB} MiB` : '') +
            `, ${requests} requests checked`,
        );
        if (n === 10000) {
          console.log(`target: 10,000 routes ≤ 500 MB nginx RSS: VmRSS master + worker ${row.totalRssMiB} MiB → ${row.totalRssMiB * 1.048576 <= 500 ? 'met' : 'NOT met'}`);
          if (cg) console.log(`  as the container's memory (cgroup): working set ${row.cgroupWorkingSetMiB} MiB, peak ${row.cgroupPeakMiB} MiB → ${mib(cg.peak / 1024) * 1.048576 <= 500 ? 'met' : 'NOT met'} (peak)`);
        }
      } finally {
        await server.stop();
        cgroup?.remove();
      }
    }
  } finally {
    await stopAll();
    await backend.close();
  }
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(rows, null, 2) + '\n');
}

main().catch(async (e) => {
  await stopAll();
  console.error(e);
  process.exit(1);
});
