import { javascript, typescript } from 'projen';

/**
 * cdk8s-gateway — projen project definition.
 *
 * Generated files (package.json, tsconfig*.json, .gitignore, .npmignore, .projen/*)
 * are owned by this file: edit here, then run `npx projen`.
 */
const project = new typescript.TypeScriptProject({
  name: 'cdk8s-gateway',
  description:
    'cdk8s constructs for the Kubernetes Gateway API: typed, schema- and CEL-validated Gateways, routes, grants and the pieces a bare-metal cluster needs around them.',
  license: 'Apache-2.0',
  copyrightOwner: 'cdk8s-gateway authors',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',
  // TypeScript is pinned below 7: ts-jest and @pulumi/pulumi require it.
  typescriptVersion: '~5.9.3',
  // no hosted CI / release machinery: CI is `.ci/run`
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  sampleCode: false,
  eslint: false,
  prettier: false,
  // the user's cdk8s and constructs (one copy of each in an app); any cdk8s-plus major works with the
  // constructs that take a Service (a structural type), the proxy builds its Deployment with its own
  // cdk8s-plus-28 (a dependency)
  peerDeps: ['cdk8s@^2.68.11', 'constructs@^10.3.0'],
  // the peers are installed for development at current versions (below), not at their minimums
  peerDependencyOptions: { pinnedDevDependency: false },
  deps: ['@bufbuild/cel@0.6.1', 'yaml@^2.8.0', 'js-yaml@^4.1.0', 'commander@^14.0.3', 'cdk8s-plus-28@^2.5.6'],
  // the executable runs the CLI bundled into one file with its V8 code cache (start-up: src/cli/bundle-loader.ts)
  bin: { 'cdk8s-gateway': 'lib/cli/bin.js' },
  devDeps: [
    '@types/node@^20',
    '@types/js-yaml@^4.0.9',
    'esbuild@^0.25.0',
    'cdk8s@^2.70.0',
    'constructs@^10.4.0',
    // the cdk8s-plus majors users bring (cdk8s init: 33; the newest: 34), for the compatibility tests
    'cdk8s-plus-33@^2.5.57',
    'cdk8s-plus-34@^2.0.54',
    'ts-node@^10.9.2',
    // optional peers, installed for the tests of cdk8s-gateway/pulumi (pulumi.runtime.setMocks: no CLI needed)
    '@pulumi/pulumi@^3.200.0',
    '@pulumi/kubernetes@^4.20.0',
    'typedoc@~0.28.20',
    'typedoc-plugin-markdown@~4.14.1',
    'fast-check@^4.10.0',
  ],
  jestOptions: {
    jestVersion: '^29',
    // snapshots are assertions: never rewrite them during `npm test` (update with `npx jest -u`)
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 60000,
      collectCoverage: false,
    },
  },
  tsconfig: {
    compilerOptions: {
      lib: ['es2022'],
      target: 'ES2022',
      resolveJsonModule: true,
      esModuleInterop: true,
      skipLibCheck: true,
    },
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    compilerOptions: {
      lib: ['es2022'],
      target: 'ES2022',
      resolveJsonModule: true,
      esModuleInterop: true,
      skipLibCheck: true,
    },
    include: ['examples/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
  },
  gitignore: ['/dist/', '/.tmp/', '/coverage/'],
});

// the package ships lib/, README, LICENSE and docs/ (the README links into it); nothing local
for (const p of ['/examples/', '/scripts/', '/bench/', '/.ci/', '/.tmp/', '/dist/']) {
  project.addPackageIgnore(p);
}

// Optional peers: only `cdk8s-gateway/pulumi` needs them.
project.package.addField('peerDependenciesMeta', {
  '@pulumi/pulumi': { optional: true },
  '@pulumi/kubernetes': { optional: true },
});
project.package.addPeerDeps('@pulumi/pulumi@^3.0.0', '@pulumi/kubernetes@^4.0.0');

// Subpath exports: the root API and the Pulumi bindings (the only module importing @pulumi/*).
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './pulumi': { types: './lib/pulumi/index.d.ts', default: './lib/pulumi/index.js' },
  './package.json': './package.json',
});

// lib/ is built when the package is packed (npm pack / publish), not on install: a user's install
// runs no script of ours. In a clone, `npm run compile` builds lib/ for `npx cdk8s-gateway …`.
// after tsc, the CLI's one-file bundle and its code cache (scripts/bundle-cli.ts)
const bundleCli = 'ts-node --project tsconfig.dev.json scripts/bundle-cli.ts';
project.compileTask.exec(bundleCli);
project.package.setScript('prepack', `tsc --build && ${bundleCli}`);

// `npm run synth`: every example into dist/<example>/
project.addTask('synth', {
  description: 'Synthesize every example under examples/ into dist/<example>/',
  exec: 'ts-node --project tsconfig.dev.json scripts/synth-examples.ts',
});

// Bundled CRD schemas (dev-time import of the vendored test/data/upstream/crds; the package never reads them at run time)
// then the CEL rules' precompiled syntax trees (src/validate/schemas/cel-ast.json, scripts/precompile-cel.ts)
const importSchemas = project.addTask('import-schemas', {
  description: 'Regenerate src/validate/schemas/*.json from the upstream CRDs in test/data/upstream/crds, then their CEL syntax trees (cel-ast.json)',
  exec: 'ts-node --project tsconfig.dev.json scripts/import-schemas.ts',
});
importSchemas.exec('ts-node --project tsconfig.dev.json scripts/precompile-cel.ts');

// The Gateway API CRDs GatewayApiCrds emits (assets/gateway-api-crds, from the vendored upstream CRDs)
project.addTask('import-crds', {
  description: 'Regenerate assets/gateway-api-crds/*.json.gz from the upstream CRDs in test/data/upstream/crds (--check: fail when stale)',
  exec: 'ts-node --project tsconfig.dev.json scripts/import-crds.ts',
  receiveArgs: true,
});

// The implementation profiles check uses (src/resolve/implementations/reports.json, from the vendored conformance reports)
project.addTask('import-reports', {
  description: 'Regenerate src/resolve/implementations/reports.json from the implementation conformance reports in test/data/upstream/implementation-reports (--check: fail when stale)',
  exec: 'ts-node --project tsconfig.dev.json scripts/import-reports.ts',
  receiveArgs: true,
});

// Gateway API conformance cases served by real nginx (`npm run conformance -- [--cases FILE] [--json REPORT]`)
project.addTask('conformance', {
  description: 'Run the Gateway API conformance cases: status steps by the resolver, traffic steps through real nginx',
  exec: 'ts-node --project tsconfig.dev.json test/conformance/run.ts',
  receiveArgs: true,
});

// API.md generated from the source; `npm test` fails when it is stale.
const docgen = project.addTask('api-docs', {
  description: 'Regenerate API.md from the source (typedoc + typedoc-plugin-markdown)',
  exec: 'ts-node --project tsconfig.dev.json scripts/api-docs.ts',
});
const apiCheck = project.addTask('api-docs:check', {
  description: 'Fail when API.md is not what the source generates',
  exec: 'ts-node --project tsconfig.dev.json scripts/api-docs.ts --check',
});
project.postCompileTask.spawn(docgen);
project.testTask.spawn(apiCheck);

project.synth();
