/**
 * Throughput benchmark (BRIEF §7: generated nginx ≥ 0.95× the req/s of a hand-written config).
 *
 * A realistic route set on one hostname: 50 PathPrefix routes (`/svc<i>` → Service svc<i>), `/api`
 * with a header-matched rule (`x-canary: true` → canary, otherwise api), `/shop` split 90/10 over two
 * Services, `/static` with a ResponseHeaderModifier (set `cache-control`). The same routing is
 * written by hand the way an nginx admin would (plain prefix `location`s, `proxy_pass` to upstreams
 * with keepalive, a `map` for the header, `split_clients` for the weights). Both run with
 * `worker_processes 1` on 127.0.0.1 in front of one backend: nginx itself answering `return 200`
 * (two ports, so the checks can tell the canary and the 10% share apart).
 *
 * A third configuration, `hand+headers`, is the hand-written one with the generated request-header
 * set (X-Forwarded-Host/-Port, Upgrade/Connection and Host through maps) instead of the admin's five
 * headers: it tells the cost of that header set apart from the cost of the generated dispatch.
 *
 * All configurations are first checked for the same answers (status, backend, response header,
 * split share), then loaded with `wrk -t1 -c32 -d<D>s` from a Lua script cycling over a path list,
 * alternating generated / hand-written, R runs each; the medians and their ratio are reported, with
 * the median of the back-to-back pair ratios and the CPU time the proxy's worker spends per request
 * (from /proc/<pid>/schedstat), which other load on the machine disturbs much less than req/s.
 * Path mixes: `all` = every route once per cycle (the 50 plain routes, /api with and without the
 * header, /shop, /static), `special` = only the four requests using the header match, the split and the
 * header modifier.
 *
 *   npx ts-node --project tsconfig.dev.json bench/throughput.ts [--runs R] [--duration S] [--mix all|special] [--json FILE] [--write-configs DIR]
 *
 * Skips (exit 0, with a message) when nginx or wrk is not installed (Debian: apt-get install nginx wrk).
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileNginx, KubeObject } from '../src';
import { findBinary, findNginx, findWrk, freeOffset, freePort, instructionsPerRequest, machine, median, nginxTest, nginxVersion, request, runWrk, RunningNginx, skip, startNginx, stopAll, writePrefix, removeDir } from './lib';

const NS = 'bench';
const HOST = 'app.example.com';
const PLAIN = 50;

function objects(): KubeObject[] {
  const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } });
  const route = (name: string, rules: unknown[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: NS },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: [HOST], rules },
  });
  const out: unknown[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'builtin' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: NS }, spec: { gatewayClassName: 'builtin', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  ];
  for (let i = 0; i < PLAIN; i++) {
    out.push(svc(`svc${i}`), route(`r${i}`, [{ matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` } }], backendRefs: [{ name: `svc${i}`, port: 8080 }] }]));
  }
  out.push(svc('api'), svc('canary'), svc('shop-v1'), svc('shop-v2'), svc('static'));
  out.push(route('api', [
    { matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-canary', value: 'true' }] }], backendRefs: [{ name: 'canary', port: 8080 }] },
    { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', port: 8080 }] },
  ]));
  out.push(route('shop', [{ matches: [{ path: { type: 'PathPrefix', value: '/shop' } }], backendRefs: [{ name: 'shop-v1', port: 8080, weight: 90 }, { name: 'shop-v2', port: 8080, weight: 10 }] }]));
  out.push(route('static', [{
    matches: [{ path: { type: 'PathPrefix', value: '/static' } }],
    filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'cache-control', value: 'public, max-age=60' }] } }],
    backendRefs: [{ name: 'static', port: 8080 }],
  }]));
  return out as KubeObject[];
}

/** Backend port A answers "a", port B "b" (canary and shop-v2 go to B). */
function backendOf(service: string, a: number, b: number): string {
  return `127.0.0.1:${service === 'canary' || service === 'shop-v2' ? b : a}`;
}

/** The backend: nginx answering `return 200` on two ports, with a Cache-Control the /static route must replace. */
function backendConf(a: number, b: number): string {
  const server = (port: number, body: string) => `  server {\n    listen 127.0.0.1:${port};\n    location / {\n      add_header Cache-Control "no-store";\n      return 200 "${body}\\n";\n    }\n  }\n`;
  return `worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path client_body_temp;
  proxy_temp_path proxy_temp;
  fastcgi_temp_path fastcgi_temp;
  uwsgi_temp_path uwsgi_temp;
  scgi_temp_path scgi_temp;
${server(a, 'a')}${server(b, 'b')}}
`;
}

const ADMIN_HEADERS = `    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;`;

/** The request-header set of the generated server block and the maps it uses (for the `hand+headers` variant). */
function generatedHeaderSet(generated: string): { maps: string; headers: string } {
  const maps = [/\n {2}map \$http_upgrade \$gw_connection \{[\s\S]*?\n {2}\}/, /\n {2}map \$http_host \$gw_host \{[\s\S]*?\n {2}\}/].map((re) => {
    const m = re.exec(generated);
    if (!m) throw new Error(`generated config: no ${String(re)}`);
    return m[0].slice(1);
  });
  const server = generated.slice(generated.indexOf(`server_name ${HOST};`));
  const headers = server.slice(0, server.indexOf('location')).split('\n').filter((l) => /^\s*proxy_(set_header|http_version) /.test(l)).map((l) => `    ${l.trim()}`);
  if (headers.length < 5) throw new Error('generated config: request header set not found');
  return { maps: maps.join('\n'), headers: headers.join('\n') };
}

/**
 * The same routing written by hand, as an nginx admin would. `headers` replaces the admin's request
 * header set with the generated one (the `hand+headers` variant: separates the cost of the header set
 * from the cost of the generated dispatch).
 */
function handWritten(port: number, a: number, b: number, headers?: { maps: string; headers: string }): string {
  const upstreams = [...Array.from({ length: PLAIN }, (_, i) => `svc${i}`), 'api', 'canary', 'shop_v1', 'shop_v2', 'static']
    .map((u) => `  upstream ${u} {\n    server ${backendOf(u.replace('_', '-'), a, b)};\n    keepalive 32;\n  }\n`)
    .join('');
  const plain = Array.from({ length: PLAIN }, (_, i) => `    location /svc${i}/ {\n      proxy_pass http://svc${i};\n    }\n`).join('');
  return `worker_processes 1;
pid nginx.pid;
error_log error.log notice;
events { worker_connections 1024; }
http {
  access_log access.log;
  client_body_temp_path client_body_temp;
  proxy_temp_path proxy_temp;
  fastcgi_temp_path fastcgi_temp;
  uwsgi_temp_path uwsgi_temp;
  scgi_temp_path scgi_temp;
  server_tokens off;

${upstreams}${headers ? `${headers.maps}\n` : ''}
  map $http_x_canary $api_backend {
    default api;
    true    canary;
  }
  split_clients $request_id $shop_backend {
    90% shop_v1;
    *   shop_v2;
  }

  server {
    listen 127.0.0.1:${port};
    server_name ${HOST};

${headers?.headers ?? ADMIN_HEADERS}

${plain}    location /api/ {
      proxy_pass http://$api_backend;
    }
    location /shop/ {
      proxy_pass http://$shop_backend;
    }
    location /static/ {
      proxy_pass http://static;
      proxy_hide_header Cache-Control;
      add_header Cache-Control "public, max-age=60" always;
    }
    location / {
      return 404;
    }
  }
}
`;
}

interface Req {
  path: string;
  canary?: boolean;
}
const SPECIAL: Req[] = [{ path: '/api/users' }, { path: '/api/users', canary: true }, { path: '/shop/cart' }, { path: '/static/app.js' }];
const ALL: Req[] = [...Array.from({ length: PLAIN }, (_, i) => ({ path: `/svc${i}/items` })), ...SPECIAL];

function luaScript(reqs: readonly Req[]): string {
  const entries = reqs.map((r) => `  { "${r.path}", ${r.canary ? 'true' : 'false'} },`).join('\n');
  return `-- generated by bench/throughput.ts: cycles over the path list
local paths = {
${entries}
}
local reqs = {}
local n = 0
init = function(args)
  for i, p in ipairs(paths) do
    local h = { ["Host"] = "${HOST}" }
    if p[2] then h["x-canary"] = "true" end
    reqs[i] = wrk.format("GET", p[1], h)
  end
end
request = function()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
`;
}

/** Same answers from both configurations (status, backend, header), and the split share. */
async function check(label: string, port: number): Promise<void> {
  const host = { host: HOST };
  const expect = async (p: string, headers: Record<string, string>, status: number, body?: string, cache?: string) => {
    const r = await request(port, p, { ...host, ...headers });
    if (r.status !== status || (body !== undefined && r.body.trim() !== body) || (cache !== undefined && r.headers['cache-control'] !== cache)) {
      throw new Error(`${label}: GET ${p} ${JSON.stringify(headers)} → ${r.status} ${JSON.stringify(r.body)} cache-control=${String(r.headers['cache-control'])}; want ${status} ${body ?? ''} ${cache ?? ''}`);
    }
  };
  await expect('/svc0/items', {}, 200, 'a');
  await expect(`/svc${PLAIN - 1}/items`, {}, 200, 'a');
  await expect('/api/users', {}, 200, 'a');
  await expect('/api/users', { 'x-canary': 'true' }, 200, 'b');
  await expect('/static/app.js', {}, 200, 'a', 'public, max-age=60');
  await expect('/nothing', {}, 404);
  let b = 0;
  const total = 400;
  for (let i = 0; i < total; i++) {
    const r = await request(port, '/shop/cart', host);
    if (r.status !== 200) throw new Error(`${label}: /shop/cart → ${r.status}`);
    if (r.body.trim() === 'b') b++;
  }
  if (b < total * 0.04 || b > total * 0.18) throw new Error(`${label}: /shop split gave ${b}/${total} to shop-v2, want ≈ 10%`);
}

interface Series {
  rps: number[];
  cpuUsPerRequest: number[];
  latency: string[];
  medianRps: number;
  medianCpuUsPerRequest: number;
}

type ConfigName = 'generated' | 'hand' | 'hand+headers';
const CONFIGS: readonly ConfigName[] = ['generated', 'hand', 'hand+headers'];

interface MixResult {
  mix: string;
  paths: number;
  series: Record<ConfigName, Series>;
  /** median generated req/s ÷ median hand-written req/s (the target's ratio) */
  ratio: number;
  /** median over runs i of generated_i ÷ hand_i (run back to back: drift of the machine cancels) */
  pairedRatio: number;
  /** hand-written ÷ generated CPU time of the worker per request (≥ 1: the generated config costs no more CPU) */
  cpuRatio: number;
  /** instructions per request under callgrind, when valgrind is installed */
  instructionsPerRequest?: Record<ConfigName, number>;
  /** hand-written ÷ generated instructions per request */
  instructionRatio?: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const runs = Number(flag('--runs') ?? 3);
  const duration = Number(flag('--duration') ?? 10);
  const jsonFile = flag('--json');
  const mixArg = flag('--mix');
  if (mixArg !== undefined && mixArg !== 'all' && mixArg !== 'special') throw new Error('--mix takes all or special');
  const mixes = mixArg ? [mixArg] : ['all', 'special'];
  const countInstructions = !args.includes('--no-instructions');

  const nginx = findNginx();
  if (!nginx) skip('nginx is not installed (looked on PATH and in /usr/sbin); install it (Debian: apt-get install nginx) to run this benchmark');
  const wrk = findWrk();
  if (!wrk) skip('wrk is not installed (the load generator); install it (Debian: apt-get install wrk) to run this benchmark');
  const valgrind = findBinary('valgrind');
  const callgrindControl = findBinary('callgrind_control');
  if (countInstructions && (!valgrind || !callgrindControl)) console.log('valgrind (callgrind_control) is not installed: instructions per request are not counted (Debian: apt-get install valgrind)');
  console.log(`nginx ${nginxVersion(nginx)}; ${machine()}`);
  console.log(`wrk -t1 -c32 -d${duration}s, ${runs} runs per config and mix, rotating the order of ${CONFIGS.join(' / ')}; worker_processes 1 everywhere`);

  const used = new Set<number>();
  const port = async () => {
    for (;;) {
      const p = await freePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  const offset = await freeOffset([80, 8081]);
  used.add(80 + offset).add(8081 + offset);
  const [a, b, handPort, handHeadersPort] = [await port(), await port(), await port(), await port()];
  const ports: Record<ConfigName, number> = { 'generated': 80 + offset, 'hand': handPort, 'hand+headers': handHeadersPort };

  const objs = objects();
  const backends: Record<string, string> = {};
  for (const o of objs) if (o.kind === 'Service') backends[`${NS}/${o.metadata.name}:8080`] = backendOf(o.metadata.name!, a, b);
  const [gw] = compileNginx(objs, { backends, listenHost: '127.0.0.1', portOffset: offset, workerProcesses: 1 });
  if (gw.diagnostics.some((d) => d.severity === 'error')) throw new Error(`compile errors: ${JSON.stringify(gw.diagnostics)}`);
  const files: Record<ConfigName, Readonly<Record<string, string>>> = {
    'generated': gw.files,
    'hand': { 'nginx.conf': handWritten(handPort, a, b) },
    'hand+headers': { 'nginx.conf': handWritten(handHeadersPort, a, b, generatedHeaderSet(gw.files['nginx.conf'])) },
  };
  const writeDir = flag('--write-configs');
  if (writeDir) {
    fs.mkdirSync(writeDir, { recursive: true });
    for (const c of CONFIGS) fs.writeFileSync(path.join(writeDir, `${c.replace('+', '-')}.nginx.conf`), files[c]['nginx.conf']);
    console.log(`configurations written to ${writeDir}`);
  }
  for (const c of CONFIGS) {
    const t = nginxTest(nginx, files[c]);
    if (!t.ok) throw new Error(`${c}: nginx -t failed: ${t.output}`);
  }

  const work = writePrefix({});
  const results: MixResult[] = [];
  let backendRps: number | undefined;
  try {
    await startNginx(nginx, { 'nginx.conf': backendConf(a, b) }, b);
    const workers = {} as Record<ConfigName, number>;
    const servers = {} as Record<ConfigName, RunningNginx>;
    for (const c of CONFIGS) {
      const server = await startNginx(nginx, files[c], ports[c]);
      servers[c] = server;
      await check(c, ports[c]);
      const w = server.workers();
      if (w.length !== 1) throw new Error(`${c}: expected 1 nginx worker, found ${w.length}`);
      workers[c] = w[0];
    }

    for (const mix of mixes) {
      const reqs = mix === 'all' ? ALL : SPECIAL;
      const script = path.join(work, `${mix}.lua`);
      fs.writeFileSync(script, luaScript(reqs));
      // warm-up: connections, upstream keepalive pools, caches
      for (const c of CONFIGS) await runWrk(wrk, ports[c], script, 2);
      const series = (): Series => ({ rps: [], cpuUsPerRequest: [], latency: [], medianRps: 0, medianCpuUsPerRequest: 0 });
      const r: MixResult = { mix, paths: reqs.length, series: { 'generated': series(), 'hand': series(), 'hand+headers': series() }, ratio: 0, pairedRatio: 0, cpuRatio: 0 };
      for (let i = 0; i < runs; i++) {
        // rotate the order, so a slow phase of the machine does not always hit the same config
        const order = CONFIGS.map((_, k) => CONFIGS[(i + k) % CONFIGS.length]);
        for (const c of order) {
          const w = await runWrk(wrk, ports[c], script, duration, workers[c]);
          if (w.non2xx || w.socketErrors) throw new Error(`${c}: ${w.non2xx} non-2xx responses ${w.socketErrors}`);
          const sr = r.series[c];
          sr.rps.push(w.rps);
          sr.cpuUsPerRequest.push(w.cpuUsPerRequest!);
          sr.latency.push(w.latency);
          console.log(`  ${mix.padEnd(7)} run ${i + 1} ${c.padEnd(12)} ${w.rps.toFixed(0).padStart(7)} req/s, worker CPU ${w.cpuUsPerRequest!.toFixed(2)} µs/request (avg latency ${w.latency})`);
        }
      }
      for (const sr of Object.values(r.series)) {
        sr.medianRps = Math.round(median(sr.rps));
        sr.medianCpuUsPerRequest = +median(sr.cpuUsPerRequest).toFixed(2);
      }
      const g = r.series.generated;
      const h = r.series.hand;
      r.ratio = +(g.medianRps / h.medianRps).toFixed(3);
      r.pairedRatio = +median(g.rps.map((x, i) => x / h.rps[i])).toFixed(3);
      r.cpuRatio = +(h.medianCpuUsPerRequest / g.medianCpuUsPerRequest).toFixed(3);
      results.push(r);
      if (mix === 'all') {
        // the ceiling: the backend without a proxy in front (shows that the proxy, not the backend, is the bottleneck)
        backendRps = Math.round((await runWrk(wrk, a, script, duration)).rps);
      }
    }

    if (countInstructions && valgrind && callgrindControl) {
      // after every wrk run, one configuration at a time on the same ports: valgrind must not share the machine with a measurement
      for (const c of CONFIGS) await servers[c].stop();
      for (const r of results) {
        const ir = {} as Record<ConfigName, number>;
        for (const c of CONFIGS) ir[c] = (await instructionsPerRequest({ nginx, wrk, valgrind, callgrindControl }, files[c], ports[c], path.join(work, `${r.mix}.lua`), work, 5)).perRequest;
        r.instructionsPerRequest = ir;
        r.instructionRatio = +(ir.hand / ir.generated).toFixed(3);
      }
    }

    for (const r of results) {
      console.log(`${r.mix} (${r.paths} paths), medians:`);
      for (const c of CONFIGS) {
        const ir = r.instructionsPerRequest ? `, ${r.instructionsPerRequest[c]} instructions/request (callgrind)` : '';
        console.log(`  ${c.padEnd(12)} ${String(r.series[c].medianRps).padStart(7)} req/s, worker CPU ${r.series[c].medianCpuUsPerRequest.toFixed(2)} µs/request${ir}`);
      }
      console.log(
        `  generated ÷ hand: ${r.ratio.toFixed(3)}× req/s (paired runs ${r.pairedRatio.toFixed(3)}×); hand ÷ generated: worker CPU per request ${r.cpuRatio.toFixed(3)}×` +
          (r.instructionRatio !== undefined ? `, instructions per request ${r.instructionRatio.toFixed(3)}×` : ''),
      );
    }
  } finally {
    await stopAll();
    removeDir(work);
  }
  if (backendRps !== undefined) console.log(`backend alone (nginx return 200, mix all, no proxy): ${backendRps} req/s`);
  const all = results.find((r) => r.mix === 'all');
  if (all) {
    console.log(`target: generated ≥ 0.95× hand-written req/s (mix all): ${all.ratio.toFixed(3)}× → ${all.ratio >= 0.95 ? 'met' : 'NOT met'}`);
    console.log(
      `        (paired runs ${all.pairedRatio.toFixed(3)}×; hand ÷ generated per request: worker CPU ${all.cpuRatio.toFixed(3)}×` +
        `${all.instructionRatio !== undefined ? `, instructions ${all.instructionRatio.toFixed(3)}×` : ''})`,
    );
  }
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify({ backendRps, mixes: results }, null, 2) + '\n');
}

main().catch(async (e) => {
  await stopAll();
  console.error(e);
  process.exit(1);
});
