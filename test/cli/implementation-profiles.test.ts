/**
 * `check` and `explain` on a Gateway of a known implementation: judged by its published
 * conformance report, which `explain` names; `--implementation` picks another report.
 */
import { cli, tempTree } from './helpers';

const NGF_INPUT = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: nginx }
spec: { controllerName: gateway.nginx.org/nginx-gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: nginx
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: / }, queryParams: [{ name: a, value: b }] }]
    timeouts: { request: 10s }
    backendRefs: [{ name: web, port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { ports: [{ port: 80 }] }
`;

test('check: a claimed feature (query matching) passes, an unclaimed one (request timeout) is a warning naming the report; exit 0', async () => {
  const dir = tempTree({ 'in.yaml': NGF_INPUT });
  const r = await cli(['check', 'in.yaml'], { cwd: dir });
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.includes('FeatureNotClaimed'));
  expect(lines).toEqual([expect.stringMatching(/^in\.yaml:\d+: warning FeatureNotClaimed HTTPRoute default\/web spec\.rules\[0\]\.timeouts\.request: uses a request timeout \(HTTPRouteRequestTimeout\), which nginx-gateway-fabric v\S+ \(its conformance report for Gateway API v1\.6\.\d+, v1\.6\/nginx-nginx-gateway-fabric\/\S+\.yaml\) lists as unsupported/)]);
  expect(r.stdout).not.toContain('HTTPRouteQueryParamMatching');
});

test('check --implementation envoy-gateway judges the same Gateway by Envoy Gateway\'s report (which claims request timeouts)', async () => {
  const dir = tempTree({ 'in.yaml': NGF_INPUT });
  const r = await cli(['check', 'in.yaml', '--implementation', 'envoy-gateway'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain('FeatureNotClaimed');
});

test('check --implementation with an unknown name is a usage error listing the known ones', async () => {
  const dir = tempTree({ 'in.yaml': NGF_INPUT });
  const r = await cli(['check', 'in.yaml', '--implementation', 'nope'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/unknown implementation "nope" \(known: .*nginx-gateway-fabric/);
});

test('explain names the report a Gateway is judged by', async () => {
  const dir = tempTree({ 'in.yaml': NGF_INPUT });
  const r = await cli(['explain', 'in.yaml'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Gateway default\/gw {2}class nginx\n {2}judged by the conformance report of nginx-gateway-fabric v\S+ \(Gateway API v1\.6\.\d+, report v1\.6\/nginx-nginx-gateway-fabric\/\S+\.yaml\)\n/);
  const json = JSON.parse((await cli(['explain', 'in.yaml', '--format', 'json'], { cwd: dir })).stdout);
  expect(json.gateways[0].implementation).toMatch(/^nginx-gateway-fabric /);
});

test('check --implementation: a Gateway whose GatewayClass is not in the input (installed with the controller) is judged by that report; explain names it', async () => {
  const dir = tempTree({ 'in.yaml': NGF_INPUT.split('---\n').slice(1).join('---\n') });
  const builtin = await cli(['check', 'in.yaml'], { cwd: dir });
  expect(builtin.code).toBe(0);
  expect(builtin.stdout).not.toContain('FeatureNotClaimed');
  const r = await cli(['check', 'in.yaml', '--implementation', 'nginx-gateway-fabric'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n').filter((l) => l.includes('FeatureNotClaimed'))).toEqual([
    expect.stringMatching(/^in\.yaml:\d+: warning FeatureNotClaimed HTTPRoute default\/web spec\.rules\[0\]\.timeouts\.request: uses a request timeout \(HTTPRouteRequestTimeout\), which nginx-gateway-fabric v\S+ /),
  ]);
  const e = await cli(['explain', 'in.yaml', '--implementation', 'nginx-gateway-fabric'], { cwd: dir });
  expect(e.stdout).toMatch(/^Gateway default\/gw {2}class nginx\n {2}judged by the conformance report of nginx-gateway-fabric /);
});
