/**
 * One verdict: what `app.synth()` accepts, `check` accepts too. Backends the app references by name
 * (`Backend.fromName`, `Backend.fromServiceImport`) are assumed to exist outside it at synth; the
 * route's `cdk8s-gateway.dev/external-backends` annotation carries that to `check` and `render` of
 * the synthesized YAML, for exactly those references.
 */
import * as kplus from 'cdk8s-plus-33';
import { AppNamespaces, Backend, Gateway, GatewayClass, HttpRoute, Listener, ParentRef, PathMatch, RouteNamespaces } from '../../src';
import { EXTERNAL_BACKENDS_ANNOTATION, formatExternalBackends, parseExternalBackends } from '../../src/model';
import { newChart } from '../util';
import { cli, tempTree } from './helpers';

function app() {
  const { app: a, chart } = newChart();
  new AppNamespaces(chart, 'namespaces');
  const gw = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
  const route = new HttpRoute(chart, 'r', {
    namespace: 'apps',
    parents: [ParentRef.gateway(gw)],
    hostnames: ['a.example.com'],
    rules: [
      { matches: [PathMatch.prefix('/docs')], backends: [Backend.fromName('docserver', { namespace: 'docs', port: 80 }).withWeight(9), Backend.fromName('web', { port: 8080 })] },
      { matches: [PathMatch.prefix('/mc')], backends: [Backend.fromServiceImport('helloworld', { namespace: 'sample', port: 5000 })] },
      { matches: [PathMatch.prefix('/')], backends: [Backend.fromService(new kplus.Service(chart, 'home', { metadata: { name: 'home', namespace: 'apps' }, ports: [{ port: 80 }] }))] },
    ],
  });
  return { app: a, chart, route };
}

test('synth lists the by-name backends of a route, sorted, once each', () => {
  const { app: a, route } = app();
  route.addRule({ matches: [PathMatch.prefix('/again')], backends: [Backend.fromName('web', { port: 8080 })] });
  const yaml = a.synthYaml();
  const obj = (route.apiObject.toJson() as any).metadata.annotations;
  expect(obj).toEqual({ [EXTERNAL_BACKENDS_ANNOTATION]: 'Service apps/web, Service docs/docserver, ServiceImport.multicluster.x-k8s.io sample/helloworld' });
  expect(yaml).toContain(`${EXTERNAL_BACKENDS_ANNOTATION}: Service apps/web, Service docs/docserver, ServiceImport.multicluster.x-k8s.io sample/helloworld`);
});

test('a route without by-name backends has no annotation', () => {
  const { chart } = newChart();
  const gw = new Gateway(chart, 'gw', { gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  const r = new HttpRoute(chart, 'r', { parents: [ParentRef.gateway(gw)], rules: [{ backends: [Backend.fromRef({ name: 'x', port: 80 })] }] });
  expect((r.apiObject.toJson() as any).metadata.annotations).toBeUndefined();
});

test('check of the synthesized YAML: the listed backends are info (AssumedExternal), exit 0; the same YAML without the annotation fails', async () => {
  const { app: a } = app();
  const yaml = a.synthYaml();
  const dir = tempTree({ 'app.yaml': yaml, 'stripped.yaml': yaml.replace(new RegExp(`^ *${EXTERNAL_BACKENDS_ANNOTATION.replace(/[./]/g, '\\$&')}:.*\\n`, 'm'), '').replace(/^ *annotations: *\n(?= *name:)/m, '') });
  const ok = await cli(['check', `${dir}/app.yaml`, '--format', 'json']);
  expect(ok.stderr).toBe('');
  const diags = JSON.parse(ok.stdout).diagnostics as { severity: string; code: string; field: string; message: string }[];
  expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
  expect(diags.filter((d) => d.code === 'AssumedExternal').map((d) => d.message).sort()).toEqual([
    'Service apps/web is not in the input: assumed to exist outside it, not checked (that it exists and exposes port 8080)',
    'Service docs/docserver is not in the input: assumed to exist outside it, not checked (that it exists and exposes port 80)',
    'ServiceImport sample/helloworld is not in the input: assumed to exist outside it, not checked (that it exists and exposes port 5000)',
  ]);
  expect(ok.code).toBe(0);
  // without the annotation the input holds a Service, so the missing ones are errors (not the partial-input warning)
  const bad = await cli(['check', `${dir}/stripped.yaml`, '--format', 'json']);
  expect(bad.code).toBe(1);
  const missing = (JSON.parse(bad.stdout).diagnostics as { code: string; fix: string }[]).filter((d) => d.code === 'BackendNotFound');
  expect(missing.length).toBeGreaterThan(0);
  expect(missing[0].fix).toContain(EXTERNAL_BACKENDS_ANNOTATION);
  expect(missing[0].fix).toContain('--assume-external');
});

test('render of the synthesized YAML serves the listed backends by their cluster DNS names', async () => {
  const { app: a } = app();
  const dir = tempTree({ 'app.yaml': a.synthYaml() });
  const r = await cli(['render', 'app.yaml', '--out', 'out'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const conf = require('fs').readFileSync(`${dir}/out/gateway/gw/nginx.conf`, 'utf8') as string;
  expect(conf).toContain('docserver.docs.svc.cluster.local:80');
  expect(conf).toContain('web.apps.svc.cluster.local:8080');
});

test('only the listed references are assumed: another missing Service of the same route is still reported', async () => {
  const { app: a } = app();
  const yaml = a.synthYaml().replaceAll('name: docserver', 'name: docserver2');
  const dir = tempTree({ 'app.yaml': yaml });
  const res = await cli(['check', `${dir}/app.yaml`, '--format', 'json']);
  const diags = JSON.parse(res.stdout).diagnostics as { code: string; message: string }[];
  expect(diags.filter((d) => d.code === 'BackendNotFound').map((d) => d.message)).toEqual([expect.stringContaining('Service docs/docserver2 does not exist')]);
});

test('a malformed entry is a warning naming the annotation; the well-formed entries still count', async () => {
  const { app: a } = app();
  const yaml = a.synthYaml().replace('Service apps/web, ', 'Service apps/web, svc/bad entry, ');
  const dir = tempTree({ 'app.yaml': yaml });
  const res = await cli(['check', `${dir}/app.yaml`, '--format', 'json']);
  const diags = JSON.parse(res.stdout).diagnostics as { severity: string; code: string; field: string; message: string }[];
  expect(diags.filter((d) => d.code === 'InvalidAnnotation')).toEqual([
    expect.objectContaining({ severity: 'warning', field: `metadata.annotations[${EXTERNAL_BACKENDS_ANNOTATION}]`, message: 'entry "svc/bad entry" is not of the form "Kind[.group] namespace/name": ignored' }),
  ]);
  expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
});

test('format and parse are inverse, and reject what is not a Kind namespace/name', () => {
  const entries = [
    { group: '', kind: 'Service', namespace: 'b', name: 'x' },
    { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', namespace: 'a', name: 'y.z' },
  ];
  const v = formatExternalBackends([...entries, entries[0]]);
  expect(v).toBe('Service b/x, ServiceImport.multicluster.x-k8s.io a/y.z');
  expect(parseExternalBackends(v)).toEqual({ entries: [entries[0], entries[1]], bad: [] });
  expect(parseExternalBackends('service a/b, Service A/b, Service a/b/c, Service a').bad).toEqual(['service a/b', 'Service A/b', 'Service a/b/c', 'Service a']);
});

