import * as fs from 'fs';
import * as path from 'path';
import { STAGING_PREFIX } from '../../src/cli/render';
import { BUILTIN_CLASS, cli, smallSetup, tempTree } from './helpers';

// Two Gateways: `a/gw` renders cleanly and is staged first; `b/gw` (when `port` is 8081, the data
// plane's health port) has an error only the renderer finds, after `a/gw` was written to staging.
const input = (port: number): string => `${BUILTIN_CLASS}${['a', 'b'].map((ns) => `---\n${smallSetup(ns, '', ns === 'a' ? 80 : port)}`).join('')}`;

const staged = (out: string): string[] => (fs.existsSync(out) ? fs.readdirSync(out).filter((f) => f.startsWith(STAGING_PREFIX)) : []);

test('every Gateway is moved in place once all rendered: files, manifest, no staging folder left', async () => {
  const dir = tempTree({ 'ok.yaml': input(81) });
  const out = path.join(dir, 'out');
  // an earlier render's file that is gone now, and a file render did not write (nginx's pid)
  fs.mkdirSync(path.join(out, 'a', 'gw'), { recursive: true });
  fs.writeFileSync(path.join(out, 'a', 'gw', 'old.conf'), 'x');
  fs.writeFileSync(path.join(out, 'a', 'gw', '.cdk8s-gateway-files'), 'nginx.conf\nold.conf\n');
  fs.writeFileSync(path.join(out, 'a', 'gw', 'nginx.pid'), '1');
  const r = await cli(['render', 'ok.yaml', '--out', 'out'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.match(/^rendered Gateway .*$/gm)?.map((l) => l.split(' ')[2])).toEqual(['a/gw', 'b/gw']);
  for (const ns of ['a', 'b']) {
    expect(fs.readFileSync(path.join(out, ns, 'gw', 'nginx.conf'), 'utf8')).toMatch(ns === 'a' ? /listen 80 default_server;/ : /listen 81 default_server;/);
    expect(fs.readFileSync(path.join(out, ns, 'gw', '.cdk8s-gateway-files'), 'utf8')).toBe('nginx.conf\n');
  }
  expect(fs.existsSync(path.join(out, 'a', 'gw', 'old.conf'))).toBe(false);
  expect(fs.readFileSync(path.join(out, 'a', 'gw', 'nginx.pid'), 'utf8')).toBe('1');
  expect(staged(out)).toEqual([]);
  expect(fs.readdirSync(out).sort()).toEqual(['a', 'b']);
});

test('a Gateway that fails after another was staged: nothing is written, the staging folder and the folders made for it are removed', async () => {
  const dir = tempTree({ 'bad.yaml': input(8081) });
  const r = await cli(['render', 'bad.yaml', '--out', 'deep/out'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/health port/);
  expect(r.stderr).toMatch(/nothing was rendered/);
  expect(fs.existsSync(path.join(dir, 'deep'))).toBe(false);
});

test('a failed render into an earlier output leaves that output as it was', async () => {
  const dir = tempTree({ 'ok.yaml': input(81), 'bad.yaml': input(8081) });
  const out = path.join(dir, 'out');
  expect((await cli(['render', 'ok.yaml', '--out', 'out', '--port-offset', '1000'], { cwd: dir })).code).toBe(0);
  const before = fs.readFileSync(path.join(out, 'a', 'gw', 'nginx.conf'), 'utf8');
  expect(before).toMatch(/listen 1080 default_server;/);
  const r = await cli(['render', 'bad.yaml', '--out', 'out'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(fs.readFileSync(path.join(out, 'a', 'gw', 'nginx.conf'), 'utf8')).toBe(before);
  expect(staged(out)).toEqual([]);
  expect(fs.readdirSync(out).sort()).toEqual(['a', 'b']);
});

test('an output folder that cannot be written: the error of the write after the diagnostics, nothing left', async () => {
  const dir = tempTree({ 'ok.yaml': input(81), 'out': 'a file' });
  const r = await cli(['render', 'ok.yaml', '--out', 'out'], { cwd: dir }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/ENOTDIR|EEXIST/);
  expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('a file');
});
