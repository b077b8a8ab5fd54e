/**
 * Generates API.md from the source with typedoc + typedoc-plugin-markdown (one file).
 *   ts-node scripts/api-docs.ts           → rewrite API.md
 *   ts-node scripts/api-docs.ts --check   → exit 1 when API.md is not what the source generates
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const check = process.argv.includes('--check');
/** One typedoc run per public entry point (the package root and `cdk8s-gateway/pulumi`), concatenated. */
const ENTRY_POINTS: { file: string; title: string }[] = [
  { file: 'src/index.ts', title: '`cdk8s-gateway`' },
  { file: 'src/pulumi/index.ts', title: '`cdk8s-gateway/pulumi`' },
];
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-api-'));
try {
  const parts: string[] = [];
  for (const [i, entry] of ENTRY_POINTS.entries()) {
    const dir = path.join(out, String(i));
    execFileSync(
      path.join(root, 'node_modules', '.bin', 'typedoc'),
      [
        '--plugin', 'typedoc-plugin-markdown',
        '--entryPoints', entry.file,
        '--tsconfig', 'tsconfig.json',
        '--out', dir,
        '--outputFileStrategy', 'modules',
        '--entryFileName', 'API.md',
        '--readme', 'none',
        '--disableSources',
        '--excludePrivate',
        '--excludeInternal',
        '--excludeExternals',
        '--hidePageHeader',
        '--hideBreadcrumbs',
        '--skipErrorChecking',
        '--logLevel', 'Warn',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    // demote the module's headings one level under the entry point's title
    const body = fs.readFileSync(path.join(dir, 'API.md'), 'utf8').trim().replace(/^# [^\n]*\n+/, '').replace(/^(#+) /gm, '#$1 ');
    parts.push(`## ${entry.title}\n\n${body}`);
  }
  const text = `# API reference\n\n<!-- Generated from the source by \`npm run api-docs\` (typedoc). Do not edit. -->\n\n${parts.join('\n\n')}\n`;
  const target = path.join(root, 'API.md');
  if (check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error('API.md is stale: the public API changed. Run `npm run api-docs` and commit API.md.');
      process.exit(1);
    }
    console.log('API.md is current.');
  } else {
    fs.writeFileSync(target, text);
    console.log('API.md written.');
  }
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
