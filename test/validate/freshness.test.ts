/**
 * The committed bundles are exactly what `scripts/import-schemas.ts` generates from the vendored CRDs
 * (test/data/upstream/crds): a stale bundle (CRDs updated, bundle not regenerated, or hand-edited)
 * fails here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BUNDLE_SOURCES, generateBundles, stripDescriptions } from '../../scripts/schema-extract';
import { CRDS, REPO_ROOT } from '../data/upstream';

const SCHEMAS = path.join(REPO_ROOT, 'src', 'validate', 'schemas');

let generatedOnce: Map<string, string> | undefined;
function generated(): Map<string, string> {
  return (generatedOnce ??= generateBundles(CRDS));
}

test.each(BUNDLE_SOURCES.map((b) => b.file))('%s is up to date (npx ts-node --project tsconfig.dev.json scripts/import-schemas.ts)', (file) => {
  const expected = generated().get(file);
  const committed = fs.readFileSync(path.join(SCHEMAS, file), 'utf8');
  expect(expected).toBeDefined();
  // compare sizes first: a full-text diff of a 200 KB line is unreadable
  expect(committed.length).toBe(expected!.length);
  expect(committed === expected).toBe(true);
});

test('generation is deterministic', () => {
  const again = generateBundles(CRDS);
  expect([...again.keys()]).toEqual([...generated().keys()]);
  for (const [file, content] of again) expect(content === generated().get(file)).toBe(true);
});

test('bundles hold no descriptions and keep defaults, formats and x-kubernetes-* keywords', () => {
  for (const { file } of BUNDLE_SOURCES) {
    const text = fs.readFileSync(path.join(SCHEMAS, file), 'utf8');
    // a description keyword has a string value; GatewayClass has a *property* named description (kept)
    expect(/"description":"/.test(text)).toBe(false);
  }
  const text = fs.readFileSync(path.join(SCHEMAS, 'gateway-api-standard.json'), 'utf8');
  expect(text.includes('"description":{"maxLength":64,"type":"string"}')).toBe(true);
  for (const kw of ['"default"', '"format"', '"x-kubernetes-validations"', '"x-kubernetes-list-type"', '"x-kubernetes-list-map-keys"']) {
    expect(text.includes(kw)).toBe(true);
  }
});

test('stripDescriptions removes the keyword only, not properties named description nor values', () => {
  const schema = {
    description: 'drop me',
    type: 'object',
    properties: {
      description: { type: 'string', description: 'drop me too', default: 'keep', enum: ['keep'] },
      nested: { type: 'object', default: { description: 'a default value stays' }, additionalProperties: { type: 'string', description: 'x' } },
      list: { type: 'array', items: { description: 'x', type: 'string' } },
      choice: { anyOf: [{ description: 'x', type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
    },
  };
  expect(stripDescriptions(schema)).toEqual({
    type: 'object',
    properties: {
      description: { type: 'string', default: 'keep', enum: ['keep'] },
      nested: { type: 'object', default: { description: 'a default value stays' }, additionalProperties: { type: 'string' } },
      list: { type: 'array', items: { type: 'string' } },
      choice: { 'anyOf': [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
    },
  });
});

test('metadata: served versions, scope, storage, deprecation, not-served list', () => {
  const std = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'gateway-api-standard.json'), 'utf8'));
  const exp = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'gateway-api-experimental.json'), 'utf8'));
  const keys = Object.keys(std.schemas);
  expect(keys).toEqual([...keys].sort());
  expect(std.schemas['gateway.networking.k8s.io/v1/Gateway']).toMatchObject({ plural: 'gateways', scope: 'Namespaced', storage: true, statusSubresource: true });
  expect(std.schemas['gateway.networking.k8s.io/v1/GatewayClass'].scope).toBe('Cluster');
  expect(std.schemas['gateway.networking.k8s.io/v1alpha2/TLSRoute']).toBeUndefined();
  expect(std.notServed).toContainEqual({ group: 'gateway.networking.k8s.io', version: 'v1alpha2', kind: 'TLSRoute' });
  expect(exp.schemas['gateway.networking.k8s.io/v1alpha2/TLSRoute']).toMatchObject({ deprecated: true, storage: false });
  expect(exp.notServed).toEqual([]);
});
