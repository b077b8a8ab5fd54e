/**
 * Splitting a large configuration into include files (`maxFileBytes`): the contents of the `http`
 * and `stream` blocks are packed, whole blocks in order, into `part-NNN.conf` files next to
 * nginx.conf, and the blocks' bodies include them. A block larger than a part (one server with
 * thousands of locations, a map with thousands of entries) stays in its file as a skeleton
 * (`server {`, its includes, `}`) and its own body is packed the same way: `include` is valid in
 * every block the renderer writes (http, stream, server, location, if, map, geo, upstream; not
 * `split_clients`, which is never that large), and
 * relative include paths are resolved from nginx.conf's directory whatever the nesting.
 *
 * nginx.conf lists every part with the SHA-256 of its content (`# part <file> <sha256>`), so a
 * loader that receives the files separately (the proxy's ConfigMaps, which kubelet updates one by
 * one) can tell a consistent set from a mix of versions.
 */
import * as crypto from 'crypto';
import { appendAll } from '../../model/arrays';
import { atDepth0, Line, lineText, unwritten } from './context';

/** The name of the n-th part (1-based): sorted by name = in order. */
export function partName(n: number): string {
  return `part-${String(n).padStart(3, '0')}.conf`;
}

/** `# part <file> <sha256>` lines of nginx.conf, in part order. */
export const PART_LINE = /^# part (part-\d{3,}\.conf) ([0-9a-f]{64})$/;

/** One directive or one whole block, as lines at depth 0 of their context (a written block: one). */
interface Unit {
  readonly lines: readonly Line[];
  readonly bytes: number;
  readonly block: boolean;
}

const lineBytes = (l: string): number => Buffer.byteLength(l) + 1;

/** Whether a line starts with whitespace (`/^\s/`), without a regex for the usual visible ASCII first character. */
function startsWithSpace(l: string): boolean {
  const c = l.charCodeAt(0);
  if (c > 0x20 && c < 0x7f) return false;
  return /^\s/.test(l);
}

/** Whether a line holds a newline (a written block is lines without, see `written`). */
const multiline = (l: Line): l is string => typeof l === 'string' && l.includes('\n');

/** The lines with the ones holding newlines split at them (usually none: then the lines themselves, not a copy). */
function splitLines(lines: readonly Line[]): readonly Line[] {
  const first = lines.findIndex(multiline);
  if (first < 0) return lines;
  const out = lines.slice(0, first);
  for (let i = first; i < lines.length; i++) {
    const l = lines[i];
    if (multiline(l)) appendAll(out, l.split('\n'));
    else out.push(l);
  }
  return out;
}

/**
 * The units of a block body whose nested lines are indented (as `block` writes them): a line at
 * depth 0 ending with `{` opens a block that runs to the next depth-0 `}`. Undefined when the
 * lines are not shaped so (then nothing is split).
 */
function unitsOf(lines: readonly Line[]): Unit[] | undefined {
  const out: Unit[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (typeof l !== 'string') {
      // a written block: one block (its head at depth 0, its body indented, its `}`), of its lines' bytes
      out.push({ lines: [l], bytes: Buffer.byteLength(l.text) + 1, block: true });
      continue;
    }
    if (startsWithSpace(l)) return undefined;
    if (!l.startsWith('#') && l.endsWith('{')) {
      let bytes = lineBytes(l);
      let j = i + 1;
      while (j < lines.length && lines[j] !== '}') {
        const inner = lines[j];
        // a written block starts with its head, at depth 0
        if (typeof inner !== 'string' || (inner !== '' && !inner.startsWith('  '))) return undefined;
        bytes += lineBytes(inner);
        j++;
      }
      if (j === lines.length) return undefined;
      out.push({ lines: lines.slice(i, j + 1), bytes: bytes + lineBytes('}'), block: true });
      i = j;
    } else {
      out.push({ lines: [l], bytes: lineBytes(l), block: false });
    }
  }
  return out;
}

const dedent = (lines: readonly string[]): string[] => lines.map((l) => (l.startsWith('  ') ? l.slice(2) : l));
const indent = (lines: readonly string[]): string[] => lines.map((l) => (l ? `  ${l}` : l));

/**
 * Packs the lines of a block body (depth 0 = no indent) into parts of at most `budget` bytes
 * each, appended to `parts`; returns what stays in the enclosing file (includes and the skeletons
 * of blocks too large for one part). A single directive larger than `budget` gets a part of its
 * own (larger than `budget`: the caller's size check names it).
 */
export function packBody(lines: readonly Line[], budget: number, parts: string[][]): Line[] {
  // a part holds its blocks at depth 0: a block written for another indent is rewritten for it
  // (the same lines as unwritten(l), one unit as they would be)
  const units = unitsOf(splitLines(lines.some((l) => typeof l !== 'string' && l.indent) ? lines.map((l) => (typeof l !== 'string' && l.indent ? atDepth0(l) : l)) : lines));
  if (!units) return lines.slice();
  const out: Line[] = [];
  let current: Line[] = [];
  let bytes = 0;
  const flush = () => {
    while (current.length && current[current.length - 1] === '') current.pop();
    if (!current.length) return;
    parts.push(current.map(lineText));
    out.push(`include ${partName(parts.length)};`);
    current = [];
    bytes = 0;
  };
  for (const u of units) {
    if (u.bytes > budget && u.block && !/^(split_clients|types)\b/.test(lineText(u.lines[0]))) {
      flush();
      const blockLines = u.lines.flatMap((l) => (typeof l === 'string' ? [l] : unwritten(l)));
      const inner = packBody(dedent(blockLines.slice(1, -1)), budget, parts);
      appendAll(out, [blockLines[0]], indent(inner.map(lineText)), [blockLines[blockLines.length - 1]]);
      continue;
    }
    if (bytes + u.bytes > budget) flush();
    // a part never starts with a blank line
    if (!current.length && u.lines.length === 1 && u.lines[0] === '') continue;
    appendAll(current, u.lines);
    bytes += u.bytes;
  }
  flush();
  return out;
}

/** The part files (name → content) and the manifest lines nginx.conf carries. */
export function partFiles(parts: readonly string[][]): { files: Record<string, string>; manifest: string[] } {
  const files: Record<string, string> = {};
  const manifest: string[] = [];
  parts.forEach((lines, i) => {
    const name = partName(i + 1);
    const content = lines.join('\n') + '\n';
    files[name] = content;
    manifest.push(`# part ${name} ${crypto.createHash('sha256').update(content).digest('hex')}`);
  });
  return { files, manifest };
}
