/**
 * Build step after `tsc` (the compile task and `prepack` run it): bundles the CLI into one file and
 * records its V8 code cache, for the executable's start-up (see src/cli/bundle-loader.ts).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bundle-cli.ts
 *
 * 1. esbuild bundles lib/cli/main.js and everything it requires into lib/cli/cdk8s-gateway.js
 *    (whitespace and syntax minified, names kept so a CDK8S_GATEWAY_DEBUG stack stays readable;
 *    `@bufbuild/*` from their ES modules, so that what the CLI never reaches is left out). It must
 *    be ASCII (the loader then decodes it as Latin-1).
 * 2. A plain `node` runs the bundle once as `check` of the example of scenario 3 (a Gateway,
 *    canary and blue-green HTTPRoutes, Services, a Namespace: the schema, CEL and resolver paths a
 *    check takes) and records the code cache of what that run compiled.
 * 3. The executable, lib/cli/bin.js, runs that check again and must report the cache accepted and
 *    print what the modules print, and without reading any module file besides bin.js and the
 *    loader (everything the check runs is in the bundle).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { build, Plugin } from 'esbuild';

const root = path.resolve(__dirname, '..');
const cliDir = path.join(root, 'lib', 'cli');
const training = ['check', path.join(root, 'examples', 'yaml', '3-canary')];

function fail(message: string): never {
  console.error(`bundle-cli: FAILED: ${message}`);
  process.exit(1);
}

/**
 * `@bufbuild/cel` and the packages it uses (protobuf, cel-spec, re2) ship ES modules marked free of
 * side effects as well as CommonJS ones: bundling the ES modules lets esbuild leave out what the CLI
 * never reaches (above all the descriptors of protobuf's well-known types, which the CommonJS build
 * builds at load), and hoist the rest into one scope. esbuild resolves a `require()` of them to
 * their CommonJS build: this plugin resolves it as an import instead.
 */
const bufbuildEsm: Plugin = {
  name: 'bufbuild-esm',
  setup(build) {
    build.onResolve({ filter: /^@bufbuild\// }, async (args) => {
      if (args.kind !== 'require-call' || args.pluginData === 'esm') return undefined;
      const r = await build.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: 'esm' });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.path };
    });
  },
};

async function bundle(): Promise<void> {
  await build({
    entryPoints: [path.join(cliDir, 'main.js')],
    outfile: path.join(cliDir, 'cdk8s-gateway.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    plugins: [bufbuildEsm],
  });
}

/** Records the code cache and checks the bundle (steps 2 and 3 above). */
function recordAndVerify(): void {
  // the loader decodes an ASCII bundle as Latin-1 (no UTF-8 decoding of 2 MB at every start):
  // esbuild escapes non-ASCII text in strings, not in regular expression literals
  const bundleBytes = fs.readFileSync(path.join(cliDir, 'cdk8s-gateway.js'));
  const nonAscii = bundleBytes.findIndex((b) => b >= 0x80);
  if (nonAscii >= 0) fail(`the bundle is not ASCII (byte ${nonAscii}: ${JSON.stringify(bundleBytes.subarray(Math.max(0, nonAscii - 60), nonAscii + 20).toString('utf8'))}); write the character as a \\u escape in the source`);

  const loader = path.join(cliDir, 'bundle-loader.js');
  const record = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(loader)}).recordCodeCache(${JSON.stringify(cliDir)}, ${JSON.stringify(training)})`], { cwd: root, encoding: 'utf8' });
  if (record.status !== 0) fail(`the training check exited ${record.status}:\n${record.stdout}${record.stderr}`);

  const bin = path.join(cliDir, 'bin.js');
  const bundled = spawnSync(process.execPath, [bin, ...training], { cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_GATEWAY_DEBUG: '1' } });
  if (!bundled.stderr.includes('debug: bundle, code cache accepted')) fail(`the executable did not use the code cache:\n${bundled.stderr}`);
  const modules = spawnSync(process.execPath, [bin, ...training], { cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_GATEWAY_NO_BUNDLE: '1' } });
  if (bundled.stdout !== modules.stdout || bundled.status !== modules.status) {
    fail(`the bundle and the modules disagree on ${training.join(' ')}:\n--- bundle (exit ${bundled.status})\n${bundled.stdout}\n--- modules (exit ${modules.status})\n${modules.stdout}`);
  }
  // the bundle is self-contained: the check runs no module file besides bin.js and the loader (a
  // dependency required through a path esbuild cannot follow, e.g. createRequire, would be read from
  // node_modules at every start)
  const probe = `process.argv = [process.argv[0], ${JSON.stringify(bin)}, ...${JSON.stringify(training)}];
  process.on('exit', () => process.stderr.write('\\nmodules=' + JSON.stringify(Object.keys(require.cache))));
  require(${JSON.stringify(bin)});`;
  const probed = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  const loaded = JSON.parse(/\nmodules=(.*)$/.exec(probed.stderr)?.[1] ?? 'null') as string[] | null;
  const outside = loaded?.filter((f) => ![bin, loader].includes(f));
  if (!outside || outside.length > 0) fail(`the bundled check loads modules from outside the bundle: ${outside ? outside.join(', ') : probed.stderr}`);
  // stderr: `npm pack --json`, which runs this before packing, owns stdout
  console.error(`bundle-cli: lib/cli/cdk8s-gateway.js and its code cache written; ${training[0]} of the training input agrees with the modules (exit ${bundled.status})`);
}

bundle().then(recordAndVerify, (e: unknown) => fail(e instanceof Error ? e.message : String(e)));
