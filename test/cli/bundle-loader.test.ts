/**
 * The executable's start-up path (src/cli/bundle-loader.ts), in real `node` processes: a bundle
 * runs as a CommonJS module with the process's arguments; its code cache is recorded by a run and
 * offered to V8 only for the same V8 and the same bytes; without a bundle nothing runs.
 * (The real bundle of the CLI is built and checked by scripts/bundle-cli.ts and the package smoke.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { BUNDLE_FILE, CACHE_FILE, CACHE_META_FILE } from '../../src/cli/bundle-loader';

let dir: string;
let loader: string;

// a bundle with a shebang, functions V8 compiles lazily, and the module variables it relies on
const BUNDLE = `#!/usr/bin/env node
"use strict";
function greet(names) { return names.map((n) => "hello " + n).join(", "); }
function shape() { return { argv: process.argv.slice(2), dirname: __dirname, filename: __filename, exportsIsModuleExports: exports === module.exports, requireWorks: typeof require("path").join }; }
process.stdout.write(JSON.stringify({ greeting: greet(process.argv.slice(2)), ...shape() }));
`;

function node(script: string, args: string[] = []) {
  const r = spawnSync(process.execPath, ['-e', script, '--', ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const record = (args: string[]) => node(`require(${JSON.stringify(loader)}).recordCodeCache(${JSON.stringify(dir)}, ${JSON.stringify(args)})`);
// runBundle reads process.argv as the bundle would: node -e SCRIPT -- ARGS gives [node, ARGS…]; make it [node, file, ARGS…]
const runBundled = (args: string[]) => node(`process.argv.splice(1, 0, 'cdk8s-gateway'); const s = require(${JSON.stringify(loader)}).runBundle(${JSON.stringify(dir)}); process.stderr.write('state=' + s);`, args);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-loader-'));
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'cli', 'bundle-loader.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  loader = path.join(dir, 'bundle-loader.js');
  fs.writeFileSync(loader, js);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('without a bundle nothing runs and the caller falls back', () => {
  const r = runBundled(['a']);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('state=undefined');
});

test('a bundle without a cache runs as a module with the arguments; the recorded cache is then accepted', () => {
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), BUNDLE);
  const plain = runBundled(['ann', 'bob']);
  expect(plain.stderr).toBe('state=absent');
  const out = JSON.parse(plain.stdout);
  expect(out).toEqual({
    greeting: 'hello ann, hello bob',
    argv: ['ann', 'bob'],
    dirname: dir,
    filename: path.join(dir, BUNDLE_FILE),
    exportsIsModuleExports: true,
    requireWorks: 'function',
  });

  const rec = record(['x']);
  expect(rec.status).toBe(0);
  expect(JSON.parse(rec.stdout).greeting).toBe('hello x');
  const meta = JSON.parse(fs.readFileSync(path.join(dir, CACHE_META_FILE), 'utf8'));
  expect(meta.v8).toBe(process.versions.v8);
  expect(meta.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(fs.statSync(path.join(dir, CACHE_FILE)).size).toBeGreaterThan(0);

  const cached = runBundled(['ann', 'bob']);
  expect(cached.stderr).toBe('state=accepted');
  expect(cached.stdout).toBe(plain.stdout);
});

test('a cache recorded for other bytes or another V8 is not offered; a damaged one is refused by V8; the bundle still runs', () => {
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), BUNDLE);
  expect(record([]).status).toBe(0);

  // the bundle changed after the cache was recorded (same length: V8's own check would not see it)
  const edited = BUNDLE.replace('hello ', 'howdy ');
  expect(edited.length).toBe(BUNDLE.length);
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), edited);
  const r1 = runBundled(['ann']);
  expect(r1.stderr).toBe('state=mismatch');
  expect(JSON.parse(r1.stdout).greeting).toBe('howdy ann');

  // another V8 recorded it
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), BUNDLE);
  const metaFile = path.join(dir, CACHE_META_FILE);
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  fs.writeFileSync(metaFile, JSON.stringify({ ...meta, v8: '0.0.0' }));
  expect(runBundled(['ann']).stderr).toBe('state=mismatch');

  // the cache's bytes are not a code cache of this V8
  fs.writeFileSync(metaFile, JSON.stringify(meta));
  fs.writeFileSync(path.join(dir, CACHE_FILE), Buffer.alloc(fs.statSync(path.join(dir, CACHE_FILE)).size, 7));
  const r3 = runBundled(['ann']);
  expect(r3.stderr).toBe('state=rejected');
  expect(JSON.parse(r3.stdout).greeting).toBe('hello ann');

  // unreadable meta: as if there were no cache
  fs.writeFileSync(metaFile, '{');
  expect(runBundled(['ann']).stderr).toBe('state=absent');
});

test('a bundle with text beyond ASCII runs with that text, and line numbers count the shebang line', () => {
  const source = `#!/usr/bin/env node
"use strict";
const where = () => new Error('x').stack.split('\\n')[1];
process.stdout.write(JSON.stringify({ text: "µs, μs, – and 🙂", where: where() }));
`;
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), source);
  const r = runBundled([]);
  expect(r.stderr).toBe('state=absent');
  const out = JSON.parse(r.stdout);
  expect(out.text).toBe('µs, μs, – and 🙂');
  expect(out.where).toContain(`${BUNDLE_FILE}:3:`);
  expect(record([]).status).toBe(0);
  expect(JSON.parse(runBundled([]).stdout).text).toBe('µs, μs, – and 🙂');
});

test('an ASCII bundle keeps its line numbers too (the shebang line counts)', () => {
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), `#!/usr/bin/env node\n"use strict";\nprocess.stdout.write(new Error('x').stack.split('\\n')[1]);\n`);
  expect(runBundled([]).stdout).toContain(`${BUNDLE_FILE}:3:`);
});
