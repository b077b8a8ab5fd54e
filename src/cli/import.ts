/**
 * `cdk8s-gateway import PATH… --out DIR [--gateway-class NAME] [--gateway-name NAME]
 * [--gateway-namespace NS]`: ingress-nginx Ingresses (and their IngressClasses, Services, Secrets,
 * `tcp-services` / `udp-services` ConfigMaps) → `DIR/gateway-api.yaml`, `DIR/report.json`,
 * `DIR/report.md`, `DIR/main.ts` (a cdk8s app with this library's constructs that synthesizes the
 * same Gateway API objects).
 *
 * Exit codes: 0 everything converted, 1 something approximated or unsupported (the files are still
 * written), 2 usage or input errors (`file:line: message` on stderr; nothing is written).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type * as Import from '../import';
import { DEFAULT_GATEWAY_NAME, DEFAULT_GATEWAY_NAMESPACE } from '../import/defaults';
import { isDns1123Label, isDns1123Subdomain } from '../validate/formats';
import { CliIO } from './input';
import { DEFAULT_MAX_INPUT_BYTES, load } from './load';
import { plural } from './style';

/** Options of `import`. */
export interface ImportCliOptions {
  readonly out: string;
  readonly gatewayClass?: string;
  readonly gatewayName?: string;
  readonly gatewayNamespace?: string;
  readonly namespace?: string;
}

/** The files `import` writes into DIR. */
export const IMPORT_FILES = ['gateway-api.yaml', 'report.json', 'report.md', 'main.ts'] as const;

const name = (what: string, check: (v: string) => boolean, rule: string) => (v: string) => {
  if (!check(v)) throw new InvalidArgumentError(`"${v}" is not a ${what} (${rule}).`);
  return v;
};

/** The `import` subcommand; `done` receives the exit code. */
export function importCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('import')
    .description('convert ingress-nginx Ingresses (and tcp-services/udp-services ConfigMaps) to Gateway API (exit 0 all converted, 1 something approximated or unsupported, 2 usage/input errors)')
    .argument('<path...>', 'YAML/JSON files or folders (read recursively); - reads stdin')
    .requiredOption('-o, --out <dir>', 'output directory (gateway-api.yaml, report.json, report.md, main.ts)')
    .addOption(new Option('--gateway-class <name>', 'an existing GatewayClass for the Gateway (default: a GatewayClass cdk8s-gateway of the built-in controller, so render can serve it)').argParser(name('GatewayClass name', isDns1123Subdomain, 'a DNS subdomain')))
    .addOption(new Option('--gateway-name <name>', 'name of the Gateway').default(DEFAULT_GATEWAY_NAME).argParser(name('Gateway name', isDns1123Subdomain, 'a DNS subdomain')))
    .addOption(new Option('--gateway-namespace <namespace>', `namespace of the Gateway (default: the Ingresses' namespace when they share one, else ${DEFAULT_GATEWAY_NAMESPACE})`).argParser(name('namespace name', isDns1123Label, 'a DNS label')))
    .addOption(new Option('-n, --namespace <namespace>', 'namespace of objects without metadata.namespace').default('default'));
  return cmd.action(async (paths: string[], opts: ImportCliOptions) => done(await importIngresses(paths, opts, io)));
}

/** Runs `import`; returns the exit code. */
export async function importIngresses(paths: readonly string[], opts: ImportCliOptions, io: CliIO): Promise<number> {
  // (the converter and its YAML writer are loaded only when import runs: other commands start faster)
  const { convert, formatObjectsYaml, formatReportJson, formatReportMarkdown, generateApp, parseImportInput, reportCounts } = require('../import') as typeof Import;
  const input = await load(paths, { cwd: io.cwd, readStdin: io.readStdin, maxBytes: DEFAULT_MAX_INPUT_BYTES });
  const errors = input.errors.map((e) => `${e.location}: ${e.message}`);
  for (const d of input.diagnostics) errors.push(`${d.source.file}:${d.source.line}: ${d.diagnostic.message}`);
  const parsed = parseImportInput(input.objects.map((o) => ({ object: o.object, source: { file: o.source.file, line: o.source.line } })), opts.namespace ?? 'default');
  for (const e of parsed.errors) errors.push(`${e.source ? `${e.source.file}:${e.source.line}: ` : ''}${e.message}`);
  const result = errors.length ? undefined : convert(parsed.input, { gatewayName: opts.gatewayName, gatewayNamespace: opts.gatewayNamespace, gatewayClass: opts.gatewayClass });
  for (const e of result?.errors ?? []) errors.push(`${e.source ? `${e.source.file}:${e.source.line}: ` : ''}${e.message}`);
  if (errors.length || !result) {
    for (const e of errors) io.stderr(`error: ${e}\n`);
    io.stderr(`${plural(errors.length, 'input error')}: nothing was written\n`);
    return 2;
  }
  if (!parsed.input.ingresses.length && !parsed.input.streams.length) {
    io.stderr('error: the input holds no Ingress and no tcp-services/udp-services ConfigMap: nothing to import. Fix: pass the files or folders holding them\n');
    return 2;
  }
  const dir = path.resolve(io.cwd, opts.out);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'gateway-api.yaml'), formatObjectsYaml(result.objects));
  fs.writeFileSync(path.join(dir, 'report.json'), formatReportJson(result.report));
  fs.writeFileSync(path.join(dir, 'report.md'), formatReportMarkdown(result.report));
  const app = generateApp(result.objects, result.report, { ingresses: parsed.input.ingresses.map((i) => `${i.namespace}/${i.name}`) });
  fs.writeFileSync(path.join(dir, 'main.ts'), app.source);
  const c = reportCounts(result.report);
  const ignored = parsed.input.ignored.length ? `; ${plural(parsed.input.ignored.length, 'other object')} of the input not read (${[...new Set(parsed.input.ignored.map((o) => o.kind))].sort().join(', ')})` : '';
  io.stdout(`imported ${plural(parsed.input.ingresses.length, 'Ingress', 'Ingresses')} → ${path.join(opts.out, 'gateway-api.yaml')} (${plural(result.objects.length, 'object')})${ignored}\n`);
  const hatches = app.escapeHatches.length ? `; ${plural(app.escapeHatches.length, 'escape hatch', 'escape hatches')} for fields no construct prop expresses (marked ESCAPE HATCH)` : '';
  io.stdout(`cdk8s app → ${path.join(opts.out, 'main.ts')} (the same Gateway API objects from this library's constructs${hatches})\n`);
  io.stdout(`report: ${c.converted} converted, ${c.approximated} approximated, ${c.unsupported} unsupported → ${path.join(opts.out, 'report.md')}\n`);
  return c.approximated || c.unsupported ? 1 : 0;
}
