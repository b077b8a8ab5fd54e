/**
 * The Gateway API conformance catalog through real nginx — the same run as `npm run conformance`
 * (every case, in catalog order; the whole catalog takes well under a minute, so no subset), one
 * jest test per case. A case whose features are declared unsupported (features.ts) is skipped; any
 * failing case fails the suite with the runner's reason (first failing step and what differed).
 *
 * Without nginx the suite is skipped with a notice, unless REQUIRE_NGINX=1 (CI), where a missing
 * nginx fails it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSuiteCerts, SuiteCerts } from './certs';
import { EchoRig } from './echo/rig';
import { unsupportedFeature } from './features';
import { nginxAvailable, NGINX_BIN } from './nginx';
import { KubeObject } from '../../src/model';
import { baseManifestsPath, baseObjects, CaseReport, CompileNginx, DEFAULT_CASES, loadCasesFile, loadCompiler, runOneCase, summarize } from './runner';

const haveNginx = nginxAvailable();
const required = process.env.REQUIRE_NGINX === '1';
const cases = loadCasesFile(DEFAULT_CASES);

if (!haveNginx && required) {
  test('nginx is installed (REQUIRE_NGINX=1)', () => {
    throw new Error(`REQUIRE_NGINX=1 but ${NGINX_BIN} is not runnable: the conformance traffic steps need nginx`);
  });
} else if (!haveNginx) {
  // eslint-disable-next-line no-console
  console.warn(`conformance: ${NGINX_BIN} not found — skipping the conformance run (set REQUIRE_NGINX=1 to make this an error)`);
  test.skip('conformance (nginx not installed)', () => undefined);
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
      const t = unsupported ? test.skip : test;
      t(`${c.category} ${c.name}`, async () => {
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
