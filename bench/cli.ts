/**
 * CLI benchmark (BRIEF §7: `check` of one object ≤ 0.25 s, `render` of 1,000 routes ≤ 2 s; issue 13:
 * memory ≤ 10× the input size on large inputs). Every case is the whole process as a user runs it,
 * `node lib/cli/main.js …`, so start-up (module loading, schema and CEL compilation) is counted.
 *
 * The script builds nothing: `npx tsc` must have built lib/ first. It writes its inputs to
 * `.tmp/bench-cli/` (generated, deterministic) and renders into temporary folders it removes.
 *
 * Cases (each against a baseline measured in the same run, alternating with it):
 * - `check-one`:      `check` of a file with one HTTPRoute;          baseline `node -e 0`;
 * - `check-1000`:     `check` of 1,000 HTTPRoutes (+ their Gateway, Services, Namespaces);
 * - `render-1000`:    `render` of the same into a temporary folder;
 * - `check-large`, `render-large`: the same shape at about `--large-mb` MiB (50 by default; one
 *                     Gateway per 1,000 routes); baseline for these and the 1,000-route cases: a tiny
 *                     node script parsing the same file with the `yaml` package (`parseAllDocuments`
 *                     and `toJS` of every document).
 *
 * Each HTTPRoute: a hostname, two rules (a path prefix split 90/10 between a stable and a canary
 * Service; the same prefix with an `x-canary: "true"` header to the canary, with a
 * RequestHeaderModifier filter).
 *
 * Reported per case: median wall time, ratio to the baseline's median, median user + system CPU time
 * (steadier than wall time on a busy machine) and its ratio, median peak RSS of the child
 * (`/usr/bin/time -f %M` when present, else VmHWM polled from /proc) and RSS ÷ input size.
 *
 *   npx tsc && npx ts-node --project tsconfig.dev.json bench/cli.ts [--runs R] [--large-runs R] [--large-mb MB] [--only CASE,…] [--lib DIR] [--json FILE]
 *
 * `--lib DIR` runs another build than lib/ (e.g. a copy made before a change). `--large-mb 0` leaves the large cases out. `--large-runs` (default 1) is the number of runs of the
 * large cases (each takes seconds to minutes); `--runs` (default 5) the others'.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { machine, median, removeDir } from './lib';

const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, '.tmp', 'bench-cli');

// --- inputs -----------------------------------------------------------------------------------------

const NAMESPACES = 20;
const SERVICES_PER_NAMESPACE = 10;

function route(i: number, gateway: string): string {
  const ns = `ns${i % NAMESPACES}`;
  const app = `app${i % SERVICES_PER_NAMESPACE}`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: r${i}
  namespace: ${ns}
spec:
  parentRefs:
    - name: ${gateway}
      namespace: gateway
  hostnames:
    - app${i % 50}.example.com
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /svc${i}
      backendRefs:
        - name: ${app}-stable
          port: 8080
          weight: 90
        - name: ${app}-canary
          port: 8080
          weight: 10
    - matches:
        - path:
            type: PathPrefix
            value: /svc${i}
          headers:
            - name: x-canary
              value: "true"
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set:
              - name: x-route
                value: r${i}
      backendRefs:
        - name: ${app}-canary
          port: 8080
`;
}

const gatewayName = (g: number): string => (g === 0 ? 'gw' : `gw${g}`);

/** The input of `n` routes: GatewayClass, Namespaces, one Gateway per 1,000 routes, Services, routes. */
function routesYaml(n: number): string {
  const docs: string[] = [];
  docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: cdk8s-gateway
spec:
  controllerName: cdk8s-gateway.dev/nginx-proxy
`);
  for (const ns of ['gateway', ...Array.from({ length: NAMESPACES }, (_, k) => `ns${k}`)]) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
  }
  const gateways = Math.max(1, Math.ceil(n / 1000));
  for (let g = 0; g < gateways; g++) {
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${gatewayName(g)}
  namespace: gateway
spec:
  gatewayClassName: cdk8s-gateway
  listeners:
    - name: http
      port: ${10000 + g}
      protocol: HTTP
      allowedRoutes:
        namespaces:
          from: All
`);
  }
  for (let k = 0; k < NAMESPACES; k++) {
    for (let s = 0; s < SERVICES_PER_NAMESPACE; s++) {
      for (const track of ['stable', 'canary']) {
        docs.push(`apiVersion: v1
kind: Service
metadata:
  name: app${s}-${track}
  namespace: ns${k}
spec:
  selector:
    app: app${s}
    track: ${track}
  ports:
    - name: http
      port: 8080
      targetPort: 8080
`);
      }
    }
  }
  for (let i = 0; i < n; i++) docs.push(route(i, gatewayName(i % gateways)));
  return docs.join('---\n');
}

/** Routes for about `mb` MiB of input. */
function routesForSize(mb: number): number {
  const per = Buffer.byteLength(route(12345, 'gw12'), 'utf8') + 4;
  return Math.max(1000, Math.round((mb * 1024 * 1024) / per / 1000) * 1000);
}

function writeInput(name: string, text: string): string {
  const file = path.join(DIR, name);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text);
  return file;
}

// --- running a child --------------------------------------------------------------------------------

interface Sample {
  ms: number;
  /** user + system CPU time (ms; 0 without /usr/bin/time): steadier than wall time on a busy machine */
  cpuMs: number;
  rssKb: number;
  code: number;
  stdout: string;
  stderr: string;
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs `node args…` (cwd: the package root); wall time in ms and peak RSS in KiB. */
function runNode(args: readonly string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const cmd = TIME ?? process.execPath;
    const argv = TIME ? ['-f', '__RSS__%M %U %S', process.execPath, ...args] : [...args];
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwm = 0;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // without /usr/bin/time: poll the child's VmHWM (peak RSS) while it runs
    const poll = TIME ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let rssKb = hwm;
      let cpuMs = 0;
      if (TIME) {
        const m = /__RSS__(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
        rssKb = m ? Number(m[1]) : 0;
        cpuMs = m ? (Number(m[2]) + Number(m[3])) * 1000 : 0;
        stderr = stderr.replace(/(Command exited with non-zero status \d+\n)?__RSS__[\d. ]+$/, '');
      }
      resolve({ ms, cpuMs, rssKb, code: code ?? -1, stdout, stderr });
    });
  });
}

// --- cases ------------------------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly input: string;
  readonly baseline: 'startup' | 'yaml';
  readonly large: boolean;
  /** Arguments of main.js; `out` is a fresh temporary folder for render. */
  args(out: string): string[];
  /** Exit codes that mean the case ran as intended. */
  readonly codes: readonly number[];
  /** Extra sanity check of a run (throws when the output is not what the case should produce). */
  verify?(s: Sample, out: string): void;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npx ts-node --project tsconfig.dev.json bench/cli.ts [--runs R] [--large-runs R] [--large-mb MB] [--only CASE,…] [--lib DIR] [--json FILE]\n(build lib/ with `npx tsc` first: the script runs lib/cli/main.js as it is)');
  process.exit(0);
}
const runs = Number(flag('--runs') ?? 5);
const largeRuns = Number(flag('--large-runs') ?? 1);
const largeMb = Number(flag('--large-mb') ?? 50);
const only = flag('--only')?.split(',');
const jsonFile = flag('--json');
// another build to measure (e.g. a copy of lib/ from before a change)
const LIB = path.resolve(ROOT, flag('--lib') ?? 'lib');
// the package's executable (bin.js: the bundle with its code cache) when the build has one, else main.js
const MAIN = fs.existsSync(path.join(LIB, 'cli', 'bin.js')) ? path.join(LIB, 'cli', 'bin.js') : path.join(LIB, 'cli', 'main.js');

if (!fs.existsSync(MAIN)) {
  console.error(`${path.relative(process.cwd(), MAIN)} is missing: build lib/ with \`npx tsc\` first`);
  process.exit(2);
}
fs.mkdirSync(DIR, { recursive: true });

const one = writeInput('one.yaml', route(0, 'gw'));
const r1000 = writeInput('routes-1000.yaml', routesYaml(1000));
const largeN = largeMb > 0 ? routesForSize(largeMb) : 0;
const large = largeN ? writeInput(`routes-${largeN}.yaml`, routesYaml(largeN)) : undefined;
// the large input must fit the default --max-input-size (64 MiB); past it, raise the limit
const sizeArgs = (file: string) => (fs.statSync(file).size > 64 * 1024 * 1024 ? ['--max-input-size', String(Math.ceil(fs.statSync(file).size / 1024 / 1024) + 1)] : []);

const YAML_SCRIPT = path.join(DIR, 'parse-yaml.js');
fs.writeFileSync(
  YAML_SCRIPT,
  `// baseline: what any YAML-reading CLI does at least (parse every document, to plain values)
const fs = require('fs');
const YAML = require(require.resolve('yaml', { paths: [${JSON.stringify(ROOT)}] }));
const docs = YAML.parseAllDocuments(fs.readFileSync(process.argv[2], 'utf8'));
let n = 0;
for (const d of docs) if (d.toJS()) n++;
if (!n) process.exit(1);
`,
);

const renderVerify = (routes: number) => (s: Sample, out: string) => {
  const conf = path.join(out, 'gateway', 'gw', 'nginx.conf');
  if (!fs.existsSync(conf)) throw new Error(`render wrote no gateway/gw/nginx.conf:\n${s.stdout}${s.stderr}`);
  const text = fs.readFileSync(conf, 'utf8');
  // gw serves routes 0, g, 2g… (g Gateways): its last one must be there
  const g = Math.max(1, Math.ceil(routes / 1000));
  const last = Math.floor((routes - 1) / g) * g;
  if (!text.includes(`/svc${last}`) || !text.includes('x-route')) throw new Error(`the rendered nginx.conf lacks the routes (/svc${last})`);
};
const checkVerify = (objects: number) => (s: Sample) => {
  if (!new RegExp(`\\(${objects.toLocaleString('en-US').replace(/,/g, ',?')} objects? in 1 file\\)`).test(s.stdout)) throw new Error(`check did not report ${objects} objects:\n${s.stdout.slice(-2000)}${s.stderr}`);
};
const objectsOf = (routes: number) => 1 + (NAMESPACES + 1) + Math.max(1, Math.ceil(routes / 1000)) + NAMESPACES * SERVICES_PER_NAMESPACE * 2 + routes;

const CASES: Case[] = [
  { name: 'check-one', input: one, baseline: 'startup', large: false, args: () => ['check', one], codes: [0, 1], verify: checkVerify(1) },
  { name: 'check-1000', input: r1000, baseline: 'yaml', large: false, args: () => ['check', r1000], codes: [0], verify: checkVerify(objectsOf(1000)) },
  { name: 'render-1000', input: r1000, baseline: 'yaml', large: false, args: (out) => ['render', r1000, '--out', out], codes: [0], verify: renderVerify(1000) },
];
if (large) {
  CASES.push(
    { name: 'check-large', input: large, baseline: 'yaml', large: true, args: () => ['check', large, ...sizeArgs(large)], codes: [0], verify: checkVerify(objectsOf(largeN)) },
    { name: 'render-large', input: large, baseline: 'yaml', large: true, args: (out) => ['render', large, '--out', out, ...sizeArgs(large)], codes: [0], verify: renderVerify(largeN) },
  );
}
const selected = CASES.filter((c) => !only || only.includes(c.name));

interface Row {
  case: string;
  inputBytes: number;
  runs: number;
  wallMs: number;
  cpuMs: number;
  baseline: string;
  baselineMs: number;
  ratio: number;
  baselineCpuMs: number;
  cpuRatio: number;
  peakRssMiB: number;
  rssPerInput: number;
  baselineRssMiB: number;
}

async function main(): Promise<void> {
  console.log(`${machine()}`);
  console.log(`peak RSS from ${TIME ? '/usr/bin/time -f %M' : 'VmHWM polled from /proc'}; inputs in ${path.relative(ROOT, DIR)}/ (large: ${largeN ? `${largeN} routes` : 'off'})`);
  const rows: Row[] = [];
  for (const c of selected) {
    const n = c.large ? largeRuns : runs;
    const wall: number[] = [];
    const cpu: number[] = [];
    const bCpu: number[] = [];
    const rss: number[] = [];
    const bWall: number[] = [];
    const bRss: number[] = [];
    const baselineArgs = c.baseline === 'startup' ? ['-e', '0'] : [YAML_SCRIPT, c.input];
    // warm the page cache and check the case does what it should
    if (!c.large) await runNode(baselineArgs);
    for (let r = 0; r < n; r++) {
      const b = await runNode(baselineArgs);
      if (b.code !== 0) throw new Error(`baseline failed: ${b.stderr}`);
      bWall.push(b.ms);
      bCpu.push(b.cpuMs);
      bRss.push(b.rssKb);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-bench-cli-'));
      try {
        const s = await runNode([MAIN, ...c.args(out)]);
        if (!c.codes.includes(s.code)) throw new Error(`${c.name}: exit ${s.code}\n${s.stdout.slice(-2000)}${s.stderr.slice(-2000)}`);
        c.verify?.(s, out);
        wall.push(s.ms);
        cpu.push(s.cpuMs);
        rss.push(s.rssKb);
      } finally {
        removeDir(out);
      }
    }
    const inputBytes = fs.statSync(c.input).size;
    const row: Row = {
      case: c.name,
      inputBytes,
      runs: n,
      wallMs: +median(wall).toFixed(1),
      cpuMs: +median(cpu).toFixed(0),
      baseline: c.baseline === 'startup' ? 'node -e 0' : 'yaml parse',
      baselineMs: +median(bWall).toFixed(1),
      ratio: +(median(wall) / median(bWall)).toFixed(2),
      baselineCpuMs: +median(bCpu).toFixed(0),
      cpuRatio: median(bCpu) ? +(median(cpu) / median(bCpu)).toFixed(2) : 0,
      peakRssMiB: +(median(rss) / 1024).toFixed(1),
      rssPerInput: +((median(rss) * 1024) / inputBytes).toFixed(1),
      baselineRssMiB: +(median(bRss) / 1024).toFixed(1),
    };
    rows.push(row);
    console.log(
      `${c.name.padEnd(13)} input ${(inputBytes / 1024 / 1024).toFixed(2).padStart(6)} MiB | wall ${row.wallMs.toFixed(0).padStart(6)} ms` +
        ` | ${row.baseline} ${row.baselineMs.toFixed(0).padStart(6)} ms (${row.ratio}×)` +
        ` | CPU ${row.cpuMs.toFixed(0).padStart(6)} ms vs ${row.baselineCpuMs} (${row.cpuRatio}×)` +
        ` | peak RSS ${row.peakRssMiB.toFixed(1).padStart(7)} MiB (${row.rssPerInput}× input; baseline ${row.baselineRssMiB} MiB) | ${n} runs`,
    );
  }
  if (jsonFile) {
    fs.writeFileSync(jsonFile, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), runs, largeRuns, largeRoutes: largeN, rows }, null, 2)}\n`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
