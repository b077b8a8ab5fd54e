/**
 * Regenerates `src/resolve/implementations/reports.json`, the compact table of the conformance
 * reports that Gateway API implementations publish upstream, from the copies vendored in
 * `test/data/upstream/implementation-reports` (located by test/data/upstream.ts; sources in its
 * README).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/import-reports.ts [--check]
 *
 * One entry per report: the implementation (`<organization>/<project>` and the folder name
 * upstream files it under), its version, the Gateway API version and channel it was tested
 * against, its mode, the report's path below the reports folder, and per conformance profile
 * (GATEWAY-HTTP, GATEWAY-GRPC, …) the core result and the extended features it claims as
 * supported. `unsupportedFeatures` are kept too (what the implementation says it does not do).
 * Sorted by implementation, then path, so the output is byte-stable.
 *
 * `--check` writes nothing and exits 1 when the committed table differs from the reports.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { ImplementationReport, ReportProfile } from '../src/resolve/implementations/profiles';
import { cmp } from '../src/resolve/util';
import { IMPLEMENTATION_REPORTS } from '../test/data/upstream';

const repoRoot = path.resolve(__dirname, '..');
const target = path.join(repoRoot, 'src', 'resolve', 'implementations', 'reports.json');

/** One report as the table holds it (the type the package reads it as). */
export type ReportEntry = ImplementationReport;

function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(path.join(dir, e.name), rel));
    else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) out.push(rel);
  }
  return out.sort();
}

const str = (v: unknown, what: string, file: string): string => {
  if (typeof v !== 'string' || v === '') throw new Error(`${file}: ${what} is missing or not a string`);
  return v;
};

/** The table's content, as written to reports.json. */
export function reportsTable(dir = IMPLEMENTATION_REPORTS): string {
  const entries: ReportEntry[] = [];
  for (const file of filesUnder(dir)) {
    const doc = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, any>;
    if (doc?.kind !== 'ConformanceReport') throw new Error(`${file}: not a ConformanceReport (kind ${doc?.kind})`);
    const impl = doc.implementation ?? {};
    const profiles: Record<string, ReportProfile> = {};
    for (const p of (doc.profiles ?? []) as Record<string, any>[]) {
      const name = str(p.name, 'profiles[].name', file);
      const ext = p.extended ?? {};
      profiles[name] = {
        core: str(p.core?.result, `profile ${name} core.result`, file),
        ...(typeof ext.result === 'string' ? { extended: ext.result } : {}),
        supported: [...new Set<string>(ext.supportedFeatures ?? [])].sort(cmp),
        unsupported: [...new Set<string>(ext.unsupportedFeatures ?? [])].sort(cmp),
      };
    }
    entries.push({
      implementation: `${str(impl.organization, 'implementation.organization', file)}/${str(impl.project, 'implementation.project', file)}`,
      folder: file.split('/')[1],
      version: str(impl.version, 'implementation.version', file),
      gatewayAPIVersion: str(doc.gatewayAPIVersion, 'gatewayAPIVersion', file),
      channel: typeof doc.gatewayAPIChannel === 'string' ? doc.gatewayAPIChannel : 'standard',
      mode: typeof doc.mode === 'string' ? doc.mode : 'default',
      file,
      profiles: Object.fromEntries(Object.entries(profiles).sort(([a], [b]) => cmp(a, b))),
    });
  }
  entries.sort((a, b) => cmp(a.folder, b.folder) || cmp(a.file, b.file));
  // one report per line: compact, and a report's change is one line of the diff
  return `{"source":"kubernetes-sigs/gateway-api conformance/reports","reports":[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}

if (require.main === module) {
  const content = reportsTable();
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  const rel = path.relative(repoRoot, target);
  if (current === content) console.log(`unchanged ${rel}`);
  else if (process.argv.includes('--check')) {
    console.error(`STALE     ${rel} (run npm run import-reports)`);
    process.exitCode = 1;
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    console.log(`wrote     ${rel} (${content.length} bytes)`);
  }
}
