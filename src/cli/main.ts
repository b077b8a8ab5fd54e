#!/usr/bin/env node
/**
 * The `cdk8s-gateway` executable (package `bin`): wires {@link run} to the process.
 */
import { InputTooLarge } from './load';
import { run } from './run';
import { useColor } from './style';

/** All of standard input, or InputTooLarge as soon as more than `maxBytes` arrived (then stops reading). */
function readStdin(maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        process.stdin.off('data', onData);
        process.stdin.pause();
        process.stdin.destroy();
        reject(new InputTooLarge(maxBytes));
        return;
      }
      chunks.push(c);
    };
    process.stdin.on('data', onData);
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

run(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  readStdin,
  color: useColor(process.stdout.isTTY, process.env),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // a message, never a stack trace (CDK8S_GATEWAY_DEBUG=1 adds it, for a bug report)
    const detail = e instanceof Error ? (process.env.CDK8S_GATEWAY_DEBUG === '1' ? e.stack ?? e.message : e.message) : String(e);
    process.stderr.write(`error: internal error: ${detail}\n(please report it; CDK8S_GATEWAY_DEBUG=1 prints where it happened)\n`);
    process.exitCode = 2;
  },
);
