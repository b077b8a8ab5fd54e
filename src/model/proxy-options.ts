/**
 * Route options that Gateway API has no field for and the built-in proxy honours: the request body
 * size limit, the request body buffer, and source-address allow / deny lists. They travel as
 * annotations on the HTTPRoute / GRPCRoute (apply-safe on any cluster: no CRD, kept by GitOps), are
 * written by the constructs (`HttpRouteProps.proxy`), by `import` (ingress-nginx's
 * `proxy-body-size`, `client-body-buffer-size`, `whitelist-source-range`, `denylist-source-range`),
 * and read by `check`, `render` and the GatewayProxy through {@link parseProxyOptions}.
 *
 * Formats (one each, canonical output from the format functions):
 * - sizes: a Kubernetes quantity of whole bytes (`8Mi`, `512Ki`, `1G`, `1500`); `0` = no limit for
 *   the body size. Canonical: the largest binary suffix that divides the value (`8Mi`), else bytes.
 * - source ranges: CIDRs or single addresses, IPv4 and IPv6, separated by commas. Canonical: the
 *   network address (host bits must be zero), a single address without `/32` / `/128`, IPv4 before
 *   IPv6, by address then prefix length, duplicates removed, joined by `, `.
 */
import { formatIp, parseIp } from './ip-range';

/** The annotation keys, one prefix (`cdk8s-gateway.dev/`), as {@link EXTERNAL_BACKENDS_ANNOTATION}. */
export const PROXY_OPTION_ANNOTATIONS = {
  /** Largest request body accepted (413 above it); `0` = unlimited. */
  maxRequestBodySize: 'cdk8s-gateway.dev/max-request-body-size',
  /** Memory buffer for a request body; a larger body is written to a temporary file. */
  clientBodyBufferSize: 'cdk8s-gateway.dev/client-body-buffer-size',
  /** Only these client addresses are served (403 for others). */
  allowSourceRanges: 'cdk8s-gateway.dev/allow-source-ranges',
  /** These client addresses are refused (403), before the allow list. */
  denySourceRanges: 'cdk8s-gateway.dev/deny-source-ranges',
} as const;

/** The keys of {@link PROXY_OPTION_ANNOTATIONS}, in a fixed order. */
export const PROXY_OPTION_KEYS = ['maxRequestBodySize', 'clientBodyBufferSize', 'allowSourceRanges', 'denySourceRanges'] as const;

/** The largest body size limit that can be written (1 PiB; use 0 for no limit). */
export const MAX_BODY_SIZE_LIMIT = 2 ** 50;
/** The largest body buffer (1 GiB: nginx allocates it per request that has a body). */
export const MAX_BODY_BUFFER_SIZE = 2 ** 30;

/** The proxy options of one route, parsed (sizes in bytes, ranges canonical and sorted). */
export interface ProxyOptions {
  /** Bytes; 0 = no limit. */
  readonly maxRequestBodySize?: number;
  /** Bytes (≥ 1). */
  readonly clientBodyBufferSize?: number;
  /** Canonical entries, sorted; never empty when present. */
  readonly allowSourceRanges?: readonly string[];
  /** Canonical entries, sorted; never empty when present. */
  readonly denySourceRanges?: readonly string[];
}

/** Why a value does not parse, and how to write it. */
export interface OptionProblem {
  readonly problem: string;
  readonly fix: string;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXP: Record<string, number> = { m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * A Kubernetes quantity (`resource.Quantity` syntax: `8Mi`, `1.5Gi`, `500k`, `1e6`, `1500`) as a
 * whole number of bytes. `8m` is 0.008 in Kubernetes (milli), never nginx's 8 MiB: a value that is
 * not a whole number of bytes is a problem, with the likely intended spelling as the fix.
 */
export function parseByteQuantity(text: string): bigint | OptionProblem {
  const v = text.trim();
  const ng = /^([0-9]+)([kKmMgG])$/.exec(v);
  const suggested = ng ? `${ng[1]}${{ k: 'Ki', m: 'Mi', g: 'Gi' }[ng[2].toLowerCase() as 'k' | 'm' | 'g']}` : undefined;
  const hint = ng ? ` (nginx and ingress-nginx read "${v}" as ${ng[1]} ${{ k: 'KiB', m: 'MiB', g: 'GiB' }[ng[2].toLowerCase() as 'k' | 'm' | 'g']}: "${suggested}" here)` : '';
  const m = /^([0-9]+)(?:\.([0-9]+))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/.exec(v);
  if (!m) {
    return {
      problem: `is not a Kubernetes quantity of bytes${hint}`,
      fix: suggested ? `write "${suggested}"` : 'write a whole number of bytes with an optional suffix: Ki, Mi, Gi (powers of 1024) or k, M, G (powers of 1000), e.g. "8Mi"',
    };
  }
  const digits = m[1] + (m[2] ?? '');
  const mantissa = BigInt(digits);
  const fracDigits = (m[2] ?? '').length;
  let num = mantissa;
  let den = 10n ** BigInt(fracDigits);
  if (m[3] !== undefined && m[3] in BINARY) num *= BINARY[m[3]];
  else {
    const exp = m[4] !== undefined ? Number(m[4]) : DECIMAL_EXP[m[3] ?? ''];
    if (Math.abs(exp) > 30) return { problem: 'is out of range', fix: 'write e.g. "8Mi"' };
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  if (num % den !== 0n) {
    return { problem: `is not a whole number of bytes${m[3] === 'm' ? ' ("m" is milli in a Kubernetes quantity)' : ''}${hint}`, fix: suggested ? `write "${suggested}"` : 'write a whole number of bytes, e.g. "8Mi" or "1500"' };
  }
  return num / den;
}

/** The canonical quantity of `bytes`: the largest binary suffix (Ki … Pi) that divides it, else plain bytes. */
export function formatByteQuantity(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`formatByteQuantity: ${bytes} is not a whole number of bytes`);
  if (bytes === 0) return '0';
  for (const [suffix, f] of [['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}

/** The body size limit of a quantity, in bytes (0 = no limit), or the problem. */
export function parseBodySize(text: string): number | OptionProblem {
  const b = parseByteQuantity(text);
  if (typeof b !== 'bigint') return b;
  if (b > BigInt(MAX_BODY_SIZE_LIMIT)) return { problem: `is larger than ${formatByteQuantity(MAX_BODY_SIZE_LIMIT)}`, fix: 'use "0" for no limit, or a smaller size such as "10Gi"' };
  return Number(b);
}

/** The body buffer size of a quantity, in bytes (1 … 1Gi), or the problem. */
export function parseBufferSize(text: string): number | OptionProblem {
  const b = parseByteQuantity(text);
  if (typeof b !== 'bigint') return b;
  if (b === 0n) return { problem: 'is 0: a body buffer holds at least one byte', fix: 'write a size such as "16Ki" (bodies larger than the buffer are written to a temporary file), or remove it for the default (16Ki)' };
  if (b > BigInt(MAX_BODY_BUFFER_SIZE)) return { problem: `is larger than ${formatByteQuantity(MAX_BODY_BUFFER_SIZE)}, memory nginx would allocate for every request with a body`, fix: 'write a size such as "1Mi": larger bodies are written to a temporary file, not refused' };
  return Number(b);
}

/**
 * One source range in canonical form: `10.0.0.0/8`, `192.168.1.7`, `2001:db8::/32`, `::1`. Host
 * bits must be zero (`10.0.0.1/8` is a problem whose fix names the network and the single
 * address); IPv4-mapped IPv6 addresses and zones are refused.
 */
export function normalizeSourceRange(entry: string): string | OptionProblem {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return { problem: slash < 0 ? 'is not an IP address' : `has "${addrText}", which is not an IP address`, fix: 'write a CIDR such as "10.0.0.0/8" or "2001:db8::/32", or a single address such as "192.168.1.7"' };
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) return { problem: 'is an IPv4-mapped IPv6 address', fix: `write the IPv4 address ${formatIp({ family: 4, value: ip.value & 0xffffffffn })}${slash < 0 ? '' : ' with an IPv4 prefix length'}` };
  const bits = ip.family === 4 ? 32 : 128;
  let len = bits;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > bits) return { problem: `has an invalid prefix length (0 to ${bits} for IPv${ip.family})`, fix: `write e.g. "${formatIp(ip)}/${bits === 32 ? 24 : 64}"` };
    len = Number(lenText);
  }
  const mask = (1n << BigInt(bits - len)) - 1n;
  if ((ip.value & mask) !== 0n) {
    const network = formatIp({ family: ip.family, value: ip.value & ~mask });
    return { problem: `has host bits set: it denotes the network ${network}/${len}`, fix: `write "${network}/${len}" for the network, or "${formatIp(ip)}" for the single address` };
  }
  return len === bits ? formatIp(ip) : `${formatIp(ip)}/${len}`;
}

/**
 * An address or CIDR as Go's `net.ParseCIDR` / `ParseIP` read it (host bits of a CIDR masked):
 * canonical text and whether bits were masked; undefined when it is neither (or IPv4-mapped).
 */
export function formatIpNetwork(entry: string): { text: string; masked: boolean } | undefined {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip || (ip.family === 6 && ip.value >> 32n === 0xffffn)) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > bits) return undefined;
  const len = Number(lenText);
  const mask = (1n << BigInt(bits - len)) - 1n;
  const network = { family: ip.family, value: ip.value & ~mask };
  return { text: len === bits ? formatIp(network) : `${formatIp(network)}/${len}`, masked: (ip.value & mask) !== 0n };
}

function rangeKey(canonical: string): [number, bigint, number] {
  const slash = canonical.indexOf('/');
  const ip = parseIp(slash < 0 ? canonical : canonical.slice(0, slash))!;
  return [ip.family, ip.value, slash < 0 ? (ip.family === 4 ? 32 : 128) : Number(canonical.slice(slash + 1))];
}

/** Canonical entries sorted (IPv4 first, by address, then prefix length) without duplicates. */
export function sortSourceRanges(canonical: readonly string[]): string[] {
  const keyed = [...new Set(canonical)].map((c) => ({ c, k: rangeKey(c) }));
  keyed.sort((a, b) => a.k[0] - b.k[0] || (a.k[1] < b.k[1] ? -1 : a.k[1] > b.k[1] ? 1 : 0) || a.k[2] - b.k[2]);
  return keyed.map((x) => x.c);
}

/**
 * A source-range list (comma-separated; empty entries ignored) → canonical entries, sorted, or the
 * problems of its bad entries (all of them; the value is refused as a whole).
 */
export function parseSourceRanges(value: string): { ranges: string[] } | { bad: { entry: string; problem: string; fix: string }[]; empty?: boolean } {
  const out: string[] = [];
  const bad: { entry: string; problem: string; fix: string }[] = [];
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const r = normalizeSourceRange(part);
    if (typeof r === 'string') out.push(r);
    else bad.push({ entry: part.trim(), ...r });
  }
  if (bad.length) return { bad };
  if (!out.length) return { bad: [], empty: true };
  return { ranges: sortSourceRanges(out) };
}

/** The annotation value of a list of entries (normalized, sorted, joined by `, `); throws on a bad entry. */
export function formatSourceRanges(entries: readonly string[]): string {
  const canonical = entries.map((e) => {
    const r = normalizeSourceRange(e);
    if (typeof r !== 'string') throw new Error(`source range ${JSON.stringify(e)} ${r.problem}`);
    return r;
  });
  return sortSourceRanges(canonical).join(', ');
}

/** One annotation of a route whose value does not parse. */
export interface ProxyOptionProblem {
  /** The annotation key. */
  readonly annotation: string;
  readonly value: string;
  readonly problem: string;
  readonly fix: string;
}

/** The options of a route's annotations (only this module's keys are read), and the values that do not parse. */
export function parseProxyOptions(annotations: unknown): { options: ProxyOptions; problems: ProxyOptionProblem[]; present: string[] } {
  const a = annotations && typeof annotations === 'object' ? (annotations as Record<string, unknown>) : {};
  const options: { -readonly [K in keyof ProxyOptions]: ProxyOptions[K] } = {};
  const problems: ProxyOptionProblem[] = [];
  const present: string[] = [];
  for (const k of PROXY_OPTION_KEYS) {
    const key = PROXY_OPTION_ANNOTATIONS[k];
    const raw = a[key];
    if (raw === undefined) continue;
    present.push(key);
    const value = typeof raw === 'string' ? raw : String(raw);
    if (typeof raw !== 'string') {
      problems.push({ annotation: key, value, problem: 'is not a string', fix: 'quote the annotation value' });
      continue;
    }
    if (k === 'maxRequestBodySize' || k === 'clientBodyBufferSize') {
      const r = k === 'maxRequestBodySize' ? parseBodySize(value) : parseBufferSize(value);
      if (typeof r === 'number') options[k] = r;
      else problems.push({ annotation: key, value, ...r });
    } else {
      const r = parseSourceRanges(value);
      if ('ranges' in r) options[k] = r.ranges;
      else if (r.empty) problems.push({ annotation: key, value, problem: 'lists no address', fix: `list CIDRs or addresses separated by commas, e.g. "10.0.0.0/8, 2001:db8::/32", or remove the annotation${k === 'allowSourceRanges' ? ' (an empty allow list would refuse every client)' : ''}` });
      else {
        const b = r.bad[0];
        problems.push({ annotation: key, value, problem: `has the entry "${b.entry}", which ${b.problem}${r.bad.length > 1 ? ` (and ${r.bad.length - 1} more bad entries)` : ''}`, fix: b.fix });
      }
    }
  }
  return { options, problems, present };
}

/** The annotations of `options` (canonical values); keys of unset options are absent. */
export function formatProxyOptions(options: ProxyOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (options.maxRequestBodySize !== undefined) out[PROXY_OPTION_ANNOTATIONS.maxRequestBodySize] = formatByteQuantity(options.maxRequestBodySize);
  if (options.clientBodyBufferSize !== undefined) out[PROXY_OPTION_ANNOTATIONS.clientBodyBufferSize] = formatByteQuantity(options.clientBodyBufferSize);
  if (options.allowSourceRanges !== undefined) out[PROXY_OPTION_ANNOTATIONS.allowSourceRanges] = formatSourceRanges(options.allowSourceRanges);
  if (options.denySourceRanges !== undefined) out[PROXY_OPTION_ANNOTATIONS.denySourceRanges] = formatSourceRanges(options.denySourceRanges);
  return out;
}
