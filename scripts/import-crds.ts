/**
 * Regenerates `assets/gateway-api-crds/<channel>.json.gz`, the Gateway API CRDs the
 * `GatewayApiCrds` construct emits, from the upstream CRDs vendored in
 * `test/data/upstream/crds/gateway-api/<channel>` (located by test/data/upstream.ts; sources and
 * versions in its README).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/import-crds.ts [--check]
 *
 * Each file is gzipped compact JSON `{bundleVersion, channel, files, objects}`: the documents of
 * every `*.yaml` of the channel folder in file-name order — upstream's `<channel>-install.yaml`
 * (CRDs and the `safe-upgrades` ValidatingAdmissionPolicy + binding) — parsed, nothing changed.
 * JSON because gunzip + JSON.parse take ~7 ms where parsing the YAML takes ~700 ms; gzipped because the
 * descriptions make it ~0.7–0.9 MB per channel. The folder is part of the npm package (see
 * `npm pack --dry-run`); the package never reads test/data or the network at run time.
 *
 * `--check` writes nothing and exits 1 when a committed file's content differs from the CRDs'.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { GATEWAY_API_BUNDLE_VERSION } from '../src/model';
import { CRDS } from '../test/data/upstream';
import { readYamlDocuments } from './schema-extract';

const repoRoot = path.resolve(__dirname, '..');
const outDir = path.join(repoRoot, 'assets', 'gateway-api-crds');
const check = process.argv.includes('--check');

/** The content of one channel's file, as the construct reads it. */
export function crdBundle(channel: 'standard' | 'experimental'): string {
  const dir = path.join(CRDS, 'gateway-api', channel);
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  const objects = readYamlDocuments(dir) as Array<{ metadata?: { annotations?: Record<string, string> } }>;
  for (const o of objects) {
    const v = o.metadata?.annotations?.['gateway.networking.k8s.io/bundle-version'];
    if (v !== GATEWAY_API_BUNDLE_VERSION) throw new Error(`${dir}: an object has bundle-version ${v}, expected ${GATEWAY_API_BUNDLE_VERSION}`);
  }
  return JSON.stringify({ bundleVersion: GATEWAY_API_BUNDLE_VERSION, channel, files, objects });
}

if (require.main === module) {
  let stale = 0;
  fs.mkdirSync(outDir, { recursive: true });
  for (const channel of ['standard', 'experimental'] as const) {
    const target = path.join(outDir, `${channel}.json.gz`);
    const content = crdBundle(channel);
    const current = fs.existsSync(target) ? zlib.gunzipSync(fs.readFileSync(target)).toString('utf8') : undefined;
    const rel = path.relative(repoRoot, target);
    if (current === content) {
      console.log(`unchanged ${rel}`);
    } else if (check) {
      stale++;
      console.error(`STALE     ${rel}`);
    } else {
      const gz = zlib.gzipSync(Buffer.from(content, 'utf8'), { level: 9 });
      fs.writeFileSync(target, gz);
      console.log(`wrote     ${rel} (${content.length} bytes of JSON, ${gz.length} gzipped)`);
    }
  }
  if (stale > 0) process.exitCode = 1;
}
