import { Inventory } from './inventory';
import { arr, rec, str } from './util';

/** A reference from one object to another, as ReferenceGrant sees it. */
export interface CrossRef {
  readonly fromGroup: string;
  readonly fromKind: string;
  readonly fromNamespace: string;
  /** `''` for the core group. */
  readonly toGroup: string;
  readonly toKind: string;
  readonly toNamespace: string;
  readonly toName: string;
}

/**
 * Whether the reference is permitted: same-namespace references always are; a cross-namespace one
 * needs a ReferenceGrant in the target namespace whose `from` lists the referrer's group, kind and
 * namespace and whose `to` lists the target's group and kind (and name, when the entry names one).
 * Grants are read from the input only: a grant that is not in the input does not exist, so removing
 * one revokes the references it allowed.
 */
export function refPermitted(inv: Inventory, r: CrossRef): boolean {
  if (r.fromNamespace === r.toNamespace) return true;
  return findGrant(inv, r) !== undefined;
}

/** The `namespace/name` of the first ReferenceGrant that permits the reference, if any. */
export function findGrant(inv: Inventory, r: CrossRef): string | undefined {
  for (const g of inv.referenceGrants) {
    if (g.namespace !== r.toNamespace) continue;
    const fromOk = arr(g.spec.from).some((f) => {
      const x = rec(f);
      return (str(x.group) ?? '') === r.fromGroup && str(x.kind) === r.fromKind && str(x.namespace) === r.fromNamespace;
    });
    if (!fromOk) continue;
    const toOk = arr(g.spec.to).some((t) => {
      const x = rec(t);
      const name = str(x.name);
      return (str(x.group) ?? '') === r.toGroup && str(x.kind) === r.toKind && (name === undefined || name === '' || name === r.toName);
    });
    if (toOk) return `${g.namespace}/${g.name}`;
  }
  return undefined;
}

/** The fix sentence for a reference that needs a grant. */
export function grantFix(r: CrossRef): string {
  return (
    `add a ReferenceGrant in namespace ${r.toNamespace} from ${r.fromKind} in ${r.fromNamespace} to ${r.toKind} ${r.toName} ` +
    `(spec.from: [{group: "${r.fromGroup}", kind: ${r.fromKind}, namespace: ${r.fromNamespace}}], ` +
    `spec.to: [{group: "${r.toGroup}", kind: ${r.toKind}, name: ${r.toName}}])`
  );
}
