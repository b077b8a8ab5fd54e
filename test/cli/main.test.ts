import { spawnSync } from 'child_process';
import * as fs from 'fs';
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
