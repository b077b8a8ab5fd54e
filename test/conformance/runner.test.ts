/**
 * The runner's plumbing without nginx: listen-port parsing, case preparation, step indexing shared
 * with the status harness, the summary and report formats.
 */
import { loadBase, runCase, STATUS_STEPS } from '../resolve/conformance-harness';
import { UNSUPPORTED_FEATURES, unsupportedFeature } from './features';
import { listenPorts } from '../harness/nginx';
import { CaseReport, DEFAULT_CASES, flattenSteps, loadCasesFile, prepareCase, reportJson, summarize } from './runner';

type J = Record<string, any>;

test('listen ports of a rendered config: TCP and UDP, unix sockets and comments ignored', () => {
  const conf = [
    '# listen 127.0.0.1:1;',
    'http { server { listen 127.0.0.1:10080; listen 127.0.0.1:10443 ssl http2; } server { listen 18081; } }',
    'stream { server { listen 127.0.0.1:15300 udp reuseport; } server { listen unix:/tmp/x.sock proxy_protocol; } server { listen [::1]:10090; } }',
  ].join('\n');
  expect(listenPorts({ 'nginx.conf': conf, 'secrets/x/tls.crt': 'listen 1;' })).toEqual([
    { port: 10080, protocol: 'tcp' },
    { port: 10090, protocol: 'tcp' },
    { port: 10443, protocol: 'tcp' },
    { port: 15300, protocol: 'udp' },
    { port: 18081, protocol: 'tcp' },
  ]);
});

describe('prepareCase', () => {
  const base: J[] = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'ns' }, data: { 'ca.crt': 'PEM' } }];
  const c = {
    name: 'x',
    manifests: [{ documents: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' } }, null] }],
    steps: [
      { type: 'sleep', seconds: 1 },
      { type: 'createObject', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'copy', namespace: 'ns' }, data: { 'ca.crt': '<copy of ConfigMap ca data ca.crt>' } } },
    ],
  };
  const p = prepareCase(c, base);
  test('manifests are newer than the base, created objects newer than the manifests', () => {
    const svc = p.manifests[0].documents[0];
    const created = p.steps[1].object;
    expect(svc.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.creationTimestamp > svc.metadata.creationTimestamp).toBe(true);
  });
  test('copies of ConfigMap data are filled in, the input is left alone', () => {
    expect(p.steps[1].object.data['ca.crt']).toBe('PEM');
    expect(c.steps[1].object!.data['ca.crt']).toBe('<copy of ConfigMap ca data ca.crt>');
  });
});

test('the runner numbers steps like the status harness (status results are looked up by index)', () => {
  const base = loadBase();
  for (const c of loadCasesFile(DEFAULT_CASES)) {
    const flat = flattenSteps(c.steps);
    const statusIdx = flat.map((s, i) => (STATUS_STEPS.has(s.type) ? i + 1 : 0)).filter((i) => i > 0);
    const evaluated = runCase(c, base).steps.map((s) => s.index);
    // the harness may stop early after a claimed skipIf; every index it evaluated is a status step here
    expect({ case: c.name, extra: evaluated.filter((i) => !statusIdx.includes(i)) }).toEqual({ case: c.name, extra: [] });
    const stopAt = flat.findIndex((s) => s.type === 'skipIf');
    const expected = stopAt < 0 ? statusIdx : statusIdx.filter((i) => i <= stopAt);
    expect({ case: c.name, evaluated }).toEqual({ case: c.name, evaluated: expected });
  }
});

test('every declared-unsupported feature exists in the catalog and has a reason', () => {
  const features = new Set(loadCasesFile(DEFAULT_CASES).flatMap((c) => c.features as string[]));
  for (const [f, reason] of Object.entries(UNSUPPORTED_FEATURES)) {
    expect(features.has(f)).toBe(true);
    expect(reason.length).toBeGreaterThan(40);
  }
  expect(unsupportedFeature(['Gateway', 'HTTPRoute'])).toBeUndefined();
  expect(unsupportedFeature(['Gateway', 'GatewayStaticAddresses'])?.feature).toBe('GatewayStaticAddresses');
});

test('summary line and report shape', () => {
  const r = (name: string, result: CaseReport['result'], level: CaseReport['level']): CaseReport => ({ name, result, reason: result === 'fail' ? 'why' : '', category: 'HTTPRoute', profiles: ['GATEWAY-HTTP'], level, provisional: false, features: ['Gateway', 'HTTPRoute'], durationMs: 1 });
  const reports = [r('a', 'pass', 'core'), r('b', 'fail', 'extended'), r('c', 'skip', 'extended')];
  const lines = summarize(reports);
  expect(lines[0]).toBe('conformance: 1 passed, 1 failed, 1 skipped');
  expect(lines[1]).toMatch(/GATEWAY-HTTP +core 1 passed, 0 failed, 0 skipped \| extended 0 passed, 1 failed, 1 skipped/);
  const json = JSON.parse(reportJson(reports)) as J[];
  expect(json.map((x) => [x.name, x.result, x.reason])).toEqual([
    ['a', 'pass', ''],
    ['b', 'fail', 'why'],
    ['c', 'skip', ''],
  ]);
});
