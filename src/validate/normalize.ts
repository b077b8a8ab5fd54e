/** Steps 1+2 of validation (see validator.ts). */
import { FieldPath } from './field-path';
import { SchemaNode } from './schema-types';
import { copyArray, Ctx, deepClone, isPlainObject, small } from './values';

const hasOwn = Object.prototype.hasOwnProperty;
const ROOT_META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Step 1+2: strict decoding (unknown fields reported and pruned, non-nullable nulls dropped) and
 * defaulting. Returns the value itself when nothing changed, else a modified copy.
 */
export function normalize(node: SchemaNode, value: unknown, path: FieldPath, ctx: Ctx, resource = false): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v !== null && typeof v !== 'object') continue; // a scalar is kept as is
      let nv: unknown;
      if (v === null && !items.nullable && items.hasDefault) nv = normalize(items, deepClone(items.default), path.index(i), ctx, items.embeddedResource);
      else nv = normalize(items, v, path.index(i), ctx, items.embeddedResource);
      if (nv !== v) {
        out ??= copyArray(value);
        out[i] = nv;
      }
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  const props = node.properties;
  const ap = node.additionalProperties;
  if (!props && ap === undefined && node.type !== 'object' && !resource) return value; // not an object schema: a type error later
  // (no closure and no key array per visited object: this runs over every object of the input)
  let out: Record<string, unknown> | undefined;
  for (const k in value) {
    if (!hasOwn.call(value, k)) continue; // (the keys of Object.keys, in its order)
    const v = value[k];
    if (v === undefined) {
      delete (out ??= { ...value })[k];
      continue;
    }
    if (resource && ROOT_META_FIELDS.has(k)) continue; // validated separately
    const child = props ? props.get(k) : typeof ap === 'object' ? ap : undefined;
    if (child && v !== null && typeof v !== 'object') continue; // a declared scalar is kept as is
    if (child) {
      const childPath = props ? path.child(k) : path.key(k);
      if (v === null && !child.nullable) {
        if (child.hasDefault) (out ??= { ...value })[k] = normalize(child, deepClone(child.default), childPath, ctx, child.embeddedResource);
        else delete (out ??= { ...value })[k];
        continue;
      }
      const nv = normalize(child, v, childPath, ctx, child.embeddedResource);
      if (nv !== v) (out ??= { ...value })[k] = nv;
    } else if (node.preserveUnknownFields || ap === true) {
      // kept as is
    } else {
      const childPath = props ? path.child(k) : path.key(k);
      ctx.out.push({ field: childPath.toString(), type: 'unknown-field', message: `unknown field "${childPath.toString()}"`, value: small(v) });
      delete (out ??= { ...value })[k];
    }
  }
  if (node.defaultedProperties) {
    const cur = out ?? value;
    for (const k of node.defaultedProperties) {
      if (cur[k] === undefined) {
        const child = props!.get(k)!;
        (out ??= { ...value })[k] = normalize(child, deepClone(child.default), path.child(k), ctx, child.embeddedResource);
      }
    }
  }
  return out ?? value;
}
