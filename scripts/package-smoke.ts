/**
 * The package as a stranger installs it: `npm pack` this repository, then, in an empty folder, a
 * new cdk8s TypeScript app (what `cdk8s init typescript-app` sets up: cdk8s, constructs, the newest
 * cdk8s-plus the user picks, TypeScript) installs the tarball, compiles a program using
 * `Backend.fromService` with the app's own cdk8s-plus Service and a `GatewayProxy`, synthesizes it,
 * and runs the installed CLI on the output.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/package-smoke.ts [--plus cdk8s-plus-33]
 *
 * Checks: the tarball holds lib/, docs/ and the README, and nothing local (.tmp/, dist/, test/,
 * src/); the published package.json runs no script on install; `npm install` of the tarball
 * prints no peer-dependency or lifecycle warning about this package; the program compiles under
 * `tsc --strict`; synth writes the routes and the proxy; `npx cdk8s-gateway check` exits 0 on it.
 * Needs the npm registry (it installs the app's dependencies). Exit 1 on the first failed check.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.resolve(__dirname, '..');
const plus = argValue('--plus') ?? 'cdk8s-plus-33';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' }, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} (in ${path.basename(cwd)}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function fail(message: string): never {
  console.error(`package-smoke: FAILED: ${message}`);
  process.exit(1);
}

function ok(message: string): void {
  console.log(`package-smoke: ok: ${message}`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-package-'));
try {
  // 1. the tarball
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repo).stdout) as { filename: string; files: { path: string }[] }[];
  const files = packed[0].files.map((f) => f.path);
  for (const need of ['lib/index.js', 'lib/index.d.ts', 'lib/cli/main.js', 'lib/cli/bin.js', 'lib/cli/cdk8s-gateway.js', 'lib/cli/cdk8s-gateway.js.cache', 'lib/cli/cdk8s-gateway.js.cache.json', 'lib/pulumi/index.js', 'README.md', 'LICENSE', 'docs/dataplane.md', 'docs/bare-metal.md', 'assets/gateway-api-crds/standard.json.gz', 'assets/gateway-api-crds/experimental.json.gz']) {
    if (!files.includes(need)) fail(`the tarball has no ${need}`);
  }
  const local = files.filter((f) => /^(\.tmp|dist|test|src|examples|bench|scripts|node_modules)\//.test(f));
  if (local.length) fail(`the tarball ships local files: ${local.slice(0, 10).join(', ')}`);
  const tarball = path.join(work, packed[0].filename);
  ok(`${packed[0].filename}: ${files.length} files, lib/ docs/ README, nothing local`);

  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => pkg.scripts?.[s]);
  if (installScripts.length) fail(`package.json runs ${installScripts.join(', ')} when installed`);
  ok('no script runs on install');

  // 2. a new cdk8s app with the user's own cdk8s-plus
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'my-app', version: '0.0.0', private: true }, null, 2));
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', lib: ['es2022'], strict: true, esModuleInterop: true, skipLibCheck: false, outDir: 'out' }, include: ['main.ts'] }, null, 2),
  );
  run('npm', ['install', '--no-audit', '--no-fund', 'cdk8s@^2', 'constructs@^10', plus, 'typescript@~5.9', '@types/node@^20'], app);
  const install = run('npm', ['install', '--no-audit', '--no-fund', tarball], app);
  const warnings = `${install.stdout}\n${install.stderr}`.split('\n').filter((l) => /npm warn/i.test(l) && /cdk8s-gateway|peer|ERESOLVE|prepare/i.test(l));
  if (warnings.length) fail(`npm install of the tarball warned:\n${warnings.join('\n')}`);
  ok(`installed next to ${plus} with no warning`);

  fs.writeFileSync(
    path.join(app, 'main.ts'),
    `import { App, Chart } from 'cdk8s';
import * as kplus from '${plus}';
import { AppNamespaces, Backend, Gateway, GatewayApiCrds, GatewayClass, GatewayProxy, Listener } from 'cdk8s-gateway';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'web');
const deployment = new kplus.Deployment(chart, 'site', { metadata: { name: 'site', namespace: 'site' }, containers: [{ image: 'nginx:1.30', portNumber: 8080 }] });
const service = deployment.exposeViaService({ name: 'site', ports: [{ port: 80, targetPort: 8080 }] });
const gateway = new Gateway(chart, 'gateway', { name: 'web', namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ hostname: 'www.example.com' })] });
gateway.addHttpRoute('site-route', { name: 'site', namespace: 'gateway', rules: [{ backends: [Backend.fromService(service)] }] });
new GatewayProxy(chart, 'proxy', { gateway });
new AppNamespaces(chart, 'namespaces');
// the CRDs in a chart of their own, applied first (read from the package's assets/)
const crds = new Chart(app, 'crds');
new GatewayApiCrds(crds, 'gateway-api');
chart.addDependency(crds);
app.synth();
`,
  );
  run(path.join(app, 'node_modules/.bin/tsc'), ['-p', '.'], app);
  ok(`main.ts compiles (tsc --strict) with Backend.fromService(<${plus} Service>)`);
  run(process.execPath, ['out/main.js'], app);
  const written = fs.readdirSync(path.join(app, 'dist')).sort();
  const webFile = written.find((f) => f.endsWith('web.k8s.yaml'));
  const crdsFile = written.find((f) => f.endsWith('crds.k8s.yaml'));
  if (!webFile || !crdsFile) fail(`synth wrote ${written.join(', ')}`);
  const out = fs.readFileSync(path.join(app, 'dist', webFile), 'utf8');
  for (const need of ['kind: HTTPRoute', 'kind: ReferenceGrant', 'kind: Deployment', 'name: web-proxy-config', 'kind: Namespace']) {
    if (!out.includes(need)) fail(`the synthesized app has no "${need}"`);
  }
  if (out.includes('cdk8s.io/metadata.addr: web-proxy')) fail('the proxy pod template carries a hashed label');
  const crdsOut = fs.readFileSync(path.join(app, 'dist', crdsFile), 'utf8');
  if (!crdsOut.includes('name: httproutes.gateway.networking.k8s.io')) fail('the GatewayApiCrds chart has no HTTPRoute CRD');
  ok('synth: route, grant, proxy, namespaces, and the Gateway API CRDs from the package');
  const check = spawnSync(path.join(app, 'node_modules/.bin/cdk8s-gateway'), ['check', `dist/${webFile}`], { cwd: app, encoding: 'utf8' });
  if (check.status !== 0) fail(`cdk8s-gateway check dist/${webFile} exited ${check.status}:\n${check.stdout}${check.stderr}`);
  ok(`the installed CLI: ${check.stdout.trim().split('\n').pop()}`);
  // the executable runs the one-file bundle with the code cache the build recorded, and says so
  // when asked; the CLI's modules (no bundle) print the same
  const debug = spawnSync(path.join(app, 'node_modules/.bin/cdk8s-gateway'), ['check', `dist/${webFile}`], { cwd: app, encoding: 'utf8', env: { ...process.env, CDK8S_GATEWAY_DEBUG: '1' } });
  if (!debug.stderr.includes('debug: bundle, code cache accepted')) fail(`the installed CLI did not run its bundle with the code cache:\n${debug.stderr}`);
  const modules = spawnSync(path.join(app, 'node_modules/.bin/cdk8s-gateway'), ['check', `dist/${webFile}`], { cwd: app, encoding: 'utf8', env: { ...process.env, CDK8S_GATEWAY_NO_BUNDLE: '1' } });
  if (modules.status !== check.status || modules.stdout !== check.stdout) fail(`the CLI's modules and its bundle disagree:\n${modules.stdout}\n---\n${check.stdout}`);
  ok('the installed CLI ran its bundle with the code cache, and the modules agree');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
