/**
 * `npm run conformance -- [--cases FILE] [--json REPORT] [--report YAML] [--only NAME[,NAME…]] [--parallel N] [--keep] [--quiet]`
 *
 * Runs the Gateway API conformance cases (default: the vendored
 * test/data/upstream/conformance/cases.json): status steps by the offline resolver, traffic steps
 * through real nginx. Prints one line per case, then
 * `conformance: N passed, N failed, N skipped` with per-profile counts; writes the report to
 * `--json REPORT`, and an upstream-style `ConformanceReport` to `--report YAML` (default
 * .tmp/conformance-report.yaml; test/conformance/report.ts); exits 1 when a case fails, 2 on usage errors or when nginx is missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { opensslAvailable } from './certs';
import { GATEWAY_API_BUNDLE_VERSION } from '../../src/model';
import { NGINX_BIN, nginxAvailable, stopAllNginx } from '../harness/nginx';
import { conformanceReportYaml } from './report';
import { CaseReport, DEFAULT_CASES, reportJson, runConformance, summarize } from './runner';

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('conformance')
    .description('Gateway API conformance cases: status by the resolver, traffic through real nginx')
    .option('--cases <file>', 'cases JSON file', DEFAULT_CASES)
    .option('--json <report>', 'write the JSON report here')
    .option('--report <yaml>', 'write an upstream-style ConformanceReport YAML here', path.join('.tmp', 'conformance-report.yaml'))
    .option('--only <names...>', 'run only these cases (names, comma- or space-separated)')
    .option('--parallel <n>', 'cases run at once', '1')
    .option('--keep', 'keep the nginx prefixes and generated certificates (prints the work directory)')
    .option('--quiet', 'print only failures and the summary')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const o = program.opts<{ cases: string; json?: string; report: string; only?: string[]; parallel: string; keep?: boolean; quiet?: boolean }>();
  const casesFile = path.resolve(o.cases);
  if (!fs.existsSync(casesFile)) {
    process.stderr.write(`conformance: no cases file ${casesFile}\n`);
    return 2;
  }
  if (!nginxAvailable()) {
    process.stderr.write(`conformance: ${NGINX_BIN} not found or not runnable (set NGINX_BIN); traffic steps need it\n`);
    return 2;
  }
  if (!opensslAvailable()) {
    process.stderr.write('conformance: the openssl CLI is not installed; it makes the suite certificates\n');
    return 2;
  }
  const parallel = Number(o.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) {
    process.stderr.write('conformance: --parallel needs a positive integer\n');
    return 2;
  }
  const only = (o.only ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const t0 = Date.now();
  const onCase = (r: CaseReport) => {
    if (o.quiet && r.result !== 'fail') return;
    const tag = r.result === 'pass' ? 'PASS' : r.result === 'fail' ? 'FAIL' : 'SKIP';
    process.stdout.write(`${tag} ${r.name} (${(r.durationMs / 1000).toFixed(1)}s)${r.reason ? `: ${r.reason.split('\n')[0]}` : ''}\n`);
  };
  let reports: CaseReport[];
  try {
    reports = await runConformance({ casesFile, only, parallel, keep: o.keep, onCase, log: (l) => process.stdout.write(`${l}\n`) });
  } catch (e) {
    process.stderr.write(`conformance: ${(e as Error).message}\n`);
    return 2;
  }
  for (const l of summarize(reports)) process.stdout.write(l + '\n');
  process.stdout.write(`  time: ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  if (o.json) {
    fs.mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
    fs.writeFileSync(o.json, reportJson(reports));
  }
  if (!only.length) {
    // a report covers the whole suite; a run of a few cases would misstate the profiles
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require('../../package.json') as { version: string }).version;
    fs.mkdirSync(path.dirname(path.resolve(o.report)), { recursive: true });
    fs.writeFileSync(o.report, conformanceReportYaml(reports, { version, gatewayAPIVersion: GATEWAY_API_BUNDLE_VERSION, gatewayAPIChannel: 'experimental', date: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }));
    process.stdout.write(`  ConformanceReport: ${o.report}\n`);
  }
  return reports.some((r) => r.result === 'fail') ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`conformance: ${sig}, stopping nginx\n`);
    void stopAllNginx().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`conformance: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
