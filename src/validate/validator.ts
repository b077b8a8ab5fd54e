/**
 * Validation of one object against a bundled CRD schema, as the Kubernetes API server does it for a
 * CREATE with strict field validation (`kubectl apply --validate=strict`):
 *
 * 1. decode: unknown fields are errors (and pruned), `null` in non-nullable fields is dropped;
 * 2. defaulting (`default` of absent properties, recursively);
 * 3. OpenAPI v3 value validation + `x-kubernetes-list-type` uniqueness + ObjectMeta validation;
 * 4. CEL `x-kubernetes-validations` on the defaulted object, unless step 3 found a blocking error —
 *    a wrong type, a value outside an enum, a missing required field, a string or list over its
 *    maxLength / maxItems / maxProperties — (Kubernetes skips CEL then, and says so: one mistake,
 *    one error, not a CEL `no such key` after it).
 *
 * The input is never mutated: defaulting copies what it changes.
 */
import { KubeObject, splitApiVersion } from '../model';
import { bundleForGroup, BUNDLE_IDS, BundleId, loadBundle, schemaEntry, SchemaEntry } from './bundles';
import { CelMemo, evaluateRule, toCel } from './cel';
import { runeLength } from './cel-ext';
import { DNS1123_LABEL_MESSAGE, DNS1123_SUBDOMAIN_MESSAGE, isDns1123Label, isDns1123Subdomain, labelValueErrors, qualifiedNameErrors } from './formats';
import { compileSchema, SchemaNode } from './schema';
import { Channel, ValidateOptions, Violation } from './types';

// --- paths ----------------------------------------------------------------------------------------

/** A field path, built lazily (formatted only when a violation is reported). */
class FieldPath {
  static readonly ROOT = new FieldPath(undefined, '', 0);
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly seg: string,
    /** 0 root, 1 property, 2 index/key */
    private readonly kind: 0 | 1 | 2,
  ) {}
  child(name: string): FieldPath {
    return new FieldPath(this, name, 1);
  }
  index(i: number): FieldPath {
    return new FieldPath(this, String(i), 2);
  }
  key(k: string): FieldPath {
    return new FieldPath(this, k, 2);
  }
  toString(): string {
    const parts: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let p: FieldPath | undefined = this;
    while (p && p.kind !== 0) {
      parts.push(p.kind === 1 ? (p.parent && p.parent.kind !== 0 ? `.${p.seg}` : p.seg) : `[${p.seg}]`);
      p = p.parent;
    }
    return parts.reverse().join('');
  }
}

/** Appends a CEL rule's `fieldPath` (`.a.b`, `.a['b.c']`, `.a[0]`) to a path. */
function appendFieldPath(base: FieldPath, fieldPath: string): FieldPath {
  let p = base;
  const re = /\.([A-Za-z0-9_$-]+)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < fieldPath.length && (m = re.exec(fieldPath)) !== null) {
    if (m[1] !== undefined) p = p.child(m[1]);
    else if (m[2] !== undefined) p = p.key(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) p = p.key(m[3].replace(/\\(.)/g, '$1'));
    else p = p.index(Number(m[4]));
    pos = re.lastIndex;
  }
  return pos === fieldPath.length ? p : base;
}

// --- values in messages -------------------------------------------------------------------------

const MAX_PRINTED = 256;

/** The value to attach to a violation: as is when small, else a truncated JSON string. */
function small(v: unknown): unknown {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.length > MAX_PRINTED ? v.slice(0, MAX_PRINTED) + '…' : v;
  if (v === null || typeof v !== 'object') return v;
  const s = JSON.stringify(v);
  return s.length > MAX_PRINTED ? s.slice(0, MAX_PRINTED) + '…' : v;
}

/** The value as it appears inside a message. */
function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 120 ? s.slice(0, 120) + '…' : s;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepClone<T>(v: T): T {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** JSON with sorted object keys (equal values give equal strings). */
function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

// --- the walk -----------------------------------------------------------------------------------

interface Ctx {
  readonly out: Violation[];
  /**
   * a type, enum, required, maxLength, maxItems or maxProperties error was found: CEL is skipped
   * (the API server's `hasBlockingErr`: NotSupported, Required, TooLong, TooMany, TypeInvalid)
   */
  blocking: boolean;
}

function schemaError(ctx: Ctx, path: FieldPath, message: string, rule: string, value?: unknown, blocking = false): void {
  ctx.out.push({ field: path.toString(), type: 'schema', message, rule, ...(value !== undefined ? { value: small(value) } : {}) });
  if (blocking) ctx.blocking = true;
}

const ROOT_META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Step 1+2: strict decoding (unknown fields reported and pruned, non-nullable nulls dropped) and
 * defaulting. Returns the value itself when nothing changed, else a modified copy.
 */
function normalize(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx, resource = false): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      let nv: unknown;
      if (v === null && !items.nullable && items.hasDefault) nv = normalize(items, deepClone(items.default), path.index(i), ctx, items.embeddedResource);
      else nv = normalize(items, v, path.index(i), ctx, items.embeddedResource);
      if (nv !== v) {
        out ??= value.slice();
        out[i] = nv;
      }
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  const props = node.properties;
  const ap = node.additionalProperties;
  if (!props && ap === undefined && node.type !== 'object' && !resource) return value; // not an object schema: a type error later
  let out: Record<string, unknown> | undefined;
  const copy = (): Record<string, unknown> => (out ??= { ...value });
  for (const k of Object.keys(value)) {
    const v = value[k];
    if (v === undefined) {
      delete copy()[k];
      continue;
    }
    if (resource && ROOT_META_FIELDS.has(k)) continue; // validated separately
    const child = props ? props.get(k) : typeof ap === 'object' ? ap : undefined;
    if (child) {
      const childPath = props ? path.child(k) : path.key(k);
      if (v === null && !child.nullable) {
        if (child.hasDefault) copy()[k] = normalize(child, deepClone(child.default), childPath, ctx, child.embeddedResource);
        else delete copy()[k];
        continue;
      }
      const nv = normalize(child, v, childPath, ctx, child.embeddedResource);
      if (nv !== v) copy()[k] = nv;
    } else if (node.preserveUnknownFields || ap === true) {
      // kept as is
    } else {
      const childPath = props ? path.child(k) : path.key(k);
      ctx.out.push({ field: childPath.toString(), type: 'unknown-field', message: `unknown field "${childPath.toString()}"`, value: small(v) });
      delete copy()[k];
    }
  }
  if (node.defaultedProperties) {
    const cur = out ?? value;
    for (const k of node.defaultedProperties) {
      if (cur[k] === undefined) {
        const child = props!.get(k)!;
        copy()[k] = normalize(child, deepClone(child.default), path.child(k), ctx, child.embeddedResource);
      }
    }
  }
  return out ?? value;
}

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

/** Step 3: OpenAPI value validation of the normalized value. */
function check(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx): void {
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
  if (node.uniqueItems || node.listType === 'set') {
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
  } else if (node.listType === 'map' && node.listMapKeys && node.items) {
    const keys = node.listMapKeys;
    const itemProps = node.items.properties;
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
  const items = node.items;
  if (items) {
    for (let i = 0; i < value.length; i++) {
      if (items.embeddedResource) checkEmbedded(items, value[i], path.index(i), ctx);
      else check(items, value[i], path.index(i), ctx);
    }
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
      if (!child || v === undefined) continue;
      if (child.embeddedResource) checkEmbedded(child, v, path.child(k), ctx);
      else check(child, v, path.child(k), ctx);
    }
  } else if (typeof node.additionalProperties === 'object') {
    const ap = node.additionalProperties;
    for (const k in value) {
      if (value[k] === undefined) continue;
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
function checkMetadata(md: unknown, path: FieldPath, ctx: Ctx, namespaced: boolean, metaSchema: SchemaNode | undefined, nameRequired: boolean): void {
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

// --- CEL ------------------------------------------------------------------------------------------

/**
 * Outcomes of a node's rules for one value (per rule: undefined = passed, else the message).
 * Rules are pure functions of `self`, so outcomes are cached per schema node and value (small values
 * only, keyed by their JSON): objects built by the same code share most sub-objects.
 */
const outcomeCache = new WeakMap<SchemaNode, Map<string, ReadonlyArray<string | undefined>>>();
const MAX_CACHED_KEY = 512;
const MAX_CACHED_VALUES = 4096;

function ruleFailures(node: SchemaNode, value: unknown, memo: CelMemo, resource: boolean): ReadonlyArray<string | undefined> {
  let key: string | undefined;
  let cache: Map<string, ReadonlyArray<string | undefined>> | undefined;
  if (!resource) {
    key = typeof value === 'string' ? `s${value}` : JSON.stringify(value);
    if (key.length <= MAX_CACHED_KEY) {
      cache = outcomeCache.get(node);
      const hit = cache?.get(key);
      if (hit) return hit;
    }
  }
  const self = toCel(node, value, memo, resource);
  const out = node.rules!.map((r) => {
    if (r.transition) return undefined; // needs oldSelf: creation has no old object
    const outcome = evaluateRule(r, self);
    return outcome.ok ? undefined : outcome.message;
  });
  if (key !== undefined && key.length <= MAX_CACHED_KEY) {
    if (!cache) {
      cache = new Map();
      outcomeCache.set(node, cache);
    } else if (cache.size >= MAX_CACHED_VALUES) {
      cache.clear();
    }
    cache.set(key, out);
  }
  return out;
}

function celWalk(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx, memo: CelMemo, resource: boolean): void {
  if (!node.celBelow || value === null || value === undefined) return;
  if (node.rules) {
    const failures = ruleFailures(node, value, memo, resource);
    for (let i = 0; i < failures.length; i++) {
      const message = failures[i];
      if (message === undefined) continue;
      const r = node.rules[i];
      const field = r.fieldPath ? appendFieldPath(path, r.fieldPath) : path;
      ctx.out.push({
        field: field.toString(),
        type: 'cel',
        message,
        rule: r.rule,
        value: small(value),
        ...(r.reason !== undefined && r.reason !== 'FieldValueInvalid' ? { reason: r.reason } : {}),
      });
    }
  }
  if (Array.isArray(value)) {
    const items = node.items;
    if (items && items.celBelow) for (let i = 0; i < value.length; i++) celWalk(items, value[i], path.index(i), ctx, memo, items.embeddedResource);
  } else if (isPlainObject(value)) {
    if (node.properties) {
      for (const [k, child] of node.properties) {
        if (!child.celBelow || (resource && k === 'metadata')) continue;
        const v = value[k];
        if (v !== undefined && v !== null) celWalk(child, v, path.child(k), ctx, memo, child.embeddedResource);
      }
    } else if (typeof node.additionalProperties === 'object' && node.additionalProperties.celBelow) {
      const ap = node.additionalProperties;
      for (const k in value) celWalk(ap, value[k], path.key(k), ctx, memo, ap.embeddedResource);
    }
  }
}

// --- entry points --------------------------------------------------------------------------------

/** What validation needs to know about the CRD besides its schema. */
export interface CrdInfo {
  readonly scope: 'Namespaced' | 'Cluster';
  /** status is reset on create when the status subresource is enabled */
  readonly statusSubresource?: boolean;
}

/**
 * Validates a whole object against a compiled root schema (exposed for tests with synthetic schemas;
 * `validateObject` is the public entry point).
 */
export function validateAgainst(root: SchemaNode, obj: KubeObject, crd: CrdInfo): Violation[] {
  const ctx: Ctx = { out: [], blocking: false };
  const rootPath = FieldPath.ROOT;
  // 1+2: strict decoding + defaulting
  let value = normalize(root, obj, rootPath, ctx, true) as Record<string, unknown>;
  if (crd.statusSubresource && value.status !== undefined) {
    const { status: _dropped, ...rest } = value;
    value = rest;
  }
  // 3: value validation
  for (const k of ['apiVersion', 'kind']) {
    if (typeof value[k] !== 'string') schemaError(ctx, rootPath.child(k), 'Required value', 'required', undefined, true);
  }
  check(root, stripResourceFields(value), rootPath, ctx);
  checkMetadata(value.metadata, rootPath.child('metadata'), ctx, crd.scope === 'Namespaced', root.properties?.get('metadata'), true);
  // 4: CEL, unless a blocking error was found
  if (root.celBelow) {
    if (ctx.blocking) {
      ctx.out.push({
        field: '',
        type: 'cel',
        message: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      });
    } else {
      celWalk(root, value, rootPath, ctx, new Map(), true);
    }
  }
  return ctx.out;
}

/** The object without apiVersion/kind/metadata (validated separately from the schema's declarations). */
function stripResourceFields(v: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = v;
  return rest;
}

/** Compiles a raw OpenAPI v3 schema and validates an object against it (tests, ad-hoc CRDs). */
export function validateWithSchema(schema: Record<string, unknown>, obj: KubeObject, crd: CrdInfo = { scope: 'Namespaced' }): Violation[] {
  return validateAgainst(compileSchema(schema), obj, crd);
}

function lookupKey(apiVersion: string, kind: string): { group: string; version: string; key: string } {
  const { group, version } = splitApiVersion(apiVersion);
  return { group, version, key: `${group}/${version}/${kind}` };
}

/** True when a bundled schema exists for this apiVersion/kind in any bundled set. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return false;
  const { key } = lookupKey(apiVersion, kind);
  return BUNDLE_IDS.some((b) => loadBundle(b).schemas[key] !== undefined);
}

const CHANNEL_LABEL: Record<BundleId, string> = {
  'gateway-api-standard': 'Gateway API standard-channel',
  'gateway-api-experimental': 'Gateway API experimental-channel',
  'metallb': 'MetalLB',
  'cert-manager': 'cert-manager',
};

function servedVersions(bundle: BundleId, group: string, kind: string): string[] {
  return Object.values(loadBundle(bundle).schemas)
    .filter((s) => s.group === group && s.kind === kind)
    .map((s) => `${s.group}/${s.version}`)
    .sort();
}

/** The schema for an object, or the violation explaining why there is none (undefined: not ours). */
function resolveSchema(obj: KubeObject, channel: Channel): SchemaEntry | Violation | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const { group, version, key } = lookupKey(obj.apiVersion, obj.kind);
  const bundle = bundleForGroup(group, channel);
  if (!bundle) return undefined;
  const entry = schemaEntry(bundle, key);
  if (entry) return entry;
  const label = CHANNEL_LABEL[bundle];
  const served = servedVersions(bundle, group, obj.kind);
  const other: BundleId | undefined = bundle === 'gateway-api-standard' ? 'gateway-api-experimental' : bundle === 'gateway-api-experimental' ? 'gateway-api-standard' : undefined;
  const otherServes = other !== undefined && loadBundle(other).schemas[key] !== undefined;
  const otherHint = otherServes ? ` (${obj.apiVersion} ${obj.kind} is served by the ${CHANNEL_LABEL[other!]} CRDs)` : '';
  if (served.length === 0) {
    return {
      field: 'kind',
      type: 'unknown-kind',
      message: `no kind "${obj.kind}" is registered for group "${group}" in the ${label} CRDs${otherHint}`,
      value: obj.kind,
    };
  }
  const declared = loadBundle(bundle).notServed.some((n) => n.group === group && n.version === version && n.kind === obj.kind);
  return {
    field: 'apiVersion',
    type: 'not-served',
    message:
      `${obj.apiVersion} ${obj.kind} is ${declared ? 'no longer served' : 'not served'} by the ${label} CRDs; ` +
      `served: ${served.join(', ')}${otherHint}`,
    value: obj.apiVersion,
  };
}

/**
 * Validates an object as the Kubernetes API server would on CREATE with strict field validation,
 * against the bundled CRD schemas (Gateway API of the chosen channel, MetalLB, cert-manager).
 * Objects of other groups (core, apps, …) give `[]`.
 */
export function validateObject(obj: KubeObject, options: ValidateOptions = {}): Violation[] {
  const r = resolveSchema(obj, options.channel ?? 'standard');
  if (r === undefined) return [];
  if ('type' in r) return [r];
  return validateAgainst(r.root, obj, r.meta);
}
