import { Construct } from 'constructs';
import { METALLB_ADDRESS_POOL, METALLB_DEPRECATED_PREFIX, METALLB_LOAD_BALANCER_IPS } from '../../model';
import { AppObject, appObjects, problem, refOf, selectorMatches } from '../core/app-tree';
import { fail } from '../core/errors';
import { GatewayAddress } from '../gateway-api/gateway-address';
import { IpAddress, IpRange, isBuggyIp, parseIp, parsePoolEntry, rangeContains, rangesOverlap } from '../core/ip-address';
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

const DEPRECATED_PREFIX = METALLB_DEPRECATED_PREFIX;

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

  /** Whole-app checks (run at synth). */
  private appProblems(): string[] {
    const out: string[] = [];
    const pools = appObjects(this, 'metallb.io', ['IPAddressPool']).map((o) => ({ obj: o, ranges: rangesOf(o) }));
    const own = pools.find((p) => p.obj.source === this.apiObject);
    const key = (o: AppObject) => refOf(o);

    // overlaps with the app's other pools (reported once, by the pool that sorts last)
    for (const other of pools) {
      if (other === own) continue;
      const otherIsConstruct = other.obj.source.node.scope instanceof MetalLbPool;
      if (otherIsConstruct && key(other.obj) > refOf({ metadata: { name: this.name, namespace: this.effectiveNamespace } })) continue;
      this._ranges.forEach((r, i) => {
        const hit = other.ranges.find((o) => rangesOverlap(o, r));
        if (hit) {
          out.push(problem(`spec.addresses[${i}]`, r.text, `overlaps ${JSON.stringify(hit.text)} of IPAddressPool ${key(other.obj)}, and MetalLB rejects overlapping pools`, 'make the pools disjoint (shrink one of them)'));
        }
      });
    }

    // a pool that nothing announces
    const adverts = appObjects(this, 'metallb.io', ['L2Advertisement', 'BGPAdvertisement']).filter((a) => (a.metadata.namespace ?? 'default') === this.effectiveNamespace);
    const labels: Record<string, string> = own?.obj.metadata.labels ?? {};
    const announced = adverts.some((a) => {
      const names: string[] = a.spec?.ipAddressPools ?? [];
      const selectors: LabelSelector[] = a.spec?.ipAddressPoolSelectors ?? [];
      if (!names.length && !selectors.length) return true;
      return names.includes(this.name) || selectors.some((s) => selectorMatches(s, labels));
    });
    if (!announced) {
      out.push(problem('metadata.name', this.name, `is announced by no L2Advertisement or BGPAdvertisement in ${this.effectiveNamespace}: MetalLB hands out its addresses but nothing answers for them`, 'keep the default `advertisement` (PoolAdvertisement.l2()), or add an advertisement that selects the pool (`pool.addL2Advertisement(...)`)'));
    }

    // app-wide address requests: reported once, by the first pool of the app
    const firstPool = pools.map((p) => p.obj.source.node.scope).find((s): s is MetalLbPool => s instanceof MetalLbPool);
    if (firstPool === this) out.push(...addressRequestProblems(this, pools));
    return out;
  }
}

function rangesOf(pool: AppObject): IpRange[] {
  const out: IpRange[] = [];
  for (const a of (pool.spec?.addresses ?? []) as unknown[]) {
    if (typeof a !== 'string') continue;
    const r = parsePoolEntry(a);
    if (!('problem' in r)) out.push(r);
  }
  return out;
}

interface PoolInfo {
  readonly obj: AppObject;
  readonly ranges: IpRange[];
}

/** Addresses pinned by Gateways and LoadBalancer Services of the app, against the app's pools. */
function addressRequestProblems(scope: Construct, pools: PoolInfo[]): string[] {
  const out: string[] = [];
  const poolNames = pools.map((p) => p.obj.metadata.name);
  const summary = pools.map((p) => `${p.obj.metadata.name}: ${p.ranges.map((r) => r.text).join(', ')}`).join('; ');
  const check = (who: string, field: string, ip: string, poolName: string | undefined) => {
    const parsed: IpAddress | undefined = parseIp(ip.trim());
    if (!parsed) {
      out.push(problem(`${who} ${field}`, ip, 'is not an IP address', 'write a plain IPv4 or IPv6 address'));
      return;
    }
    const inPools = pools.filter((p) => p.ranges.some((r) => rangeContains(r, parsed)));
    if (!inPools.length) {
      out.push(problem(`${who} ${field}`, ip, `is outside every MetalLB pool of the app (${summary}): MetalLB never assigns it and the Service stays <pending>`, 'pin an address of a pool (`pool.address(...)`), or add the address to a pool'));
      return;
    }
    if (poolName !== undefined && !inPools.some((p) => p.obj.metadata.name === poolName)) {
      out.push(problem(`${who} ${field}`, ip, `is not in pool "${poolName}" named by ${METALLB_ADDRESS_POOL} (it is in ${inPools.map((p) => p.obj.metadata.name).join(', ')}), and MetalLB refuses the pair`, 'name the pool that holds the address, or pin an address of the named pool'));
    }
    const buggy = inPools.find((p) => p.obj.spec?.avoidBuggyIPs === true);
    if (buggy && isBuggyIp(parsed)) {
      out.push(problem(`${who} ${field}`, ip, `ends in .0 or .255, which pool "${buggy.obj.metadata.name}" never hands out (avoidBuggyIPs)`, 'pin another address'));
    }
  };
  const checkPoolName = (who: string, field: string, name: string) => {
    if (!poolNames.includes(name)) {
      out.push(problem(`${who} ${field}`, name, `names no MetalLB pool of the app (pools: ${poolNames.join(', ')})`, 'use the name of a pool (`pool.anyAddress()`)'));
    }
  };

  for (const gw of appObjects(scope, 'gateway.networking.k8s.io', ['Gateway'])) {
    const who = `Gateway ${refOf(gw)}`;
    const ann: Record<string, string> = gw.spec?.infrastructure?.annotations ?? {};
    const poolName = ann[METALLB_ADDRESS_POOL];
    if (poolName !== undefined) checkPoolName(who, `spec.infrastructure.annotations[${METALLB_ADDRESS_POOL}]`, poolName);
    for (const k of Object.keys(ann)) {
      if (k.startsWith(DEPRECATED_PREFIX)) out.push(problem(`${who} spec.infrastructure.annotations`, k, 'is a deprecated MetalLB annotation key', `use "metallb.io/${k.slice(DEPRECATED_PREFIX.length)}"`));
    }
    ((gw.spec?.addresses ?? []) as any[]).forEach((a, i) => {
      if ((a?.type ?? 'IPAddress') === 'IPAddress' && typeof a?.value === 'string') check(who, `spec.addresses[${i}].value`, a.value, poolName);
    });
    const ips = ann[METALLB_LOAD_BALANCER_IPS];
    if (ips !== undefined) {
      ips.split(',').forEach((ip) => check(who, `spec.infrastructure.annotations[${METALLB_LOAD_BALANCER_IPS}]`, ip.trim(), poolName));
    }
  }

  for (const svc of appObjects(scope, '', ['Service'])) {
    const who = `Service ${refOf(svc)}`;
    const ann: Record<string, string> = svc.metadata.annotations ?? {};
    for (const k of Object.keys(ann)) {
      if (k.startsWith(DEPRECATED_PREFIX)) out.push(problem(`${who} metadata.annotations`, k, 'is a deprecated MetalLB annotation key', `use "metallb.io/${k.slice(DEPRECATED_PREFIX.length)}"`));
    }
    if (svc.spec?.type !== 'LoadBalancer') continue;
    const poolName = ann[METALLB_ADDRESS_POOL];
    if (poolName !== undefined) checkPoolName(who, `metadata.annotations[${METALLB_ADDRESS_POOL}]`, poolName);
    const ips = ann[METALLB_LOAD_BALANCER_IPS];
    const field = svc.spec?.loadBalancerIP;
    if (ips !== undefined && typeof field === 'string' && field !== '') {
      out.push(problem(`${who} spec.loadBalancerIP`, field, `is set together with the ${METALLB_LOAD_BALANCER_IPS} annotation, and MetalLB refuses such a Service`, `drop spec.loadBalancerIP (deprecated) and keep the annotation`));
    }
    if (ips !== undefined) ips.split(',').forEach((ip) => check(who, `metadata.annotations[${METALLB_LOAD_BALANCER_IPS}]`, ip.trim(), poolName));
    else if (typeof field === 'string' && field !== '') check(who, 'spec.loadBalancerIP', field, poolName);
  }
  return out;
}
