/** The `explain` subcommand: options, input loading, output in the chosen format. */
import { Command, Option } from 'commander';
import { addInputOptions, CliIO, InputOptions, loadAndResolve } from '../input';
import { plural } from '../style';
// the table's modules load when `explain` runs, not when another command starts
import type * as Mermaid from './mermaid';
import type * as Model from './model';
import type * as Text from './text';

/** Output formats of `explain`. */
export const EXPLAIN_FORMATS = ['text', 'json', 'mermaid'] as const;

/** Options of `explain`. */
export interface ExplainOptions extends InputOptions {
  readonly format?: (typeof EXPLAIN_FORMATS)[number];
}

/** The `explain` subcommand; `done` receives the exit code. */
export function explainCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('explain')
    .description('print the route table: listeners, hostnames, matches in precedence order, filters, backends with weights')
    .argument('<path...>', 'YAML/JSON files or folders (read recursively); - reads stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(EXPLAIN_FORMATS).default('text'));
  addInputOptions(cmd);
  return cmd.action(async (paths: string[], opts: ExplainOptions) => done(await explainPaths(paths, opts, io)));
}

/**
 * Runs `explain`; returns the exit code: 0 (also when the input has errors: the table shows what
 * would be served, and a note on stderr points to `check`), 2 on usage / input errors.
 */
export async function explainPaths(paths: readonly string[], opts: ExplainOptions, io: CliIO): Promise<number> {
  const r = await loadAndResolve(paths, opts, io, true);
  if (!r) return 2;
  const { explainControllers, routeRefs } = require('./model') as typeof Model;
  const { formatExplainMermaid } = require('./mermaid') as typeof Mermaid;
  const { formatExplainText } = require('./text') as typeof Text;
  const e = explainControllers(r.results, { routes: routeRefs(r.objects, r.resolveOptions.defaultNamespace!), diagnostics: r.diagnostics, implementations: r.implementations });
  const format = opts.format ?? 'text';
  io.stdout(format === 'json' ? `${JSON.stringify(e, null, 2)}\n` : format === 'mermaid' ? formatExplainMermaid(e) : formatExplainText(e));
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) io.stderr(`note: the input has ${plural(errors, 'error')}; run \`cdk8s-gateway check\` for the fixes\n`);
  return 0;
}
