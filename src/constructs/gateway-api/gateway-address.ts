import { checkHostname } from '../core/checks';
import { isIP } from '../../model/ip';
import { fail } from '../core/errors';

/** An address requested for the Gateway (`spec.addresses[]`). */
export class GatewayAddress {
  /** A specific IP (e.g. one from a MetalLB pool). */
  public static ipAddress(ip: string): GatewayAddress {
    // what the Gateway CRD's CEL rule checks (isIP: netip.ParseAddr, no zone)
    if (!isIP(ip)) fail(undefined, 'spec.addresses[].value', ip, 'is not an IPv4 or IPv6 address', 'write e.g. "192.168.1.240"');
    return new GatewayAddress('IPAddress', ip);
  }
  /** A DNS name. */
  public static hostname(hostname: string): GatewayAddress {
    const p = checkHostname(hostname);
    if (p) fail(undefined, 'spec.addresses[].value', hostname, p, 'write a DNS name');
    return new GatewayAddress('Hostname', hostname);
  }
  /** An implementation-specific address type (`example.com/pool`). */
  public static of(type: string, value?: string): GatewayAddress {
    return new GatewayAddress(type, value);
  }
  private constructor(public readonly type: string, public readonly value?: string) {}
}
