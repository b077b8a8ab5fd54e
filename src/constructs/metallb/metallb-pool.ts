import { Construct } from 'constructs';
import { METALLB_ADDRESS_POOL, METALLB_LOAD_BALANCER_IPS, ObjectRef } from '../../model';
import { metallbFindings } from '../../resolve/metallb';
import { appObjects, problem } from '../core/app-tree';
import { fail } from '../core/errors';
import { GatewayAddress } from '../gateway-api/gateway-address';
import { IpRange, isBuggyIp, parseIp, parsePoolEntry, rangeContains, rangesOverlap } from '../../model/ip-range';
import type { LabelSelector } from '../gateway-api/listener';
import { ILoadBalancerAddress, ServiceAnnotationOptions } from '../gateway-api/load-balancer-address';
import {
  BgpAdvertisementOptions,
  IMetalLbPool,
  L2AdvertisementOptions,
  METALLB_API_VERSION,
  MetalLbBgpAdvertisement,
  MetalLbL2Advertisement,
} from './metallb-advertisement';
import { METALLB_NAMESPACE } from './metallb-bgp-peer';
import { Resource, ResourceProps } from '../core/resource';


/** Which Services may take addresses from a pool (`serviceAllocation`). */
export interface MetalLbServiceAllocation {
  /** Preference among the pools that match a Service (lower is preferred). @default - no preference */
  readonly priority?: number;
  /** Only Services in these namespaces. @default - every namespace */
  readonly namespaces?: string[];
  /** Only Services in namespaces matching these selectors. @default - every namespace */
  readonly namespaceSelectors?: LabelSelector[];
  /** Only Services matching these selectors. @default - every Service */
  readonly serviceSelectors?: LabelSelector[];
}

/** How a pool is announced by default (`MetalLbPool`'s `advertisement`). */
export class PoolAdvertisement {
  /** ARP/NDP on the local network (`L2Advertisement` selecting the pool). */
  public static l2(options: L2AdvertisementOptions = {}): PoolAdvertisement {
    return new PoolAdvertisement('l2', options, undefined);
  }
  /** BGP to routers (`BGPAdvertisement` selecting the pool; create the `MetalLbBgpPeer`s yourself). */
  public static bgp(options: BgpAdvertisementOptions = {}): PoolAdvertisement {
    return new PoolAdvertisement('bgp', undefined, options);
  }
  /**
   * No advertisement of its own: another advertisement of the app (e.g. one shared
   * `MetalLbL2Advertisement` for several pools) must select the pool; synth fails otherwise.
   */
  public static none(): PoolAdvertisement {
    return new PoolAdvertisement('none', undefined, undefined);
  }
  private constructor(
    /** @internal */ public readonly _type: 'l2' | 'bgp' | 'none',
    /** @internal */ public readonly _l2?: L2AdvertisementOptions,
    /** @internal */ public readonly _bgp?: BgpAdvertisementOptions,
  ) {}
}

/** Props of {@link MetalLbPool}. */
export interface MetalLbPoolProps extends ResourceProps {
  /**
   * Addresses of the pool: CIDRs (`192.168.1.240/28`, `fd00:1::/120`), ranges
   * (`192.168.1.240-192.168.1.250`) or single addresses (rendered as /32 or /128);
   * IPv4 and IPv6 may be mixed for dual-stack Services.
   */
  readonly addresses: string[];
  /** Hand out addresses to Services that did not ask for this pool. @default true */
  readonly autoAssign?: boolean;
  /** Never hand out IPv4 addresses ending in .0 or .255 (buggy consumer equipment). @default false */
  readonly avoidBuggyIPs?: boolean;
  /** Restrict which Services may take addresses from the pool. @default - any Service */
  readonly serviceAllocation?: MetalLbServiceAllocation;
  /**
   * How the pool is announced. Add more with `addL2Advertisement` / `addBgpAdvertisement`.
   * @default PoolAdvertisement.l2()
   */
  readonly advertisement?: PoolAdvertisement;
}

/** Options of {@link MetalLbPool.address}. */
export interface MetalLbAddressOptions {
  /**
   * Also name the pool (`metallb.io/address-pool`), so MetalLB refuses the address if it
   * moves to another pool.
   * @default false
   */
  readonly namePool?: boolean;
}

/**
 * An address request against a {@link MetalLbPool}: a pinned address (`pool.address(ip)`)
 * or any free address of the pool (`pool.anyAddress()`). Pass it as a Gateway's
 * `loadBalancerAddress`; a Service takes `serviceAnnotations()`.
 */
export class MetalLbAddress implements ILoadBalancerAddress {
  /** The pinned address (undefined for "any address of the pool"). */
  public readonly ip?: string;
  /** The `spec.addresses[]` entry for a pinned address. */
  public readonly gatewayAddress?: GatewayAddress;

  /** @internal */
  constructor(public readonly pool: IMetalLbPool, ip: string | undefined, private readonly options: MetalLbAddressOptions = {}) {
    this.ip = ip;
    this.gatewayAddress = ip !== undefined ? GatewayAddress.ipAddress(ip) : undefined;
  }

  public serviceAnnotations(options: ServiceAnnotationOptions = {}): { [key: string]: string } {
    if (this.ip === undefined || options.loadBalancerIpField) return { [METALLB_ADDRESS_POOL]: this.pool.name };
    return {
      [METALLB_LOAD_BALANCER_IPS]: this.ip,
      ...(this.options.namePool ? { [METALLB_ADDRESS_POOL]: this.pool.name } : {}),
    };
  }
}

/**
 * A MetalLB address pool (`IPAddressPool`, `metallb.io/v1beta1`) in MetalLB's namespace,
 * announced on the local network by an `L2Advertisement` unless told otherwise.
 *
 * Local checks: address syntax (IPv4/IPv6, range order, CIDR host bits), overlaps inside
 * the pool, pinned addresses inside the pool. Whole-app checks at synth: overlaps with the
 * app's other pools, a pool no advertisement announces, addresses pinned on Gateways and
 * LoadBalancer Services that lie outside every pool (or name a missing pool), Services
 * with both `spec.loadBalancerIP` and the annotation, deprecated `metallb.universe.tf/*` keys.
 *
 * @example
 * const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
 * new Gateway(chart, 'web-gateway', { gatewayClass, loadBalancerAddress: pool.address('192.168.1.240') });
 */
export class MetalLbPool extends Resource implements IMetalLbPool {
  /** The parsed address ranges. @internal */
  public readonly _ranges: IpRange[];
  private readonly props: MetalLbPoolProps;

  constructor(scope: Construct, id: string, props: MetalLbPoolProps) {
    super(scope, id, { apiVersion: METALLB_API_VERSION, kind: 'IPAddressPool' }, { ...props, namespace: props.namespace ?? METALLB_NAMESPACE });
    this.props = props;
    if (!props.addresses.length) fail(this, 'spec.addresses', [], 'is empty', 'give at least one CIDR, range or address');
    this._ranges = props.addresses.map((a, i) => {
      const r = parsePoolEntry(a);
      if ('problem' in r) return fail(this, `spec.addresses[${i}]`, a, r.problem, r.fix);
      return r;
    });
    this._ranges.forEach((r, i) => {
      const j = this._ranges.findIndex((o, k) => k < i && rangesOverlap(o, r));
      if (j >= 0) fail(this, `spec.addresses[${i}]`, r.text, `overlaps ${JSON.stringify(this._ranges[j].text)} of the same pool`, 'merge the two entries or make them disjoint');
    });
    const sa = props.serviceAllocation;
    if (sa?.priority !== undefined && !Number.isInteger(sa.priority)) fail(this, 'spec.serviceAllocation.priority', sa.priority, 'is not an integer', 'use e.g. 10 (lower is preferred)');
    const adv = props.advertisement ?? PoolAdvertisement.l2();
    // the default advertisement shares the pool's name
    if (adv._type === 'l2') new MetalLbL2Advertisement(this, 'L2Advertisement', { ...adv._l2, name: this.name, namespace: this.namespace, pools: [this] });
    if (adv._type === 'bgp') new MetalLbBgpAdvertisement(this, 'BGPAdvertisement', { ...adv._bgp, name: this.name, namespace: this.namespace, pools: [this] });
    this.node.addValidation({ validate: () => this.appProblems() });
  }

  /** Whether the pool hands out addresses to Services that did not ask for it. */
  public get autoAssign(): boolean {
    return this.props.autoAssign ?? true;
  }

  /**
   * Pins `ip` (an address of this pool): for a Gateway's `loadBalancerAddress` or a
   * Service's annotations (`metallb.io/loadBalancerIPs`).
   */
  public address(ip: string, options: MetalLbAddressOptions = {}): MetalLbAddress {
    return this._mutate(() => {
      const parsed = parseIp(ip);
      if (!parsed) fail(this, 'address', ip, 'is not an IP address', `give an address of the pool (${this.describe()})`);
      if (!this._ranges.some((r) => rangeContains(r, parsed))) {
        fail(this, 'address', ip, `is not in pool "${this.name}" (${this.describe()})`, 'pin an address of the pool, or add it to `addresses`');
      }
      if (this.props.avoidBuggyIPs && isBuggyIp(parsed)) {
        fail(this, 'address', ip, 'ends in .0 or .255, which the pool never hands out (avoidBuggyIPs)', 'pin another address, or turn avoidBuggyIPs off');
      }
      return new MetalLbAddress(this, ip, options);
    });
  }

  /** Any free address of this pool (`metallb.io/address-pool`), also when `autoAssign` is off. */
  public anyAddress(): MetalLbAddress {
    return new MetalLbAddress(this, undefined);
  }

  /** Adds an L2 announcement of this pool (named after `id`) and returns it. */
  public addL2Advertisement(id: string, options: L2AdvertisementOptions = {}): MetalLbL2Advertisement {
    return this._mutate(() => new MetalLbL2Advertisement(this, id, { ...options, namespace: this.namespace, pools: [this] }));
  }

  /** Adds a BGP announcement of this pool (named after `id`) and returns it. */
  public addBgpAdvertisement(id: string, options: BgpAdvertisementOptions = {}): MetalLbBgpAdvertisement {
    return this._mutate(() => {
      return new MetalLbBgpAdvertisement(this, id, { ...options, namespace: this.namespace, pools: [this] });
    });
  }

  /** Whether the pool contains `ip`. */
  public contains(ip: string): boolean {
    const parsed = parseIp(ip);
    return !!parsed && this._ranges.some((r) => rangeContains(r, parsed));
  }

  protected renderSpec(): unknown {
    const p = this.props;
    const sa = p.serviceAllocation;
    return {
      addresses: this._ranges.map((r) => r.rendered),
      ...(p.autoAssign !== undefined ? { autoAssign: p.autoAssign } : {}),
      ...(p.avoidBuggyIPs !== undefined ? { avoidBuggyIPs: p.avoidBuggyIPs } : {}),
      ...(sa
        ? {
          serviceAllocation: {
            ...(sa.priority !== undefined ? { priority: sa.priority } : {}),
            ...(sa.namespaces?.length ? { namespaces: [...sa.namespaces] } : {}),
            ...(sa.namespaceSelectors?.length ? { namespaceSelectors: sa.namespaceSelectors.map((s) => ({ ...s })) } : {}),
            ...(sa.serviceSelectors?.length ? { serviceSelectors: sa.serviceSelectors.map((s) => ({ ...s })) } : {}),
          },
        }
        : {}),
    };
  }

  private describe(): string {
    return this._ranges.map((r) => r.text).join(', ');
  }

  /**
   * Whole-app checks (run at synth), by the same function `cdk8s-gateway check` runs
   * (src/resolve/metallb.ts): this pool's own findings, and — reported once, by the first pool of
   * the app — those about objects no MetalLbPool construct owns (Gateways, Services, plain pools).
   */
  private appProblems(): string[] {
    const pools = appObjects(this, 'metallb.io', ['IPAddressPool']);
    const objects = [
      ...pools,
      ...appObjects(this, 'metallb.io', ['L2Advertisement', 'BGPAdvertisement']),
      ...appObjects(this, 'gateway.networking.k8s.io', ['Gateway']),
      ...appObjects(this, '', ['Service']),
    ];
    const same = (r: ObjectRef, o: { kind: string; metadata: { name: string; namespace?: string } }) => r.kind === o.kind && r.name === o.metadata.name && (r.namespace ?? 'default') === (o.metadata.namespace ?? 'default');
    const constructPools = pools.filter((p) => p.source.node.scope instanceof MetalLbPool);
    const firstPool = constructPools.map((p) => p.source.node.scope)[0];
    const mine = { kind: 'IPAddressPool', metadata: { name: this.name, namespace: this.effectiveNamespace } };
    const out: string[] = [];
    for (const f of metallbFindings(objects)) {
      if (same(f.object, mine)) {
        out.push(problem(f.field, f.value, f.what, f.fix));
      } else if (firstPool === this && !constructPools.some((p) => same(f.object, p))) {
        out.push(problem(`${f.object.kind} ${f.object.namespace ?? 'default'}/${f.object.name} ${f.field}`, f.value, f.what, f.fix));
      }
    }
    return out;
  }
}

