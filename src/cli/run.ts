/**
 * The `cdk8s-gateway` command line, as a function: `run(argv, io)` parses the arguments with
 * commander, runs the command and returns the exit code. Nothing here touches `process`, so tests
 * call it directly; `main.ts` is the thin executable around it.
 *
 * Exit codes (every command): 0 success / clean, 1 problems found (`check`), 2 usage or input
 * errors (unknown command or option, bad option value, missing PATH, unreadable file, invalid YAML).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { checkCommand } from './check';
import { explainCommand } from './explain/command';
import { importCommand } from './import';
import { renderCommand } from './render';
import { CliIO } from './input';

export type { CliIO } from './input';

/** A subcommand factory: builds the commander command; its action reports the exit code through `done`. */
export type CommandFactory = (io: CliIO, done: (code: number) => void) => Command;

/** The subcommands, in help order. */
export const COMMANDS: readonly CommandFactory[] = [checkCommand, explainCommand, importCommand, renderCommand];

/** Usage / input error exit code. */
export const EXIT_USAGE = 2;

function packageVersion(): string {
  try {
    // src/cli/run.ts and lib/cli/run.js both sit two levels below the package root
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = new Command('cdk8s-gateway')
    .description('Check and explain Kubernetes Gateway API manifests offline, as a conformant controller would see them.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError()
    .addHelpText('after', '\nExit codes: 0 clean, 1 errors found, 2 usage or input errors.');
  for (const factory of COMMANDS) {
    program.addCommand(
      factory(io, (c) => {
        code = c;
      }),
    );
  }
  // addCommand does not copy settings to the subcommands: give them the program's
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError();
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' && e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw e;
  }
  return code;
}
