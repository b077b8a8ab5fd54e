/**
 * Extraction of the bundled validation schemas from upstream CustomResourceDefinitions.
 *
 * Dev-time only: used by `scripts/import-schemas.ts` (writes `src/validate/schemas/*.json`) and by the
 * freshness test (which re-runs the extraction in memory and compares with the committed files).
 * The package itself never reads the CRDs at run time.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import type { BundledSchema } from '../src/validate/bundles';

/** One served version of one CRD, as bundled (the runtime's own type). */
export type { BundledSchema } from '../src/validate/bundles';

/** A version the CRD declares but does not serve. */
export interface NotServedVersion {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Content of one `src/validate/schemas/<set>.json` file. */
export interface SchemaBundle {
  /** which upstream CRD folders this bundle comes from (relative to the CRD root, test/data/upstream/crds) */
  readonly source: readonly string[];
  /** `"<group>/<version>/<Kind>"` → schema, keys sorted */
  readonly schemas: Record<string, BundledSchema>;
  /** versions declared but not served, sorted */
  readonly notServed: readonly NotServedVersion[];
}

/** The bundles: output file name → CRD folders (relative to the CRD root, test/data/upstream/crds). */
export const BUNDLE_SOURCES: ReadonlyArray<{ readonly file: string; readonly dirs: readonly string[] }> = [
  { file: 'gateway-api-standard.json', dirs: ['gateway-api/standard'] },
  { file: 'gateway-api-experimental.json', dirs: ['gateway-api/experimental'] },
  { file: 'metallb.json', dirs: ['metallb'] },
  { file: 'cert-manager.json', dirs: ['cert-manager'] },
];

/** Every YAML document of every `*.yaml` file directly in `dir` (sorted by file name). */
export function readYamlDocuments(dir: string): unknown[] {
  const out: unknown[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        throw new Error(`${path.join(dir, f)}: ${doc.errors[0].message}`);
      }
      const value = doc.toJS({ maxAliasCount: -1 });
      if (value !== null && value !== undefined) out.push(value);
    }
  }
  return out;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Removes the `description` keyword from every schema node (schema-aware: a property *named*
 * `description`, `default` values and `enum` values are kept verbatim).
 */
export function stripDescriptions(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    switch (k) {
      case 'description':
        break;
      case 'properties':
      case 'patternProperties':
      case 'definitions':
        out[k] = isObject(v) ? Object.fromEntries(Object.entries(v).map(([n, s]) => [n, stripDescriptions(s)])) : v;
        break;
      case 'items':
        out[k] = Array.isArray(v) ? v.map(stripDescriptions) : stripDescriptions(v);
        break;
      case 'additionalProperties':
      case 'additionalItems':
      case 'not':
        out[k] = typeof v === 'boolean' ? v : stripDescriptions(v);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[k] = Array.isArray(v) ? v.map(stripDescriptions) : v;
        break;
      default:
        out[k] = v;
    }
  }
  return out;
}

/** Builds one bundle from already-parsed YAML documents; non-CRD documents are ignored. */
export function extractBundle(docs: readonly unknown[], source: readonly string[] = []): SchemaBundle {
  const schemas: Record<string, BundledSchema> = {};
  const notServed: NotServedVersion[] = [];
  for (const doc of docs) {
    if (!isObject(doc) || doc.kind !== 'CustomResourceDefinition' || !isObject(doc.spec)) continue;
    const spec = doc.spec as Json;
    const group = String(spec.group);
    const names = spec.names as Json;
    const kind = String(names.kind);
    const plural = String(names.plural);
    const scope = spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced';
    for (const v of (spec.versions as Json[]) ?? []) {
      const version = String(v.name);
      if (v.served !== true) {
        notServed.push({ group, version, kind });
        continue;
      }
      const key = `${group}/${version}/${kind}`;
      if (schemas[key]) throw new Error(`duplicate schema ${key}`);
      const openAPIV3Schema = isObject(v.schema) ? (v.schema as Json).openAPIV3Schema : undefined;
      if (!isObject(openAPIV3Schema)) throw new Error(`${key}: no openAPIV3Schema`);
      const subresources = isObject(v.subresources) ? v.subresources : undefined;
      schemas[key] = {
        group,
        version,
        kind,
        plural,
        scope,
        ...(v.deprecated === true ? { deprecated: true } : {}),
        ...(typeof v.deprecationWarning === 'string' ? { deprecationWarning: v.deprecationWarning } : {}),
        storage: v.storage === true,
        ...(subresources && subresources.status !== undefined ? { statusSubresource: true } : {}),
        schema: stripDescriptions(openAPIV3Schema) as Json,
      };
    }
  }
  const sorted: Record<string, BundledSchema> = {};
  for (const k of Object.keys(schemas).sort()) sorted[k] = schemas[k];
  notServed.sort((a, b) => `${a.group}/${a.version}/${a.kind}`.localeCompare(`${b.group}/${b.version}/${b.kind}`));
  return { source: [...source], schemas: sorted, notServed };
}

/** Stable file content for a bundle (compact JSON, trailing newline). */
export function renderBundle(bundle: SchemaBundle): string {
  return JSON.stringify(bundle) + '\n';
}

/** Every bundle file name → its content, extracted from `crdRoot` (the vendored `CRDS` of test/data/upstream.ts). */
export function generateBundles(crdRoot: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, dirs } of BUNDLE_SOURCES) {
    const docs = dirs.flatMap((d) => readYamlDocuments(path.join(crdRoot, d)));
    out.set(file, renderBundle(extractBundle(docs, dirs)));
  }
  return out;
}
