/**
 * The conformance runner: every case of the catalog (test/data/upstream/conformance/cases.json)
 * whose features are all claimed runs its steps in order —
 *
 * - status steps are answered by the offline resolver through the status harness of
 *   test/resolve/conformance-harness.ts (same objects, same mutations, evaluated once per case);
 * - traffic and probe steps go through real nginx: the Gateway's data plane rendered by
 *   `compileNginx` (src/render/nginx) and started on 127.0.0.1 with a port offset, in front of the
 *   echo rig (echo/rig.ts);
 * - `mutate` / `createObject` change the objects; the next traffic step re-renders and restarts
 *   the affected nginx.
 *
 * A case passes when every step holds, fails at the first step that does not (the reason names the
 * step and what differed), and is skipped only for features declared unsupported (features.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Diagnostic, KubeObject } from '../../src/model';
import { compileNginx, NginxRenderOptions, RenderedGateway } from '../../src/render/nginx';
import { resolve } from '../../src/resolve';
import { CONFORMANCE_BASE_MANIFESTS, CONFORMANCE_CASES } from '../data/upstream';
import { applyMutation, applyPlaceholders, CaseResult, CLAIMED_FEATURES, CLASS_NAME, CONTROLLER, runCase as runStatusSteps, STATUS_STEPS } from '../resolve/conformance-harness';
import { configValue, generateSuiteCerts, secretPem, SuiteCerts } from './certs';
import { EchoRig } from './echo/rig';
import { claims, unsupportedFeature } from './features';
import { NginxInstance, nginxVersion, portsFree } from '../harness/nginx';
import { runProbe, StepFail } from './steps';

type J = Record<string, any>;

export const DEFAULT_CASES = CONFORMANCE_CASES;

export type Result = 'pass' | 'fail' | 'skip';

/** One line of the JSON report (BRIEF §5), plus what the summary needs. */
export interface CaseReport {
  readonly name: string;
  readonly result: Result;
  readonly reason: string;
  readonly category: string;
  readonly profiles: readonly string[];
  readonly level: 'core' | 'extended';
  readonly provisional: boolean;
  /** The case's features (Gateway API feature names). */
  readonly features: readonly string[];
  readonly durationMs: number;
}

export type { RenderedGateway };

/** The compiler signature the runner drives (`compileNginx`; injectable for tests). */
export type CompileNginx = (objects: readonly KubeObject[], options: NginxRenderOptions) => RenderedGateway[];

/** The compiler under test: `compileNginx` of src/render/nginx. */
export function loadCompiler(): CompileNginx {
  return compileNginx;
}

// ---------------------------------------------------------------------------------------------
// Inputs

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const BASE_TIME = T0;
const CASE_TIME = T0 + 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stamp(o: J, ms: number): void {
  if (!o || typeof o !== 'object' || !o.metadata) return;
  if (o.metadata.creationTimestamp === undefined) o.metadata.creationTimestamp = iso(ms);
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** base-manifests.yaml next to the cases file, else the vendored one. */
export function baseManifestsPath(casesFile: string): string {
  const near = path.join(path.dirname(casesFile), 'base-manifests.yaml');
  return fs.existsSync(near) ? near : CONFORMANCE_BASE_MANIFESTS;
}

/** GatewayClass + base manifests (placeholders replaced) + the real suite certificates, stamped. */
export function baseObjects(certs: SuiteCerts, file = CONFORMANCE_BASE_MANIFESTS): KubeObject[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as KubeObject)
    .filter((d) => d && typeof d === 'object');
  const cls: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: CLASS_NAME }, spec: { controllerName: CONTROLLER } };
  const out = [cls, ...docs.map(applyPlaceholders), ...clone(certs.objects)].map((o) => clone(o) as J);
  for (const o of out) stamp(o, BASE_TIME);
  return out as KubeObject[];
}

export function loadCasesFile(file: string): J[] {
  const cases = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(cases)) throw new Error(`${file}: not a JSON array of cases`);
  return cases as J[];
}

/** Steps in document order (groups are labels followed by their steps). */
export function flattenSteps(steps: readonly J[]): J[] {
  const flat: J[] = [];
  const walk = (ss: readonly J[]) => {
    for (const s of ss) {
      flat.push(s);
      if (Array.isArray(s.steps)) walk(s.steps);
    }
  };
  walk(steps);
  return flat;
}

/**
 * The case as the runner applies it: creation timestamps (manifests one minute after the base,
 * `createObject` after the preceding `sleep`s), `<copy of ConfigMap X data K>` placeholders
 * resolved.
 */
export function prepareCase(c: J, base: readonly J[]): J {
  const p = clone(c);
  const docs: J[] = [];
  for (const m of (p.manifests ?? []) as J[]) for (const d of (m.documents ?? []) as J[]) if (d && typeof d === 'object') docs.push(d);
  for (const d of docs) stamp(d, CASE_TIME);
  let clock = CASE_TIME;
  const known = [...base, ...docs];
  for (const s of flattenSteps(p.steps ?? [])) {
    if (s.type === 'sleep') clock += Math.max(1, Number(s.seconds ?? 1)) * 1000;
    if (s.type === 'createObject' && s.object) {
      stamp(s.object, clock);
      const ns = s.object.metadata?.namespace ?? 'default';
      for (const [k, v] of Object.entries((s.object.data ?? {}) as J)) {
        const m = /^<copy of ConfigMap ([\w.-]+) data ([\w.-]+)>$/.exec(String(v));
        if (!m) continue;
        const src = known.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === m[1] && (o.metadata?.namespace ?? 'default') === ns);
        const val = configValue(src as KubeObject | undefined, m[2]);
        if (val !== undefined) s.object.data[k] = val;
      }
      known.push(s.object);
    }
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Running one case

interface GatewayRun {
  readonly key: string;
  readonly instance: NginxInstance;
  offset: number;
  started: boolean;
  diagnostics: readonly Diagnostic[];
}

export interface RunnerOptions {
  readonly rig: EchoRig;
  readonly certs: SuiteCerts;
  readonly base: readonly KubeObject[];
  readonly compile: CompileNginx;
  readonly workDir: string;
  /** Keep nginx prefixes after the case (debugging). */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

/** The state of a running case that probes use. */
export class CaseRun {
  readonly objects: J[];
  readonly original: J[];
  private readonly gateways = new Map<string, GatewayRun>();
  private dirty = true;
  private backends: Record<string, string> = {};
  private createdData = new Map<string, J>();

  constructor(
    readonly c: J,
    readonly opts: RunnerOptions,
    manifests: readonly J[],
  ) {
    this.original = [...(opts.base as readonly J[]), ...manifests.map((d) => applyPlaceholders(d as KubeObject) as J)];
    this.objects = clone(this.original);
  }

  get rig(): EchoRig {
    return this.opts.rig;
  }

  get certs(): SuiteCerts {
    return this.opts.certs;
  }

  find(kind: string, name: string, namespace?: string): J | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || (o.metadata?.namespace ?? 'default') === namespace));
  }

  /** PEM pair of a Secret of the current objects. */
  secret(ref: J | undefined): { cert: string; key: string } | undefined {
    if (!ref) return undefined;
    return secretPem(this.find('Secret', ref.name, ref.namespace ?? 'gateway-conformance-infra') as KubeObject | undefined);
  }

  configMapValue(ref: J | undefined, key: string): string | undefined {
    if (!ref) return undefined;
    return configValue(this.find('ConfigMap', ref.name, ref.namespace ?? 'gateway-conformance-infra') as KubeObject | undefined, key);
  }

  mutate(s: J): void {
    const d = String(s.description ?? '');
    if (s.target?.kind === 'EndpointSlice') {
      this.fillEndpointSlices(d);
    } else if (!applyMutation(this.objects, this.original, s)) {
      throw new StepFail(`mutation not expressible by the runner: ${d || JSON.stringify(s)}`);
    }
    const orig = /^patch ConfigMap ([\w.-]+) data\.([\w.-]+) = original CA/.exec(d);
    if (orig) {
      const cm = this.find('ConfigMap', orig[1]);
      const first = this.createdData.get(orig[1]);
      if (cm) cm.data = { ...(cm.data ?? {}), [orig[2]]: first?.[orig[2]] ?? this.certs.checksCa.cert };
    }
    this.dirty = true;
  }

  create(obj: J): void {
    const o = applyPlaceholders(clone(obj) as KubeObject) as J;
    if (o.kind === 'ConfigMap') this.createdData.set(o.metadata?.name, clone(o.data ?? {}));
    this.objects.push(o);
    this.dirty = true;
  }

  /**
   * HTTPRouteServiceTypes: the suite copies the infra-backend-v1 Pod IPs into the manual
   * EndpointSlices (IPv4 only here; the IPv6 slices stay empty, as on a single-stack cluster).
   */
  private fillEndpointSlices(description: string): void {
    const m = /with the ([\w.-]+) Pod IPs/.exec(description);
    const deployment = m?.[1] ?? 'infra-backend-v1';
    for (const s of this.objects.filter((o) => o.kind === 'EndpointSlice' && o.addressType === 'IPv4')) {
      const ns = s.metadata?.namespace ?? 'default';
      const d = this.find('Deployment', deployment, ns);
      if (!d) continue;
      const pod = this.rig.pod(d, this.objects);
      s.endpoints = [{ addresses: ['127.0.0.1'], conditions: { ready: true, serving: true }, targetRef: { kind: 'Pod', name: pod.name, namespace: ns } }];
    }
  }

  /** Port on 127.0.0.1 where `gateway`'s listener `port` is served now (starting nginx if needed). */
  async port(gateway: J, port: number): Promise<number> {
    const run = await this.ensure(gateway);
    return port + run.offset;
  }

  /** Makes sure nginx serves the Gateway with the current objects. */
  async ensure(gateway: J): Promise<GatewayRun> {
    const key = `${gateway.namespace ?? 'default'}/${gateway.name}`;
    if (this.dirty) {
      for (const g of this.gateways.values()) {
        if (g.started) await g.instance.stop();
        g.started = false;
      }
      this.backends = await this.rig.backends(this.objects);
      this.dirty = false;
    }
    let run = this.gateways.get(key);
    if (!run) {
      run = {
        key,
        instance: new NginxInstance(path.join(this.opts.workDir, `${gateway.namespace ?? 'default'}_${gateway.name}`)),
        offset: 0,
        started: false,
        diagnostics: [],
      };
      this.gateways.set(key, run);
    }
    if (!run.started) await this.start(run, gateway);
    return run;
  }

  private render(run: GatewayRun, gateway: J, offset: number): RenderedGateway {
    const compile = this.opts.compile;
    let out: RenderedGateway[];
    try {
      const v = nginxVersion();
      out = compile(this.objects as KubeObject[], { backends: this.backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true, ...(v ? { nginxVersion: v } : {}) });
    } catch (e) {
      throw new StepFail(`compileNginx threw: ${(e as Error).stack ?? e}`);
    }
    const g = out.find((x) => x.name === gateway.name && x.namespace === (gateway.namespace ?? 'default'));
    if (!g) {
      throw new StepFail(`compileNginx rendered no data plane for Gateway ${run.key} (rendered: ${out.map((x) => `${x.namespace}/${x.name}`).join(', ') || 'none'})`);
    }
    run.diagnostics = g.diagnostics ?? [];
    return g;
  }

  private async start(run: GatewayRun, gateway: J): Promise<void> {
    let lastError = '';
    const candidates = [run.offset || undefined, ...Array.from({ length: 12 }, () => 10000 + 10 * Math.floor(Math.random() * 1000))].filter((x): x is number => x !== undefined);
    for (const offset of candidates) {
      const g = this.render(run, gateway, offset);
      if (!g.files['nginx.conf']) throw new StepFail(`the data plane of Gateway ${run.key} has no nginx.conf (files: ${Object.keys(g.files).join(', ')})`);
      run.instance.write(g.files);
      const low = run.instance.ports.find((p) => p.port <= 1024);
      if (low) throw new StepFail(`Gateway ${run.key} listens on ${low.protocol}/${low.port} with portOffset ${offset} (offset not applied?)`);
      if (!(await portsFree(run.instance.ports))) {
        lastError = `ports ${run.instance.ports.map((p) => p.port).join(', ')} busy`;
        continue;
      }
      try {
        await run.instance.start();
        run.offset = offset;
        run.started = true;
        return;
      } catch (e) {
        await run.instance.stop();
        lastError = (e as Error).message;
        if (!/Address already in use/.test(lastError)) {
          const diags = summarizeDiagnostics(run.diagnostics);
          throw new StepFail(`nginx for Gateway ${run.key} did not start: ${lastError}${diags ? ` (compiler diagnostics: ${diags})` : ''}`);
        }
      }
    }
    throw new StepFail(`no free port offset for Gateway ${run.key}: ${lastError}`);
  }

  /** Resolver status of the current objects. */
  status(kind: string, name: string, namespace?: string): J | undefined {
    const res = resolve(this.objects as KubeObject[]);
    return res.status.find((x) => x.kind === kind && x.name === name && (namespace === undefined || x.namespace === namespace))?.status as J | undefined;
  }

  /** Error diagnostics of the compiler for the Gateways started in this case (for failure reasons). */
  compilerErrors(): string {
    const all = [...this.gateways.values()].flatMap((g) => g.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.object.kind} ${d.object.name}${d.field ? ` ${d.field}` : ''}: ${d.message}`));
    const uniq = [...new Set(all)];
    if (!uniq.length) return '';
    return `${uniq.slice(0, 2).join(' | ')}${uniq.length > 2 ? ` | (+${uniq.length - 2} more)` : ''}`;
  }

  async teardown(): Promise<void> {
    for (const g of this.gateways.values()) {
      if (this.opts.keep) await g.instance.stop();
      else await g.instance.dispose();
    }
    this.gateways.clear();
  }
}

function summarizeDiagnostics(diags: readonly Diagnostic[]): string {
  return diags
    .filter((d) => d.severity === 'error')
    .slice(0, 3)
    .map((d) => `${d.code}: ${d.message}`)
    .join('; ');
}

function levelOf(c: J): 'core' | 'extended' {
  return ((c.featureDetails ?? []) as J[]).some((f) => f.level === 'extended') ? 'extended' : 'core';
}

function stepLabel(index: number, s: J, group: string | undefined): string {
  return `#${index} ${s.type}${group ? ` [${group}]` : ''}`;
}

/** Runs one case. Never throws: a crash is a failure with the error as reason. */
export async function runOneCase(c: J, opts: RunnerOptions): Promise<CaseReport> {
  const t0 = Date.now();
  const meta = {
    name: String(c.name),
    category: String(c.category ?? ''),
    profiles: (c.profiles ?? []) as string[],
    level: levelOf(c),
    provisional: !!c.provisional,
    features: (c.features ?? []) as string[],
  };
  const done = (result: Result, reason: string): CaseReport => ({ ...meta, result, reason, durationMs: Date.now() - t0 });
  const unsupported = unsupportedFeature((c.features ?? []) as string[]);
  if (unsupported) return done('skip', `feature ${unsupported.feature} declared unsupported: ${unsupported.reason}`);
  let run: CaseRun | undefined;
  try {
    const prepared = prepareCase(c, opts.base as readonly J[]);
    const status: CaseResult = runStatusSteps(prepared, opts.base);
    const byIndex = new Map(status.steps.map((s) => [s.index, s]));
    const manifests = ((prepared.manifests ?? []) as J[]).flatMap((m) => ((m.documents ?? []) as J[]).filter((d) => d && typeof d === 'object'));
    run = new CaseRun(prepared, opts, manifests);
    const flat = flattenSteps(prepared.steps ?? []);
    let group: string | undefined;
    for (let i = 0; i < flat.length; i++) {
      const s = flat[i];
      const index = i + 1;
      const label = stepLabel(index, s, group);
      try {
        switch (s.type) {
          case 'group':
            group = s.name;
            continue;
          case 'skipIf':
            if (claims(s.feature) !== CLAIMED_FEATURES.has(s.feature)) {
              throw new StepFail(`features.ts and the status harness disagree on claiming ${s.feature}`);
            }
            if (claims(s.feature)) return done('pass', '');
            continue;
          case 'mutate':
            run.mutate(s);
            continue;
          case 'createObject':
            run.create(s.object);
            continue;
          case 'sleep':
          case 'assert':
            continue;
          default:
            break;
        }
        if (STATUS_STEPS.has(s.type)) {
          const r = byIndex.get(index);
          if (!r) throw new StepFail('status harness did not evaluate this step');
          if (!r.pass) throw new StepFail(r.reason ?? 'status does not hold');
          continue;
        }
        await runProbe(run, s);
      } catch (e) {
        if (e instanceof StepFail) {
          const diags = STATUS_STEPS.has(s.type) ? '' : run.compilerErrors();
          return done('fail', `${label}: ${e.message}${diags ? ` [compiler errors: ${diags}]` : ''}`);
        }
        throw e;
      }
    }
    return done('pass', '');
  } catch (e) {
    return done('fail', `crash: ${(e as Error).stack ?? String(e)}`);
  } finally {
    await run?.teardown().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Running many cases

export interface RunAllOptions {
  readonly casesFile?: string;
  readonly only?: readonly string[];
  readonly parallel?: number;
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
  readonly onCase?: (r: CaseReport) => void;
  /** The compiler to test (default: `compileNginx` of src/render/nginx). */
  readonly compile?: CompileNginx;
}

/** Runs the cases (all, or `only`) and returns the reports in catalog order. */
export async function runConformance(options: RunAllOptions = {}): Promise<CaseReport[]> {
  const casesFile = options.casesFile ?? DEFAULT_CASES;
  let cases = loadCasesFile(casesFile);
  if (options.only?.length) {
    const want = new Set(options.only);
    const unknown = [...want].filter((n) => !cases.some((c) => c.name === n));
    if (unknown.length) throw new Error(`unknown case(s): ${unknown.join(', ')}`);
    cases = cases.filter((c) => want.has(c.name));
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-conformance-'));
  fs.chmodSync(workDir, 0o755);
  if (options.keep) options.log?.(`work directory (kept): ${workDir}`);
  const removeOnExit = () => {
    if (!options.keep) fs.rmSync(workDir, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);
  const rig = new EchoRig();
  try {
    const certs = generateSuiteCerts(path.join(workDir, 'certs'));
    const base = baseObjects(certs, baseManifestsPath(casesFile));
    const compile = options.compile ?? loadCompiler();
    const reports: CaseReport[] = new Array(cases.length);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const caseDir = path.join(workDir, `case-${i}`);
        fs.mkdirSync(caseDir, { recursive: true });
        fs.chmodSync(caseDir, 0o755);
        const r = await runOneCase(cases[i], { rig, certs, base, compile, workDir: caseDir, keep: options.keep, log: options.log });
        if (!options.keep) fs.rmSync(caseDir, { recursive: true, force: true });
        reports[i] = r;
        options.onCase?.(r);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 1) }, worker));
    return reports;
  } finally {
    await rig.close();
    removeOnExit();
    process.off('exit', removeOnExit);
  }
}

// ---------------------------------------------------------------------------------------------
// Summary

function count(rs: readonly CaseReport[]): { pass: number; fail: number; skip: number } {
  return {
    pass: rs.filter((r) => r.result === 'pass').length,
    fail: rs.filter((r) => r.result === 'fail').length,
    skip: rs.filter((r) => r.result === 'skip').length,
  };
}

/** `conformance: N passed, N failed, N skipped` followed by per-profile and per-category counts. */
export function summarize(reports: readonly CaseReport[]): string[] {
  const all = count(reports);
  const lines = [`conformance: ${all.pass} passed, ${all.fail} failed, ${all.skip} skipped`];
  const profiles = [...new Set(reports.flatMap((r) => r.profiles))].sort();
  for (const p of profiles) {
    const parts: string[] = [];
    for (const level of ['core', 'extended'] as const) {
      const n = count(reports.filter((r) => r.profiles.includes(p) && r.level === level));
      if (n.pass + n.fail + n.skip) parts.push(`${level} ${n.pass} passed, ${n.fail} failed, ${n.skip} skipped`);
    }
    lines.push(`  ${p.padEnd(13)} ${parts.join(' | ')}`);
  }
  const shaky = [...new Set(reports.flatMap((r) => r.features))]
    .sort()
    .map((f) => ({ f, n: count(reports.filter((r) => r.features.includes(f))) }))
    .filter(({ n }) => n.fail + n.skip > 0);
  if (shaky.length) lines.push(`  features not fully passing: ${shaky.map(({ f, n }) => `${f} ${n.pass}/${n.pass + n.fail}${n.skip ? ` (+${n.skip} skipped)` : ''}`).join(', ')}`);
  const cats = [...new Set(reports.map((r) => r.category))].sort();
  lines.push(`  by category: ${cats.map((k) => {
    const n = count(reports.filter((r) => r.category === k));
    return `${k} ${n.pass}/${n.pass + n.fail}${n.skip ? ` (+${n.skip} skipped)` : ''}`;
  }).join(', ')}`);
  return lines;
}

/** The report file content: `[{"name","result","reason"}]` (plus category/profiles/level/durationMs). */
export function reportJson(reports: readonly CaseReport[]): string {
  return JSON.stringify(
    reports.map((r) => ({ name: r.name, result: r.result, reason: r.reason, category: r.category, profiles: r.profiles, level: r.level, provisional: r.provisional, features: r.features, durationMs: r.durationMs })),
    null,
    2,
  ) + '\n';
}

export { secretPem };
