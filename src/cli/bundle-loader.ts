/**
 * Start-up of the `cdk8s-gateway` executable. A `check` of one file is mostly start-up: node
 * resolving and reading about 270 modules, then V8 compiling the functions the run reaches. The
 * build (`scripts/bundle-cli.ts`) therefore writes, next to this file:
 *
 * - `cdk8s-gateway.js`: the CLI (`main.js` and every module it requires, dependencies included)
 *   bundled into one file, so start-up reads and resolves one file;
 * - `cdk8s-gateway.js.cache`: V8's code cache of that file, recorded after a training `check`
 *   run, so the functions a check runs are not compiled again; and `cdk8s-gateway.js.cache.json`,
 *   the V8 version and the SHA-256 of the bundle it belongs to.
 *
 * The executable (`bin.ts`) runs the bundle through {@link runBundle} and falls back to the modules
 * (`main.js`) when there is no bundle (a plain `tsc` build). The cache is offered to V8 only when it
 * was recorded by the same V8 version for the same bytes; otherwise the bundle is compiled as usual
 * (V8 also rejects a cache of other flags by itself). The cache never changes behaviour, only how
 * much is compiled; nothing is written at run time.
 */
import * as crypto from 'crypto';
import { isAscii as bufferIsAscii } from 'buffer';
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import * as vm from 'vm';

/** File name of the bundled CLI, next to this module. */
export const BUNDLE_FILE = 'cdk8s-gateway.js';
/** File name of the bundle's V8 code cache. */
export const CACHE_FILE = `${BUNDLE_FILE}.cache`;
/** File name of what the cache belongs to ({@link CacheMeta}). */
export const CACHE_META_FILE = `${BUNDLE_FILE}.cache.json`;

/** What a code cache was recorded for. */
export interface CacheMeta {
  /** `process.versions.v8` of the node that recorded it. */
  readonly v8: string;
  /** SHA-256 (hex) of the bundle's bytes. */
  readonly sha256: string;
}

/**
 * How the bundle was compiled: with its code cache (`accepted`), with a cache V8 refused
 * (`rejected`), without one because it belongs to another V8 or other bytes (`mismatch`), or
 * because there is none (`absent`).
 */
export type CacheState = 'accepted' | 'rejected' | 'mismatch' | 'absent';

interface Compiled {
  readonly script: vm.Script;
  readonly file: string;
  readonly state: CacheState;
}

/** `buffer.isAscii` (node >= 18.15, 19.6), else a byte scan. */
const isAscii = (data: Buffer): boolean => (typeof bufferIsAscii === 'function' ? bufferIsAscii(data) : data.every((b) => b < 0x80));

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** Reads and compiles the bundle in `dir`, with its code cache when it belongs to it; undefined when there is no bundle. */
function compile(dir: string, useCache: boolean): Compiled | undefined {
  const file = path.join(dir, BUNDLE_FILE);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  let cachedData: Buffer | undefined;
  let state: CacheState = 'absent';
  if (useCache) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, CACHE_META_FILE), 'utf8')) as CacheMeta;
      if (meta.v8 === process.versions.v8 && meta.sha256 === sha256(bytes)) cachedData = fs.readFileSync(path.join(dir, CACHE_FILE));
      else state = 'mismatch';
    } catch {
      state = 'absent';
    }
  }
  // the bundle is a CommonJS module (its first line may be a shebang, which the wrapper cannot hold:
  // it is left out, its line break kept so that line numbers stay)
  let start = 0;
  if (bytes[0] === 0x23 && bytes[1] === 0x21) {
    const eol = bytes.indexOf(0x0a);
    start = eol < 0 ? bytes.length : eol;
  }
  // esbuild writes ASCII: then decoding as Latin-1 is the same text, without UTF-8 decoding's cost
  const source = isAscii(bytes) ? bytes.toString('latin1', start) : bytes.toString('utf8', start);
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData) state = script.cachedDataRejected ? 'rejected' : 'accepted';
  return { script, file, state };
}

/** Runs a compiled bundle as the CommonJS module it is (its own `require`, `module`, `__dirname`). */
function execute(c: Compiled): void {
  const mod = new Module(c.file, module);
  mod.filename = c.file;
  const req = Module.createRequire(c.file);
  const fn = c.script.runInThisContext() as (exports: unknown, require: NodeRequire, module: Module, filename: string, dirname: string) => void;
  fn.call(mod.exports, mod.exports, req, mod, c.file, path.dirname(c.file));
}

/**
 * Runs the bundled CLI found in `dir` (the CLI reads `process.argv` and sets `process.exitCode`).
 * Returns how its code cache was used, or undefined when `dir` holds no bundle (nothing ran).
 */
export function runBundle(dir: string): CacheState | undefined {
  const c = compile(dir, true);
  if (!c) return undefined;
  execute(c);
  return c.state;
}

/**
 * Build step: runs the bundle in `dir` once with `argv` (a representative command, e.g. a `check`
 * of a sample), then records V8's code cache of everything that run compiled, and what it belongs
 * to. Must run in a plain `node` process (no extra V8 flags), as the executable will.
 */
export function recordCodeCache(dir: string, argv: readonly string[]): void {
  const c = compile(dir, false);
  if (!c) throw new Error(`no ${BUNDLE_FILE} in ${dir}: bundle the CLI first (scripts/bundle-cli.ts)`);
  process.argv = [process.argv[0], c.file, ...argv];
  process.on('exit', () => {
    fs.writeFileSync(path.join(dir, CACHE_FILE), c.script.createCachedData());
    const meta: CacheMeta = { v8: process.versions.v8, sha256: sha256(fs.readFileSync(c.file)) };
    fs.writeFileSync(path.join(dir, CACHE_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  });
  execute(c);
}
