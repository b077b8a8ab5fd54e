import { Construct } from 'constructs';
import { checkDnsSubdomain } from '../core/checks';
import { fail } from '../core/errors';
import type { LabelSelector } from '../gateway-api/listener';
import { METALLB_NAMESPACE, MetalLbBgpPeer } from './metallb-bgp-peer';
import { Resource, ResourceProps } from '../core/resource';

/** API version of MetalLB's pools and advertisements. */
export const METALLB_API_VERSION = 'metallb.io/v1beta1';

/** A MetalLB address pool, by name (a `MetalLbPool` or one deployed elsewhere). */
export interface IMetalLbPool {
  readonly name: string;
}

/** Options of an L2 announcement (`L2Advertisement`). */
export interface L2AdvertisementOptions {
  /** Announce only from these network interfaces of the nodes. @default - every interface */
  readonly interfaces?: string[];
  /** Announce only from nodes matching these selectors. @default - every node */
  readonly nodeSelectors?: LabelSelector[];
}

/** Options of a BGP announcement (`BGPAdvertisement`). */
export interface BgpAdvertisementOptions {
  /** Announce only to these peers. @default - every BGP peer */
  readonly peers?: MetalLbBgpPeer[];
  /** Prefix length announced for IPv4 addresses (aggregation). @default 32 */
  readonly aggregationLength?: number;
  /** Prefix length announced for IPv6 addresses (aggregation). @default 128 */
  readonly aggregationLengthV6?: number;
  /** BGP LOCAL_PREF attribute (iBGP only). @default - none */
  readonly localPref?: number;
  /** BGP communities, `65535:65282` or a `Community` alias name. @default - none */
  readonly communities?: string[];
  /** Announce only from nodes matching these selectors. @default - every node */
  readonly nodeSelectors?: LabelSelector[];
}

/** Which pools an advertisement announces. */
export interface AdvertisementPoolProps {
  /** @default - every pool (unless `poolSelectors` is set) */
  readonly pools?: IMetalLbPool[];
  /** Pools whose labels match. @default - none */
  readonly poolSelectors?: LabelSelector[];
}

/** Props of {@link MetalLbL2Advertisement}. */
export interface MetalLbL2AdvertisementProps extends ResourceProps, AdvertisementPoolProps, L2AdvertisementOptions {}

/** Props of {@link MetalLbBgpAdvertisement}. */
export interface MetalLbBgpAdvertisementProps extends ResourceProps, AdvertisementPoolProps, BgpAdvertisementOptions {}

function poolFields(pools: AdvertisementPoolProps): unknown {
  return {
    ...(pools.pools?.length ? { ipAddressPools: [...new Set(pools.pools.map((p) => p.name))].sort() } : {}),
    ...(pools.poolSelectors?.length ? { ipAddressPoolSelectors: pools.poolSelectors.map((s) => ({ ...s })) } : {}),
  };
}

/**
 * Announces MetalLB pools on the local network by ARP/NDP (`L2Advertisement`): one node
 * answers for each address. `MetalLbPool` creates one for its pool by default.
 */
export class MetalLbL2Advertisement extends Resource {
  private readonly props: MetalLbL2AdvertisementProps;

  constructor(scope: Construct, id: string, props: MetalLbL2AdvertisementProps = {}) {
    super(scope, id, { apiVersion: METALLB_API_VERSION, kind: 'L2Advertisement' }, { ...props, namespace: props.namespace ?? METALLB_NAMESPACE });
    this.props = props;
    for (const i of props.interfaces ?? []) {
      if (!/^[^\s/]{1,15}$/.test(i)) fail(this, 'spec.interfaces', i, 'is not a network interface name', 'use a name such as "eth0"');
    }
  }

  protected renderSpec(): unknown {
    const p = this.props;
    return {
      ...(poolFields(p) as object),
      ...(p.interfaces?.length ? { interfaces: [...p.interfaces] } : {}),
      ...(p.nodeSelectors?.length ? { nodeSelectors: p.nodeSelectors.map((s) => ({ ...s })) } : {}),
    };
  }
}

/** Announces MetalLB pools to BGP routers (`BGPAdvertisement`). */
export class MetalLbBgpAdvertisement extends Resource {
  private readonly props: MetalLbBgpAdvertisementProps;

  constructor(scope: Construct, id: string, props: MetalLbBgpAdvertisementProps = {}) {
    super(scope, id, { apiVersion: METALLB_API_VERSION, kind: 'BGPAdvertisement' }, { ...props, namespace: props.namespace ?? METALLB_NAMESPACE });
    this.props = props;
    if (props.aggregationLength !== undefined && !(Number.isInteger(props.aggregationLength) && props.aggregationLength >= 1 && props.aggregationLength <= 32)) {
      fail(this, 'spec.aggregationLength', props.aggregationLength, 'is not an IPv4 prefix length (1 to 32)', 'use e.g. 32 (one route per address) or 24');
    }
    if (props.aggregationLengthV6 !== undefined && !(Number.isInteger(props.aggregationLengthV6) && props.aggregationLengthV6 >= 1 && props.aggregationLengthV6 <= 128)) {
      fail(this, 'spec.aggregationLengthV6', props.aggregationLengthV6, 'is not an IPv6 prefix length (1 to 128)', 'use e.g. 128 or 64');
    }
    if (props.localPref !== undefined && !(Number.isInteger(props.localPref) && props.localPref >= 0 && props.localPref <= 4294967295)) {
      fail(this, 'spec.localPref', props.localPref, 'is not a LOCAL_PREF value (0 to 4294967295)', 'use e.g. 100');
    }
    for (const c of props.communities ?? []) {
      if (!/^\d{1,5}:\d{1,5}$/.test(c) && !/^large:\d+:\d+:\d+$/.test(c) && checkDnsSubdomain(c)) {
        fail(this, 'spec.communities', c, 'is neither a BGP community ("65535:65282", "large:1:2:3") nor a Community alias name', 'write the community value or the name of a Community alias');
      }
    }
  }

  protected renderSpec(): unknown {
    const p = this.props;
    return {
      ...(poolFields(p) as object),
      ...(p.peers?.length ? { peers: [...new Set(p.peers.map((x) => x.name))].sort() } : {}),
      ...(p.aggregationLength !== undefined ? { aggregationLength: p.aggregationLength } : {}),
      ...(p.aggregationLengthV6 !== undefined ? { aggregationLengthV6: p.aggregationLengthV6 } : {}),
      ...(p.localPref !== undefined ? { localPref: p.localPref } : {}),
      ...(p.communities?.length ? { communities: [...p.communities] } : {}),
      ...(p.nodeSelectors?.length ? { nodeSelectors: p.nodeSelectors.map((s) => ({ ...s })) } : {}),
    };
  }
}
