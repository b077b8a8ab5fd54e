/** Paths (relative to the nginx prefix) of mounted / embedded certificates and CA bundles. */
import { NamespacedName } from '../../resolve/model';
import { UnsafeValueError } from './quote';

/** File paths (relative to the nginx prefix) of mounted / embedded certificates. */
export function secretPathOf(s: NamespacedName, key: 'tls.crt' | 'tls.key'): string {
  return `secrets/${objectSegment(s.namespace)}/${objectSegment(s.name)}/${key}`;
}
export function caPath(c: NamespacedName, layout: 'nested' | 'flat' = 'nested'): string {
  // flat: one directory of `<namespace>_<name>.crt` files, which a single ConfigMap volume can hold
  // (`_` appears in neither a namespace nor a name, so the file names cannot collide)
  return layout === 'flat'
    ? `ca/${objectSegment(c.namespace)}_${objectSegment(c.name)}.crt`
    : `configmaps/${objectSegment(c.namespace)}/${objectSegment(c.name)}/ca.crt`;
}

/** A namespace / object name used as a path segment: DNS subdomain only (no `..`, `/`). */
function objectSegment(v: string): string {
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(v) || v.includes('..')) throw new UnsafeValueError(`object name ${JSON.stringify(v)} is not a DNS subdomain`, v);
  return v;
}

