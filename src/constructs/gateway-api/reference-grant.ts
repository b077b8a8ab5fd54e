import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GATEWAY_GROUP, REFERENCE_GRANT_API_VERSION } from '../../model';
import { checkDnsLabel } from '../core/checks';
import { fail } from '../core/errors';
import { Resource, ResourceProps } from '../core/resource';

/** Who may refer (`spec.from[]`): a kind in a namespace. */
export interface ReferenceGrantFrom {
  /** @default 'gateway.networking.k8s.io' */
  readonly group?: string;
  /** e.g. `HTTPRoute`, `Gateway` */
  readonly kind: string;
  readonly namespace: string;
}

/** What may be referred to (`spec.to[]`), in the grant's own namespace. */
export interface ReferenceGrantTo {
  /** @default '' (core) */
  readonly group?: string;
  /** e.g. `Service`, `Secret` */
  readonly kind: string;
  /** a single object; omit to allow every object of the kind (broader than needed) @default - all of the kind */
  readonly name?: string;
}

/** Props of {@link ReferenceGrant}. */
export interface ReferenceGrantProps extends ResourceProps {
  readonly from: ReferenceGrantFrom[];
  readonly to: ReferenceGrantTo[];
}

/**
 * A ReferenceGrant: lets objects in other namespaces refer to objects in this one.
 *
 * You rarely write one: routes and gateways of this library derive the least-privilege
 * grant (naming the one target) whenever they refer across namespaces. Write one when a
 * reference opts out (`referenceGrant: false`) or the referring object is not in the app.
 */
export class ReferenceGrant extends Resource {
  private readonly fromList: ReferenceGrantFrom[] = [];
  private readonly toList: ReferenceGrantTo[] = [];

  constructor(scope: Construct, id: string, props: ReferenceGrantProps) {
    super(scope, id, { apiVersion: REFERENCE_GRANT_API_VERSION, kind: 'ReferenceGrant' }, props);
    props.from.forEach((f) => this.addFrom(f));
    props.to.forEach((t) => this.addTo(t));
  }

  /** Adds a `from` entry (deduplicated). */
  public addFrom(from: ReferenceGrantFrom): void {
    this._mutate(() => {
      const p = checkDnsLabel(from.namespace);
      if (p) fail(this, 'spec.from[].namespace', from.namespace, p, 'name an existing namespace');
      const f = { group: from.group ?? GATEWAY_GROUP, kind: from.kind, namespace: from.namespace };
      if (!this.fromList.some((x) => x.group === f.group && x.kind === f.kind && x.namespace === f.namespace)) this.fromList.push(f);
    });
  }

  /** Adds a `to` entry (deduplicated; a kind-wide entry covers named ones). */
  public addTo(to: ReferenceGrantTo): void {
    this._mutate(() => {
      const t = { group: to.group ?? '', kind: to.kind, ...(to.name !== undefined ? { name: to.name } : {}) };
      if (!this.toList.some((x) => x.group === t.group && x.kind === t.kind && x.name === t.name)) this.toList.push(t);
    });
  }

  protected renderSpec(): unknown {
    const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const fromKey = (f: ReferenceGrantFrom) => `${f.group}/${f.kind}/${f.namespace}`;
    const toKey = (t: ReferenceGrantTo) => `${t.group}/${t.kind}/${t.name ?? ''}`;
    return {
      from: [...this.fromList].sort((a, b) => order(fromKey(a), fromKey(b))),
      to: [...this.toList].sort((a, b) => order(toKey(a), toKey(b))),
    };
  }
}

/** A cross-namespace reference that needs a grant. @internal */
export interface GrantRequest {
  readonly fromGroup: string;
  readonly fromKind: string;
  readonly fromNamespace: string;
  readonly toGroup: string;
  readonly toKind: string;
  readonly toName: string;
  readonly toNamespace: string;
}

const derivedGrants = new WeakMap<IConstruct, Map<string, ReferenceGrant>>();

/**
 * Ensures the least-privilege grant for one cross-namespace reference exists: one
 * ReferenceGrant per (target namespace, referring kind and namespace, target kind),
 * listing each target by name. Grants are shared app-wide and created in the chart of
 * the first referring construct. Name: `<from-namespace>-<fromkind>-to-<tokind>`.
 * @internal
 */
export function ensureReferenceGrant(referrer: IConstruct, req: GrantRequest): ReferenceGrant {
  const root = referrer.node.root;
  let grants = derivedGrants.get(root);
  if (!grants) {
    grants = new Map();
    derivedGrants.set(root, grants);
  }
  const key = [req.toNamespace, req.fromGroup, req.fromKind, req.fromNamespace, req.toGroup, req.toKind].join('|');
  let grant = grants.get(key);
  if (!grant) {
    const chart = Chart.of(referrer);
    const container = (chart.node.tryFindChild('DerivedReferenceGrants') as Construct | undefined) ?? new Construct(chart, 'DerivedReferenceGrants');
    const name = `${req.fromNamespace}-${req.fromKind.toLowerCase()}-to-${req.toKind.toLowerCase()}`;
    grant = new ReferenceGrant(container, `${req.toNamespace}/${name}`, {
      name,
      namespace: req.toNamespace,
      from: [{ group: req.fromGroup, kind: req.fromKind, namespace: req.fromNamespace }],
      to: [],
    });
    grants.set(key, grant);
  }
  grant.addTo({ group: req.toGroup, kind: req.toKind, name: req.toName });
  return grant;
}
