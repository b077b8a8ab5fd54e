/**
 * `check` on upstream example YAML (test/data/upstream/examples; provenance, license and the triage
 * of every finding in its README.md): the Gateway API project's examples, NGINX Gateway Fabric's and
 * Envoy Gateway's. Issue 13's "done when": on them `check` raises no error for a feature the
 * implementation claims, and warns (not errors) for a feature it does not claim, with the report
 * named.
 *
 * Each file is checked on its own, as a user checks one file: the Gateway API examples as the
 * built-in proxy would (their GatewayClasses are not in the files) and with `--implementation
 * nginx-gateway-fabric` / `--implementation envoy-gateway` (the flag is how a user says which
 * implementation serves Gateways whose class the input lacks); NGINX Gateway Fabric's examples with
 * its report, Envoy Gateway's with its. Files under `experimental/` are checked against the
 * experimental channel (`--channel experimental`), as upstream validates them. Objects a file
 * refers to but does not hold (Services, Secrets, parent Gateways) follow the partial-input rule:
 * warnings, never errors, when the file holds no object of that kind.
 *
 * Every error and every FeatureNotClaimed warning is listed below, per file and mode; the errors
 * of valid examples are upstream's own mistakes or built-in proxy limits, each explained in the
 * README's table. Each FeatureNotClaimed warning is also cross-checked against the bundled table of
 * reports (src/resolve/implementations/reports.json), read here directly.
 *
 * Reproduce one line: `cd test/data/upstream/examples && npx cdk8s-gateway check --implementation
 * nginx-gateway-fabric gateway-api/standard/http-route-timeouts/timeout-example.yaml`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, UPSTREAM_EXAMPLES } from '../data/upstream';
import { cli } from './helpers';

type Mode = 'built-in' | 'nginx-gateway-fabric' | 'envoy-gateway';
const IMPLEMENTATIONS = ['nginx-gateway-fabric', 'envoy-gateway'] as const;
/** The report folder of each implementation (reports.json `folder`). */
const FOLDER: Record<(typeof IMPLEMENTATIONS)[number], string> = { 'nginx-gateway-fabric': 'nginx-nginx-gateway-fabric', 'envoy-gateway': 'envoy-gateway' };

interface Report {
  readonly folder: string;
  readonly mode: string;
  readonly version: string;
  readonly gatewayAPIVersion: string;
  readonly file: string;
  readonly profiles: Record<string, { readonly supported: string[]; readonly unsupported: string[] }>;
}
const REPORTS: Report[] = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'src', 'resolve', 'implementations', 'reports.json'), 'utf8')).reports;
const claimedBy = (r: Report, feature: string) => Object.values(r.profiles).some((p) => p.supported.includes(feature));
const deniedBy = (r: Report, feature: string) => Object.values(r.profiles).some((p) => p.unsupported.includes(feature));
const num = (v: string) => v.replace(/^v/, '').split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : 0));

/** The report an implementation is judged by: its newest Gateway API version, newest version, default mode. */
function newestReport(impl: (typeof IMPLEMENTATIONS)[number]): Report {
  const rank = (r: Report) => [num(r.gatewayAPIVersion), num(r.version), [r.mode === 'default' ? 1 : 0]];
  const cmp = (a: number[], b: number[]) => { for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) - (a[i] ?? 0); return 0; };
  return REPORTS.filter((r) => r.folder === FOLDER[impl]).sort((a, b) => rank(a).map((x, i) => cmp(x, rank(b)[i])).find((d) => d !== 0) ?? 0)[0];
}

function filesUnder(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(path.join(dir, e.name), rel) : [rel];
  }).sort();
}

const ALL = filesUnder(UPSTREAM_EXAMPLES);
const YAML = ALL.filter((f) => f.endsWith('.yaml'));
const INVALID = YAML.filter((f) => f.startsWith('gateway-api/invalid-examples/'));
const VALID = YAML.filter((f) => !INVALID.includes(f));

/** The modes a file is checked in. */
function modesOf(file: string): Mode[] {
  if (file.startsWith('nginx-gateway-fabric/')) return ['nginx-gateway-fabric'];
  if (file.startsWith('envoy-gateway/')) return ['envoy-gateway'];
  return ['built-in', 'nginx-gateway-fabric', 'envoy-gateway'];
}

function argv(target: string, mode: Mode): string[] {
  return [
    'check', '--format', 'json',
    ...(mode === 'built-in' ? [] : ['--implementation', mode]),
    ...(target.includes('/experimental/') || target.endsWith('/experimental') ? ['--channel', 'experimental'] : []),
    target,
  ];
}

interface Diag {
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  readonly object: { readonly kind: string; readonly namespace?: string; readonly name: string };
  readonly field: string;
}
interface Run {
  readonly code: number;
  readonly diagnostics: Diag[];
}

const runs = new Map<string, Promise<Run>>();
/** `check` on a file or folder of the corpus (once per target and mode). */
function check(target: string, mode: Mode): Promise<Run> {
  const k = `${target}|${mode}`;
  if (!runs.has(k)) {
    runs.set(k, cli(argv(target, mode), { cwd: UPSTREAM_EXAMPLES }).then((r) => {
      if (r.code === 2) throw new Error(`check ${target} (${mode}) failed: ${r.stderr}`);
      return { code: r.code, diagnostics: JSON.parse(r.stdout).diagnostics };
    }));
  }
  return runs.get(k)!;
}

const show = (d: Diag) => `${d.code} ${d.object.kind}/${d.object.name} ${d.field}`;
const FEATURE = /^uses .+ \(([^()]+)\), which (\S+) (\S+) \(its conformance report for Gateway API (\S+), (\S+)\) (lists as unsupported|does not claim)$/;
const featureOf = (d: Diag) => {
  const m = FEATURE.exec(d.message);
  if (!m) throw new Error(`FeatureNotClaimed message of an unexpected shape: ${d.message}`);
  return m[1];
};

/**
 * Errors on valid upstream examples: each is upstream's own mistake or what the built-in proxy
 * rightly refuses (README, "Findings"). Files not listed: no error in any mode.
 */
const EXPECTED_ERRORS: Record<string, Partial<Record<Mode, string[]>>> = {
  'envoy-gateway/merged-gateways.yaml': {
    'envoy-gateway': [
      'BackendNotFound HTTPRoute/hostname1-route spec.rules[0].backendRefs[0]',
      'BackendNotFound HTTPRoute/hostname2-route spec.rules[0].backendRefs[0]',
      'BackendNotFound HTTPRoute/hostname3-route spec.rules[0].backendRefs[0]',
    ],
  },
  'gateway-api/experimental/destination-port-matching-tcp.yaml': {
    'built-in': ['UnknownKind XTCPRoute/destination-port-matching-example kind'],
    'nginx-gateway-fabric': ['UnknownKind XTCPRoute/destination-port-matching-example kind'],
    'envoy-gateway': ['UnknownKind XTCPRoute/destination-port-matching-example kind'],
  },
  'gateway-api/experimental/frontend-cert-validation.yaml': {
    'built-in': ['UnknownField Gateway/client-validation-basic spec.listeners[0].tls.frontendValidation'],
    'nginx-gateway-fabric': ['UnknownField Gateway/client-validation-basic spec.listeners[0].tls.frontendValidation'],
    'envoy-gateway': ['UnknownField Gateway/client-validation-basic spec.listeners[0].tls.frontendValidation'],
  },
  'gateway-api/standard/gateway-addresses.yaml': {
    'built-in': ['UnsupportedAddress Gateway/gateway-addresses spec.addresses[10].type'],
  },
  'nginx-gateway-fabric/cors-filter/cors-route.yaml': {
    'nginx-gateway-fabric': ['SchemaViolation HTTPRoute/coffee-cors spec.rules[0].filters[0].cors.allowOrigins[0]'],
  },
  'nginx-gateway-fabric/https-termination/gateway.yaml': {
    'nginx-gateway-fabric': ['RefNotPermitted Gateway/gateway spec.listeners[1].tls.certificateRefs[0]'],
  },
};

/** Every FeatureNotClaimed warning of the corpus: `FEATURE Kind/name field`. Files and modes not listed: none. */
const EXPECTED_UNCLAIMED: Record<string, Partial<Record<Mode, string[]>>> = {
  'envoy-gateway/tcp-routing.yaml': { 'envoy-gateway': ['TCPRoute TCPRoute/tcp-app-1 kind', 'TCPRoute TCPRoute/tcp-app-2 kind'] },
  'envoy-gateway/tls-termination.yaml': { 'envoy-gateway': ['TCPRoute TCPRoute/backend kind'] },
  'envoy-gateway/udp-routing.yaml': { 'envoy-gateway': ['UDPRoute UDPRoute/coredns kind'] },
  'gateway-api/experimental/http-retries.yaml': { 'nginx-gateway-fabric': ['HTTPRouteRetry HTTPRoute/retry-example spec.rules[0].retry'] },
  'gateway-api/experimental/http-route-rule-name.yaml': {
    'nginx-gateway-fabric': ['HTTPRouteNamedRouteRule HTTPRoute/example-route spec.rules[0].name', 'HTTPRouteNamedRouteRule HTTPRoute/example-route spec.rules[1].name'],
  },
  'gateway-api/standard/basic-tcp.yaml': { 'envoy-gateway': ['TCPRoute TCPRoute/tcp-app-1 kind', 'TCPRoute TCPRoute/tcp-app-2 kind'] },
  'gateway-api/standard/basic-udp.yaml': { 'envoy-gateway': ['UDPRoute UDPRoute/udp-app-1 kind', 'UDPRoute UDPRoute/udp-app-2 kind'] },
  'gateway-api/standard/http-route-timeouts/timeout-example.yaml': {
    'nginx-gateway-fabric': ['HTTPRouteBackendTimeout HTTPRoute/timeout-example spec.rules[0].timeouts.backendRequest', 'HTTPRouteRequestTimeout HTTPRoute/timeout-example spec.rules[0].timeouts.request'],
  },
};

/** Corpus totals, quoted in docs/cli.md ("Implementation profiles") and the corpus README. */
const TOTALS = { files: 91, valid: 67, invalid: 24, runs: 153, featureNotClaimed: 13 };

test('the corpus is what its README lists: every YAML file with repository, path and a 40-hex commit, nothing else', () => {
  expect(ALL.filter((f) => !f.endsWith('.yaml'))).toEqual(['README.md']);
  const readme = fs.readFileSync(path.join(UPSTREAM_EXAMPLES, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `([^`]+\.yaml)` \| (\S+\/\S+) \| `([^`]+)` \| `([0-9a-f]{40})` \|$/gm)];
  expect(rows.map((r) => r[1]).sort()).toEqual(YAML);
  for (const [, file, repo, upstreamPath] of rows) {
    const expectedRepo = file.startsWith('gateway-api/') ? 'kubernetes-sigs/gateway-api' : file.startsWith('nginx-gateway-fabric/') ? 'nginx/nginx-gateway-fabric' : 'envoyproxy/gateway';
    expect({ file, repo }).toEqual({ file, repo: expectedRepo });
    expect(path.posix.basename(upstreamPath)).toBe(path.posix.basename(file));
  }
  expect(TOTALS).toMatchObject({ files: YAML.length, valid: VALID.length, invalid: INVALID.length });
  const size = ALL.reduce((n, f) => n + fs.statSync(path.join(UPSTREAM_EXAMPLES, f)).size, 0);
  expect(size).toBeLessThan(1.5 * 1024 * 1024);
});

describe.each(VALID)('%s', (file) => {
  test.each(modesOf(file))('check (%s): the expected errors only, every FeatureNotClaimed warning expected and true to the named report', async (mode) => {
    const r = await check(file, mode);
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map(show).sort();
    expect(errors).toEqual([...(EXPECTED_ERRORS[file]?.[mode] ?? [])].sort());
    expect(r.code).toBe(errors.length ? 1 : 0);

    const unclaimed = r.diagnostics.filter((d) => d.code === 'FeatureNotClaimed');
    expect(unclaimed.map((d) => `${featureOf(d)} ${d.object.kind}/${d.object.name} ${d.field}`).sort()).toEqual([...(EXPECTED_UNCLAIMED[file]?.[mode] ?? [])].sort());
    if (mode === 'built-in') return; // (the built-in proxy is never judged by a report: nothing listed above)
    for (const d of unclaimed) {
      expect(d.severity).toBe('warning');
      const [, feature, name, version, apiVersion, reportFile, verdict] = FEATURE.exec(d.message)!;
      expect(name).toBe(mode);
      // the report named is in the bundled table, is the implementation's, and is its newest
      const report = REPORTS.find((x) => x.file === reportFile);
      expect(report).toMatchObject({ folder: FOLDER[mode], version, gatewayAPIVersion: apiVersion });
      expect(report).toBe(newestReport(mode));
      // and it really does not claim the feature (and lists it as unsupported exactly when it says so)
      const profile = /^the (\S+) conformance profile$/.exec(feature);
      if (profile) expect(report!.profiles[profile[1]]).toBeUndefined();
      else expect(claimedBy(report!, feature)).toBe(false);
      expect(verdict === 'lists as unsupported').toBe(!profile && deniedBy(report!, feature));
    }
  });
});

describe('not vacuous', () => {
  test(`FeatureNotClaimed warnings are raised (${TOTALS.featureNotClaimed} in ${TOTALS.runs} runs), by both reports, on each project's examples`, async () => {
    const all: { file: string; mode: Mode; d: Diag }[] = [];
    let count = 0;
    for (const file of VALID) {
      for (const mode of modesOf(file)) {
        count++;
        for (const d of (await check(file, mode)).diagnostics) if (d.code === 'FeatureNotClaimed') all.push({ file, mode, d });
      }
    }
    expect(count).toBe(TOTALS.runs);
    expect(all.length).toBe(TOTALS.featureNotClaimed);
    for (const impl of IMPLEMENTATIONS) expect(all.filter((x) => x.mode === impl).length).toBeGreaterThan(0);
    expect(all.filter((x) => x.file.startsWith('gateway-api/')).length).toBeGreaterThan(0);
    expect(all.filter((x) => x.file.startsWith('envoy-gateway/')).length).toBeGreaterThan(0);
  });

  // Features examples demonstrably use (the pattern finds them in the file): where the report claims
  // the feature there is no warning about it, where it does not there is one — decided by reports.json
  const USES: { file: string; feature: string; pattern: RegExp }[] = [
    { file: 'gateway-api/standard/http-route-timeouts/timeout-example.yaml', feature: 'HTTPRouteRequestTimeout', pattern: /^\s+request: 10s$/m },
    { file: 'gateway-api/standard/http-route-timeouts/timeout-example.yaml', feature: 'HTTPRouteBackendTimeout', pattern: /^\s+backendRequest: 2s$/m },
    { file: 'gateway-api/experimental/http-retries.yaml', feature: 'HTTPRouteRetry', pattern: /^\s+retry:$/m },
    { file: 'gateway-api/experimental/http-route-rule-name.yaml', feature: 'HTTPRouteNamedRouteRule', pattern: /^\s+- name: read-only$/m },
    { file: 'gateway-api/experimental/http-route-rule-name.yaml', feature: 'HTTPRouteMethodMatching', pattern: /^\s+- method: GET$/m },
    { file: 'gateway-api/standard/http-redirect-rewrite/httproute-redirect-303.yaml', feature: 'HTTPRoute303RedirectStatusCode', pattern: /^\s+statusCode: 303$/m },
    { file: 'gateway-api/standard/http-redirect-rewrite/httproute-redirect-308.yaml', feature: 'HTTPRoute308RedirectStatusCode', pattern: /^\s+statusCode: 308$/m },
    { file: 'gateway-api/standard/http-request-mirroring/httproute-mirroring.yaml', feature: 'HTTPRouteRequestMirror', pattern: /type: RequestMirror$/m },
    { file: 'gateway-api/standard/http-cors/httproute-all-fields-set.yaml', feature: 'HTTPRouteCORS', pattern: /type: CORS$/m },
    { file: 'gateway-api/experimental/http-response-header.yaml', feature: 'HTTPRouteResponseHeaderModification', pattern: /type: ResponseHeaderModifier$/m },
    { file: 'gateway-api/standard/basic-http.yaml', feature: 'HTTPRouteQueryParamMatching', pattern: /^\s+queryParams:$/m },
    { file: 'gateway-api/standard/gateway-addresses.yaml', feature: 'GatewayStaticAddresses', pattern: /^\s+- value: "1\.1\.1\.1"$/m },
    { file: 'gateway-api/standard/listenerset/listenerset.yaml', feature: 'ListenerSet', pattern: /^kind: ListenerSet$/m },
    { file: 'gateway-api/standard/frontend-cert-validation.yaml', feature: 'GatewayFrontendClientCertificateValidation', pattern: /^\s+frontend:$/m },
    { file: 'gateway-api/standard/backend-tls.yaml', feature: 'GatewayBackendClientCertificate', pattern: /^\s+clientCertificateRef:$/m },
    { file: 'gateway-api/standard/basic-tcp.yaml', feature: 'TCPRoute', pattern: /^kind: TCPRoute$/m },
    { file: 'gateway-api/standard/basic-udp.yaml', feature: 'UDPRoute', pattern: /^kind: UDPRoute$/m },
    { file: 'nginx-gateway-fabric/advanced-routing/cafe-routes.yaml', feature: 'HTTPRouteMethodMatching', pattern: /^\s+method: POST$/m },
    { file: 'nginx-gateway-fabric/advanced-routing/cafe-routes.yaml', feature: 'HTTPRouteQueryParamMatching', pattern: /^\s+queryParams:$/m },
    { file: 'nginx-gateway-fabric/http-response-header-filter/http-route-filters.yaml', feature: 'HTTPRouteResponseHeaderModification', pattern: /type: ResponseHeaderModifier$/m },
    { file: 'nginx-gateway-fabric/client-validation/gateway.yaml', feature: 'GatewayFrontendClientCertificateValidation', pattern: /^\s+frontend:$/m },
    { file: 'nginx-gateway-fabric/secure-backend/gateway.yaml', feature: 'GatewayBackendClientCertificate', pattern: /^\s+clientCertificateRef:$/m },
    { file: 'envoy-gateway/tcp-routing.yaml', feature: 'TCPRoute', pattern: /^kind: TCPRoute$/m },
    { file: 'envoy-gateway/udp-routing.yaml', feature: 'UDPRoute', pattern: /^kind: UDPRoute$/m },
  ];
  test.each(USES)('$file uses $feature: warned exactly under the reports that do not claim it', async ({ file, feature, pattern }) => {
    expect(fs.readFileSync(path.join(UPSTREAM_EXAMPLES, file), 'utf8')).toMatch(pattern);
    const modes = modesOf(file).filter((m): m is (typeof IMPLEMENTATIONS)[number] => m !== 'built-in');
    expect(modes.length).toBeGreaterThan(0);
    for (const mode of modes) {
      const report = newestReport(mode);
      const warned = (await check(file, mode)).diagnostics.some((d) => d.code === 'FeatureNotClaimed' && featureOf(d) === feature);
      expect({ mode, feature, warned }).toEqual({ mode, feature, warned: !claimedBy(report, feature) });
    }
  });

  test('both claimed and unclaimed features occur: the claimed ones pass silently', () => {
    const verdicts = USES.flatMap(({ file, feature }) => modesOf(file).filter((m) => m !== 'built-in').map((m) => claimedBy(newestReport(m as (typeof IMPLEMENTATIONS)[number]), feature)));
    expect(verdicts.filter((v) => v).length).toBeGreaterThan(10);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(3);
  });
});

/**
 * The Gateway API project's invalid examples (`hack/invalid-examples`), which its CRD validation
 * must reject; the file name says why, the listed error says it in check's words.
 */
const INVALID_BECAUSE: Record<string, RegExp> = {
  'gateway-api/invalid-examples/experimental/httproute/invalid-header-value.yaml': /^SchemaViolation HTTPRoute\/invalid-header-value spec\.rules\[0\]\.filters\[0\]\.responseHeaderModifier\.add\[0\]\.value: Invalid value: .*should match/,
  'gateway-api/invalid-examples/standard/gateway/duplicate-listeners.yaml': /^CelRuleViolation Gateway\/duplicate-listeners spec\.listeners: Listener name must be unique/,
  'gateway-api/invalid-examples/standard/gateway/hostname-tcp.yaml': /^CelRuleViolation Gateway\/hostname-tcp spec\.listeners: hostname must not be specified for protocols \['TCP', 'UDP'\]/,
  'gateway-api/invalid-examples/standard/gateway/invalid-addresses.yaml': /^SchemaViolation Gateway\/invalid-addresses spec\.addresses\[0\]: /,
  'gateway-api/invalid-examples/standard/gateway/invalid-listener-name.yaml': /^SchemaViolation Gateway\/invalid-listener-name spec\.listeners\[0\]\.name: Invalid value: "bad>"/,
  'gateway-api/invalid-examples/standard/gateway/invalid-listener-port.yaml': /^SchemaViolation Gateway\/invalid-listener-port spec\.listeners\[0\]\.port: Invalid value: 123456789/,
  'gateway-api/invalid-examples/standard/gateway/invalid-tls-mode.yaml': /^CelRuleViolation Gateway\/duplicate-listeners spec\.listeners: tls mode must be Terminate for protocol HTTPS/,
  'gateway-api/invalid-examples/standard/gateway/tlsconfig-tcp.yaml': /^CelRuleViolation Gateway\/tlsconfig-tcp spec\.listeners: tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]/,
  'gateway-api/invalid-examples/standard/gatewayclass/invalid-controller.yaml': /^SchemaViolation GatewayClass\/invalid-controller spec\.controllerName: Invalid value: "example"/,
  'gateway-api/invalid-examples/standard/httproute/duplicate-header-match.yaml': /^SchemaViolation HTTPRoute\/duplicate-header-match spec\.rules\[0\]\.matches\[0\]\.headers\[1\]: Duplicate value/,
  'gateway-api/invalid-examples/standard/httproute/duplicate-query-match.yaml': /^SchemaViolation HTTPRoute\/duplicate-query-match spec\.rules\[0\]\.matches\[0\]\.queryParams\[1\]: Duplicate value/,
  'gateway-api/invalid-examples/standard/httproute/httproute-portless-service.yaml': /^CelRuleViolation HTTPRoute\/portless-service spec\.rules\[0\]\.backendRefs\[0\]: Must have port for Service reference/,
  'gateway-api/invalid-examples/standard/httproute/invalid-backend-kind.yaml': /^SchemaViolation HTTPRoute\/invalid-backend-kind spec\.rules\[0\]\.backendRefs\[0\]\.kind: Invalid value: "\*"/,
  'gateway-api/invalid-examples/standard/httproute/invalid-backend-port.yaml': /^SchemaViolation HTTPRoute\/invalid-backend-port spec\.rules\[0\]\.backendRefs\[0\]\.port: Invalid value: 800080/,
  'gateway-api/invalid-examples/standard/httproute/invalid-filter-duplicate.yaml': /^CelRuleViolation HTTPRoute\/invalid-filter-duplicate spec\.rules\[0\]\.filters: RequestHeaderModifier filter cannot be repeated/,
  'gateway-api/invalid-examples/standard/httproute/invalid-filter-empty.yaml': /^CelRuleViolation HTTPRoute\/invalid-filter-empty spec\.rules\[0\]\.filters\[0\]: filter\.requestHeaderModifier must be specified/,
  'gateway-api/invalid-examples/standard/httproute/invalid-header-name.yaml': /^SchemaViolation HTTPRoute\/invalid-header-name spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.name: Invalid value: "magic\/"/,
  'gateway-api/invalid-examples/standard/httproute/invalid-hostname.yaml': /^SchemaViolation HTTPRoute\/invalid-hostname spec\.hostnames\[0\]: Invalid value: "http:\/\/a<"/,
  'gateway-api/invalid-examples/standard/httproute/invalid-httpredirect-hostname.yaml': /^SchemaViolation HTTPRoute\/invalid-backend-port spec\.rules\[0\]\.filters\[0\]\.requestRedirect\.hostname: Invalid value: "\*\.gateway\.networking\.k8s\.io"/,
  'gateway-api/invalid-examples/standard/httproute/invalid-method.yaml': /^SchemaViolation HTTPRoute\/invalid-method spec\.rules\[0\]\.matches\[0\]\.method: Unsupported value: "NOTREAL"/,
  'gateway-api/invalid-examples/standard/httproute/invalid-path-specialchars.yaml': /^CelRuleViolation HTTPRoute\/invalid-path-specialchars spec\.rules\[0\]\.matches\[0\]\.path: /,
  'gateway-api/invalid-examples/standard/httproute/invalid-request-redirect-with-backendref.yaml': /^CelRuleViolation HTTPRoute\/http-filter-rewrite spec\.rules\[0\]: RequestRedirect filter must not be used together with backendRefs/,
  'gateway-api/invalid-examples/standard/referencegrant/missing-to.yaml': /^SchemaViolation ReferenceGrant\/missing-to spec\.to: Required value/,
  'gateway-api/invalid-examples/standard/tlsroute/no-hostname.yaml': /^SchemaViolation TLSRoute\/no-hostname spec\.hostnames: Required value/,
};

test('every invalid example has its reason listed', () => {
  expect(Object.keys(INVALID_BECAUSE).sort()).toEqual(INVALID);
});

describe.each(INVALID)('%s', (file) => {
  test.each(modesOf(file))('check (%s) rejects it: exit 1, with the error its name gives', async (mode) => {
    const r = await check(file, mode);
    expect(r.code).toBe(1);
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${show(d)}: ${d.message}`);
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(INVALID_BECAUSE[file])]));
  });
});

/**
 * Multi-file examples checked as the folder they are applied from: the routes find their parent
 * Gateways (no NoMatchingParent), and no error.
 */
const FOLDERS: [string, Mode][] = [
  ['gateway-api/standard/http-routing', 'built-in'],
  ['gateway-api/standard/http-routing', 'nginx-gateway-fabric'],
  ['gateway-api/standard/cross-namespace-routing', 'envoy-gateway'],
  ['gateway-api/standard/tls-routing', 'nginx-gateway-fabric'],
  ['nginx-gateway-fabric/cafe-example', 'nginx-gateway-fabric'],
  ['nginx-gateway-fabric/client-validation', 'nginx-gateway-fabric'],
  ['nginx-gateway-fabric/secure-backend', 'nginx-gateway-fabric'],
  ['nginx-gateway-fabric/tls-routing', 'nginx-gateway-fabric'],
];
test.each(FOLDERS)('%s as a whole (%s): parents resolve, no error', async (folder, mode) => {
  const r = await check(folder, mode);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map(show)).toEqual([]);
  expect(r.diagnostics.filter((d) => d.code === 'NoMatchingParent').map(show)).toEqual([]);
  expect(r.code).toBe(0);
});
