import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './helpers';

/** Runs the real executable (src/cli/main.ts through ts-node), as `npx cdk8s-gateway` would. */
function spawnCli(args: string[], input?: string) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', NO_COLOR: '1' },
  });
}

test('main.ts starts with the shebang the package bin needs', () => {
  expect(fs.readFileSync(path.join(ROOT, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
});

test('the entry point runs check and sets the exit code (0, 1, 2)', () => {
  const ok = spawnCli(['check', 'examples/yaml/2-kind-istio']);
  expect(ok.stderr).toBe('');
  expect(ok.stdout).toBe('0 errors, 0 warnings (16 objects in 6 files)\n');
  expect(ok.status).toBe(0);

  const bad = spawnCli(['check', 'examples/yaml/mistakes/hostname-mismatch.yaml']);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toContain('error NoMatchingListenerHostname');

  const usage = spawnCli(['nope']);
  expect(usage.status).toBe(2);
  expect(usage.stderr).toContain("error: unknown command 'nope'");
});

test('the entry point reads - from stdin', () => {
  const yaml = fs.readFileSync(path.join(ROOT, 'examples', 'yaml', 'mistakes', 'namespace-not-allowed.yaml'), 'utf8');
  const r = spawnCli(['explain', '-f', 'json', '-'], yaml);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).unattached[0]).toMatchObject({ kind: 'HTTPRoute', namespace: 'same-team', name: 'web' });
});

describe('bounded input: refused with exit 2 and a message, never read to the end or a stack trace', () => {
  test('a device (/dev/zero, which never ends) is not a regular file', () => {
    const r = spawnCli(['check', '/dev/zero']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: /dev/zero: is not a regular file (a character device): give a YAML or JSON file, a folder, or - for standard input\n1 input error: nothing was checked\n');
  });

  test('standard input past --max-input-size stops being read: exit 2, the limit and the flag', () => {
    const big = `# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    const r = spawnCli(['check', '--max-input-size', '1', '-'], big);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: <stdin>: standard input goes past the input limit of 1 MiB: nothing was checked. Fix: raise the limit with --max-input-size <MiB>, or check the files in smaller groups\n1 input error: nothing was checked\n');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('files past the limit together: the one that crosses it is named; a raised limit reads them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-limit-'));
    try {
      const doc = fs.readFileSync(path.join(ROOT, 'examples', 'yaml', 'mistakes', 'namespace-not-allowed.yaml'), 'utf8');
      // two files of ~0.6 MiB each (comments pad them): each fits in 1 MiB, both together do not
      const pad = `# ${'x'.repeat(600 * 1024)}\n`;
      fs.writeFileSync(path.join(dir, 'a.yaml'), pad + doc);
      fs.writeFileSync(path.join(dir, 'b.yaml'), pad + doc.replace(/name: web\b/g, 'name: web2'));
      const r = spawnCli(['check', '--max-input-size', '1', path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: .*b\.yaml: 0\.6 MiB \(1\.2 MiB with the files before it\) goes past the input limit of 1 MiB: nothing was checked\. Fix: raise the limit with --max-input-size <MiB>/);
      const ok = spawnCli(['check', '--max-input-size', '2', path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(/\(\d+ objects in 2 files\)\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--max-input-size takes a whole number of MiB', () => {
    const r = spawnCli(['check', '--max-input-size', '0.5', 'examples/yaml/2-kind-istio']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('"0.5" is not a size in MiB from 1 to 4096.');
  });
});
