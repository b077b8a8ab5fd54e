/**
 * Which nginx the tests run, and what it says about itself: `NGINX_BIN` (a path or a name on
 * PATH, e.g. a wrapper for the sandbox's chroot nginx) overrides the search of PATH, then
 * /usr/sbin/nginx. Without nginx the suites are skipped with a printed notice, unless
 * REQUIRE_NGINX=1 (CI), where a missing nginx fails them.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { removeDir, writePrefix } from '../temp';

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
}

/** The nginx binary without throwing: `NGINX_BIN`, else PATH, else /usr/sbin/nginx; undefined when none is executable. */
export function locateNginx(): string | undefined {
  const override = process.env.NGINX_BIN;
  const candidates = override ? (override.includes(path.sep) ? [override] : onPath(override)) : [...onPath('nginx'), '/usr/sbin/nginx'];
  return candidates.find(executable);
}

const NGINX = locateNginx();

/** The binary the harness spawns (for messages when it is missing: what was looked for). */
export const NGINX_BIN = NGINX ?? process.env.NGINX_BIN ?? 'nginx';

/** Whether REQUIRE_NGINX=1 asks for a missing nginx to be an error instead of a skip. */
export function nginxRequired(): boolean {
  return process.env.REQUIRE_NGINX === '1';
}

/** The nginx binary, or undefined. With REQUIRE_NGINX=1 a missing nginx throws. */
export function findNginx(): string | undefined {
  if (!NGINX && nginxRequired()) {
    throw new Error(`REQUIRE_NGINX=1 but no nginx binary was found (${process.env.NGINX_BIN ? `NGINX_BIN=${process.env.NGINX_BIN}` : 'on PATH or at /usr/sbin/nginx'})`);
  }
  return NGINX;
}

/** The nginx binary; throws when there is none. */
export function nginxBinary(): string {
  if (!NGINX) throw new Error('nginx not found');
  return NGINX;
}

let warned = false;

/** `describe` that is skipped (with a printed notice) when nginx is not installed; with REQUIRE_NGINX=1 it throws instead. */
export const describeNginx: jest.Describe = ((name: string, fn: () => void) => {
  if (findNginx()) return describe(name, fn);
  if (!warned) {
    warned = true;
    // eslint-disable-next-line no-console
    console.warn('nginx is not installed: skipping tests that run nginx (set REQUIRE_NGINX=1 to fail instead)');
  }
  return describe.skip(name, fn);
}) as unknown as jest.Describe;

let version: string | undefined;

/**
 * The version `nginx -v` reports (`1.22.1`, `1.30.6`): the renderer targets it (`http2 on;` from
 * 1.25.1). `undefined` when nginx does not run. Read once.
 */
export function nginxVersion(): string | undefined {
  if (version === undefined) {
    const r = NGINX ? spawnSync(NGINX, ['-v'], { encoding: 'utf8', timeout: 30000 }) : undefined;
    version = /nginx\/(\d+\.\d+\.\d+)/.exec(`${r?.stderr ?? ''}${r?.stdout ?? ''}`)?.[1] ?? '';
  }
  return version || undefined;
}

/** {@link nginxVersion} for tests that need nginx: throws when the version cannot be read. */
export function nginxBinaryVersion(): string {
  const v = nginxVersion();
  if (!v) throw new Error(`cannot read the version of ${nginxBinary()} (nginx -v)`);
  return v;
}

/** Whether an nginx binary runs here (`nginx -v` exits 0). */
export function nginxAvailable(): boolean {
  if (!NGINX) return false;
  try {
    return spawnSync(NGINX, ['-v'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  } catch {
    return false;
  }
}

const TEST_ARGS = (dir: string) => ['-t', '-q', '-p', dir, '-c', 'nginx.conf', '-e', 'error.log'];

/** Writes `files` into a fresh prefix and runs `nginx -t` on it; returns `{ ok, output }`. */
export function nginxTest(files: Readonly<Record<string, string>>): { ok: boolean; output: string } {
  const dir = writePrefix(files);
  try {
    const r = spawnSync(nginxBinary(), TEST_ARGS(dir), { encoding: 'utf8', timeout: 60000 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    removeDir(dir);
  }
}

/** {@link nginxTest} without blocking (for running many in parallel). */
export function nginxTestAsync(files: Readonly<Record<string, string>>): Promise<{ ok: boolean; output: string }> {
  const dir = writePrefix(files);
  return new Promise((resolve) => {
    const child = spawn(nginxBinary(), TEST_ARGS(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    child.on('close', (code) => {
      removeDir(dir);
      resolve({ ok: code === 0, output });
    });
  });
}
