/**
 * Synth benchmark. Targets (issue 15): synth of 1,000 routes with the proxy ≤ 1.5× the raw-ApiObject
 * baseline; 10,000 header+query routes on one proxy ≤ 2× (BRIEF §7 asked ≤ 2× at 1,000 routes and
 * near-linear growth). N HTTPRoutes, each with a hostname, a path prefix, a header and a query match:
 *
 * - `baseline`:   the same N objects written as raw cdk8s ApiObjects, `app.synthYaml()` (synth only);
 * - `constructs`: Gateway + N HttpRoute constructs, `app.synthYaml()` (synth + schema/CEL validation +
 *                 offline resolver checks);
 * - `proxy`:      as `constructs` plus a `GatewayProxy` on the Gateway, i.e. what users run: synth,
 *                 validation and the nginx compile into the proxy's ConfigMap (the target is measured
 *                 on this one);
 * - `compile`:    `compileNginx` alone on the synthesized objects of `constructs` (for the breakdown);
 * - `raw-output`: the objects `proxy` synthesizes (taken once per size, outside the timing) written
 *                 back as raw ApiObjects, `app.synthYaml()`: what cdk8s costs to emit byte-identical
 *                 YAML without this library (checked equal to `proxy`'s). `proxy` ÷ `raw-output` is
 *                 what the library itself adds; the target stays measured against `baseline`.
 *
 * Same process, alternating runs, median of R. The ratios are against `baseline` of the same run.
 * Besides the wall time, each run's CPU time of the process (`process.cpuUsage`, user + system, the
 * garbage collector's helper threads included) is recorded: on a shared machine another process
 * slows the wall time of the allocation-heavy modes more than the baseline's, the CPU time less.
 *
 *   npx ts-node --project tsconfig.dev.json bench/synth.ts [N...] [--runs R] [--json FILE] [--only MODE] [--gateways G|per-1000] [--isolate]
 *
 * `--isolate` times every run of every mode in a fresh process (see {@link timeInChild}).
 *
 * `--only proxy` runs just that mode (for `node --cpu-prof`, see docs/benchmarks.md).
 */
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import {
  Backend,
  compileNginx,
  Gateway,
  GatewayClass,
  GatewayProxy,
  HeaderMatch,
  HttpRoute,
  KubeObject,
  Listener,
  ParentRef,
  PathMatch,
  QueryParamMatch,
  RouteNamespaces,
} from '../src';

function routeSpec(i: number, gateway: string) {
  return {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway, namespace: 'gateway' }],
    hostnames: [`app${i % 50}.example.com`],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }], queryParams: [{ name: 'v', type: 'Exact', value: String(i % 7) }] }],
        backendRefs: [{ name: `svc${i}`, port: 8080 }],
      },
    ],
  };
}

/**
 * Gateways for `n` routes: `--gateways G` (default 1: since a proxy's configuration spreads over
 * several ConfigMaps, 10,000 of these routes fit on one Gateway and its GatewayProxy). Runs before
 * that change spread larger sets over one Gateway per 1,000 routes (`--gateways per-1000`).
 */
const gatewaysFlag = (() => {
  const i = process.argv.indexOf('--gateways');
  return i >= 0 ? process.argv[i + 1] : '1';
})();
if (gatewaysFlag !== 'per-1000' && !/^[1-9]\d*$/.test(gatewaysFlag)) throw new Error('--gateways takes a positive whole number or per-1000');
const gatewayCount = (n: number): number => (gatewaysFlag === 'per-1000' ? Math.max(1, Math.ceil(n / 1000)) : Math.min(Number(gatewaysFlag), Math.max(1, n)));
const gatewayName = (g: number): string => (g === 0 ? 'gw' : `gw${g}`);

function baseline(n: number): string {
  const app = new App({ outdir: '.tmp/bench' });
  const chart = new Chart(app, 'bench');
  new ApiObject(chart, 'class', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'cdk8s-gateway' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } });
  for (let g = 0; g < gatewayCount(n); g++) {
    new ApiObject(chart, gatewayName(g), {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: gatewayName(g), namespace: 'gateway' },
      spec: { gatewayClassName: 'cdk8s-gateway', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
    });
  }
  for (let i = 0; i < n; i++) {
    new ApiObject(chart, `r${i}`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `r${i}`, namespace: `ns${i % 20}` }, spec: routeSpec(i, gatewayName(i % gatewayCount(n))) });
  }
  return app.synthYaml();
}

function constructApp(n: number, proxy: boolean): App {
  const app = new App({ outdir: '.tmp/bench' });
  const chart = new Chart(app, 'bench');
  const cls = GatewayClass.builtin(chart, 'class');
  const gateways = Array.from({ length: gatewayCount(n) }, (_, g) => new Gateway(chart, gatewayName(g), {
    namespace: 'gateway',
    gatewayClass: cls,
    listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })],
  }));
  for (let i = 0; i < n; i++) {
    new HttpRoute(chart, `r${i}`, {
      namespace: `ns${i % 20}`,
      parents: [ParentRef.gateway(gateways[i % gateways.length])],
      hostnames: [`app${i % 50}.example.com`],
      rules: [{
        matches: [PathMatch.prefix(`/svc${i}`).withHeaders(HeaderMatch.exact('x-tenant', `t${i}`)).withQueryParams(QueryParamMatch.exact('v', String(i % 7)))],
        backends: [Backend.fromName(`svc${i}`, { port: 8080 })],
      }],
    });
  }
  if (proxy) gateways.forEach((gateway, g) => new GatewayProxy(chart, g === 0 ? 'proxy' : `proxy${g}`, { gateway }));
  return app;
}

const constructs = (n: number): string => constructApp(n, false).synthYaml();
const proxy = (n: number): string => constructApp(n, true).synthYaml();

/** The objects `proxy` synthesizes at `n` routes, as plain JSON (for the `raw-output` mode). */
function proxyOutput(n: number): Record<string, any>[] {
  return JSON.parse(JSON.stringify(constructApp(n, true).charts.flatMap((c) => c.toJson())));
}

function rawOutput(docs: readonly Record<string, any>[]): string {
  const app = new App({ outdir: '.tmp/bench' });
  const chart = new Chart(app, 'bench');
  docs.forEach((d, i) => new ApiObject(chart, `o${i}`, d as any));
  return app.synthYaml();
}

/** Objects for the `compile` mode (synthesized once per size, outside the timing). */
function objectsOf(n: number): KubeObject[] {
  return constructApp(n, false).charts.flatMap((c) => c.toJson()) as KubeObject[];
}

function compile(objects: KubeObject[]): string {
  const out = compileNginx(objects, {});
  return out.map((g) => g.files['nginx.conf']).join('');
}

/** Wall time and CPU time (user + system) of one call, in ms. */
function time(fn: () => unknown): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// the proxy's ConfigMaps pass 256 KiB from about 400 routes: synth then warns (once per app, so
// once per timed run) to apply server-side; counted here instead of printed
let suppressedWarnings = 0;
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: any, ...rest: any[]) => {
  if (String(chunk).startsWith('cdk8s-gateway warning:')) {
    suppressedWarnings++;
    return true;
  }
  return writeStderr(chunk, ...rest);
}) as typeof process.stderr.write;
process.on('exit', () => {
  if (suppressedWarnings) writeStderr(`(${suppressedWarnings} cdk8s-gateway warnings not shown, e.g. to apply the proxy's large ConfigMap server-side)\n`);
});

const MODES = ['baseline', 'constructs', 'proxy', 'compile', 'raw-output'] as const;
type Mode = (typeof MODES)[number];

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(flag('--runs') ?? 5);
const jsonFile = flag('--json');
const only = flag('--only') as Mode | undefined;
if (only && !MODES.includes(only)) throw new Error(`--only takes one of ${MODES.join(', ')}`);
const sizes = args.filter((a, i) => /^\d+$/.test(a) && !['--runs', '--gateways'].includes(args[i - 1])).map(Number);
const ns = sizes.length ? sizes : [100, 250, 500, 1000, 2000];
const modes: readonly Mode[] = only ? [only] : MODES;
const isolate = args.includes('--isolate');

/**
 * `--isolate`: one timed run of one mode in a process of its own (the same warm-up, then `--only M
 * --runs 1`), so nothing a mode leaves behind — garbage, caches, a grown heap — reaches another
 * mode's run, and no run profits from an earlier one of the same mode. Costs a process start
 * (≈ 3 s with the TypeScript transpile) per run and mode.
 */
function msKey(m: Mode): 'baselineMs' | 'constructsMs' | 'proxyMs' | 'compileMs' | 'rawOutputMs' {
  return m === 'raw-output' ? 'rawOutputMs' : `${m}Ms`;
}

function timeInChild(n: number, m: Mode): { wall: number; cpu: number } {
  const out = path.join(os.tmpdir(), `cdk8s-gateway-synth-bench-${process.pid}.json`);
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register', __filename, String(n), '--only', m, '--runs', '1', '--gateways', gatewaysFlag, '--json', out], {
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.dev.json', TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`--isolate: the run of ${m} at ${n} routes exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  const [row] = JSON.parse(fs.readFileSync(out, 'utf8')) as Row[];
  fs.rmSync(out);
  const key = msKey(m);
  return { wall: row[key]!, cpu: row.cpu![key]! };
}

// sanity: the proxy's ConfigMap really holds the compiled routes (the compile is not skipped)
{
  const y = proxy(20);
  if (!y.includes('kind: ConfigMap') || !y.includes('/svc19') || !y.includes('x-tenant')) throw new Error('GatewayProxy output does not contain the compiled routes');
  if (rawOutput(proxyOutput(20)) !== y) throw new Error('raw-output: the raw ApiObjects do not synthesize the same YAML as the proxy mode');
}
// warm-up (JIT, lazy schema/CEL compilation)
for (let k = 0; k < 2; k++) {
  baseline(50);
  constructs(50);
  proxy(50);
  compile(objectsOf(50));
  rawOutput(proxyOutput(50));
}

interface Row {
  routes: number;
  baselineMs?: number;
  constructsMs?: number;
  proxyMs?: number;
  compileMs?: number;
  rawOutputMs?: number;
  constructsRatio?: number;
  proxyRatio?: number;
  /** proxy ÷ raw-output: what the library adds to emitting the same YAML */
  proxyOverRawOutput?: number;
  proxyUsPerRoute?: number;
  proxyMarginalUsPerRoute?: number;
  /** the same medians in CPU time of the process (see above) */
  cpu?: { baselineMs?: number; constructsMs?: number; proxyMs?: number; compileMs?: number; rawOutputMs?: number; constructsRatio?: number; proxyRatio?: number; proxyOverRawOutput?: number };
  /** the load average (1 min) before and after the size's runs */
  load?: [number, number];
}
const rows: Row[] = [];
const f1 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
console.log(`node ${process.version}, ${runs} runs per mode and size, median; modes: ${modes.join(', ')}; gateways: ${gatewaysFlag === 'per-1000' ? 'one per 1,000 routes' : gatewaysFlag}${isolate ? '; each run in a process of its own' : ''}`);
for (const n of ns) {
  const samples: Record<Mode, number[]> = { baseline: [], constructs: [], proxy: [], compile: [], 'raw-output': [] };
  const cpuSamples: Record<Mode, number[]> = { baseline: [], constructs: [], proxy: [], compile: [], 'raw-output': [] };
  const load0 = os.loadavg()[0];
  const objects = modes.includes('compile') && !isolate ? objectsOf(n) : [];
  const output = modes.includes('raw-output') && !isolate ? proxyOutput(n) : [];
  for (let r = 0; r < runs; r++) {
    // alternate the modes within a run, so slow phases of the machine hit all of them
    for (const m of modes) {
      const fn = m === 'baseline' ? () => baseline(n) : m === 'constructs' ? () => constructs(n) : m === 'proxy' ? () => proxy(n) : m === 'compile' ? () => compile(objects) : () => rawOutput(output);
      const t = isolate ? timeInChild(n, m) : time(fn);
      samples[m].push(t.wall);
      cpuSamples[m].push(t.cpu);
    }
  }
  const med = (m: Mode, from = samples) => (from[m].length ? +median(from[m]).toFixed(1) : undefined);
  const row: Row = { routes: n, baselineMs: med('baseline'), constructsMs: med('constructs'), proxyMs: med('proxy'), compileMs: med('compile'), rawOutputMs: med('raw-output') };
  const cpu: NonNullable<Row['cpu']> = { baselineMs: med('baseline', cpuSamples), constructsMs: med('constructs', cpuSamples), proxyMs: med('proxy', cpuSamples), compileMs: med('compile', cpuSamples), rawOutputMs: med('raw-output', cpuSamples) };
  if (cpu.baselineMs && cpu.constructsMs) cpu.constructsRatio = +(cpu.constructsMs / cpu.baselineMs).toFixed(2);
  if (cpu.baselineMs && cpu.proxyMs) cpu.proxyRatio = +(cpu.proxyMs / cpu.baselineMs).toFixed(2);
  if (cpu.rawOutputMs && cpu.proxyMs) cpu.proxyOverRawOutput = +(cpu.proxyMs / cpu.rawOutputMs).toFixed(2);
  row.cpu = cpu;
  row.load = [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)];
  if (row.baselineMs && row.constructsMs) row.constructsRatio = +(row.constructsMs / row.baselineMs).toFixed(2);
  if (row.baselineMs && row.proxyMs) row.proxyRatio = +(row.proxyMs / row.baselineMs).toFixed(2);
  if (row.rawOutputMs && row.proxyMs) row.proxyOverRawOutput = +(row.proxyMs / row.rawOutputMs).toFixed(2);
  if (row.proxyMs) row.proxyUsPerRoute = Math.round((row.proxyMs * 1000) / n);
  const prev = rows[rows.length - 1];
  if (prev?.proxyMs && row.proxyMs) row.proxyMarginalUsPerRoute = Math.round(((row.proxyMs - prev.proxyMs) * 1000) / (n - prev.routes));
  rows.push(row);
  console.log(
    `${String(n).padStart(5)} routes: baseline ${f1(row.baselineMs).padStart(7)} ms | constructs ${f1(row.constructsMs).padStart(7)} ms (${row.constructsRatio ?? '-'}×)` +
      ` | proxy ${f1(row.proxyMs).padStart(7)} ms (${row.proxyRatio ?? '-'}×, ${row.proxyUsPerRoute ?? '-'} µs/route, marginal ${row.proxyMarginalUsPerRoute ?? '-'} µs/route)` +
      ` | compileNginx ${f1(row.compileMs).padStart(7)} ms | raw-output ${f1(row.rawOutputMs).padStart(7)} ms (proxy ÷ it ${row.proxyOverRawOutput ?? '-'}×)`,
  );
  console.log(
    `${' '.repeat(5)}    cpu time: baseline ${f1(cpu.baselineMs).padStart(7)} ms | constructs ${f1(cpu.constructsMs).padStart(7)} ms (${cpu.constructsRatio ?? '-'}×)` +
      ` | proxy ${f1(cpu.proxyMs).padStart(7)} ms (${cpu.proxyRatio ?? '-'}×) | compileNginx ${f1(cpu.compileMs).padStart(7)} ms | raw-output ${f1(cpu.rawOutputMs).padStart(7)} ms (${cpu.proxyOverRawOutput ?? '-'}×) | load average ${row.load[0]} → ${row.load[1]}`,
  );
}
/** Issue 15's targets: the proxy mode against the baseline, ≤ 1.5× at 1,000 routes and ≤ 2× at 10,000. */
const TARGETS: ReadonlyArray<{ routes: number; max: number }> = [{ routes: 1000, max: 1.5 }, { routes: 10000, max: 2 }];
for (const { routes, max } of TARGETS) {
  const row = rows.find((r) => r.routes === routes);
  if (row?.proxyRatio === undefined) continue;
  const cpuNote = row.cpu?.proxyRatio !== undefined ? ` (CPU time ${row.cpu.proxyRatio}×)` : '';
  console.log(`target: proxy (synth + validate + compile) ≤ ${max}× baseline at ${routes.toLocaleString('en-US')} routes: ${row.proxyRatio}×${cpuNote} → ${row.proxyRatio <= max ? 'met' : 'NOT met'}`);
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(rows, null, 2) + '\n');
