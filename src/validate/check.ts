/**
 * Step 3 of validation: OpenAPI v3 value validation (types, enums, bounds, patterns, formats,
 * list-type uniqueness, composition) and ObjectMeta (which the CRD schema's metadata may constrain
 * further, hence one module: ObjectMeta checks call back into the schema check).
 */
import { runeLength } from './runes';
import { FieldPath } from './field-path';
import { DNS1123_LABEL_MESSAGE, DNS1123_SUBDOMAIN_MESSAGE, isDns1123Label, isDns1123Subdomain, labelValueErrors, qualifiedNameErrors } from './formats';
import { SchemaNode } from './schema-types';
import { Violation } from './types';
import { canonicalJson, Ctx, deepEqual, isPlainObject, schemaError, show, small, typeName } from './values';

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

function inEnum(node: SchemaNode, v: unknown): boolean {
  if (node.enumSet) return node.enumSet.has(v);
  return node.enum!.some((e) => deepEqual(e, v));
}

/**
 * True when `check` finds nothing wrong with a scalar (not null, not an object): the same tests as
 * `check`, without reporting. The callers skip such a value without making its field path (one
 * object per scalar field of every object was most of this step's allocation); anything else, and
 * every value that fails here, goes through `check`, which reports exactly as before.
 */
function scalarPasses(node: SchemaNode, value: unknown): boolean {
  if (value === null || typeof value === 'object') return false;
  if (node.allOf || node.anyOf || node.oneOf || node.not) return false;
  if (node.type !== undefined && !typeMatches(node.type, value)) return false;
  if (node.enum && !inEnum(node, value)) return false;
  if (typeof value === 'string') {
    if (node.maxLength !== undefined || node.minLength !== undefined) {
      const n = runeLength(value);
      if (node.maxLength !== undefined && n > node.maxLength) return false;
      if (node.minLength !== undefined && n < node.minLength) return false;
    }
    if (node.pattern && !node.pattern.matcher.test(value)) return false;
    if (node.formatCheck && !node.formatCheck(value)) return false;
  } else if (typeof value === 'number') {
    if (node.maximum !== undefined && (node.exclusiveMaximum ? value >= node.maximum : value > node.maximum)) return false;
    if (node.minimum !== undefined && (node.exclusiveMinimum ? value <= node.minimum : value < node.minimum)) return false;
    if (node.multipleOf !== undefined && node.multipleOf > 0 && !Number.isInteger(value / node.multipleOf)) return false;
  }
  return true;
}

/** Step 3: OpenAPI value validation of the normalized value (keep `scalarPasses` in step). */
export function check(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx): void {
  if (value === null) {
    if (node.nullable || (node.type === undefined && !node.intOrString)) return;
    schemaError(ctx, path, `Invalid value: null: must be of type ${node.type ?? 'integer or string'}`, `type: ${node.type ?? 'int-or-string'}`, null, true);
    return;
  }
  if (node.type !== undefined && !typeMatches(node.type, value)) {
    schemaError(ctx, path, `Invalid value: ${show(value)}: must be of type ${node.type} (got ${typeName(value)})`, `type: ${node.type}`, value, true);
    return;
  }
  if (node.enum && !inEnum(node, value)) {
    schemaError(ctx, path, `Unsupported value: ${show(value)}: supported values: ${node.enum.map(show).join(', ')}`, 'enum', value, true);
  }
  if (typeof value === 'string') {
    if (node.maxLength !== undefined || node.minLength !== undefined) {
      const n = runeLength(value);
      if (node.maxLength !== undefined && n > node.maxLength) {
        schemaError(ctx, path, `Too long: may not be more than ${node.maxLength} characters (got ${n})`, `maxLength: ${node.maxLength}`, value, true);
      }
      if (node.minLength !== undefined && n < node.minLength) {
        schemaError(ctx, path, `Invalid value: ${show(value)}: should be at least ${node.minLength} chars long`, `minLength: ${node.minLength}`, value);
      }
    }
    if (node.pattern && !node.pattern.matcher.test(value)) {
      schemaError(ctx, path, `Invalid value: ${show(value)}: should match '${node.pattern.source}'`, `pattern: ${node.pattern.source}`, value);
    }
    if (node.formatCheck && !node.formatCheck(value)) {
      schemaError(ctx, path, `Invalid value: ${show(value)}: must be of format ${node.format}`, `format: ${node.format}`, value);
    }
  } else if (typeof value === 'number') {
    if (node.maximum !== undefined && (node.exclusiveMaximum ? value >= node.maximum : value > node.maximum)) {
      schemaError(ctx, path, `Invalid value: ${value}: should be less than ${node.exclusiveMaximum ? '' : 'or equal to '}${node.maximum}`, `maximum: ${node.maximum}`, value);
    }
    if (node.minimum !== undefined && (node.exclusiveMinimum ? value <= node.minimum : value < node.minimum)) {
      schemaError(ctx, path, `Invalid value: ${value}: should be greater than ${node.exclusiveMinimum ? '' : 'or equal to '}${node.minimum}`, `minimum: ${node.minimum}`, value);
    }
    if (node.multipleOf !== undefined && node.multipleOf > 0 && !Number.isInteger(value / node.multipleOf)) {
      schemaError(ctx, path, `Invalid value: ${value}: should be a multiple of ${node.multipleOf}`, `multipleOf: ${node.multipleOf}`, value);
    }
  } else if (Array.isArray(value)) {
    checkArray(node, value, path, ctx);
  } else if (isPlainObject(value)) {
    checkObject(node, value, path, ctx);
  }
  if (node.allOf || node.anyOf || node.oneOf || node.not) checkComposition(node, value, path, ctx);
}

function checkArray(node: SchemaNode, value: unknown[], path: FieldPath, ctx: Ctx): void {
  if (node.maxItems !== undefined && value.length > node.maxItems) {
    schemaError(ctx, path, `Too many: ${value.length}: must have at most ${node.maxItems} items`, `maxItems: ${node.maxItems}`, undefined, true);
  }
  if (node.minItems !== undefined && value.length < node.minItems) {
    schemaError(ctx, path, `Invalid value: ${value.length}: should have at least ${node.minItems} items`, `minItems: ${node.minItems}`);
  }
  // (duplicates need two items: no keys are serialized for the many one-item lists)
  if (node.uniqueItems || node.listType === 'set') {
    if (value.length > 1) checkUnique(node, value, path, ctx);
  } else if (node.listType === 'map' && node.listMapKeys && node.items && value.length > 1) {
    checkMapKeys(node, value, path, ctx);
  }
  const items = node.items;
  if (items) {
    for (let i = 0; i < value.length; i++) {
      if (scalarPasses(items, value[i])) continue;
      if (items.embeddedResource) checkEmbedded(items, value[i], path.index(i), ctx);
      else check(items, value[i], path.index(i), ctx);
    }
  }
}

/** `uniqueItems` / `x-kubernetes-list-type: set`: no item twice. */
function checkUnique(node: SchemaNode, value: unknown[], path: FieldPath, ctx: Ctx): void {
  const seen = new Set<unknown>();
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const id = v === null || typeof v !== 'object' ? v : `\u0000${canonicalJson(v)}`;
    const dup = seen.has(id);
    seen.add(id);
    if (dup) {
      const rule = node.listType === 'set' ? 'x-kubernetes-list-type: set' : 'uniqueItems';
      schemaError(ctx, path.index(i), `Duplicate value: ${show(v)}`, rule, v);
    }
  }
}

/** `x-kubernetes-list-type: map`: no two items with the same map keys. */
function checkMapKeys(node: SchemaNode, value: unknown[], path: FieldPath, ctx: Ctx): void {
  const keys = node.listMapKeys!;
  const itemProps = node.items!.properties;
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const el = value[i];
    if (!isPlainObject(el)) continue;
    const tuple: Record<string, unknown> = {};
    for (const k of keys) {
      // absent keys take their default (Kubernetes requires map keys to be required or defaulted)
      const kv = el[k] !== undefined ? el[k] : itemProps?.get(k)?.default;
      if (kv !== undefined) tuple[k] = kv;
    }
    const id = JSON.stringify(keys.map((k) => tuple[k] ?? null));
    if (seen.has(id)) {
      schemaError(ctx, path.index(i), `Duplicate value: ${show(tuple)}`, `x-kubernetes-list-type: map (keys: ${keys.join(', ')})`, tuple);
    }
    seen.add(id);
  }
}

function checkObject(node: SchemaNode, value: Record<string, unknown>, path: FieldPath, ctx: Ctx): void {
  if (node.maxProperties !== undefined || node.minProperties !== undefined) {
    const n = Object.keys(value).length;
    if (node.maxProperties !== undefined && n > node.maxProperties) {
      schemaError(ctx, path, `Too many: ${n}: must have at most ${node.maxProperties} properties`, `maxProperties: ${node.maxProperties}`, undefined, true);
    }
    if (node.minProperties !== undefined && n < node.minProperties) {
      schemaError(ctx, path, `Invalid value: ${n}: should have at least ${node.minProperties} properties`, `minProperties: ${node.minProperties}`);
    }
  }
  if (node.required) {
    for (const r of node.required) {
      if (value[r] === undefined) schemaError(ctx, path.child(r), 'Required value', 'required', undefined, true);
    }
  }
  const props = node.properties;
  if (props) {
    for (const k in value) {
      const child = props.get(k);
      const v = value[k];
      if (!child || v === undefined || scalarPasses(child, v)) continue;
      if (child.embeddedResource) checkEmbedded(child, v, path.child(k), ctx);
      else check(child, v, path.child(k), ctx);
    }
  } else if (typeof node.additionalProperties === 'object') {
    const ap = node.additionalProperties;
    for (const k in value) {
      if (value[k] === undefined || scalarPasses(ap, value[k])) continue;
      check(ap, value[k], path.key(k), ctx);
    }
  }
}

/** Errors of a sub-schema (allOf/anyOf/oneOf/not branches are value validations only). */
function branchErrors(node: SchemaNode, value: unknown, path: FieldPath): Violation[] {
  const sub: Ctx = { out: [], blocking: false };
  check(node, value, path, sub);
  return sub.out;
}

function summarize(errs: Violation[]): string {
  return errs.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
}

function checkComposition(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx): void {
  if (node.allOf) {
    for (const s of node.allOf) for (const e of branchErrors(s, value, path)) ctx.out.push(e);
  }
  if (node.anyOf) {
    const results = node.anyOf.map((s) => branchErrors(s, value, path));
    if (!results.some((r) => r.length === 0)) {
      schemaError(ctx, path, `Invalid value: ${show(value)}: must validate at least one schema (anyOf): ${results.map((r) => `[${summarize(r)}]`).join(' or ')}`, 'anyOf', value);
    }
  }
  if (node.oneOf) {
    const results = node.oneOf.map((s) => branchErrors(s, value, path));
    const valid = results.filter((r) => r.length === 0).length;
    if (valid === 0) {
      schemaError(ctx, path, `Invalid value: ${show(value)}: must validate one and only one schema (oneOf). Found none valid: ${results.map((r) => `[${summarize(r)}]`).join(' or ')}`, 'oneOf', value);
    } else if (valid > 1) {
      schemaError(ctx, path, `Invalid value: ${show(value)}: must validate one and only one schema (oneOf). Found ${valid} valid alternatives`, 'oneOf', value);
    }
  }
  if (node.not && branchErrors(node.not, value, path).length === 0) {
    schemaError(ctx, path, `Invalid value: ${show(value)}: must not validate the schema (not)`, 'not', value);
  }
}

// --- ObjectMeta -----------------------------------------------------------------------------------

type MetaFieldType = 'string' | 'integer' | 'stringMap' | 'stringList' | 'array' | 'timestamp';

const OBJECT_META_FIELDS: Record<string, MetaFieldType> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'integer',
  creationTimestamp: 'timestamp',
  deletionTimestamp: 'timestamp',
  deletionGracePeriodSeconds: 'integer',
  labels: 'stringMap',
  annotations: 'stringMap',
  ownerReferences: 'array',
  finalizers: 'stringList',
  managedFields: 'array',
};

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function metaTypeOk(t: MetaFieldType, v: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'timestamp':
      return typeof v === 'string' || v === null;
    case 'stringMap':
      return isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'stringList':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'array':
      return Array.isArray(v);
  }
}

/** ObjectMeta of an object (or embedded resource): strict fields, name, namespace, labels, annotations, finalizers. */
export function checkMetadata(md: unknown, path: FieldPath, ctx: Ctx, namespaced: boolean, metaSchema: SchemaNode | undefined, nameRequired: boolean): void {
  if (md === undefined || md === null) {
    if (nameRequired) schemaError(ctx, path.child('name'), 'Required value: name or generateName is required', 'required', undefined, true);
    return;
  }
  if (!isPlainObject(md)) {
    schemaError(ctx, path, `Invalid value: ${show(md)}: must be of type object`, 'type: object', md, true);
    return;
  }
  for (const [k, v] of Object.entries(md)) {
    if (v === undefined) continue;
    const t = OBJECT_META_FIELDS[k];
    if (!t) {
      ctx.out.push({ field: path.child(k).toString(), type: 'unknown-field', message: `unknown field "${path.child(k).toString()}"`, value: small(v) });
    } else if (v !== null && !metaTypeOk(t, v)) {
      schemaError(ctx, path.child(k), `Invalid value: ${show(v)}: must be of type ${t === 'stringMap' ? 'map of strings' : t === 'stringList' ? 'array of strings' : t === 'timestamp' ? 'string' : t}`, `type: ${t}`, v, true);
    }
  }
  const name = md.name;
  const generateName = md.generateName;
  if (typeof name === 'string' && name !== '') {
    if (!isDns1123Subdomain(name)) {
      schemaError(ctx, path.child('name'), `Invalid value: ${show(name)}: ${name.length > 253 ? 'must be no more than 253 characters' : DNS1123_SUBDOMAIN_MESSAGE}`, 'DNS-1123 subdomain', name);
    }
  } else if (typeof generateName === 'string' && generateName !== '') {
    const masked = generateName.endsWith('-') ? generateName.slice(0, -1) + 'a' : generateName;
    if (!isDns1123Subdomain(masked)) {
      schemaError(ctx, path.child('generateName'), `Invalid value: ${show(generateName)}: ${DNS1123_SUBDOMAIN_MESSAGE}`, 'DNS-1123 subdomain prefix', generateName);
    }
  } else if (nameRequired) {
    schemaError(ctx, path.child('name'), 'Required value: name or generateName is required', 'required', undefined, true);
  }
  // the CRD schema may constrain metadata.name / generateName
  if (metaSchema?.properties) {
    for (const k of ['name', 'generateName']) {
      const s = metaSchema.properties.get(k);
      if (s && typeof md[k] === 'string') check(s, md[k], path.child(k), ctx);
    }
  }
  const ns = md.namespace;
  if (namespaced && typeof ns === 'string' && ns !== '' && !isDns1123Label(ns)) {
    schemaError(ctx, path.child('namespace'), `Invalid value: ${show(ns)}: ${ns.length > 63 ? 'must be no more than 63 characters' : DNS1123_LABEL_MESSAGE}`, 'DNS-1123 label', ns);
  }
  if (isPlainObject(md.labels)) {
    for (const [k, v] of Object.entries(md.labels)) {
      for (const e of qualifiedNameErrors(k)) schemaError(ctx, path.child('labels'), `Invalid value: ${show(k)}: ${e}`, 'label key', k);
      if (typeof v === 'string') for (const e of labelValueErrors(v)) schemaError(ctx, path.child('labels').key(k), `Invalid value: ${show(v)}: ${e}`, 'label value', v);
    }
  }
  if (isPlainObject(md.annotations)) {
    let total = 0;
    for (const [k, v] of Object.entries(md.annotations)) {
      for (const e of qualifiedNameErrors(k.toLowerCase())) schemaError(ctx, path.child('annotations'), `Invalid value: ${show(k)}: ${e}`, 'annotation key', k);
      total += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
    }
    if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
      schemaError(ctx, path.child('annotations'), `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`, 'annotations size', undefined, true);
    }
  }
  if (Array.isArray(md.finalizers)) {
    md.finalizers.forEach((f, i) => {
      if (typeof f !== 'string') return;
      for (const e of qualifiedNameErrors(f)) schemaError(ctx, path.child('finalizers').index(i), `Invalid value: ${show(f)}: ${e}`, 'finalizer', f);
      if (!STANDARD_FINALIZERS.has(f) && !f.includes('/')) {
        schemaError(ctx, path.child('finalizers').index(i), `Invalid value: ${show(f)}: name is neither a standard finalizer name nor is it fully qualified`, 'finalizer', f);
      }
    });
  }
}

/** An `x-kubernetes-embedded-resource` value: apiVersion, kind, metadata + the declared properties. */
function checkEmbedded(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx): void {
  check(node, value, path, ctx);
  if (!isPlainObject(value)) return;
  if (!node.preserveUnknownFields) {
    for (const k of ['apiVersion', 'kind']) {
      if (typeof value[k] !== 'string' || value[k] === '') schemaError(ctx, path.child(k), 'Required value: must not be empty', 'x-kubernetes-embedded-resource', undefined, true);
    }
  }
  checkMetadata(value.metadata, path.child('metadata'), ctx, true, node.properties?.get('metadata'), false);
}
