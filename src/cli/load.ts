/**
 * Input loading for the CLI: PATH… arguments (files, folders, `-` for stdin) → Kubernetes objects,
 * each with the file / document it came from.
 *
 * - Folders are read recursively, depth first, entries sorted by name (byte order), so the
 *   object order never depends on the file system. Only `.yaml`, `.yml` and `.json` files are
 *   read from folders, and entries whose name starts with `.` are skipped (`.git`, editor
 *   backups). A file named explicitly is always read, whatever its extension.
 * - Files hold any number of YAML documents (JSON is YAML). Empty documents are skipped;
 *   `kind: List` and every `*List` with an `items` array are flattened into their items.
 * - A file that is not valid YAML (or cannot be read) is an {@link InputError}: nothing is checked
 *   and the CLI exits 2. A document that parses but is not a Kubernetes object (no `apiVersion`,
 *   `kind` or `metadata.name`) is a `NotKubernetesObject` error diagnostic naming the file and the
 *   document, so the rest of the input is still checked.
 * - Bounded: a PATH that is neither a regular file nor a folder (a device such as `/dev/zero`, a
 *   FIFO, a socket) is an input error, and so is input past {@link DEFAULT_MAX_INPUT_BYTES} in
 *   total (files and stdin together; `--max-input-size` raises it): nothing past the limit is read.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { Diagnostic, KubeObject, ObjectRef } from '../model';
import { appendAll } from '../model/arrays';

/** Where an object (or a bad document) came from. */
export interface Source {
  /** The file as the user named it (relative paths stay relative, `/` separators); `<stdin>` for `-`. */
  readonly file: string;
  /** 1-based index of the YAML document in the file. */
  readonly document: number;
  /** 1-based line where the document (or List item) starts. */
  readonly line: number;
  /** 0-based index in the `items` of a List document, when the object came from one. */
  readonly item?: number;
}

/** One object of the input and its origin. */
export interface LoadedObject {
  readonly object: KubeObject;
  readonly source: Source;
}

/** A problem that stops the run before anything is checked (exit 2). */
export interface InputError {
  /** `file:line:col` (or just the path) the problem is at. */
  readonly location: string;
  readonly message: string;
}

/** A diagnostic about the input files themselves, with its origin. */
export interface SourcedDiagnostic {
  readonly diagnostic: Diagnostic;
  readonly source: Source;
}

/** Everything {@link load} found. */
export interface LoadResult {
  /** Objects in input order (argument order, then folder order, then document order). */
  readonly objects: LoadedObject[];
  /** Every file read, in reading order (display names). */
  readonly files: string[];
  /** Documents that are not Kubernetes objects. */
  readonly diagnostics: SourcedDiagnostic[];
  /** Unreadable paths and YAML syntax errors: when not empty, the run stops with exit 2. */
  readonly errors: InputError[];
}

/** What {@link load} needs from its environment. */
export interface LoadOptions {
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /**
   * Reads standard input (for the `-` argument), at most `maxBytes` of it: past that it rejects
   * with {@link InputTooLarge} without reading further.
   */
  readonly readStdin?: (maxBytes: number) => Promise<string>;
  /** Most bytes read in total (files and stdin). @default DEFAULT_MAX_INPUT_BYTES */
  readonly maxBytes?: number;
}

/** The default input limit: 64 MiB (manifests of thousands of objects are a few MiB). */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Rejection of `readStdin` when standard input holds more than it may read. */
export class InputTooLarge extends Error {
  constructor(public readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
    this.name = 'InputTooLarge';
  }
}

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
const tooLarge = (what: string, max: number) => `${what} past the input limit of ${mib(max)}: nothing was checked. Fix: raise the limit with --max-input-size <MiB>, or check the files in smaller groups`;

/** File extensions read from folders. */
export const INPUT_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/** Display name of `<stdin>`. */
export const STDIN_NAME = '<stdin>';

/** Diagnostic code of a document that is not a Kubernetes object. */
export const NOT_KUBERNETES_OBJECT = 'NotKubernetesObject';

/** Loads every PATH argument. Never throws for bad input: problems land in `errors` / `diagnostics`. */
export async function load(paths: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const objects: LoadedObject[] = [];
  const files: string[] = [];
  const diagnostics: SourcedDiagnostic[] = [];
  const errors: InputError[] = [];
  const seen = new Set<string>();
  let stdinRead = false;
  const max = options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  let total = 0;

  const addText = (text: string, file: string) => {
    files.push(file);
    const parsed = parseDocuments(text, file);
    appendAll(objects, parsed.objects);
    appendAll(diagnostics, parsed.diagnostics);
    appendAll(errors, parsed.errors);
  };

  for (const arg of paths) {
    if (arg === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      if (!options.readStdin) {
        errors.push({ location: STDIN_NAME, message: 'reading standard input is not available here' });
        continue;
      }
      let text: string;
      try {
        text = await options.readStdin(max - total);
      } catch (e) {
        errors.push({ location: STDIN_NAME, message: e instanceof InputTooLarge ? tooLarge('standard input goes', max) : `cannot read standard input: ${(e as Error).message}` });
        return { objects, files, diagnostics, errors };
      }
      total += Buffer.byteLength(text, 'utf8');
      addText(text, STDIN_NAME);
      continue;
    }
    const found = collectFiles(arg, options.cwd);
    errors.push(...found.errors);
    for (const f of found.files) {
      if (seen.has(f.real)) continue;
      seen.add(f.real);
      if (total + f.size > max) {
        errors.push({ location: f.display, message: tooLarge(`${mib(f.size)} (${total ? `${mib(total + f.size)} with the files before it` : 'this file alone'}) goes`, max) });
        return { objects, files, diagnostics, errors };
      }
      let text: string;
      try {
        text = fs.readFileSync(f.absolute, 'utf8');
        total += f.size;
      } catch (e) {
        errors.push({ location: f.display, message: `cannot read file: ${(e as Error).message}` });
        continue;
      }
      addText(text, f.display);
    }
  }
  return { objects, files, diagnostics, errors };
}

interface FoundFile {
  /** As shown to the user. */
  readonly display: string;
  readonly absolute: string;
  /** realpath, to read each file once even when named twice. */
  readonly real: string;
  /** Size in bytes (from stat). */
  readonly size: number;
}

/** `p` with `/` separators (display names are the same on every platform). */
function slash(p: string): string {
  return p.split(path.sep).join('/');
}

/** The files one PATH argument stands for, in reading order. */
export function collectFiles(arg: string, cwd: string): { files: FoundFile[]; errors: InputError[] } {
  const files: FoundFile[] = [];
  const errors: InputError[] = [];
  const absolute = path.resolve(cwd, arg);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    return { files, errors: [{ location: arg, message: 'no such file or directory' }] };
  }
  if (!stat.isDirectory()) {
    if (!stat.isFile()) return { files, errors: [{ location: arg, message: `is not a regular file (${fileType(stat)}): give a YAML or JSON file, a folder, or - for standard input` }] };
    files.push({ display: slash(arg), absolute, real: realpath(absolute), size: stat.size });
    return { files, errors };
  }
  const visited = new Set<string>();
  const walk = (dirAbs: string, dirShown: string) => {
    const real = realpath(dirAbs);
    if (visited.has(real)) return; // symlink loop
    visited.add(real);
    let entries: string[];
    try {
      entries = fs.readdirSync(dirAbs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (e) {
      errors.push({ location: slash(dirShown), message: `cannot read folder: ${(e as Error).message}` });
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const abs = path.join(dirAbs, name);
      const shown = path.join(dirShown, name);
      let s: fs.Stats;
      try {
        s = fs.statSync(abs);
      } catch {
        continue; // dangling symlink
      }
      if (s.isDirectory()) walk(abs, shown);
      else if (s.isFile() && INPUT_EXTENSIONS.includes(path.extname(name).toLowerCase())) {
        files.push({ display: slash(shown), absolute: abs, real: realpath(abs), size: s.size });
      }
    }
  };
  walk(absolute, arg);
  return { files, errors };
}

function fileType(s: fs.Stats): string {
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  return 'not a file or folder';
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Parses the text of one file: every document, Lists flattened. Pure (no I/O), so it is what
 * tests and stdin use directly.
 */
export function parseDocuments(text: string, file: string): { objects: LoadedObject[]; diagnostics: SourcedDiagnostic[]; errors: InputError[] } {
  const objects: LoadedObject[] = [];
  const diagnostics: SourcedDiagnostic[] = [];
  const errors: InputError[] = [];
  const lineCounter = new YAML.LineCounter();
  // What YAML.parseAllDocuments does, one document at a time: each document's syntax tree is
  // dropped as soon as its value is taken, so memory holds the values, never the whole input's
  // trees (the composer yields a document only once it is complete: same documents, same errors)
  const composer = new YAML.Composer({ lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const parser = new YAML.Parser(lineCounter.addNewLine);
  let document = 0;
  for (const doc of composer.compose(parser.parse(text))) {
    document++;
    if (doc.errors.length) {
      for (const err of doc.errors) {
        const { line, col } = lineCounter.linePos(err.pos[0]);
        errors.push({ location: `${file}:${line}:${col}`, message: firstLine(err.message) });
      }
      continue;
    }
    if (doc.contents === null) continue; // empty document (only comments, or `---` twice)
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      const { line, col } = lineCounter.linePos(doc.contents.range[0]);
      errors.push({ location: `${file}:${line}:${col}`, message: firstLine((e as Error).message) });
      continue;
    }
    if (value === null || value === undefined) continue;
    try {
      value = exactArrays(value, new Map());
    } catch {
      // nesting deeper than the stack allows: the arrays replaced so far hold the same elements
    }
    const docLine = lineCounter.linePos(doc.contents.range[0]).line;
    const itemLines = listItemLines(doc as YAML.Document.Parsed, lineCounter);
    flatten(value, { file, document, line: docLine }, itemLines, objects, diagnostics);
  }
  return { objects, diagnostics, errors };
}

/**
 * The value with every array copied at its exact length (same elements, same order). The values
 * `toJS` builds grow their arrays one push at a time, which leaves each with room for 17 elements
 * or more: for Kubernetes objects, full of one- and two-element lists, that slack was over a
 * quarter of the memory the input's values took. Objects are kept (only their array members are
 * replaced); `copies` maps each array to its copy, so a YAML alias still shares one array and a
 * recursive one still ends.
 */
function exactArrays(value: unknown, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const copy = value.slice();
    copies.set(value, copy);
    for (let i = 0; i < copy.length; i++) copy[i] = exactArrays(copy[i], copies);
    return copy;
  }
  copies.set(value, value);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // (a Map, a Set, bytes: as toJS made them)
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const c = exactArrays(v, copies);
    // (defineProperty: a `__proto__` key is an own property, as toJS made it)
    if (c !== v) Object.defineProperty(obj, k, { value: c, writable: true, enumerable: true, configurable: true });
  }
  return value;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0].trim();
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/** Start lines of the `items` entries of a List document (1-based), when the document is one. */
function listItemLines(doc: YAML.Document.Parsed, lineCounter: YAML.LineCounter): number[] {
  const items = doc.get('items', true);
  if (!YAML.isSeq(items)) return [];
  return items.items.map((n) => (YAML.isNode(n) && n.range ? lineCounter.linePos(n.range[0]).line : 0));
}

/** Whether `value` is a List object (`kind: List` or `…List`) with an `items` array. */
function isList(value: unknown): value is { kind: string; items: unknown[] } {
  const v = value as Record<string, unknown>;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);
}

function flatten(value: unknown, source: Source, itemLines: readonly number[], objects: LoadedObject[], diagnostics: SourcedDiagnostic[]): void {
  if (isList(value)) {
    value.items.forEach((item, i) => {
      const line = itemLines[i] || source.line;
      if (isList(item)) flatten(item, { ...source, line, item: i }, [], objects, diagnostics);
      else check(item, { ...source, line, item: i }, objects, diagnostics);
    });
    return;
  }
  check(value, source, objects, diagnostics);
}

/** Describes where a document is, for messages: `document 2 of x.yaml (line 12)`, `item 3 of document 1 …`. */
export function describeSource(s: Source): string {
  return `${s.item !== undefined ? `item ${s.item} of ` : ''}document ${s.document} of ${s.file} (line ${s.line})`;
}

function check(value: unknown, source: Source, objects: LoadedObject[], diagnostics: SourcedDiagnostic[]): void {
  const v = (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined) as Record<string, unknown> | undefined;
  const meta = v && v.metadata !== null && typeof v.metadata === 'object' && !Array.isArray(v.metadata) ? (v.metadata as Record<string, unknown>) : undefined;
  const problems: string[] = [];
  if (!v) {
    problems.push(`it is ${Array.isArray(value) ? 'a sequence' : typeof value === 'string' ? 'a string' : 'a scalar'}, not a mapping`);
  } else {
    if (typeof v.apiVersion !== 'string' || v.apiVersion === '') problems.push('apiVersion is missing');
    if (typeof v.kind !== 'string' || v.kind === '') problems.push('kind is missing');
    if (!meta || typeof meta.name !== 'string' || meta.name === '') problems.push('metadata.name is missing');
    if (meta && meta.namespace !== undefined && typeof meta.namespace !== 'string') problems.push('metadata.namespace is not a string');
  }
  if (!problems.length) {
    objects.push({ object: v as KubeObject, source });
    return;
  }
  const object: ObjectRef = {
    apiVersion: typeof v?.apiVersion === 'string' ? v.apiVersion : '',
    kind: typeof v?.kind === 'string' ? v.kind : '',
    ...(typeof meta?.namespace === 'string' ? { namespace: meta.namespace } : {}),
    name: typeof meta?.name === 'string' ? meta.name : '',
  };
  diagnostics.push({
    source,
    diagnostic: {
      severity: 'error',
      code: NOT_KUBERNETES_OBJECT,
      message: `${describeSource(source)} is not a Kubernetes object: ${problems.join(', ')}`,
      object,
      fix: 'give every document apiVersion, kind and metadata.name, or remove it from the input',
    },
  });
}
