/**
 * IP address arithmetic for MetalLB pools and external endpoints (internal).
 * Parsing follows Go's `netip.ParseAddr` (no leading zeros, no zones), which is
 * what MetalLB and the Kubernetes API server accept.
 */
import { parseAddr } from './ip';

/** An inclusive range of addresses of one family. @internal */
export interface IpRange {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
  /** the entry as the user wrote it (trimmed) */
  readonly text: string;
  /** the entry as rendered into the pool (single addresses become /32 or /128) */
  readonly rendered: string;
}

/** A parsed single address. @internal */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** Parses one IP address (no zone); undefined when it is not one. @internal */
export function parseIp(s: string): IpAddress | undefined {
  const ip = parseAddr(s);
  if (!ip || ip.zone !== undefined) return undefined;
  let v = 0n;
  for (const b of ip.bytes) v = (v << 8n) | BigInt(b);
  return { family: ip.family, value: v };
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/**
 * Parses one MetalLB pool entry: a CIDR (`192.168.1.240/28`, `fd00::/120`), a range
 * (`192.168.1.240-192.168.1.250`) or a single address. Returns the range, or a problem
 * description (for `fail`) and a suggested fix.
 * @internal
 */
export function parsePoolEntry(entry: string): IpRange | { problem: string; fix: string } {
  const text = entry.trim();
  if (text === '') return { problem: 'is empty', fix: 'write a CIDR ("192.168.1.240/28"), a range ("192.168.1.240-192.168.1.250") or one address' };
  if (text.includes('-')) {
    const parts = text.split('-');
    if (parts.length !== 2) return { problem: 'is not a range of the form "first-last"', fix: 'write e.g. "192.168.1.240-192.168.1.250"' };
    const a = parseIp(parts[0].trim());
    const b = parseIp(parts[1].trim());
    if (!a || !b) {
      return { problem: `has ${!a ? `"${parts[0].trim()}"` : `"${parts[1].trim()}"`} which is not an IP address`, fix: 'write both ends as plain addresses, e.g. "192.168.1.240-192.168.1.250" (no prefix lengths in a range)' };
    }
    if (a.family !== b.family) return { problem: 'mixes an IPv4 and an IPv6 address', fix: 'give both ends in the same family; use two entries for a dual-stack pool' };
    if (a.value > b.value) return { problem: 'ends before it starts', fix: `swap the ends: "${parts[1].trim()}-${parts[0].trim()}"` };
    return { family: a.family, first: a.value, last: b.value, text, rendered: `${parts[0].trim()}-${parts[1].trim()}` };
  }
  if (text.includes('/')) {
    const slash = text.lastIndexOf('/');
    const ip = parseIp(text.slice(0, slash));
    const lenText = text.slice(slash + 1);
    if (!ip) return { problem: `has "${text.slice(0, slash)}" which is not an IP address`, fix: 'write a CIDR such as "192.168.1.240/28" or "fd00:1::/120"' };
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > bits(ip.family)) {
      return { problem: `has an invalid prefix length (0 to ${bits(ip.family)} for IPv${ip.family})`, fix: 'fix the prefix length' };
    }
    const len = Number(lenText);
    const hostBits = BigInt(bits(ip.family) - len);
    const mask = (1n << hostBits) - 1n;
    if ((ip.value & mask) !== 0n) {
      const network = formatIp({ family: ip.family, value: ip.value & ~mask });
      return {
        problem: `has host bits set: it denotes the whole network ${network}/${len}, not the addresses from ${text.slice(0, slash)} on`,
        fix: `write "${network}/${len}" for the whole network, "${text.slice(0, slash)}/${bits(ip.family)}" for the single address, or a range "first-last"`,
      };
    }
    return { family: ip.family, first: ip.value, last: ip.value | mask, text, rendered: text };
  }
  const ip = parseIp(text);
  if (!ip) return { problem: 'is neither a CIDR, a range "first-last" nor an IP address', fix: 'write e.g. "192.168.1.240/28", "192.168.1.240-192.168.1.250" or "192.168.1.240"' };
  return { family: ip.family, first: ip.value, last: ip.value, text, rendered: `${text}/${bits(ip.family)}` };
}

/** Canonical text of an address (IPv4 dotted, IPv6 compressed per RFC 5952). @internal */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 255n)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Whether `ip` lies in `range`. @internal */
export function rangeContains(range: IpRange, ip: IpAddress): boolean {
  return range.family === ip.family && ip.value >= range.first && ip.value <= range.last;
}

/** Whether two ranges share an address. @internal */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** MetalLB's `avoidBuggyIPs`: IPv4 addresses ending in .0 or .255 are never handed out. @internal */
export function isBuggyIp(ip: IpAddress): boolean {
  if (ip.family !== 4) return false;
  const last = ip.value & 255n;
  return last === 0n || last === 255n;
}
