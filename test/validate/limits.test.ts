/**
 * The constructs' size checks read their limits from the bundled CRD schemas (schemaLimit), so a
 * limit can only be wrong if the schema is. These tests pin what the constructs rely on and show the
 * construct's early error uses the schema's number.
 */
import { Backend, Gateway, GatewayClass, Listener } from '../../src';
import { schemaLimit } from '../../src/validate/limits';
import { newChart } from '../util';

const G = 'gateway.networking.k8s.io/v1/';

test('limits of Gateway API v1.6.1 (standard channel)', () => {
  expect(schemaLimit(`${G}HTTPRoute`, 'spec.rules')).toBe(16);
  expect(schemaLimit(`${G}HTTPRoute`, 'spec.rules[].matches')).toBe(64);
  expect(schemaLimit(`${G}HTTPRoute`, 'spec.rules[].matches[].queryParams[].value')).toBe(1024);
  expect(schemaLimit(`${G}HTTPRoute`, 'spec.rules[].filters[].cors.allowMethods')).toBe(9);
  expect(schemaLimit(`${G}TLSRoute`, 'spec.hostnames')).toBe(1024);
  expect(schemaLimit(`${G}Gateway`, 'spec.listeners[].tls.certificateRefs')).toBe(64);
  expect(schemaLimit(`${G}GatewayClass`, 'spec.description')).toBe(64);
});

test('a field without a limit, a missing field or kind is a programming error', () => {
  expect(() => schemaLimit(`${G}HTTPRoute`, 'spec.rules[].nope')).toThrow('schemaLimit: gateway.networking.k8s.io/v1/HTTPRoute has no field spec.rules[].nope');
  expect(() => schemaLimit(`${G}HTTPRoute`, 'spec.rules[].filters[].cors.allowCredentials')).toThrow(/has no maxItems or maxLength/);
  expect(() => schemaLimit(`${G}Nope`, 'spec')).toThrow('schemaLimit: no bundled schema gateway.networking.k8s.io/v1/Nope');
});

test("the construct's early error carries the schema's number", () => {
  const { chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { gatewayClass: GatewayClass.fromName('c'), listeners: [Listener.http()] });
  const route = gateway.addHttpRoute('r', { rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  for (let i = 1; i < 16; i++) route.addRule({ backends: [Backend.fromName('a', { port: 80 })] });
  expect(() => route.addRule({ backends: [Backend.fromName('a', { port: 80 })] })).toThrow(/spec\.rules: 17 exceeds 16 rules per HTTPRoute/);
});
