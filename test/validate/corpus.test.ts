/**
 * Positive corpus: the Gateway API conformance manifests are applied to real clusters, so every
 * gateway.networking.k8s.io object must validate clean (experimental channel, which the suite installs).
 */
import { validateObject, Violation } from '../../src/validate';
import { conformanceCorpus, groupOf, substitutePlaceholders } from './corpus-data';

const corpus = conformanceCorpus().filter((c) => groupOf(c.object.apiVersion) === 'gateway.networking.k8s.io');

function describeFailures(list: Array<{ source: string; name: string; kind: string; violations: Violation[] }>): string {
  return list.map((f) => `${f.source} ${f.kind}/${f.name}: ${f.violations.map((v) => `${v.field}: ${v.message}`).join(' | ')}`).join('\n');
}

function run(channel: 'standard' | 'experimental', substitute: boolean) {
  const failures: Array<{ source: string; name: string; kind: string; violations: Violation[] }> = [];
  for (const { source, object } of corpus) {
    const o = substitute ? substitutePlaceholders(object) : object;
    const violations = validateObject(o, { channel });
    if (violations.length > 0) failures.push({ source, kind: o.kind, name: o.metadata.name ?? '', violations });
  }
  return failures;
}

test('the corpus is the conformance suite (base manifests + every case manifest)', () => {
  expect(corpus.length).toBe(260);
  expect(new Set(corpus.map((c) => c.object.kind))).toEqual(
    new Set(['Gateway', 'GatewayClass', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'ReferenceGrant', 'ListenerSet', 'BackendTLSPolicy']),
  );
});

test('every conformance object validates clean under the experimental channel', () => {
  const failures = run('experimental', true);
  expect(describeFailures(failures)).toBe('');
});

test('only the suite placeholders fail before substitution (they are replaced by the suite before applying)', () => {
  const failures = run('experimental', false);
  expect(failures.map((f) => `${f.source} ${f.kind}/${f.name} ${f.violations.map((v) => v.field).join(',')}`)).toEqual([
    // `value: PLACEHOLDER_(UN)USABLE_ADDRS` with the defaulted type IPAddress is not an IP (oneOf ipv4/ipv6)
    'GatewayStaticAddresses Gateway/gateway-static-addresses spec.addresses[1],spec.addresses[2]',
    // `controllerName: "{GATEWAY_CONTROLLER_NAME}"` does not match the domain-prefixed path pattern
    'GatewayClassObservedGenerationBump GatewayClass/gatewayclass-observed-generation-bump spec.controllerName',
  ]);
});

test('under the standard channel only the experimental retry field fails', () => {
  const failures = run('standard', true);
  expect(failures.map((f) => `${f.source} ${f.kind}/${f.name}`)).toEqual(['HTTPRouteRetry HTTPRoute/retries']);
  expect(failures[0].violations.map((v) => [v.type, v.field])).toEqual([
    ['unknown-field', 'spec.rules[0].retry'],
    ['unknown-field', 'spec.rules[1].retry'],
  ]);
});
