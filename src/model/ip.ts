/**
 * The library's one IP address parser (pure: constructs, resolver and validator use it).
 * IP address parsing with Go's semantics, which is what the Kubernetes API server applies:
 * - `net/netip.ParseAddr` for the CEL `isIP`/`ip` library (no leading zeros in IPv4 octets, zones
 *   parsed but rejected by the Kubernetes library),
 * - `net.ParseIP` ("sloppy", leading zeros allowed) for the OpenAPI `ipv4`/`ipv6` formats.
 */

export interface ParsedIP {
  /** 4 (dotted IPv4) or 6 (any IPv6 form, including IPv4-mapped) */
  readonly family: 4 | 6;
  /** 4 or 16 bytes */
  readonly bytes: readonly number[];
  /** IPv6 zone (`%eth0`), if any */
  readonly zone?: string;
}

interface ParseOptions {
  /** accept `010.1.1.1` (Go's old `net.ParseIP`); netip rejects it */
  readonly allowLeadingZeros?: boolean;
  /** accept `fe80::1%eth0` (netip does; `net.ParseIP` does not) */
  readonly allowZone?: boolean;
}

function parseIPv4Fields(s: string, opts: ParseOptions): number[] | undefined {
  const fields: number[] = [];
  let val = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (!opts.allowLeadingZeros && digits === 1 && val === 0) return undefined; // leading zero
      val = val * 10 + (c - 48);
      digits++;
      if (val > 255) return undefined;
    } else if (c === 46 /* . */) {
      if (digits === 0) return undefined;
      if (fields.length === 3) return undefined;
      fields.push(val);
      val = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || fields.length !== 3) return undefined;
  fields.push(val);
  return fields;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseIPv6(input: string, opts: ParseOptions): ParsedIP | undefined {
  let s = input;
  let zone: string | undefined;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (!opts.allowZone) return undefined;
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return undefined;
  }
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { family: 6, bytes: ip, ...(zone !== undefined ? { zone } : {}) };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const v = hexVal(s.charCodeAt(off));
      if (v < 0) break;
      if (off > 3) return undefined; // at most 4 hex digits
      acc = (acc << 4) + v;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4Fields(s, opts);
      if (!v4) return undefined;
      ip[i] = v4[0];
      ip[i + 1] = v4[1];
      ip[i + 2] = v4[2];
      ip[i + 3] = v4[3];
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') return undefined;
    if (s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined; // multiple ::
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined; // :: must expand to at least one field
  }
  return { family: 6, bytes: ip, ...(zone !== undefined ? { zone } : {}) };
}

function parseWith(s: string, opts: ParseOptions): ParsedIP | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      const v4 = parseIPv4Fields(s, opts);
      return v4 ? { family: 4, bytes: v4 } : undefined;
    }
    if (c === ':') return parseIPv6(s, opts);
    if (c === '%') return undefined;
  }
  return undefined;
}

/** Go `netip.ParseAddr`. */
export function parseAddr(s: string): ParsedIP | undefined {
  return parseWith(s, { allowZone: true });
}

/** Go `net.ParseIP` as used by Kubernetes' `ParseIPSloppy` (leading zeros allowed, no zone). */
export function parseIPSloppy(s: string): ParsedIP | undefined {
  return parseWith(s, { allowLeadingZeros: true });
}

/** Kubernetes CEL `isIP(string)`: netip.ParseAddr without a zone. */
export function isIP(s: string): boolean {
  const ip = parseAddr(s);
  return ip !== undefined && ip.zone === undefined;
}

/** A dotted IPv4 address as netip.ParseAddr reads it (four decimal fields 0-255, no leading zeros). */
export function isIPv4(s: string): boolean {
  return parseAddr(s)?.family === 4;
}

/** Kubernetes CEL `isCIDR(string)`: netip.ParsePrefix (no zone, prefix length within range, no leading zeros). */
export function isCIDR(s: string): boolean {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return false;
  const ip = parseAddr(s.slice(0, slash));
  if (!ip || ip.zone !== undefined) return false;
  const bits = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
  return Number(bits) <= (ip.family === 4 ? 32 : 128);
}

/** OpenAPI `format: ipv4` as Kubernetes validates it (kube-openapi strfmt). */
export function isIPv4Format(s: string): boolean {
  return parseIPSloppy(s) !== undefined && s.includes('.');
}

/** OpenAPI `format: ipv6` as Kubernetes validates it (kube-openapi strfmt). */
export function isIPv6Format(s: string): boolean {
  return parseIPSloppy(s) !== undefined && s.includes(':');
}

/** OpenAPI `format: cidr` (Go `net.ParseCIDR` via ParseCIDRSloppy). */
export function isCIDRFormat(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = parseIPSloppy(s.slice(0, slash));
  if (!ip) return false;
  const bits = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (ip.family === 4 ? 32 : 128);
}
