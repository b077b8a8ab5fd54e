/**
 * The upstream-style ConformanceReport `npm run conformance` writes: per-profile statistics and
 * results, claimed and unsupported extended features, in the shape implementations publish.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { IMPLEMENTATION_REPORTS } from '../data/upstream';
import { conformanceReport, conformanceReportYaml } from './report';
import { CaseReport } from './runner';

function c(name: string, result: CaseReport['result'], level: CaseReport['level'], profiles: string[], features: string[], provisional = false): CaseReport {
  return { name, result, reason: '', category: 'x', profiles, level, provisional, features, durationMs: 1 };
}

const META = { version: '0.0.0', gatewayAPIVersion: 'v1.6.1', gatewayAPIChannel: 'experimental' as const, date: '2026-12-05T00:00:00Z' };
const RUN: CaseReport[] = [
  c('HTTPRouteSimple', 'pass', 'core', ['GATEWAY-HTTP'], ['Gateway', 'HTTPRoute']),
  c('GatewayInvalidTLS', 'pass', 'core', ['GATEWAY-HTTP', 'GATEWAY-TLS'], ['Gateway']),
  c('HTTPRouteQuery', 'pass', 'extended', ['GATEWAY-HTTP'], ['Gateway', 'HTTPRoute', 'HTTPRouteQueryParamMatching']),
  c('HTTPRoute303', 'pass', 'extended', ['GATEWAY-HTTP'], ['Gateway', 'HTTPRoute', 'HTTPRoute303RedirectStatusCode'], true),
  c('BackendTLSSAN', 'skip', 'extended', ['GATEWAY-HTTP'], ['Gateway', 'HTTPRoute', 'BackendTLSPolicySANValidation']),
  c('TLSRouteSimple', 'fail', 'core', ['GATEWAY-TLS'], ['Gateway', 'TLSRoute']),
];

test('per profile: statistics, results and summaries as upstream writes them', () => {
  const r = conformanceReport(RUN, META) as { profiles: Array<Record<string, any>> };
  expect(r.profiles.map((p) => p.name)).toEqual(['GATEWAY-HTTP', 'GATEWAY-TLS']);
  const [http, tls] = r.profiles;
  expect(http.core).toEqual({ result: 'success', statistics: { Failed: 0, Passed: 2, Skipped: 0 } });
  expect(http.extended).toEqual({
    result: 'partial',
    statistics: { Failed: 0, Passed: 2, Skipped: 1 },
    supportedFeatures: ['HTTPRoute303RedirectStatusCode', 'HTTPRouteQueryParamMatching'],
    unsupportedFeatures: ['BackendTLSPolicySANValidation'],
  });
  expect(http.summary).toBe('Core tests succeeded. Extended tests partially succeeded with 1 test skip.');
  expect(tls.core.result).toBe('failure');
  expect(tls.summary).toBe('Core tests failed with 1 test failure. Extended tests succeeded.');
});

test('passed provisional tests are listed; implementation, version and channel are named', () => {
  const r = conformanceReport(RUN, META) as Record<string, any>;
  expect(r.succeededProvisionalTests).toEqual(['HTTPRoute303']);
  expect(r.implementation).toEqual({ organization: 'cdk8s-gateway', project: 'cdk8s-gateway', version: '0.0.0' });
  expect([r.kind, r.gatewayAPIVersion, r.gatewayAPIChannel, r.mode]).toEqual(['ConformanceReport', 'v1.6.1', 'experimental', 'default']);
});

test('the YAML has the keys of a published report, in their order (compared with NGINX Gateway Fabric\'s)', () => {
  const ours = parse(conformanceReportYaml(RUN, META));
  const file = path.join(IMPLEMENTATION_REPORTS, 'v1.6', 'nginx-nginx-gateway-fabric', 'experimental-2.7.0-pre-release-default-report.yaml');
  const theirs = parse(fs.readFileSync(file, 'utf8'));
  expect(Object.keys(ours)).toEqual(Object.keys(theirs));
  expect(Object.keys(ours.profiles[0])).toEqual(Object.keys(theirs.profiles[0]));
  expect(Object.keys(ours.profiles[0].extended)).toEqual(Object.keys(theirs.profiles.find((p: any) => p.name === 'GATEWAY-HTTP').extended));
  expect(Object.keys(ours.implementation)).toEqual(Object.keys(theirs.implementation).filter((k) => k !== 'contact' && k !== 'url'));
});
