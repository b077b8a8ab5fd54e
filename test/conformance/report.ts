/**
 * Our conformance result as an upstream-style `ConformanceReport` (the YAML implementations publish
 * under conformance/reports/ of kubernetes-sigs/gateway-api), so it can be compared line by line
 * with the published ones (test/data/upstream/implementation-reports).
 *
 * Per profile: core and extended statistics of the cases run (a case counts in every profile it
 * belongs to), a result (`failure` when a case failed, `partial` when one was skipped, else
 * `success`), and the extended features the project claims (`supportedFeatures`) or declares
 * unsupported (`unsupportedFeatures`, test/conformance/features.ts). A profile's extended features
 * are the features its extended cases test beyond those its core cases test.
 */
import { stringify } from 'yaml';
import { cmp } from '../../src/resolve/util';
import { claims } from './features';
import { CaseReport } from './runner';

/** What the report says about the implementation and the run. */
export interface ReportMeta {
  readonly version: string;
  readonly gatewayAPIVersion: string;
  readonly gatewayAPIChannel: 'standard' | 'experimental';
  /** ISO date of the run */
  readonly date: string;
}

type Stats = { Failed: number; Passed: number; Skipped: number };


function stats(cases: readonly CaseReport[]): Stats {
  return {
    Failed: cases.filter((c) => c.result === 'fail').length,
    Passed: cases.filter((c) => c.result === 'pass').length,
    Skipped: cases.filter((c) => c.result === 'skip').length,
  };
}

function result(s: Stats): string {
  return s.Failed > 0 ? 'failure' : s.Skipped > 0 ? 'partial' : 'success';
}

function summaryPart(level: string, s: Stats): string {
  if (s.Failed > 0) return `${level} tests failed with ${s.Failed} test failure${s.Failed === 1 ? '' : 's'}.`;
  if (s.Skipped > 0) return `${level} tests partially succeeded with ${s.Skipped} test skip${s.Skipped === 1 ? '' : 's'}.`;
  return `${level} tests succeeded.`;
}

/** The report as a plain object (the YAML's content). */
export function conformanceReport(reports: readonly CaseReport[], meta: ReportMeta): Record<string, unknown> {
  const profileNames = [...new Set(reports.flatMap((r) => r.profiles))].sort(cmp);
  const profiles = profileNames.map((name) => {
    const mine = reports.filter((r) => r.profiles.includes(name));
    const core = mine.filter((r) => r.level === 'core');
    const extended = mine.filter((r) => r.level === 'extended');
    const coreFeatures = new Set(core.flatMap((r) => r.features));
    const features = [...new Set(extended.flatMap((r) => r.features))].filter((f) => !coreFeatures.has(f)).sort(cmp);
    const coreStats = stats(core);
    const extStats = stats(extended);
    const supported = features.filter(claims);
    const unsupported = features.filter((f) => !claims(f));
    return {
      core: { result: result(coreStats), statistics: coreStats },
      extended: {
        result: result(extStats),
        statistics: extStats,
        ...(supported.length ? { supportedFeatures: supported } : {}),
        ...(unsupported.length ? { unsupportedFeatures: unsupported } : {}),
      },
      name,
      summary: `${summaryPart('Core', coreStats)} ${summaryPart('Extended', extStats)}`,
    };
  });
  const provisional = reports.filter((r) => r.provisional && r.result === 'pass').map((r) => r.name).sort(cmp);
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    date: meta.date,
    gatewayAPIChannel: meta.gatewayAPIChannel,
    gatewayAPIVersion: meta.gatewayAPIVersion,
    implementation: {
      organization: 'cdk8s-gateway',
      project: 'cdk8s-gateway',
      version: meta.version,
    },
    kind: 'ConformanceReport',
    mode: 'default',
    profiles,
    ...(provisional.length ? { succeededProvisionalTests: provisional } : {}),
  };
}

/** The report as YAML, keys in upstream's order. */
export function conformanceReportYaml(reports: readonly CaseReport[], meta: ReportMeta): string {
  return stringify(conformanceReport(reports, meta), { lineWidth: 0 });
}
