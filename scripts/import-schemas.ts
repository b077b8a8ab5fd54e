/**
 * Regenerates `src/validate/schemas/*.json` from the upstream CRDs vendored in
 * `test/data/upstream/crds` (located by test/data/upstream.ts; sources and versions in its README).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/import-schemas.ts [--check]
 *
 * `--check` writes nothing and exits 1 when a committed file differs from what the CRDs give.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CRDS } from '../test/data/upstream';
import { generateBundles } from './schema-extract';

const repoRoot = path.resolve(__dirname, '..');
const outDir = path.join(repoRoot, 'src', 'validate', 'schemas');
const check = process.argv.includes('--check');

const bundles = generateBundles(CRDS);
let stale = 0;
fs.mkdirSync(outDir, { recursive: true });
for (const [file, content] of bundles) {
  const target = path.join(outDir, file);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  const parsed = JSON.parse(content) as { schemas: object; notServed: unknown[] };
  const summary = `${Object.keys(parsed.schemas).length} schemas, ${parsed.notServed.length} not served, ${content.length} bytes`;
  if (current === content) {
    console.log(`unchanged ${path.relative(repoRoot, target)} (${summary})`);
  } else if (check) {
    stale++;
    console.error(`STALE     ${path.relative(repoRoot, target)}`);
  } else {
    fs.writeFileSync(target, content);
    console.log(`wrote     ${path.relative(repoRoot, target)} (${summary})`);
  }
}
if (stale > 0) process.exitCode = 1;
