/**
 * nginx scale benchmark (BRIEF §7: 1,000 header-matched routes ≤ 200 MB nginx RSS). For N routes:
 * compile with `compileNginx` (`workerProcesses: 1`), `nginx -t` (median of R), start nginx on
 * 127.0.0.1 in front of one Node backend, send a few matching / non-matching requests (the worker
 * initialises and the routing is checked), then read VmRSS of the master and the worker from
 * /proc/<pid>/status (and PSS from smaps_rollup: shared pages counted once).
 *
 * Variants:
 * - `distinct`: route i = PathPrefix `/svc<i>` + header `x-tenant: t<i>` + query `v=<i mod 7>` → Service svc<i>;
 * - `one-path`: route i = PathPrefix `/api` + header `x-tenant: t<i>` → Service svc<i>: every route in the
 *   same location, differing only by the header (the worst case for the per-location dispatch).
 *
 * All routes are on one hostname (one server block) of one HTTP listener.
 *
 * Each variant is also written the way an nginx admin would (`expert`, see {@link expertConfig}),
 * measured in the same run (`nginx -t` alternating with the generated configuration, the same
 * requests, RSS), and the `nginx -t` ratio generated ÷ expert is printed.
 *
 *   npx ts-node --project tsconfig.dev.json bench/nginx-scale.ts [N...] [--variant distinct|one-path] [--runs R] [--workers W] [--json FILE] [--write DIR] [--decompose] [--backend-keepalive N]
 *
 * `nginx -t` is timed by the wall clock and by its CPU time (`perf stat -e task-clock`, or
 * `/usr/bin/time` user + system), which other load on the machine inflates far less.
 * `--decompose` also times `nginx -t` of both configurations without upstream registrations (see
 * {@link withoutRegistrations}), alternating with the full ones, and prints the per-route cost of that
 * part and of the registrations (full − free) for each size: what grows with the route count.
 * `--write DIR` keeps both configurations of every size as nginx prefixes,
 * `DIR/<variant>-<N>-generated` and `DIR/<variant>-<N>-expert` (e.g. for callgrind on `nginx -t`).
 *
 * `--workers W` renders `worker_processes W` (default 1) and sums the RSS of all workers.
 *
 * Per-request cost (both optional, generated and expert alike, over 100 matching requests spread
 * over the routes, cycled by a wrk Lua script):
 * - `--load S`: `wrk -t1 -c32 -dS --latency` R times, alternating the two configurations; req/s
 *   and p99 latency (medians) and their ratios; needs wrk;
 * - `--callgrind`: instructions per request under valgrind callgrind (`master_process off`,
 *   counters zeroed after a warm-up, 5 s of `wrk -c8`): deterministic, blind to other load.
 *
 * Skips (exit 0, with a message) when nginx is not installed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileNginx, KubeObject } from '../src';
import { spawnSync } from 'child_process';
import { findBinary, findNginx, findWrk, freeOffset, freePort, instructionsPerRequest, machine, median, nginxVersion, pssKb, removeDir, request, runWrk, skip, startBackend, startNginx, statusKb, stopAll, writePrefix } from './lib';

type Variant = 'distinct' | 'one-path';
const NS = 'bench';
const HOST = 'app.example.com';

function objects(n: number, variant: Variant): KubeObject[] {
  const out: KubeObject[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'builtin' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } } as KubeObject,
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: NS },
      spec: { gatewayClassName: 'builtin', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
    } as KubeObject,
  ];
  for (let i = 0; i < n; i++) {
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc${i}`, namespace: NS }, spec: { selector: { app: `svc${i}` }, ports: [{ name: 'http', port: 8080 }] } } as KubeObject);
    const match = variant === 'distinct'
      ? { path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }], queryParams: [{ name: 'v', type: 'Exact', value: String(i % 7) }] }
      : { path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }] };
    out.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: { name: `r${i}`, namespace: NS, creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() },
      spec: { parentRefs: [{ name: 'gw' }], hostnames: [HOST], rules: [{ matches: [match], backendRefs: [{ name: `svc${i}`, port: 8080 }] }] },
    } as KubeObject);
  }
  return out;
}

/** A request that route i must answer (200) and one it must not (404: header of no route). */
function probes(i: number, n: number, variant: Variant): { path: string; headers: Record<string, string>; want: number }[] {
  const host = { host: HOST };
  if (variant === 'distinct') {
    return [
      { path: `/svc${i}/x?v=${i % 7}`, headers: { ...host, 'x-tenant': `t${i}` }, want: 200 },
      { path: `/svc${i}/x?v=${i % 7}`, headers: { ...host, 'x-tenant': `t${n}` }, want: 404 },
      { path: `/svc${i}/x?v=${(i + 1) % 7}`, headers: { ...host, 'x-tenant': `t${i}` }, want: 404 },
    ];
  }
  return [
    { path: '/api/x', headers: { ...host, 'x-tenant': `t${i}` }, want: 200 },
    { path: '/api/x', headers: { ...host, 'x-tenant': `t${n}` }, want: 404 },
  ];
}

/**
 * The same routes written by hand, the way an nginx admin would: one `upstream` per Service with
 * `keepalive`, the usual proxy headers, and
 * - distinct: a `location /svc<i>/` per route with the conditions inside (`if (…) { return 404; }`:
 *   `$http_x_tenant != "t<i>"`, `$arg_v != "<i mod 7>"`) and `proxy_pass http://svc<i>`;
 * - one-path: `map $http_x_tenant $tenant_upstream { t<i> svc<i>; … }` and one `location /api/`
 *   with `proxy_pass http://$tenant_upstream`. A `map` compares strings case-insensitively and
 *   Gateway API header values match case-sensitively; the admin's case handling relies on every
 *   tenant id being lower case: `if ($http_x_tenant ~ "[A-Z]") { return 404; }`.
 *
 * Simpler than the generated routing in ways an admin may accept: `$arg_v` takes the parameter
 * name case-insensitively and does not decode percent-encoding, the `/svc<i>` path without the
 * trailing slash is not routed, and `proxy_pass http://$tenant_upstream` looks the upstream up by
 * name at run time (a linear search over the upstream blocks).
 */
function expertConfig(n: number, variant: Variant, port: number, backend: string, workerCount: number): string {
  const upstreams = Array.from({ length: n }, (_, i) => `  upstream svc${i} {\n    server ${backend};\n    keepalive 32;\n  }\n`).join('');
  const routing = variant === 'distinct'
    ? Array.from({ length: n }, (_, i) => `    location /svc${i}/ {\n      if ($http_x_tenant != "t${i}") {\n        return 404;\n      }\n      if ($arg_v != "${i % 7}") {\n        return 404;\n      }\n      proxy_pass http://svc${i};\n    }\n`).join('')
    : `    location /api/ {\n      if ($tenant_upstream = "") {\n        return 404;\n      }\n      # map keys match case-insensitively; tenant ids are lower case\n      if ($http_x_tenant ~ "[A-Z]") {\n        return 404;\n      }\n      proxy_pass http://$tenant_upstream;\n    }\n`;
  const map = variant === 'one-path' ? `  map $http_x_tenant $tenant_upstream {\n${Array.from({ length: n }, (_, i) => `    t${i} svc${i};\n`).join('')}    default "";\n  }\n` : '';
  return `worker_processes ${workerCount};
pid nginx.pid;
error_log error.log notice;
events {
  worker_connections 4096;
}
http {
  access_log access.log;
  client_body_temp_path client_body_temp;
  proxy_temp_path proxy_temp;
  fastcgi_temp_path fastcgi_temp;
  uwsgi_temp_path uwsgi_temp;
  scgi_temp_path scgi_temp;
  server_tokens off;
  map_hash_max_size 4096;
  map_hash_bucket_size 256;

${upstreams}
${map}
  server {
    listen 127.0.0.1:${port};
    server_name ${HOST};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;

${routing}    location / {
      return 404;
    }
  }
}
`;
}

/**
 * `nginx -t` on `files`: wall time and the CPU time of nginx, which other load on the machine
 * inflates far less than the wall time: `perf stat -e task-clock` (precise) when perf is installed
 * and allowed to count, else `/usr/bin/time` (user + system, 10 ms steps), else none.
 */
function nginxTest(nginx: string, files: Readonly<Record<string, string>>): { ok: boolean; ms: number; cpuMs?: number; output: string } {
  const dir = writePrefix(files);
  try {
    const argv = [nginx, '-t', '-q', '-p', dir, '-c', 'nginx.conf', '-e', 'error.log'];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cpuTimer.cmd[0] ?? nginx, [...cpuTimer.cmd.slice(1), ...(cpuTimer.cmd.length ? argv : argv.slice(1))], { encoding: 'utf8', timeout: 600000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const parsed = cpuTimer.parse(r.stderr ?? '');
    return { ok: r.status === 0, ms, ...(parsed.cpuMs !== undefined ? { cpuMs: parsed.cpuMs } : {}), output: `${r.stdout ?? ''}${parsed.rest}` };
  } finally {
    removeDir(dir);
  }
}

/**
 * The configuration without what makes nginx register upstreams (`ngx_http_upstream_add`, which
 * searches every upstream registered so far: n²/2 steps per round, see docs/benchmarks.md): every
 * http `upstream` block removed and every `proxy_pass` / `grpc_pass` without variables answering
 * `return 204` instead. Everything else — maps, locations, conditions, `if` blocks — stays, so the
 * difference to the full configuration's `nginx -t` is the registrations' cost. For timing only.
 */
function withoutRegistrations(files: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    out[name] = name === 'nginx.conf' || name.endsWith('.conf')
      ? text.replace(/^[ \t]*upstream[ \t]+[^\s{]+[ \t]*\{[^}]*\}[ \t]*\n/gm, '').replace(/\b(?:proxy_pass|grpc_pass)[ \t]+[^;$]+;/g, 'return 204;')
      : text;
  }
  return out;
}

/** How {@link nginxTest} takes the CPU time: a command prefix and a parser of its stderr. */
const cpuTimer: { cmd: string[]; parse: (stderr: string) => { cpuMs?: number; rest: string }; name: string } = (() => {
  const perf = findBinary('perf', ['/usr/bin']);
  if (perf && spawnSync(perf, ['stat', '-x,', '-e', 'task-clock', 'true'], { encoding: 'utf8' }).stderr?.includes(',msec,task-clock')) {
    return {
      name: 'perf stat task-clock',
      cmd: [perf, 'stat', '-x,', '-e', 'task-clock'],
      parse: (stderr) => {
        const m = /^([\d.]+),msec,task-clock.*$/m.exec(stderr);
        return m ? { cpuMs: Number(m[1]), rest: stderr.replace(m[0], '').trim() } : { rest: stderr };
      },
    };
  }
  const time = findBinary('time', ['/usr/bin']);
  if (time) {
    const marker = 'cdk8s-gw-cpu';
    return {
      name: '/usr/bin/time user + system',
      cmd: [time, '-f', `${marker} %U %S`],
      parse: (stderr) => {
        const m = new RegExp(`^${marker} ([\\d.]+) ([\\d.]+)$`, 'm').exec(stderr);
        return m ? { cpuMs: (Number(m[1]) + Number(m[2])) * 1000, rest: stderr.replace(m[0], '').trim() } : { rest: stderr };
      },
    };
  }
  return { name: 'none', cmd: [], parse: (stderr) => ({ rest: stderr }) };
})();

/** A wrk Lua script cycling over 100 matching requests spread over the routes. */
function luaScript(n: number, variant: Variant): string {
  const sample = [...new Set(Array.from({ length: 100 }, (_, k) => Math.floor((k * n) / 100)))];
  const entries = sample.map((i) => {
    const p = probes(i, n, variant)[0];
    return `  { "${p.path}", "${p.headers['x-tenant']}" },`;
  });
  return `-- generated by bench/nginx-scale.ts
local list = {
${entries.join('\n')}
}
local reqs = {}
local n = 0
init = function(args)
  for i, e in ipairs(list) do
    reqs[i] = wrk.format("GET", e[1], { ["Host"] = "${HOST}", ["x-tenant"] = e[2] })
  end
end
request = function()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
`;
}

interface PerRequest {
  rps?: number;
  p99Ms?: number;
  instructions?: number;
}

interface Served {
  startMs: number;
  masterRssMiB: number;
  workers: number;
  /** all workers together */
  workerRssMiB: number;
  totalRssMiB: number;
  totalPssMiB?: number;
  requests: number;
}

interface Row {
  variant: Variant;
  routes: number;
  compileMs: number;
  configKiB: number;
  nginxTestMs: number;
  /** CPU time (user + system) of `nginx -t`, median, when measurable */
  nginxTestCpuMs?: number;
  startMs: number;
  masterRssMiB: number;
  workers: number;
  /** all workers together */
  workerRssMiB: number;
  totalRssMiB: number;
  totalPssMiB?: number;
  requests: number;
  expert: { configKiB: number; nginxTestMs: number; nginxTestCpuMs?: number } & Served;
  /** generated ÷ expert `nginx -t` (medians) */
  nginxTestRatio: number;
  /** generated ÷ expert `nginx -t` CPU time (medians) */
  nginxTestCpuRatio?: number;
  perRequest?: { generated: PerRequest; expert: PerRequest; rpsRatio?: number; p99Ratio?: number; instructionRatio?: number };
  /** `--decompose`: `nginx -t` of the configurations without upstream registrations (medians) */
  withoutRegistrations?: { generated: { nginxTestMs: number; nginxTestCpuMs?: number }; expert: { nginxTestMs: number; nginxTestCpuMs?: number } };
}

interface LoadOptions {
  seconds?: number;
  runs: number;
  callgrind?: { valgrind: string; callgrindControl: string };
}

/** req/s and p99 (wrk, alternating) and instructions per request (callgrind) of both configurations. */
async function perRequest(nginx: string, configs: { generated: { files: Readonly<Record<string, string>>; port: number }; expert: { files: Readonly<Record<string, string>>; port: number } }, n: number, variant: Variant, load: LoadOptions): Promise<Row['perRequest']> {
  const wrk = findWrk();
  if (!wrk) return undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-scale-'));
  try {
    const script = path.join(work, 'requests.lua');
    fs.writeFileSync(script, luaScript(n, variant));
    const out = { generated: {} as PerRequest, expert: {} as PerRequest };
    if (load.seconds) {
      const rps = { generated: [] as number[], expert: [] as number[] };
      const p99 = { generated: [] as number[], expert: [] as number[] };
      const running = { generated: await startNginx(nginx, configs.generated.files, configs.generated.port), expert: await startNginx(nginx, configs.expert.files, configs.expert.port) };
      try {
        for (const c of ['generated', 'expert'] as const) await runWrk(wrk, configs[c].port, script, 2); // warm-up
        for (let r = 0; r < load.runs; r++) {
          const order: ('generated' | 'expert')[] = r % 2 ? ['expert', 'generated'] : ['generated', 'expert'];
          for (const c of order) {
            const w = await runWrk(wrk, configs[c].port, script, load.seconds);
            if (w.non2xx || w.socketErrors) throw new Error(`${c}: ${w.non2xx} non-2xx responses ${w.socketErrors}`);
            rps[c].push(w.rps);
            p99[c].push(w.p99Ms);
          }
        }
      } finally {
        await running.generated.stop();
        await running.expert.stop();
      }
      for (const c of ['generated', 'expert'] as const) Object.assign(out[c], { rps: Math.round(median(rps[c])), p99Ms: +median(p99[c]).toFixed(2) });
    }
    if (load.callgrind) {
      for (const c of ['generated', 'expert'] as const) {
        out[c].instructions = (await instructionsPerRequest({ nginx, wrk, ...load.callgrind }, configs[c].files, configs[c].port, script, work, 5)).perRequest;
      }
    }
    const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined ? +(a / b).toFixed(3) : undefined);
    return {
      ...out,
      ...(load.seconds ? { rpsRatio: ratio(out.generated.rps, out.expert.rps), p99Ratio: ratio(out.generated.p99Ms, out.expert.p99Ms) } : {}),
      ...(load.callgrind ? { instructionRatio: ratio(out.generated.instructions, out.expert.instructions) } : {}),
    };
  } finally {
    removeDir(work);
  }
}

const mib = (kb: number) => +(kb / 1024).toFixed(1);

/** Starts nginx on `files`, checks the probes of a few routes, reads RSS / PSS; stops it. */
async function serve(nginx: string, files: Readonly<Record<string, string>>, port: number, n: number, variant: Variant, workerCount: number, label: string): Promise<Served> {
  const s0 = process.hrtime.bigint();
  const server = await startNginx(nginx, files, port, { startTimeoutMs: 600000 });
  const startMs = Number(process.hrtime.bigint() - s0) / 1e6;
  try {
    let requests = 0;
    for (const i of [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1])].filter((x) => x >= 0 && x < n)) {
      for (const p of probes(i, n, variant)) {
        const r = await request(port, p.path, p.headers);
        requests++;
        if (r.status !== p.want) throw new Error(`${label} ${variant} ${n}: GET ${p.path} ${JSON.stringify(p.headers)} → ${r.status}, want ${p.want}\n${r.body}\n${server.errorLog().slice(-2000)}`);
        if (p.want === 200 && !r.body.startsWith('backend ')) throw new Error(`unexpected body ${r.body}`);
      }
    }
    const workers = server.workers();
    if (workers.length !== workerCount) throw new Error(`expected ${workerCount} workers, found ${workers.length}`);
    const master = statusKb(server.master(), 'VmRSS');
    const worker = workers.reduce((sum, w) => sum + statusKb(w, 'VmRSS'), 0);
    const pss = [server.master(), ...workers].map(pssKb);
    return {
      startMs: Math.round(startMs),
      masterRssMiB: mib(master),
      workers: workers.length,
      workerRssMiB: mib(worker),
      totalRssMiB: mib(master + worker),
      ...(pss.every((x) => x !== undefined) ? { totalPssMiB: mib(pss.reduce((a, b) => a! + b!, 0)!) } : {}),
      requests,
    };
  } finally {
    await server.stop();
  }
}

/** `--backend-keepalive N`: the generated configuration's `backendKeepalive` render option (default: the renderer's). */
let renderExtra: { backendKeepalive?: number } = {};

async function measure(nginx: string, backendAddress: string, n: number, variant: Variant, runs: number, workerCount: number, load?: LoadOptions, writeDir?: string, decompose = false): Promise<Row> {
  const objs = objects(n, variant);
  const backends: Record<string, string> = {};
  for (let i = 0; i < n; i++) backends[`${NS}/svc${i}:8080`] = backendAddress;
  const offset = await freeOffset([80, 8081]);
  const t0 = process.hrtime.bigint();
  const [gw] = compileNginx(objs, { backends, listenHost: '127.0.0.1', portOffset: offset, workerProcesses: workerCount, ...renderExtra });
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const errors = gw.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`compile errors: ${errors.slice(0, 3).map((d) => d.message).join('; ')}`);
  const conf = gw.files['nginx.conf'];
  if (!conf.includes(`worker_processes ${workerCount};`)) throw new Error(`expected worker_processes ${workerCount}`);
  const expertPort = await freePort();
  const expert = { 'nginx.conf': expertConfig(n, variant, expertPort, backendAddress, workerCount) };
  if (writeDir) {
    // both configurations as nginx prefixes, e.g. for `valgrind --tool=callgrind nginx -t -p DIR -c nginx.conf`
    for (const [label, files] of [['generated', gw.files], ['expert', expert]] as const) {
      for (const [rel, content] of Object.entries(files)) {
        const p = path.join(writeDir, `${variant}-${n}-${label}`, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, content);
      }
    }
  }

  // alternating, so drift of the machine hits both alike
  const tests: number[] = [];
  const expertTests: number[] = [];
  const cpu: number[] = [];
  const expertCpu: number[] = [];
  const free = { generated: { files: withoutRegistrations(gw.files), ms: [] as number[], cpu: [] as number[] }, expert: { files: withoutRegistrations(expert), ms: [] as number[], cpu: [] as number[] } };
  if (decompose && /\bupstream\s+\S+\s*\{|\b(?:proxy|grpc)_pass\s+[^;$]+;/.test(Object.values(free.generated.files).join('\n'))) throw new Error('--decompose: registrations left in the generated configuration');
  for (let r = 0; r < runs; r++) {
    const order = [[gw.files, tests, cpu, 'generated'], [expert, expertTests, expertCpu, 'expert']] as [Readonly<Record<string, string>>, number[], number[], string][];
    if (decompose) order.push([free.generated.files, free.generated.ms, free.generated.cpu, 'generated without registrations'], [free.expert.files, free.expert.ms, free.expert.cpu, 'expert without registrations']);
    for (const [files, into, cpuInto, label] of order) {
      const t = nginxTest(nginx, files);
      if (!t.ok) throw new Error(`nginx -t (${label}) failed: ${t.output}`);
      into.push(t.ms);
      if (t.cpuMs !== undefined) cpuInto.push(t.cpuMs);
    }
  }
  const freeOf = (x: { ms: number[]; cpu: number[] }) => ({ nginxTestMs: Math.round(median(x.ms)), ...(x.cpu.length === runs ? { nginxTestCpuMs: Math.round(median(x.cpu)) } : {}) });
  const cpuMs = cpu.length === runs ? median(cpu) : undefined;
  const expertCpuMs = expertCpu.length === runs ? median(expertCpu) : undefined;
  const served = await serve(nginx, gw.files, 80 + offset, n, variant, workerCount, 'generated');
  const expertServed = await serve(nginx, expert, expertPort, n, variant, workerCount, 'expert');
  const nginxTestMs = median(tests);
  const expertMs = median(expertTests);
  const pr = load ? await perRequest(nginx, { generated: { files: gw.files, port: 80 + offset }, expert: { files: expert, port: expertPort } }, n, variant, load) : undefined;
  return {
    variant,
    routes: n,
    compileMs: Math.round(compileMs),
    configKiB: Math.round(conf.length / 1024),
    nginxTestMs: Math.round(nginxTestMs),
    ...(cpuMs !== undefined ? { nginxTestCpuMs: Math.round(cpuMs) } : {}),
    ...served,
    expert: { configKiB: Math.round(expert['nginx.conf'].length / 1024), nginxTestMs: Math.round(expertMs), ...(expertCpuMs !== undefined ? { nginxTestCpuMs: Math.round(expertCpuMs) } : {}), ...expertServed },
    nginxTestRatio: +(nginxTestMs / expertMs).toFixed(2),
    ...(cpuMs !== undefined && expertCpuMs ? { nginxTestCpuRatio: +(cpuMs / expertCpuMs).toFixed(2) } : {}),
    ...(pr ? { perRequest: pr } : {}),
    ...(decompose ? { withoutRegistrations: { generated: freeOf(free.generated), expert: freeOf(free.expert) } } : {}),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const runs = Number(flag('--runs') ?? 3);
  if (flag('--backend-keepalive') !== undefined) renderExtra = { backendKeepalive: Number(flag('--backend-keepalive')) };
  const workerCount = Number(flag('--workers') ?? 1);
  if (!Number.isInteger(workerCount) || workerCount < 1) throw new Error('--workers takes a positive integer');
  const jsonFile = flag('--json');
  const writeDir = flag('--write');
  const v = flag('--variant');
  if (v !== undefined && v !== 'distinct' && v !== 'one-path') throw new Error('--variant takes distinct or one-path');
  const variants: Variant[] = v ? [v] : ['distinct', 'one-path'];
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && !['--runs', '--workers', '--load', '--json', '--write', '--variant', '--backend-keepalive'].includes(args[i - 1])).map(Number);
  const loadSeconds = flag('--load') !== undefined ? Number(flag('--load')) : undefined;
  let load: LoadOptions | undefined;
  if (loadSeconds !== undefined || args.includes('--callgrind')) {
    if (!findWrk()) skip('--load / --callgrind need wrk (Debian: apt-get install wrk)');
    const valgrind = findBinary('valgrind');
    const callgrindControl = findBinary('callgrind_control');
    if (args.includes('--callgrind') && (!valgrind || !callgrindControl)) skip('--callgrind needs valgrind (Debian: apt-get install valgrind)');
    load = { ...(loadSeconds ? { seconds: loadSeconds } : {}), runs, ...(args.includes('--callgrind') ? { callgrind: { valgrind: valgrind!, callgrindControl: callgrindControl! } } : {}) };
  }
  const ns = sizes.length ? sizes : [100, 500, 1000, 2000];

  const nginx = findNginx();
  if (!nginx) skip('nginx is not installed (looked on PATH and in /usr/sbin); install it (Debian: apt-get install nginx) to run this benchmark');
  console.log(`nginx ${nginxVersion(nginx)}; ${machine()}`);
  console.log(`worker_processes ${workerCount}; nginx -t: median of ${runs} (CPU time: ${cpuTimer.name}); RSS after a few requests (VmRSS of master + worker${workerCount > 1 ? 's' : ''}; PSS counts shared pages once)`);

  // warm-up of the compiler (JIT), so the first size's compile time is comparable
  compileNginx(objects(50, 'distinct'), { workerProcesses: 1 });
  const backend = await startBackend('backend');
  const rows: Row[] = [];
  try {
    for (const variant of variants) {
      for (const n of ns) {
        const row = await measure(nginx, backend.address, n, variant, runs, workerCount, load, writeDir, args.includes('--decompose'));
        rows.push(row);
        const w = row.workers > 1 ? `${row.workers} workers` : 'worker';
        console.log(
          `${variant.padEnd(8)} ${String(n).padStart(5)} routes: compile ${String(row.compileMs).padStart(5)} ms, ${String(row.configKiB).padStart(5)} KiB, ` +
            `nginx -t ${String(row.nginxTestMs).padStart(5)} ms${row.nginxTestCpuMs !== undefined ? ` (CPU ${row.nginxTestCpuMs} ms)` : ''}, start ${String(row.startMs).padStart(5)} ms, ` +
            `RSS master ${row.masterRssMiB} MiB + ${w} ${row.workerRssMiB} MiB = ${row.totalRssMiB} MiB (PSS ${row.totalPssMiB ?? '?'} MiB)`,
        );
        const e = row.expert;
        console.log(
          `${'  expert'.padEnd(8)} ${String(n).padStart(5)} routes: ${' '.repeat(16)}${String(e.configKiB).padStart(5)} KiB, ` +
            `nginx -t ${String(e.nginxTestMs).padStart(5)} ms${e.nginxTestCpuMs !== undefined ? ` (CPU ${e.nginxTestCpuMs} ms)` : ''}, start ${String(e.startMs).padStart(5)} ms, ` +
            `RSS master ${e.masterRssMiB} MiB + ${w} ${e.workerRssMiB} MiB = ${e.totalRssMiB} MiB (PSS ${e.totalPssMiB ?? '?'} MiB); ` +
            `nginx -t generated ÷ expert ${row.nginxTestRatio.toFixed(2)}×${row.nginxTestCpuRatio !== undefined ? ` (CPU ${row.nginxTestCpuRatio.toFixed(2)}×)` : ''}`,
        );
        const pr = row.perRequest;
        if (pr) {
          const fmt = (x: PerRequest) => [x.rps !== undefined ? `${x.rps} req/s, p99 ${x.p99Ms} ms` : '', x.instructions !== undefined ? `${x.instructions} instructions/request` : ''].filter(Boolean).join(', ');
          console.log(
            `${' '.repeat(8)} per request: generated ${fmt(pr.generated)}; expert ${fmt(pr.expert)}` +
              (pr.rpsRatio !== undefined ? `; generated ÷ expert req/s ${pr.rpsRatio}×, p99 ${pr.p99Ratio}×` : '') +
              (pr.instructionRatio !== undefined ? `; instructions ${pr.instructionRatio}×` : ''),
          );
        }
      }
    }
  } finally {
    await stopAll();
    await backend.close();
  }
  for (const r of rows.filter((x) => x.routes === 1000)) {
    console.log(`target: ${r.variant}, 1,000 routes ≤ 200 MB RSS (master + ${r.workers} worker${r.workers > 1 ? 's' : ''}): ${r.totalRssMiB} MiB → ${r.totalRssMiB * 1.048576 <= 200 ? 'met' : 'NOT met'}`);
    console.log(`target: ${r.variant}, 1,000 routes nginx -t ≤ 2× the expert configuration's: ${r.nginxTestRatio.toFixed(2)}× → ${r.nginxTestRatio <= 2 ? 'met' : 'NOT met'}`);
  }
  for (const v of variants) {
    const vs = rows.filter((r) => r.variant === v).sort((a, b) => a.routes - b.routes);
    if (vs.length > 1) {
      console.log(`${v}: nginx -t per route ${vs.map((r) => `${r.routes}: ${((r.nginxTestMs / r.routes) * 1000).toFixed(0)} µs`).join(', ')} (expert ${vs.map((r) => `${((r.expert.nginxTestMs / r.routes) * 1000).toFixed(0)} µs`).join(', ')})`);
      if (vs.every((r) => r.nginxTestCpuMs !== undefined && r.expert.nginxTestCpuMs !== undefined)) {
        console.log(`${v}: nginx -t CPU per route ${vs.map((r) => `${r.routes}: ${((r.nginxTestCpuMs! / r.routes) * 1000).toFixed(0)} µs`).join(', ')} (expert ${vs.map((r) => `${((r.expert.nginxTestCpuMs! / r.routes) * 1000).toFixed(0)} µs`).join(', ')})`);
      }
      if (vs.every((r) => r.withoutRegistrations)) {
        // CPU time when every run has it, else the wall clock
        const cpuAll = vs.every((r) => r.nginxTestCpuMs !== undefined && r.expert.nginxTestCpuMs !== undefined && r.withoutRegistrations!.generated.nginxTestCpuMs !== undefined && r.withoutRegistrations!.expert.nginxTestCpuMs !== undefined);
        const full = (r: Row, side: 'generated' | 'expert') => (side === 'generated' ? (cpuAll ? r.nginxTestCpuMs! : r.nginxTestMs) : cpuAll ? r.expert.nginxTestCpuMs! : r.expert.nginxTestMs);
        const freeMs = (r: Row, side: 'generated' | 'expert') => (cpuAll ? r.withoutRegistrations![side].nginxTestCpuMs! : r.withoutRegistrations![side].nginxTestMs);
        const us = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(0)} µs`;
        for (const side of ['generated', 'expert'] as const) {
          const first = vs[0];
          const last = vs[vs.length - 1];
          const growth = (f: (r: Row) => number) => ((f(last) / last.routes) / (f(first) / first.routes)).toFixed(2);
          console.log(
            `${v} ${side}: nginx -t ${cpuAll ? 'CPU ' : ''}per route without registrations ${vs.map((r) => `${r.routes}: ${us(freeMs(r, side), r.routes)}`).join(', ')} (× ${growth((r) => freeMs(r, side))} from ${first.routes} to ${last.routes}); ` +
              `registrations ${vs.map((r) => `${r.routes}: ${us(full(r, side) - freeMs(r, side), r.routes)}`).join(', ')} (× ${growth((r) => full(r, side) - freeMs(r, side))})`,
          );
        }
      }
    }
  }
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(rows, null, 2) + '\n');
}

main().catch(async (e) => {
  await stopAll();
  console.error(e);
  process.exit(1);
});
