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
 *
 * Two parsers, one result. The `yaml` package is the reference: its values, its document and line
 * numbers, its error messages (`file:line:col`). It builds a syntax tree per document, which makes
 * it slow (about 1 MB/s) and memory-hungry on large input, so documents are first read with
 * `js-yaml` (plain values, no tree) under a schema made to resolve plain scalars exactly as the
 * `yaml` package's YAML 1.2 core schema does ({@link FAST_SCHEMA}), and a document goes to the
 * `yaml` package whenever the two could differ (see {@link parseFast}). Any syntax error, or
 * anything in the file's structure the split into documents does not handle, sends the whole file
 * to the `yaml` package: errors are always its messages.
 */
export function parseDocuments(text: string, file: string, stats?: ParseStats): ParsedText {
  const fast = parseFast(text, file, stats);
  if (fast) return fast;
  if (stats) stats.yamlFiles++;
  return parseDocumentsWithYaml(text, file);
}

/** Counts of how documents were read (for tests: the fast path must actually be taken). */
export interface ParseStats {
  /** Documents read by js-yaml. */
  fastDocuments: number;
  /** Documents of the fast path handed to the `yaml` package alone. */
  yamlDocuments: number;
  /** Files read by the `yaml` package as a whole. */
  yamlFiles: number;
}

/** {@link parseDocuments} with the `yaml` package alone (the reference the fast path is tested against). */
export function parseDocumentsWithYaml(text: string, file: string): ParsedText {
  const { documents: _, ...parsed } = parseWithYaml(text, file, 1, 0);
  return parsed;
}

/** What {@link parseDocuments} returns. */
export interface ParsedText {
  objects: LoadedObject[];
  diagnostics: SourcedDiagnostic[];
  errors: InputError[];
}

// ---------------------------------------------------------------------------------------------
// The fast path: js-yaml, document by document

/**
 * Tag names of the fast schema's types. They are nobody's tags, so an explicit tag in the input
 * (`!!str`, `!!int`, `!foo`…) is unknown to js-yaml: it throws, and the document goes to the `yaml`
 * package, which knows what the tag means under its schema.
 */
const FAST_TAG = 'tag:cdk8s-gateway.invalid,2026:';

/** Set when a plain `<<` is read: the `yaml` package (with merge keys on) would merge there. */
let sawMergeKey = false;

/**
 * A js-yaml schema whose implicit types are the `yaml` package's core-schema tags, in its order,
 * with its regular expressions and its conversions (core/int.js, core/float.js, common/null.js,
 * core/bool.js of `yaml` 2.x). Plain scalars matching none of them are strings, as there.
 */
let fastSchema: import('js-yaml').Schema | undefined;
function FAST_SCHEMA(): import('js-yaml').Schema {
  if (fastSchema) return fastSchema;
  const jsyaml = require('js-yaml') as typeof import('js-yaml');
  const type = (name: string, test: RegExp, construct: (s: string) => unknown) =>
    new jsyaml.Type(FAST_TAG + name, { kind: 'scalar', resolve: (s: string | null) => test.test(s ?? ''), construct: (s: string | null) => construct(s ?? '') });
  fastSchema = new jsyaml.Schema({
    implicit: [
      type('merge', /^<<$/, (s) => {
        sawMergeKey = true;
        return s;
      }),
      type('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
      type('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
      type('int-oct', /^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)),
      type('int', /^[-+]?[0-9]+$/, (s) => parseInt(s, 10)),
      type('int-hex', /^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)),
      type('float-nan', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) =>
        s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY),
      type('float-exp', /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)),
      type('float', /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)),
    ],
    explicit: [],
  });
  return fastSchema;
}

/**
 * Text that sends a document to the `yaml` package (the packages read it differently, or js-yaml
 * accepts what the `yaml` package refuses), one alternative per construct:
 * - a node property or alias (`&a`, `*a`, `!tag`, `!!str`, `!`) at the start of a token: js-yaml
 *   gives every tag its own meaning and has no alias limit (the `yaml` package: 1,000);
 * - an explicit key (`? `) and a flow collection as a key (`[a]: b`, `{a: 1}: b`): the packages
 *   make different strings of such keys (`a` / `[object Object]` against `[ a ]`);
 * - a tab in a line's leading white space (the `yaml` package refuses some that js-yaml reads as
 *   separation, `\t- x`);
 * - a comment glued to a quoted scalar or a flow indicator (`"x"#`, `[#`: an error for the
 *   `yaml` package only);
 * - a block scalar's indentation indicator (`|2`, `>-1`): js-yaml accepts less indented lines
 *   after it that the `yaml` package refuses;
 * - content on a `---` line (`--- a: 1` is refused by the `yaml` package only);
 * - a block scalar whose first line is blank but holds spaces (`|\n␠␠\n x`: the `yaml` package
 *   wants an indentation indicator when such a line is more indented than the content);
 * - an empty sequence item (`-` and nothing else on the line): js-yaml accepts less indented items
 *   after it (`a:\n - \n- `) that the `yaml` package refuses.
 * Matching text inside a quoted string or a block scalar only sends that document to the `yaml`
 * package, which is slower, never wrong.
 */
const NEEDS_YAML = /(?:^|[\s[\]{},:?-])[&*!]|(?:^|[\s[{,])\?(?:\s|$)|[\]}][ \t]*:|^ *\t|["'\]}[{,]#|(?:^|\s)[|>][-+]?[0-9]|^---[ \t]+[^\s#]|(?:^|\s)[|>][-+]?[ \t]*(?:#.*)?\r?\n[ \t]*[ ][ \t]*\r?\n|^[ \t]*-(?:[ \t]+-)*[ \t]*(?:#.*)?\r?$/m;

/**
 * The fast path, or `undefined` when the file must be read by the `yaml` package as a whole: a
 * byte-order mark, a directive (`%…`) or document end marker (`...`) line, a line starting with
 * `---` or `...` that is not a marker (`---x`), a lone carriage return
 * (a line break for YAML, not for the split below), or a syntax error anywhere.
 *
 * The file is split into documents at its `---` marker lines: a line starting with `---` followed
 * by a space, a tab or the line's end is a document marker wherever it is (YAML 1.2 forbids such
 * a line as content, `c-forbidden`), so the split is the one the `yaml` package makes. Each
 * document is read by js-yaml; it goes to the `yaml` package instead (alone: same values, same
 * lines) when it has an anchor or alias, an explicit tag (even `!`), a merge key `<<`, a key that is
 * null or a collection (the packages make different strings of them), nesting deeper than
 * js-yaml's limit, or is a List (its items' lines come from the `yaml` package's nodes).
 */
function parseFast(text: string, file: string, stats?: ParseStats): ParsedText | undefined {
  if (text.charCodeAt(0) === 0xfeff || text.includes('\ufeff') || /\r(?!\n)/.test(text)) return undefined;
  // [start offset, first line (1-based)] of each part between `---` marker lines
  const starts: number[] = [0];
  const lines: number[] = [1];
  let line = 1;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 0x2d /* - */ || c === 0x2e /* . */) {
      if (text.startsWith('---', i) || text.startsWith('...', i)) {
        // (`---x` is content for the `yaml` package, a marker for js-yaml)
        if (c === 0x2e || !isMarkerEnd(text.charCodeAt(i + 3))) return undefined;
        if (i > 0) {
          starts.push(i);
          lines.push(line);
        }
      }
    } else if (c === 0x25 /* % */) {
      return undefined;
    }
    const next = text.indexOf('\n', i);
    if (next < 0) break;
    i = next + 1;
    line++;
  }
  const out: ParsedText = { objects: [], diagnostics: [], errors: [] };
  const jsyaml = require('js-yaml') as typeof import('js-yaml');
  const schema = FAST_SCHEMA();
  let document = 0;
  for (let p = 0; p < starts.length; p++) {
    const part = text.slice(starts[p], p + 1 < starts.length ? starts[p + 1] : text.length);
    // before the first marker: a document only when there is more than comments and blank lines
    if (p === 0 && starts.length > 1 && !text.startsWith('---', 0) && isOnlyComments(part)) continue;
    if (p === 0 && starts.length === 1 && isOnlyComments(part)) continue; // (no document, or an empty one: nothing either way)
    document++;
    let value: unknown;
    let fast = !NEEDS_YAML.test(part) && !hasMultiLineFlow(part);
    if (fast) {
      sawMergeKey = false;
      try {
        value = jsyaml.load(part, { schema });
      } catch {
        fast = false;
      }
    }
    const contentLine = fast ? firstContentLine(part, starts[p] > 0 || text.startsWith('---')) : -1;
    if (fast && contentLine >= 0 && !sawMergeKey && !isList(value) && tidy(value)) {
      if (stats) stats.fastDocuments++;
      if (value === null || value === undefined) continue;
      check(value, { file, document, line: lines[p] + contentLine }, out.objects, out.diagnostics);
      continue;
    }
    // this document as the `yaml` package reads it; an error there is reported for the whole file
    const alone = parseWithYaml(part, file, document, lines[p] - 1);
    if (alone.errors.length || alone.documents !== 1) return undefined;
    if (stats) stats.yamlDocuments++;
    appendAll(out.objects, alone.objects);
    appendAll(out.diagnostics, alone.diagnostics);
  }
  return out;
}

/**
 * Whether a quoted scalar or a flow collection (`[…]`, `{…}`) of `part` goes on past the end of a
 * line. The `yaml` package wants the lines it continues on indented more than the block around it,
 * js-yaml does not check: such documents are read by the `yaml` package. (Conservative: a bracket or
 * quote inside a plain or block scalar may count too, which only costs speed.)
 */
function hasMultiLineFlow(part: string): boolean {
  let depth = 0;
  let prev = 0x0a;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c === 0x0a) {
      if (depth > 0) return true;
    } else if (c === 0x23 /* # */ && (prev === 0x20 || prev === 0x09 || prev === 0x0a)) {
      const next = part.indexOf('\n', i);
      if (next < 0) break;
      i = next - 1; // the comment ends at the line break (seen next)
    } else if ((c === 0x22 /* " */ || c === 0x27) /* ' */ && isTokenStart(prev)) {
      let j = i + 1;
      for (; j < part.length; j++) {
        const d = part.charCodeAt(j);
        if (d === 0x0a || d === 0x0d) return true;
        if (c === 0x22 && d === 0x5c /* \ */) {
          const e = part.charCodeAt(++j);
          if (e === 0x0a || e === 0x0d) return true; // (an escaped line break)
        }
        else if (d === c) {
          if (c === 0x27 && part.charCodeAt(j + 1) === 0x27) j++;
          else break;
        }
      }
      if (j >= part.length) return true;
      i = j;
    } else if ((c === 0x5b /* [ */ || c === 0x7b) /* { */ && isTokenStart(prev)) {
      depth++;
    } else if ((c === 0x5d /* ] */ || c === 0x7d) /* } */ && depth > 0) {
      depth--;
    }
    prev = c;
  }
  return depth > 0;
}

/** Whether a token may start after the char `c`: line start, white space, a flow indicator, `:`. */
function isTokenStart(c: number): boolean {
  return c === 0x0a || c === 0x20 || c === 0x09 || c === 0x5b || c === 0x7b || c === 0x2c || c === 0x3a || c === 0x2d || c === 0x3f;
}

/** Whether `c` (a char code, NaN past the end) may follow `---` / `...` on a marker line. */
function isMarkerEnd(c: number): boolean {
  return Number.isNaN(c) || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * The 0-based line of `part` where its content starts: the first line that is neither blank nor a
 * comment, after the marker line when there is one (no content on it: see {@link NEEDS_YAML}).
 * -1 when that line is indented: js-yaml then accepts less indented lines after it
 * (`  - a\n- b`) that the `yaml` package refuses.
 */
function firstContentLine(part: string, marker: boolean): number {
  let line = 0;
  let i = 0;
  if (marker) {
    i = part.indexOf('\n') + 1;
    line = 1;
    if (i === 0) return 0;
  }
  while (i < part.length) {
    let j = i;
    while (part.charCodeAt(j) === 0x20 || part.charCodeAt(j) === 0x09) j++;
    const c = part.charCodeAt(j);
    if (c !== 0x23 /* # */ && c !== 0x0a && c !== 0x0d && j < part.length) return j > i ? -1 : line;
    const next = part.indexOf('\n', j);
    if (next < 0) break;
    i = next + 1;
    line++;
  }
  return line;
}

/** Whether every line of `part` is blank or a comment. */
function isOnlyComments(part: string): boolean {
  return /^(?:[ \t]*(?:#[^\n]*)?\r?(?:\n|$))*$/.test(part);
}

/**
 * Copies every array of a js-yaml value at its exact length (as {@link exactArrays} does for the
 * `yaml` package's values), interns its strings, and returns false when a mapping has the key
 * `null`: js-yaml makes that string of a null key (`~:`, `null:`, an empty key), the `yaml` package
 * an empty string, so such a document is read by the latter. (No anchors here: every node is
 * reached once.)
 */
function tidy(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'string') value[i] = intern(v);
      else if (v !== null && typeof v === 'object') {
        if (!tidy(v)) return false;
        if (Array.isArray(v)) value[i] = v.slice();
      }
    }
    return true;
  }
  const obj = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(obj, 'null')) return false;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (typeof v === 'string') {
      const i = intern(v);
      if (i !== v) Object.defineProperty(obj, k, { value: i, writable: true, enumerable: true, configurable: true });
    } else if (v !== null && typeof v === 'object') {
      if (!tidy(v)) return false;
      if (Array.isArray(v)) Object.defineProperty(obj, k, { value: v.slice(), writable: true, enumerable: true, configurable: true });
    }
  }
  return true;
}

/**
 * The string as one shared, self-contained copy: V8's string table returns the copy every equal
 * string already has (the input repeats `apiVersion`s, kinds, namespaces and names thousands of
 * times), and the copy no longer points into the text it was cut from (a value of 13 characters
 * or more is a slice of js-yaml's copy of its document, which would keep the whole input alive).
 * (A property name is internalized: that is the copy.)
 */
function intern(s: string): string {
  for (const k in { [s]: 0 }) return k;
  return s;
}

// ---------------------------------------------------------------------------------------------
// The `yaml` package: the reference reading

/**
 * Reads `text` with the `yaml` package, numbering its documents from `firstDocument` and adding
 * `lineOffset` to every line (for one document cut out of a file).
 */
function parseWithYaml(text: string, file: string, firstDocument: number, lineOffset: number): ParsedText & { documents: number } {
  const YAML = require('yaml') as typeof import('yaml');
  const objects: LoadedObject[] = [];
  const diagnostics: SourcedDiagnostic[] = [];
  const errors: InputError[] = [];
  const lineCounter = new YAML.LineCounter();
  const linePos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line + lineOffset, col: p.col };
  };
  // What YAML.parseAllDocuments does, one document at a time: each document's syntax tree is
  // dropped as soon as its value is taken, so memory holds the values, never the whole input's
  // trees (the composer yields a document only once it is complete: same documents, same errors)
  const composer = new YAML.Composer({ lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const parser = new YAML.Parser(lineCounter.addNewLine);
  let document = firstDocument - 1;
  for (const doc of composer.compose(parser.parse(text))) {
    document++;
    if (doc.errors.length) {
      for (const err of doc.errors) {
        const { line, col } = linePos(err.pos[0]);
        errors.push({ location: `${file}:${line}:${col}`, message: firstLine(err.message) });
      }
      continue;
    }
    if (doc.contents === null) continue; // empty document (only comments, or `---` twice)
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      const { line, col } = linePos(doc.contents.range[0]);
      errors.push({ location: `${file}:${line}:${col}`, message: firstLine((e as Error).message) });
      continue;
    }
    if (value === null || value === undefined) continue;
    try {
      value = exactArrays(value, new Map());
    } catch {
      // nesting deeper than the stack allows: the arrays replaced so far hold the same elements
    }
    const docLine = linePos(doc.contents.range[0]).line;
    const itemLines = listItemLines(doc as import('yaml').Document.Parsed, linePos);
    flatten(value, { file, document, line: docLine }, itemLines, objects, diagnostics);
  }
  return { objects, diagnostics, errors, documents: document - firstDocument + 1 };
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
function listItemLines(doc: import('yaml').Document.Parsed, linePos: (offset: number) => { line: number }): number[] {
  const YAML = require('yaml') as typeof import('yaml');
  const items = doc.get('items', true);
  if (!YAML.isSeq(items)) return [];
  return items.items.map((n) => (YAML.isNode(n) && n.range ? linePos(n.range[0]).line : 0));
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
