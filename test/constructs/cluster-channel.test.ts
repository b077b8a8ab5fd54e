/**
 * `ClusterGatewayApi.of(app).useChannel(…)`: synth validates against the declared channel's schemas
 * and CEL rules, as `check --channel` does for YAML; without a declaration the channel is inferred.
 */
import { ApiObject } from 'cdk8s';
import { checkApp, ClusterGatewayApi, Gateway, GatewayApiCrds, GatewayClass, Listener } from '../../src';
import { newChart } from '../util';

/** An app with a Gateway and a plain HTTPRoute using `retry` (a field only the experimental CRDs accept). */
function app(extraRule: Record<string, unknown> = {}, retry = true) {
  const { app: a, chart } = newChart();
  new Gateway(chart, 'gw', { gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  new ApiObject(chart, 'plain', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'plain' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'x', port: 80 }], ...(retry ? { retry: { attempts: 2 } } : {}), ...extraRule }] },
  });
  return { app: a, chart };
}

const schemaCodes = (a: ReturnType<typeof app>['app']) =>
  checkApp(a)
    .diagnostics.filter((d) => d.object.kind === 'HTTPRoute' && d.code !== 'AssumedExternal')
    .map((d) => `${d.severity} ${d.code} ${d.field}`);

test('undeclared: the standard channel, an experimental field is a warning', () => {
  expect(schemaCodes(app().app)).toEqual(['warning ExperimentalField spec.rules[0].retry']);
});

test('declared experimental: the field is accepted', () => {
  const { app: a } = app();
  ClusterGatewayApi.of(a).useChannel('experimental');
  expect(ClusterGatewayApi.of(a).channel).toBe('experimental');
  expect(schemaCodes(a)).toEqual([]);
});

test("declared experimental: that channel's stricter rules apply (a CR/LF in a header value is an error)", () => {
  const filters = [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'a\r\nb' }] } }];
  const standard = app({ filters }, false);
  expect(schemaCodes(standard.app)).toEqual([]);
  const experimental = app({ filters }, false);
  ClusterGatewayApi.of(experimental.chart).useChannel('experimental');
  expect(schemaCodes(experimental.app)).toEqual(['error SchemaViolation spec.rules[0].filters[0].requestHeaderModifier.set[0].value']);
});

test('a declaration wins over the inference from GatewayApiCrds, and a changed declaration is a new check', () => {
  const { app: a, chart } = app();
  new GatewayApiCrds(chart, 'crds', { channel: 'experimental' });
  expect(schemaCodes(a)).toEqual([]); // inferred from the CRDs' channel annotation
  const other = app();
  new GatewayApiCrds(other.chart, 'crds', { channel: 'experimental' });
  ClusterGatewayApi.of(other.app).useChannel('standard');
  expect(schemaCodes(other.app)).toEqual(['warning ExperimentalField spec.rules[0].retry']);
});

test('the setting is app-wide, and a contradicting second declaration fails naming both', () => {
  const { app: a, chart } = app();
  ClusterGatewayApi.of(chart).useChannel('experimental');
  expect(ClusterGatewayApi.of(a).channel).toBe('experimental');
  ClusterGatewayApi.of(a).useChannel('experimental'); // repeating is fine
  expect(() => ClusterGatewayApi.of(a).useChannel('standard')).toThrow(/contradicts the channel declared before \(experimental\).*declare the channel once/s);
  expect(() => ClusterGatewayApi.of(a).useChannel('beta' as any)).toThrow(/is not a Gateway API release channel/);
});
