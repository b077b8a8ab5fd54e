/**
 * Construct ids share their scope: a route added through a Gateway lives in the Gateway's scope,
 * beside the app's own constructs. A clash names the construct holding the id and the fix, instead
 * of cdk8s's bare "There is already a Construct with name …". And the namespace every construct
 * takes is checked by the one DNS-label check, length included.
 */
import * as kplus from 'cdk8s-plus-28';
import { Backend, ExternalService, Gateway, GatewayClass, GatewayProxy, HttpRoute, Listener } from '../../src';
import { find, newChart, synth } from '../util';

function gatewayApp() {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { name: 'web', namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  return { app, chart, gateway };
}

test("a route whose id an ExternalService of the chart already holds: the holder, its path and the fix", () => {
  const { chart, gateway } = gatewayApp();
  new ExternalService(chart, 'nas', { namespace: 'gateway', address: '192.168.1.20', port: 5001 });
  expect(() => gateway.addHttpRoute('nas', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('nas', { port: 5001 })] }] })).toThrow(
    '[test/nas] id: construct id "nas" for the HTTPRoute is already taken in test by an ExternalService (test/nas): construct ids share their scope (routes added through a Gateway are created in the Gateway\'s scope). Fix: give the HTTPRoute another id, e.g. "nas-httproute"; its object name can stay "nas" through the `name` prop',
  );
});

test('a cdk8s-plus Deployment holding the id is named as such', () => {
  const { chart, gateway } = gatewayApp();
  new kplus.Deployment(chart, 'site', { containers: [{ image: 'nginx:1.30' }] });
  expect(() => gateway.addHttpRoute('site', { rules: [{ backends: [Backend.fromName('site', { port: 80 })] }] })).toThrow(/construct id "site" for the HTTPRoute is already taken in test by a Deployment \(test\/site\)/);
  expect(() => new GatewayProxy(chart, 'site', { gateway })).toThrow(/construct id "site" for the GatewayProxy is already taken in test by a Deployment/);
});

test('the fix works: another id, the same object name', () => {
  const { app, chart, gateway } = gatewayApp();
  new ExternalService(chart, 'nas', { namespace: 'gateway', address: '192.168.1.20', port: 5001 });
  gateway.addHttpRoute('nas-httproute', { name: 'nas', namespace: 'gateway', rules: [{ backends: [Backend.fromName('nas', { port: 5001 })] }] });
  new GatewayProxy(chart, 'proxy', { gateway });
  expect(find(synth(app), 'HTTPRoute', 'nas', 'gateway').spec.rules[0].backendRefs).toEqual([{ name: 'nas', port: 5001 }]);
});

describe('namespaces are DNS labels, length included (the API server refuses 64 characters)', () => {
  const long = 'n'.repeat(64);
  test.each([
    ['a Gateway', (chart: any) => new Gateway(chart, 'g', { namespace: long, gatewayClass: GatewayClass.fromName('c'), listeners: [Listener.http()] })],
    ['an ExternalService', (chart: any) => new ExternalService(chart, 'e', { namespace: long, address: '192.168.1.20', port: 80 })],
  ])('%s', (_what, make) => {
    const { chart } = newChart();
    expect(() => make(chart)).toThrow(/metadata\.namespace: "n{64}" is 64 characters long; a DNS label has at most 63\. Fix: use a namespace name/);
  });
  test('63 characters are fine; uppercase is not', () => {
    const { chart } = newChart();
    expect(() => new ExternalService(chart, 'ok', { namespace: 'n'.repeat(63), address: '192.168.1.20', port: 80 })).not.toThrow();
    expect(() => new ExternalService(chart, 'bad', { namespace: 'Apps', address: '192.168.1.20', port: 80 })).toThrow(/metadata\.namespace: "Apps" is not a DNS label/);
  });
});

test('the tree\'s own refusals stay as they were: an empty id, a locked scope; a taken id in a locked scope is still named', () => {
  const { chart } = gatewayApp();
  expect(() => new HttpRoute(chart, '')).toThrow('Only root constructs may have an empty ID');
  // ids are sanitized as the tree does: "a/b" takes "a--b"
  new HttpRoute(chart, 'a/b');
  expect(() => new HttpRoute(chart, 'a--b')).toThrow(/construct id "a--b" for the HTTPRoute is already taken in .* by a HttpRoute/);
  (chart.node as any)._locked = true;
  expect(() => new HttpRoute(chart, 'fresh')).toThrow('during synthesis');
  expect(() => new HttpRoute(chart, 'gw')).toThrow(/construct id "gw" for the HTTPRoute is already taken/);
});
