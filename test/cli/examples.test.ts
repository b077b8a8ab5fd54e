import * as fs from 'fs';
import * as path from 'path';
import { load } from '../../src/cli/load';
import { GATEWAY_GROUP, splitApiVersion } from '../../src/model';
import { hasSchema, validateObject } from '../../src/validate';
import { cli, ROOT } from './helpers';

const YAML_DIR = path.join(ROOT, 'examples', 'yaml');
const scenarios = fs
  .readdirSync(YAML_DIR)
  .filter((n) => /^\d-/.test(n))
  .sort();
const mistakes = fs
  .readdirSync(path.join(YAML_DIR, 'mistakes'))
  .filter((n) => n.endsWith('.yaml'))
  .sort();

test('one folder per scenario of SCENARIOS.md, and the five seed mistakes', () => {
  expect(scenarios).toEqual(['1-homelab', '2-kind-istio', '3-canary', '4-mixed-protocols', '5-ingress-nginx']);
  expect(mistakes).toEqual(['backend-without-grant.yaml', 'certificate-without-grant.yaml', 'hostname-mismatch.yaml', 'namespace-not-allowed.yaml', 'section-name-typo.yaml']);
});

describe.each(scenarios)('examples/yaml/%s', (name) => {
  const dir = `examples/yaml/${name}`;

  test('checks clean: exit 0, no errors and no warnings', async () => {
    const r = await cli(['check', dir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^0 errors, 0 warnings \(\d+ objects in \d+ files\)\n$/);
    expect(r.code).toBe(0);
  });

  test('every CRD-backed object is valid for the API server (standard channel, CEL included)', async () => {
    const { objects, errors, diagnostics } = await load([dir], { cwd: ROOT });
    expect(errors).toEqual([]);
    expect(diagnostics).toEqual([]);
    let checked = 0;
    for (const { object, source } of objects) {
      if (!hasSchema(object.apiVersion, object.kind)) continue;
      checked++;
      expect({ at: `${source.file}:${source.line}`, violations: validateObject(object, { channel: 'standard' }) }).toEqual({ at: `${source.file}:${source.line}`, violations: [] });
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('every Gateway attaches every route of the scenario (nothing left in "Not attached")', async () => {
    const e = JSON.parse((await cli(['explain', '-f', 'json', dir])).stdout);
    expect(e.unattached).toEqual([]);
    const { objects } = await load([dir], { cwd: ROOT });
    const routes = objects.filter((o) => splitApiVersion(o.object.apiVersion).group === GATEWAY_GROUP && o.object.kind.endsWith('Route')).length;
    const attached = new Set<string>();
    for (const g of e.gateways) for (const l of g.listeners) for (const r of l.routes) attached.add(`${r.kind}/${r.namespace}/${r.name}`);
    expect(attached.size).toBe(routes);
  });
});

const expected: Record<string, string> = {
  'backend-without-grant.yaml': 'RefNotPermitted',
  'certificate-without-grant.yaml': 'RefNotPermitted',
  'hostname-mismatch.yaml': 'NoMatchingListenerHostname',
  'namespace-not-allowed.yaml': 'NotAllowedByListeners',
  'section-name-typo.yaml': 'NoMatchingParent',
};

describe.each(mistakes)('examples/yaml/mistakes/%s', (file) => {
  const p = `examples/yaml/mistakes/${file}`;

  test('exits 1 with the right code and a fix', async () => {
    const r = await cli(['check', p]);
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.includes(` error ${expected[file]} `));
    expect(line).toBeDefined();
    expect(line).toMatch(new RegExp(`^${p.replace(/[.]/g, '\\.')}:\\d+: error ${expected[file]} \\S+ \\S+ \\S+: .+ — fix: .+`));
  });

  test('the JSON names the code, the object, the field and the fix', async () => {
    const out = JSON.parse((await cli(['check', '-f', 'json', p])).stdout);
    const d = out.diagnostics.find((x: any) => x.code === expected[file]);
    expect(d).toMatchObject({ severity: 'error', field: expect.stringMatching(/^spec\./), fix: expect.any(String) });
  });

  test('is schema-valid: the mistake is one a controller reports, not one the API server rejects', async () => {
    const { objects } = await load([p], { cwd: ROOT });
    for (const { object } of objects) if (hasSchema(object.apiVersion, object.kind)) expect(validateObject(object)).toEqual([]);
  });
});

test('the whole mistakes folder at once: each mistake still reported (namespaces do not overlap)', async () => {
  const r = await cli(['check', '-f', 'json', 'examples/yaml/mistakes']);
  expect(r.code).toBe(1);
  const codes = JSON.parse(r.stdout).diagnostics.filter((d: any) => d.severity === 'error').map((d: any) => d.code);
  for (const code of Object.values(expected)) expect(codes).toContain(code);
  expect(JSON.parse(r.stdout).diagnostics.filter((d: any) => d.code === 'DuplicateObject')).toEqual([]);
});
