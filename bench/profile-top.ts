/**
 * Top functions of a V8 CPU profile (`node --cpu-prof`): self time and total (inclusive) time per
 * function, with file:line relative to the working directory. Samples inside the TypeScript compiler
 * (ts-node's on-the-fly transpile of the sources) are left out of the ranking and reported as one
 * number, since they are not part of what is measured.
 *
 *   npx ts-node --project tsconfig.dev.json bench/profile-top.ts FILE.cpuprofile [--top N] [--src]
 *
 * `--src` ranks total time only over functions of src/ (where to optimise).
 */
import * as fs from 'fs';
import * as path from 'path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
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
function where(cf: CallFrame): string {
  let u = cf.url;
  if (u.startsWith('file://')) u = u.slice('file://'.length);
  if (u.startsWith(cwd + path.sep)) u = u.slice(cwd.length + 1);
  if (!u) return '';
  return `${u}:${cf.lineNumber + 1}`;
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
