import { Construct } from 'constructs';
import { fail } from '../core/errors';
import { parseIp } from '../../model/ip-range';
import type { LabelSelector } from '../gateway-api/listener';
import { Resource, ResourceProps } from '../core/resource';

/** The namespace MetalLB watches (and where its objects must live) unless configured otherwise. */
export const METALLB_NAMESPACE = 'metallb-system';

/** API version of MetalLB's BGPPeer (v1beta1 is served but deprecated). */
export const METALLB_BGP_PEER_API_VERSION = 'metallb.io/v1beta2';

/** `dynamicASN`: detect the peer's ASN instead of configuring it. */
export enum BgpDynamicAsn {
  /** the peer is in the same AS (iBGP) */
  INTERNAL = 'internal',
  /** the peer is in another AS (eBGP) */
  EXTERNAL = 'external',
}

/** Props of {@link MetalLbBgpPeer}. */
export interface MetalLbBgpPeerProps extends ResourceProps {
  /** The cluster's AS number (`myASN`). */
  readonly myAsn: number;
  /** The router's AS number. Required unless `dynamicAsn` is set. @default - none */
  readonly peerAsn?: number;
  /** Detect the peer's ASN (instead of `peerAsn`). @default - none */
  readonly dynamicAsn?: BgpDynamicAsn;
  /** The router's IP address. */
  readonly peerAddress: string;
  /** @default 179 */
  readonly peerPort?: number;
  /** BGP hold time, a Go duration such as `90s`. @default - MetalLB's default (90s) */
  readonly holdTime?: string;
  /** BGP keepalive time, a Go duration such as `30s`. @default - a third of the hold time */
  readonly keepaliveTime?: string;
  /** The BGP router ID to advertise (an IPv4 address). @default - the node's address */
  readonly routerId?: string;
  /** The source address of the BGP session. @default - chosen by the OS */
  readonly sourceAddress?: string;
  /** The peer is more than one hop away. @default false */
  readonly ebgpMultiHop?: boolean;
  /** A Secret of type `kubernetes.io/basic-auth` (in MetalLB's namespace) holding the MD5 session password. @default - no password */
  readonly passwordSecret?: string;
  /** A BFDProfile (in MetalLB's namespace) for fast failure detection. @default - no BFD */
  readonly bfdProfile?: string;
  /** Only nodes matching these selectors peer with the router. @default - every node */
  readonly nodeSelectors?: LabelSelector[];
  /** The VRF the session runs in. @default - the default VRF */
  readonly vrf?: string;
}

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

function checkAsn(scope: Construct, field: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 0 || v > 4294967295) fail(scope, field, v, 'is not an AS number (an integer from 0 to 4294967295)', 'use your AS number, e.g. 64512 (private range 64512-65534)');
}

/**
 * A MetalLB BGP router to peer with (`BGPPeer`, `metallb.io/v1beta2`), in MetalLB's namespace.
 *
 * @example
 * const router = new MetalLbBgpPeer(chart, 'router', { myAsn: 64512, peerAsn: 64513, peerAddress: '10.0.0.1' });
 * new MetalLbPool(chart, 'bgp-pool', { addresses: ['10.10.10.0/24'], advertisement: PoolAdvertisement.bgp({ peers: [router] }) });
 */
export class MetalLbBgpPeer extends Resource {
  private readonly props: MetalLbBgpPeerProps;

  constructor(scope: Construct, id: string, props: MetalLbBgpPeerProps) {
    super(scope, id, { apiVersion: METALLB_BGP_PEER_API_VERSION, kind: 'BGPPeer' }, { ...props, namespace: props.namespace ?? METALLB_NAMESPACE });
    this.props = props;
    checkAsn(this, 'spec.myASN', props.myAsn);
    checkAsn(this, 'spec.peerASN', props.peerAsn);
    if (props.peerAsn === undefined && props.dynamicAsn === undefined) {
      fail(this, 'spec.peerASN', undefined, 'is missing', 'pass `peerAsn`, or `dynamicAsn` to detect it');
    }
    if (props.peerAsn !== undefined && props.dynamicAsn !== undefined) {
      fail(this, 'spec.dynamicASN', props.dynamicAsn, 'is set together with peerASN', 'pass one of `peerAsn` and `dynamicAsn`');
    }
    if (!parseIp(props.peerAddress)) fail(this, 'spec.peerAddress', props.peerAddress, 'is not an IP address', "give the router's address, e.g. \"10.0.0.1\"");
    if (props.sourceAddress !== undefined && !parseIp(props.sourceAddress)) fail(this, 'spec.sourceAddress', props.sourceAddress, 'is not an IP address', 'give a local address of the nodes');
    if (props.routerId !== undefined && parseIp(props.routerId)?.family !== 4) fail(this, 'spec.routerID', props.routerId, 'is not an IPv4 address', 'a BGP router ID is written as an IPv4 address');
    if (props.peerPort !== undefined && !(Number.isInteger(props.peerPort) && props.peerPort >= 1 && props.peerPort <= 16384)) {
      fail(this, 'spec.peerPort', props.peerPort, 'is not a port MetalLB accepts (1 to 16384)', 'use 179, the BGP port');
    }
    for (const [field, v] of [['spec.holdTime', props.holdTime], ['spec.keepaliveTime', props.keepaliveTime]] as const) {
      if (v !== undefined && !GO_DURATION.test(v)) fail(this, field, v, 'is not a Go duration', 'write e.g. "90s" or "1m30s"');
    }
  }

  protected renderSpec(): unknown {
    const p = this.props;
    return {
      myASN: p.myAsn,
      ...(p.peerAsn !== undefined ? { peerASN: p.peerAsn } : {}),
      ...(p.dynamicAsn !== undefined ? { dynamicASN: p.dynamicAsn } : {}),
      peerAddress: p.peerAddress,
      ...(p.peerPort !== undefined ? { peerPort: p.peerPort } : {}),
      ...(p.holdTime !== undefined ? { holdTime: p.holdTime } : {}),
      ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
      ...(p.routerId !== undefined ? { routerID: p.routerId } : {}),
      ...(p.sourceAddress !== undefined ? { sourceAddress: p.sourceAddress } : {}),
      ...(p.ebgpMultiHop !== undefined ? { ebgpMultiHop: p.ebgpMultiHop } : {}),
      ...(p.passwordSecret !== undefined ? { passwordSecret: { name: p.passwordSecret, namespace: this.effectiveNamespace } } : {}),
      ...(p.bfdProfile !== undefined ? { bfdProfile: p.bfdProfile } : {}),
      ...(p.nodeSelectors?.length ? { nodeSelectors: p.nodeSelectors.map((s) => ({ ...s })) } : {}),
      ...(p.vrf !== undefined ? { vrf: p.vrf } : {}),
    };
  }
}
