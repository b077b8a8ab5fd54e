/**
 * Size limits (`maxItems`, `maxLength`) of the bundled upstream CRD schemas, for the constructs'
 * early checks: read from the schemas the API server enforces instead of copied by hand, so an
 * upstream change reaches the constructs with the next `npm run import-schemas`.
 */
import { splitApiVersion } from '../model/objects';
import { bundleForGroup, loadBundle } from './bundles';

const cache = new Map<string, number>();

/**
 * The `maxItems` (arrays) or `maxLength` (strings) of a field of a bundled schema (standard
 * channel). `key` is `<group>/<version>/<Kind>`; `path` is dotted, `[]` stepping into array items:
 * `schemaLimit('gateway.networking.k8s.io/v1/HTTPRoute', 'spec.rules[].matches')` → 64. Throws when
 * the field or its limit does not exist (a programming error, caught by the tests).
 */
export function schemaLimit(key: string, path: string): number {
  const ck = `${key}|${path}`;
  const hit = cache.get(ck);
  if (hit !== undefined) return hit;
  const kindAt = key.lastIndexOf('/');
  const { group } = splitApiVersion(key.slice(0, kindAt));
  const bundle = bundleForGroup(group, 'standard');
  const meta = bundle ? loadBundle(bundle).schemas[key] : undefined;
  if (!meta) throw new Error(`schemaLimit: no bundled schema ${key}`);
  let node: any = meta.schema;
  for (const seg of path.replace(/\[\]/g, '.[]').split('.').filter((s) => s !== '')) {
    node = seg === '[]' ? node?.items : node?.properties?.[seg];
    if (!node) throw new Error(`schemaLimit: ${key} has no field ${path}`);
  }
  const limit = node.maxItems ?? node.maxLength;
  if (typeof limit !== 'number') throw new Error(`schemaLimit: ${key} ${path} has no maxItems or maxLength`);
  cache.set(ck, limit);
  return limit;
}
