/**
 * The Gateway API conformance catalog through real nginx — the same run as `npm run conformance`
 * (every case, in catalog order; the whole catalog takes well under a minute, so no subset), one
 * jest test per case. A case whose features are declared unsupported (features.ts) is skipped; any
 * failing case fails the suite with the runner's reason (first failing step and what differed).
 *
 * Without nginx (or the openssl CLI, which makes the suite certificates) the suite is skipped with a
 * notice, unless REQUIRE_NGINX=1 (CI), where a missing binary fails it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSuiteCerts, opensslAvailable, SuiteCerts } from './certs';
import { EchoRig } from './echo/rig';
import { unsupportedFeature } from './features';
import { NGINX_BIN, nginxAvailable } from '../harness/nginx';
import { KubeObject } from '../../src/model';
import { baseManifestsPath, baseObjects, CaseReport, CompileNginx, DEFAULT_CASES, loadCasesFile, loadCompiler, runOneCase, summarize } from './runner';

const missing = [...(nginxAvailable() ? [] : [NGINX_BIN]), ...(opensslAvailable() ? [] : ['openssl'])];
const required = process.env.REQUIRE_NGINX === '1';
const cases = loadCasesFile(DEFAULT_CASES);

if (missing.length && required) {
  test('nginx and openssl are installed (REQUIRE_NGINX=1)', () => {
    throw new Error(`REQUIRE_NGINX=1 but ${missing.join(' and ')} cannot be run: the conformance run needs nginx for traffic and openssl for the suite certificates`);
  });
} else if (missing.length) {
  // eslint-disable-next-line no-console
  console.warn(`conformance: ${missing.join(' and ')} not found — skipping the conformance run (set REQUIRE_NGINX=1 to make this an error)`);
  test.skip('conformance (nginx/openssl not installed)', () => undefined);
} else {
  describe('Gateway API conformance (resolver + nginx)', () => {
    jest.setTimeout(120_000);
    let dir: string;
    let rig: EchoRig;
    let certs: SuiteCerts;
    let base: KubeObject[];
    let compile: CompileNginx;
    const reports: CaseReport[] = [];

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-test-'));
      fs.chmodSync(dir, 0o755);
      certs = generateSuiteCerts(path.join(dir, 'certs'));
      base = baseObjects(certs, baseManifestsPath(DEFAULT_CASES));
      compile = loadCompiler();
      rig = new EchoRig();
    });

    afterAll(async () => {
      await rig?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      if (reports.length) {
        // eslint-disable-next-line no-console
        console.log(summarize(reports).join('\n'));
      }
    });

    for (const c of cases) {
      const unsupported = unsupportedFeature(c.features ?? []);
      if (unsupported) {
        test.skip(`${c.category} ${c.name} (${unsupported.feature} declared unsupported)`, () => undefined);
        reports.push({
          name: c.name,
          result: 'skip',
          reason: unsupported.reason,
          category: c.category,
          profiles: c.profiles ?? [],
          level: (c.featureDetails ?? []).some((f: { level?: string }) => f.level === 'extended') ? 'extended' : 'core',
          provisional: !!c.provisional,
          features: c.features ?? [],
          durationMs: 0,
        });
        continue;
      }
      test(`${c.category} ${c.name}`, async () => {
        const caseDir = path.join(dir, c.name);
        fs.mkdirSync(caseDir, { recursive: true });
        fs.chmodSync(caseDir, 0o755);
        const r = await runOneCase(c, { rig, certs, base, compile, workDir: caseDir });
        reports.push(r);
        expect({ case: c.name, result: r.result, reason: r.reason }).toEqual({ case: c.name, result: 'pass', reason: '' });
      });
    }
  });
}
