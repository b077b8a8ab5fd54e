/**
 * Where the tests, scripts and benchmarks find upstream data: the vendored copy in
 * `test/data/upstream/` (sources, versions and licenses in its README.md). The one module that
 * knows these paths; nothing else builds them.
 *
 * Dev-time only: the package never reads this data at run time (what it needs, the validation
 * schemas, is bundled in `src/validate/schemas/` by `npm run import-schemas`).
 */
import * as path from 'path';

/** The repository root. */
export const REPO_ROOT = path.join(__dirname, '..', '..');

/** The vendored upstream data. */
export const UPSTREAM_DIR = path.join(__dirname, 'upstream');

/**
 * Upstream CustomResourceDefinitions: `gateway-api/standard`, `gateway-api/experimental`, `metallb`,
 * `cert-manager`, each a folder of CRD YAML files read as a whole (see `BUNDLE_SOURCES` in
 * scripts/schema-extract.ts).
 */
export const CRDS = path.join(UPSTREAM_DIR, 'crds');

/** The Gateway API conformance catalogue (format in its README.md). */
export const CONFORMANCE = path.join(UPSTREAM_DIR, 'conformance');

/** The conformance cases (JSON array). */
export const CONFORMANCE_CASES = path.join(CONFORMANCE, 'cases.json');

/** The conformance suite's base manifests (multi-document YAML). */
export const CONFORMANCE_BASE_MANIFESTS = path.join(CONFORMANCE, 'base-manifests.yaml');

/**
 * The conformance reports Gateway API implementations publish upstream
 * (`<gateway-api version>/<implementation>/<report>.yaml`), read by `npm run import-reports`.
 */
export const IMPLEMENTATION_REPORTS = path.join(UPSTREAM_DIR, 'implementation-reports');

/**
 * Example YAML of the Gateway API project, NGINX Gateway Fabric and Envoy Gateway
 * (`gateway-api/`, `nginx-gateway-fabric/`, `envoy-gateway/`), read as a whole tree by
 * test/cli/upstream-examples.test.ts. Taken from the upstream repositories themselves (repository,
 * path and commit of every file in its README.md), not from the mirrored folder.
 */
export const UPSTREAM_EXAMPLES = path.join(UPSTREAM_DIR, 'examples');

/**
 * The folder the vendored copy mirrors (same layout below it), when it sits beside the repository
 * (`../shared` of a workspace checkout; absent in a plain clone). Only the vendoring check
 * (test/data/vendored.test.ts) reads it.
 */
export const MIRRORED_DIR = path.join(REPO_ROOT, '..', 'shared');
