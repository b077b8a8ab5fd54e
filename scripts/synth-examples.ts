/**
 * `npm run synth`: synthesizes every example under examples/<name>/ into dist/<name>/.
 * Each example folder has an `app.ts` exporting `createApp(outdir)`; its `main.ts` is the
 * program a user runs with `cdk8s synth` or `ts-node main.ts`.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const examplesDir = path.join(root, 'examples');
const only = process.argv.slice(2);
const names = fs
  .readdirSync(examplesDir)
  .filter((n) => fs.existsSync(path.join(examplesDir, n, 'app.ts')))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();
let failed = 0;
for (const name of names) {
  const outdir = path.join(root, 'dist', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(examplesDir, name, 'app.ts'));
    const app = mod.createApp(outdir);
    app.synth();
    const files = fs.readdirSync(outdir).sort();
    console.log(`synth ${name}: ${files.map((f) => path.join('dist', name, f)).join(', ')}`);
  } catch (e) {
    failed++;
    console.error(`synth ${name} FAILED:\n${(e as Error).message}`);
  }
}
if (names.length === 0) {
  console.error('no examples found under examples/');
  process.exit(1);
}
console.log(`${names.length - failed} examples synthesized, ${failed} failed`);
process.exit(failed ? 1 : 0);
