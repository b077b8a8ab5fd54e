/**
 * Compiles and runs generated main.ts apps, and compares what they synthesize with import's
 * gateway-api.yaml, object for object.
 *
 * - Type-check: one TypeScript program over the apps (strict, noUnusedLocals, as `cdk8s init`'s
 *   tsconfig), `cdk8s-gateway` mapped to this repository's src/index.ts through `paths`.
 * - Run: each app transpiled to CommonJS and executed with `cdk8s-gateway` resolved to the same
 *   src module (and `cdk8s` to the same cdk8s the library uses); `app.synth()` writes into
 *   CDK8S_OUTDIR, whose YAML is read back.
 * - Compare (see {@link compareWithImport}).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import * as YAML from 'yaml';
import { EXTERNAL_BACKENDS_ANNOTATION, formatExternalBackends, KubeObject, splitApiVersion } from '../../src/model';
import { bundleForGroup, schemaEntry } from '../../src/validate/bundles';
import { FieldPath } from '../../src/validate/field-path';
import { normalize } from '../../src/validate/normalize';

const ROOT = path.join(__dirname, '..', '..');

/** A fresh folder under the repository's .tmp (so `cdk8s` and `constructs` resolve from its node_modules). */
export function repoTemp(prefix: string): string {
  const base = path.join(ROOT, '.tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

/** Type-checks the apps (name → source); returns the diagnostics as `file:line: message`. */
export function typecheck(apps: Record<string, string>): string[] {
  const dir = repoTemp('codegen-tsc-');
  const files = Object.entries(apps).map(([name, source]) => {
    const f = path.join(dir, name.replace(/[^A-Za-z0-9_-]+/g, '_'), 'main.ts');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, source);
    return f;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: ROOT,
    paths: { 'cdk8s-gateway': ['src/index.ts'] },
  });
  const out = ts.getPreEmitDiagnostics(program).map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return msg;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${path.relative(dir, d.file.fileName)}:${line + 1}: ${msg}`;
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Runs an app; returns the objects its `app.synth()` wrote (every file of the output folder, in order). */
export function runApp(source: string): KubeObject[] {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const outdir = repoTemp('codegen-synth-');
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    const req = (id: string) => (id === 'cdk8s-gateway' ? require('../../src') : require(id));
    const mod = { exports: {} };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('require', 'module', 'exports', js)(req, mod, mod.exports);
    const objects: KubeObject[] = [];
    for (const f of fs.readdirSync(outdir).filter((x) => x.endsWith('.yaml')).sort()) {
      for (const d of YAML.parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8'))) {
        const o = d.toJSON();
        if (o) objects.push(o);
      }
    }
    return objects;
  } finally {
    if (previous === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = previous;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The objects of a YAML stream. */
export function parseObjects(text: string): KubeObject[] {
  return YAML.parseAllDocuments(text).map((d) => d.toJSON() as KubeObject).filter((o) => o);
}

const id = (o: KubeObject) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The object as the API server stores it: the CRD's defaults applied (what both sides are compared as). */
function defaulted(o: KubeObject): unknown {
  const { group, version } = splitApiVersion(o.apiVersion);
  const bundle = bundleForGroup(group, 'standard');
  const entry = bundle && (schemaEntry(bundle, `${group}/${version}/${o.kind}`) ?? schemaEntry(bundleForGroup(group, 'experimental')!, `${group}/${version}/${o.kind}`));
  if (!entry) return o;
  return normalize(entry.root, o, FieldPath.ROOT, { out: [], blocking: false }, true);
}

/** Kinds of the input that gateway-api.yaml copies and main.ts leaves out on purpose. */
export const LEFT_OUT_KINDS = ['v1 Namespace', 'v1 Secret', 'v1 Service'];

/** The result of a comparison: empty `problems` = equivalent. */
export interface Comparison {
  readonly problems: string[];
  /** how many Gateway API objects were compared */
  readonly compared: number;
  /** the external-backends annotations that were checked and set aside, `Kind ns/name: value` */
  readonly externalBackends: string[];
}

/**
 * Compares synth of main.ts with gateway-api.yaml:
 * - the same objects (apiVersion, kind, namespace, name), each once, except the input's Services,
 *   Secrets and Namespaces (LEFT_OUT_KINDS), which gateway-api.yaml copies and main.ts leaves to
 *   their current deployment — and nothing else may be missing or extra;
 * - each pair equal in full (metadata, spec, every other field) after the CRD defaulting the API
 *   server applies to both (e.g. `parentRefs[].group: gateway.networking.k8s.io`, header match
 *   `type: Exact`, `certificateRefs[].kind: Secret`, which the constructs write out and import
 *   leaves to the default);
 * - one tolerated difference: the `cdk8s-gateway.dev/external-backends` annotation synth adds to a
 *   route that names Services with Backend.fromName. It is set aside only when its value is exactly
 *   the list of the route's backendRefs (and mirror targets) the annotation format gives, and the
 *   imported route has no such annotation itself.
 */
export function compareWithImport(imported: readonly KubeObject[], synthesized: readonly KubeObject[]): Comparison {
  const problems: string[] = [];
  const externalBackends: string[] = [];
  const expected = imported.filter((o) => !LEFT_OUT_KINDS.includes(`${o.apiVersion} ${o.kind}`));
  const byId = (list: readonly KubeObject[], side: string) => {
    const m = new Map<string, KubeObject>();
    for (const o of list) {
      if (m.has(id(o))) problems.push(`${side}: ${id(o)} appears twice`);
      m.set(id(o), o);
    }
    return m;
  };
  const want = byId(expected, 'gateway-api.yaml');
  const got = byId(synthesized, 'synth of main.ts');
  for (const k of want.keys()) if (!got.has(k)) problems.push(`missing from synth of main.ts: ${k}`);
  for (const k of got.keys()) if (!want.has(k)) problems.push(`extra in synth of main.ts: ${k}`);
  for (const [k, w] of want) {
    const g = got.get(k);
    if (!g) continue;
    const gg = JSON.parse(JSON.stringify(g)) as KubeObject;
    const ann = gg.metadata.annotations as Record<string, string> | undefined;
    if (ann && ann[EXTERNAL_BACKENDS_ANNOTATION] !== undefined && (w.metadata.annotations as Record<string, string> | undefined)?.[EXTERNAL_BACKENDS_ANNOTATION] === undefined) {
      const expectedValue = formatExternalBackends(backendRefs(w));
      if (ann[EXTERNAL_BACKENDS_ANNOTATION] !== expectedValue) problems.push(`${k}: ${EXTERNAL_BACKENDS_ANNOTATION} is ${JSON.stringify(ann[EXTERNAL_BACKENDS_ANNOTATION])}, the route's backends give ${JSON.stringify(expectedValue)}`);
      externalBackends.push(`${w.kind} ${w.metadata.namespace}/${w.metadata.name}: ${ann[EXTERNAL_BACKENDS_ANNOTATION]}`);
      delete ann[EXTERNAL_BACKENDS_ANNOTATION];
      if (Object.keys(ann).length === 0) delete (gg.metadata as Record<string, unknown>).annotations;
    }
    const a = JSON.stringify(sortKeys(defaulted(w)));
    const b = JSON.stringify(sortKeys(defaulted(gg)));
    if (a !== b) problems.push(`${k} differs:\n  gateway-api.yaml: ${a}\n  synth of main.ts: ${b}`);
  }
  return { problems, compared: want.size, externalBackends };
}

/** The Service backends a route names (rules' backendRefs and mirror targets), as annotation entries. */
function backendRefs(route: KubeObject): { group: string; kind: string; namespace: string; name: string }[] {
  const ns = route.metadata.namespace ?? 'default';
  const out: { group: string; kind: string; namespace: string; name: string }[] = [];
  const add = (b: any) => {
    if (!b) return;
    const group = b.group ?? '';
    const kind = b.kind ?? 'Service';
    if ((group === '' && kind === 'Service') || (group === 'multicluster.x-k8s.io' && kind === 'ServiceImport')) out.push({ group, kind, namespace: b.namespace ?? ns, name: b.name });
  };
  for (const rule of (route.spec as any)?.rules ?? []) {
    for (const b of rule.backendRefs ?? []) {
      add(b);
      for (const f of b.filters ?? []) if (f.type === 'RequestMirror') add(f.requestMirror?.backendRef);
    }
    for (const f of rule.filters ?? []) if (f.type === 'RequestMirror') add(f.requestMirror?.backendRef);
  }
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
