/**
 * src/model/ip.ts is the library's one IP parser. The hostname check and GatewayAddress.ipAddress
 * used their own regular expressions before; these tests pin that the shared parser says the
 * same for IPv4 and what the Gateway CRD's CEL rule (isIP) says for GatewayAddress.
 */
import * as fc from 'fast-check';
import { GatewayAddress } from '../../src';
import { checkHostname } from '../../src/constructs/core/checks';
import { isIP, isIPv4, parseAddr } from '../../src/model/ip';

/** The IPv4 regular expression the hostname check and GatewayAddress used before. */
const OLD_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

describe('isIPv4', () => {
  test('accepts dotted IPv4 addresses', () => {
    for (const s of ['0.0.0.0', '192.168.1.240', '255.255.255.255']) expect(isIPv4(s)).toBe(true);
  });

  test('rejects leading zeros, out-of-range fields, IPv6 and names', () => {
    for (const s of ['010.1.1.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', '::1', '::ffff:1.2.3.4', 'example.com', '']) expect(isIPv4(s)).toBe(false);
  });

  test('agrees with the former regular expression on strings of digits and dots', () => {
    const chars = fc.constantFrom('0', '1', '2', '5', '9', '.', '25', '255', '256', '01');
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join('')), (s) => isIPv4(s) === OLD_IPV4.test(s)), { numRuns: 5000 });
  });
});

describe('parseAddr', () => {
  test('gives the bytes and family of an address', () => {
    expect(parseAddr('10.0.0.1')).toEqual({ family: 4, bytes: [10, 0, 0, 1] });
    expect(parseAddr('fe80::1%eth0')?.zone).toBe('eth0');
  });
});

describe('the constructs use the shared parser', () => {
  test('checkHostname still refuses an IPv4 address', () => {
    expect(checkHostname('192.168.1.1')).toMatch(/is an IP address/);
    expect(checkHostname('192.168.1.example')).toBeUndefined();
  });

  test('GatewayAddress.ipAddress takes what isIP takes', () => {
    for (const s of ['192.168.1.240', 'fd00::1', '::ffff:10.0.0.1']) {
      expect(isIP(s)).toBe(true);
      expect(GatewayAddress.ipAddress(s).value).toBe(s);
    }
  });

  test('GatewayAddress.ipAddress refuses what isIP refuses', () => {
    for (const s of ['192.168.1.256', '010.0.0.1', 'fe80::1%eth0', '1:2', 'not-an-ip']) {
      expect(isIP(s)).toBe(false);
      expect(() => GatewayAddress.ipAddress(s)).toThrow(/is not an IPv4 or IPv6 address/);
    }
  });
});
