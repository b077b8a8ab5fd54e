/**
 * Top functions of a V8 CPU profile (`node --cpu-prof`): self time and total (inclusive) time per
 * function, with file:line relative to the working directory (.ts lines mapped back to the source). Samples inside the TypeScript compiler
 * (ts-node's on-the-fly transpile of the sources) are left out of the ranking and reported as one
 * number, since they are not part of what is measured.
 *
 *   npx ts-node --project tsconfig.dev.json bench/profile-top.ts FILE.cpuprofile [--top N] [--src]
 *
 * `--src` ranks total time only over functions of src/ (where to optimise).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface Node {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.cpuprofile'));
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile [--top N] [--src]');
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 10;
const srcOnly = args.includes('--src');

const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const cwd = process.cwd();

// V8 reports positions in the JavaScript ts-node emitted, not in the .ts source: transpile the file
// again with the same compiler options (tsconfig.dev.json) and map the position through the source map.
const tsOptions = (() => {
  const cfg = ts.getParsedCommandLineOfConfigFile(path.join(cwd, 'tsconfig.dev.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  return { ...(cfg?.options ?? {}), sourceMap: true, inlineSourceMap: false, inlineSources: false, noEmit: false, declaration: false };
})();
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function vlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const d = B64.indexOf(ch);
    value += (d & 31) << shift;
    if (d & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
/** Per generated line: [generated column, source line] pairs. */
const sourceMaps = new Map<string, Array<Array<[number, number]>> | undefined>();
function lineMap(file: string): Array<Array<[number, number]>> | undefined {
  if (sourceMaps.has(file)) return sourceMaps.get(file);
  let result: Array<Array<[number, number]>> | undefined;
  try {
    const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: tsOptions, fileName: file });
    const map = JSON.parse(out.sourceMapText ?? '{}') as { mappings?: string };
    let srcLine = 0;
    result = (map.mappings ?? '').split(';').map((line) => {
      let col = 0;
      const segs: Array<[number, number]> = [];
      for (const seg of line.split(',').filter(Boolean)) {
        const f = vlq(seg);
        col += f[0];
        if (f.length >= 4) {
          srcLine += f[2];
          segs.push([col, srcLine]);
        }
      }
      return segs;
    });
  } catch {
    result = undefined;
  }
  sourceMaps.set(file, result);
  return result;
}
function sourceLine(file: string, line: number, column: number): number {
  if (!file.endsWith('.ts')) return line + 1;
  const segs = lineMap(file)?.[line];
  if (!segs?.length) return line + 1;
  let best = segs[0];
  for (const sg of segs) if (sg[0] <= column) best = sg;
  return best[1] + 1;
}

function where(cf: CallFrame): string {
  let u = cf.url;
  if (u.startsWith('file://')) u = u.slice('file://'.length);
  if (!u) return '';
  const line = sourceLine(u, cf.lineNumber, cf.columnNumber);
  if (u.startsWith(cwd + path.sep)) u = u.slice(cwd.length + 1);
  return `${u}:${line}`;
}
const label = (cf: CallFrame) => `${cf.functionName || '(anonymous)'} ${where(cf)}`.trim();
const isTranspile = (cf: CallFrame) => /node_modules\/typescript\//.test(cf.url);

// time of each sample = the delta to the next one
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
let transpile = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000; // µs → ms
  all += dt;
  const leaf = byId.get(prof.samples[i])!;
  // a sample inside the TypeScript compiler (anywhere up the stack) is transpile time
  const seen = new Set<string>();
  let inTranspile = false;
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const cf = byId.get(id)!.callFrame;
    if (isTranspile(cf)) inTranspile = true;
  }
  if (inTranspile) {
    transpile += dt;
    continue;
  }
  self.set(label(leaf.callFrame), (self.get(label(leaf.callFrame)) ?? 0) + dt);
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const cf = byId.get(id)!.callFrame;
    const l = label(cf);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
}
const measured = all - transpile;
const pct = (x: number) => `${((100 * x) / measured).toFixed(1)}%`;
console.log(`profile ${path.basename(file)}: ${all.toFixed(0)} ms sampled, ${transpile.toFixed(0)} ms in the TypeScript transpile (left out), ${measured.toFixed(0)} ms ranked`);
console.log(`\ntop ${top} by self time:`);
for (const [l, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${t.toFixed(0).padStart(6)} ms ${pct(t).padStart(6)}  ${l}`);
console.log(`\ntop ${top} by total time${srcOnly ? ' (src/ only)' : ''}:`);
const totals = [...total].filter(([l]) => !srcOnly || / src\//.test(l)).filter(([l]) => !/^\(root\)|^\(program\)/.test(l));
for (const [l, t] of totals.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${t.toFixed(0).padStart(6)} ms ${pct(t).padStart(6)}  ${l}`);
