/**
 * `cdk8s-gateway check PATH… [--format text|json] [--verbose]`: what a conformant controller would
 * say about the input, before anything is applied.
 *
 * Exit codes: 0 no error diagnostics (warnings allowed), 1 errors found, 2 usage / input errors.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUILTIN_CONTROLLER_NAME, Diagnostic, describeRef, sortDiagnostics } from '../model';
import { ObjectStatus, resolveWithAcmeChallenges } from '../resolve';
import { isDns1123Label } from '../validate/formats';
import { withBoundedHeapGrowth } from './heap';
import { addInputOptions, CliIO, InputOptions, loadAndResolve, Resolved } from './input';
import { Source } from './load';
import { plural, style } from './style';

/** Output formats of `check`. */
export const CHECK_FORMATS = ['text', 'json'] as const;

/** Options of `check`. */
export interface CheckOptions extends InputOptions {
  readonly format?: (typeof CHECK_FORMATS)[number];
  /** Show info-level diagnostics in text output. */
  readonly verbose?: boolean;
}

/** The `check` subcommand; `done` receives the exit code. */
export function checkCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('check')
    .description('report what a Gateway API controller would say about the manifests (exit 0 clean, 1 errors, 2 usage/input errors)')
    .argument('<path...>', 'YAML/JSON files or folders (read recursively); - reads stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(CHECK_FORMATS).default('text'))
    .option('-v, --verbose', 'also show info-level diagnostics', false)
    .addOption(
      new Option('--external-namespace <namespace>', 'a namespace created by other means (another tool, by hand): not reported as NamespaceNotCreated (repeatable)')
        .argParser(collectNamespace)
        .default([], 'none'),
    );
  addInputOptions(cmd);
  // (heap growth bounded while it runs: docs/benchmarks.md section 4, "Memory and YAML")
  return cmd.action(async (paths: string[], opts: CheckOptions) => done(await withBoundedHeapGrowth(() => check(paths, opts, io))));
}

/** Collects the values of the repeatable `--external-namespace` (also comma-separated), each a DNS label. */
function collectNamespace(value: string, previous: readonly string[]): string[] {
  const out = [...previous];
  for (const ns of value.split(',').map((v) => v.trim()).filter((v) => v !== '')) {
    if (!isDns1123Label(ns)) {
      throw new InvalidArgumentError(`"${ns}" is not a namespace name (a DNS label: lowercase letters, digits and "-", at most 63 characters).`);
    }
    out.push(ns);
  }
  return out;
}

/** Runs `check`; returns the exit code. */
export async function check(paths: readonly string[], opts: CheckOptions, io: CliIO): Promise<number> {
  // `check` also reports namespaces nothing in the input creates (other commands do not)
  // (status and diagnostics only: the model keeps no route rules; only the JSON output shows status)
  const loaded = await loadAndResolve(paths, { ...opts, checkNamespaces: true, modelRules: false, status: opts.format === 'json' }, io, true);
  if (!loaded) return 2;
  const r = { ...loaded, diagnostics: sortDiagnostics([...loaded.diagnostics, ...acmeDiagnostics(loaded)]) };
  if (opts.format === 'json') writeCheckJson(r.diagnostics, r.result.status, (text) => io.stdout(text));
  else io.stdout(formatCheckText(r, { verbose: !!opts.verbose, color: !!io.color }));
  return checkExitCode(r.diagnostics);
}

/**
 * Gateways of the built-in controller are served by a configuration compiled ahead of time, which
 * never sees the HTTPRoute cert-manager creates for an HTTP-01 challenge: the same warnings as
 * synth and `render` when such a challenge would not be routed (`AcmeChallengeNotServed`).
 */
function acmeDiagnostics(r: Resolved): Diagnostic[] {
  const builtin = r.results.get(BUILTIN_CONTROLLER_NAME);
  if (!builtin) return [];
  // only the model is needed from this second run: no schema or namespace findings again
  const { namespaces: _n, ...options } = r.resolveOptions;
  return resolveWithAcmeChallenges(r.objects, builtin.model, { ...options, controllerName: BUILTIN_CONTROLLER_NAME }).diagnostics;
}

/** 1 when any diagnostic is an error, else 0. */
export function checkExitCode(diagnostics: readonly Diagnostic[]): 0 | 1 {
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

/**
 * The JSON contract (BRIEF §5): `{"diagnostics":[{severity, code, message, object:{apiVersion,
 * kind, namespace, name}, field, fix?}], "status":[{apiVersion, kind, namespace, name, status}]}`.
 * Keys are always in this order; `field` is always present (`""` when the diagnostic is about the
 * whole object), `fix` when the resolver knows one; `namespace` is absent for cluster-scoped
 * objects (GatewayClass, Namespace), as in Kubernetes. Arrays keep the resolver's order.
 */
export function checkJson(diagnostics: readonly Diagnostic[], status: readonly ObjectStatus[]): { diagnostics: unknown[]; status: unknown[] } {
  return { diagnostics: diagnostics.map(diagnosticJson), status: status.map(statusJson) };
}

function diagnosticJson(d: Diagnostic): unknown {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    object: {
      apiVersion: d.object.apiVersion,
      kind: d.object.kind,
      ...(d.object.namespace !== undefined ? { namespace: d.object.namespace } : {}),
      name: d.object.name,
    },
    field: d.field ?? '',
    ...(d.fix ? { fix: d.fix } : {}),
  };
}

function statusJson(s: ObjectStatus): unknown {
  return {
    apiVersion: s.apiVersion,
    kind: s.kind,
    ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
    name: s.name,
    status: s.status,
  };
}

/** {@link checkJson} as text (2-space indent, trailing newline). */
export function formatCheckJson(diagnostics: readonly Diagnostic[], status: readonly ObjectStatus[]): string {
  return `${JSON.stringify(checkJson(diagnostics, status), null, 2)}\n`;
}

/** Most characters {@link writeCheckJson} gathers before it writes. */
const JSON_CHUNK = 1 << 20;

/**
 * {@link formatCheckJson}'s text, the same bytes, written in pieces of about {@link JSON_CHUNK}
 * characters: on a large input neither the whole text nor a copy of every status is held at once
 * (the status of 61,000 routes is 63 MB of JSON).
 */
export function writeCheckJson(diagnostics: readonly Diagnostic[], status: readonly ObjectStatus[], write: (text: string) => void): void {
  let pending = '';
  const put = (text: string) => {
    pending += text;
    if (pending.length >= JSON_CHUNK) {
      write(pending);
      pending = '';
    }
  };
  // JSON.stringify(…, null, 2) of `{ diagnostics: [...], status: [...] }`: each element at depth 2
  const list = <T>(name: string, items: readonly T[], json: (item: T) => unknown, last: boolean) => {
    put(`  "${name}": [`);
    items.forEach((item, i) => put(`${i ? ',' : ''}\n    ${JSON.stringify(json(item), null, 2).replace(/\n/g, '\n    ')}`));
    put(`${items.length ? '\n  ' : ''}]${last ? '' : ','}\n`);
  };
  put('{\n');
  list('diagnostics', diagnostics, diagnosticJson, false);
  list('status', status, statusJson, true);
  put('}\n');
  if (pending) write(pending);
}

/** `file:line` of a source. */
export function sourceLocation(s: Source): string {
  return `${s.file}:${s.line}`;
}

/**
 * One line per diagnostic:
 * `FILE:LINE: SEVERITY CODE KIND NS/NAME FIELD: MESSAGE — fix: FIX`.
 */
export function formatDiagnosticLine(d: Diagnostic, source: Source | undefined, color = false): string {
  const s = style(color);
  const sev = d.severity === 'error' ? s.red(s.bold('error')) : d.severity === 'warning' ? s.yellow(s.bold('warning')) : s.cyan('info');
  const where = source ? `${sourceLocation(source)}: ` : '';
  const obj = d.object.kind && d.object.name ? ` ${describeRef(d.object)}` : d.object.kind ? ` ${d.object.kind}` : '';
  const field = d.field ? ` ${d.field}` : '';
  const fix = d.fix ? ` — ${s.green('fix:')} ${d.fix}` : '';
  return `${where}${sev} ${s.bold(d.code)}${obj}${field}: ${d.message}${fix}`;
}

/** Text report: one line per problem (info only with `verbose`), then the summary line. */
export function formatCheckText(r: Pick<Resolved, 'diagnostics' | 'sourceOf' | 'input'>, opts: { verbose: boolean; color: boolean }): string {
  const s = style(opts.color);
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of r.diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
    if (d.severity === 'info' && !opts.verbose) continue;
    lines.push(formatDiagnosticLine(d, r.sourceOf(d), opts.color));
  }
  const counts = [plural(errors, 'error'), plural(warnings, 'warning'), ...(opts.verbose && infos ? [`${infos} info`] : [])].join(', ');
  const hidden = !opts.verbose && infos ? `; ${infos} info hidden (--verbose shows them)` : '';
  const summary = `${counts} (${plural(r.input.objects.length, 'object')} in ${plural(r.input.files.length, 'file')})${hidden}`;
  lines.push(errors ? s.red(summary) : warnings ? s.yellow(summary) : s.green(summary));
  return `${lines.join('\n')}\n`;
}
