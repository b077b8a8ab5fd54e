/**
 * ingress-nginx's body size, body buffer and source-range annotations → the route options of the
 * built-in proxy (`cdk8s-gateway.dev/max-request-body-size`, `client-body-buffer-size`,
 * `allow-source-ranges`, `deny-source-ranges`; see model/proxy-options.ts), on every HTTPRoute
 * imported from the Ingress. Gateway API has no field for them: another controller ignores the
 * annotations (`check` warns).
 *
 * What ingress-nginx did (its annotation parsers and nginx template):
 * - `proxy-body-size` → `client_max_body_size` in each location of the Ingress (nginx sizes `8m`,
 *   `512k`, `1g`, bytes; `0` = no limit). Without the annotation the controller's ConfigMap default
 *   applies: `1m`. So an Ingress without it refused bodies above 1 MiB with 413 — import writes
 *   that limit (`1Mi`) explicitly, reported as converted, so the imported routes answer the same
 *   (the built-in proxy has no limit by default).
 * - `client-body-buffer-size` → `client_body_buffer_size` (nginx sizes without `g`).
 * - `allowlist-source-range` (alias `whitelist-source-range`) → `allow` each entry, then
 *   `deny all`; `denylist-source-range` → `deny` each entry, written before the allow list. Entries
 *   are CIDRs (host bits masked, as Go's ParseCIDR does) or addresses; a list with an entry that does
 *   not parse made ingress-nginx deny the location (503) — import denies every client (403).
 */
import { formatByteQuantity, formatIpNetwork, MAX_BODY_BUFFER_SIZE, MAX_BODY_SIZE_LIMIT, PROXY_OPTION_ANNOTATIONS, sortSourceRanges } from '../model';
import { KubeObject } from '../model';
import { NGINX_PREFIX } from './annotations';
import { Ingress } from './model';

type Result = 'converted' | 'approximated' | 'unsupported';
type ItemFn = (ingress: string, annotation: string, result: Result, detail: string) => void;

/** ingress-nginx's ConfigMap default of `proxy-body-size`. */
export const INGRESS_NGINX_DEFAULT_BODY_SIZE = 1024 * 1024;

/** An nginx size (`8m`, `512k`, `1g`, `1024`) in bytes; undefined when it is not one. */
export function nginxSizeBytes(v: string, giga = true): number | undefined {
  const m = (giga ? /^([0-9]{1,15})([kKmMgG]?)$/ : /^([0-9]{1,15})([kKmM]?)$/).exec(v.trim());
  if (!m) return undefined;
  const f = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * f;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The entries of an ingress-nginx source-range annotation as it read them (Go's ParseCIDR masks
 * host bits; a bare address is one address), canonical; or the first entry it could not read.
 */
export function ingressNginxRanges(v: string): { ranges: string[]; masked: string[] } | { bad: string } {
  const ranges: string[] = [];
  const masked: string[] = [];
  for (const raw of v.split(',')) {
    const e = raw.trim();
    const n = formatIpNetwork(e);
    if (n === undefined) return { bad: e };
    if (n.masked) masked.push(`${e} is the network ${n.text}`);
    ranges.push(n.text);
  }
  return { ranges: sortSourceRanges(ranges), masked };
}

/**
 * Reports the four annotations of `ing` and writes their route options on `routes` (the HTTPRoutes
 * imported from it). `handled` marks an annotation as reported.
 */
export function applyProxyOptions(ing: Ingress, routes: readonly KubeObject[], item: ItemFn, handled: (i: Ingress, name: string) => void): void {
  const ik = `${ing.namespace}/${ing.name}`;
  const get = (n: string): string | undefined => ing.annotations[NGINX_PREFIX + n];
  const report = (n: string, result: Result, detail: string) => {
    handled(ing, n);
    item(ik, NGINX_PREFIX + n, result, detail);
  };
  const none = !routes.length;
  const noRoute = 'no route was imported from this Ingress: no effect';
  const out: Record<string, string> = {};

  // --- body size: the annotation, else ingress-nginx's default 1m ---
  const size = get('proxy-body-size');
  const limitDetail = (bytes: number) => (bytes === 0 ? 'no limit (0)' : `bodies above ${formatByteQuantity(bytes)} are answered 413 (Content-Length or chunked)`);
  if (size === undefined) {
    if (!none) {
      out[PROXY_OPTION_ANNOTATIONS.maxRequestBodySize] = formatByteQuantity(INGRESS_NGINX_DEFAULT_BODY_SIZE);
      item(ik, `${NGINX_PREFIX}proxy-body-size`, 'converted', `not set: ingress-nginx applied its ConfigMap default (1m), so the routes get ${PROXY_OPTION_ANNOTATIONS.maxRequestBodySize}: 1Mi — ${limitDetail(INGRESS_NGINX_DEFAULT_BODY_SIZE)}. Remove it for no limit, or change it if your ingress-nginx ConfigMap set another proxy-body-size (import does not read that ConfigMap)`);
    }
  } else {
    const bytes = nginxSizeBytes(size);
    if (none) report('proxy-body-size', 'unsupported', noRoute);
    else if (bytes === undefined) {
      out[PROXY_OPTION_ANNOTATIONS.maxRequestBodySize] = formatByteQuantity(INGRESS_NGINX_DEFAULT_BODY_SIZE);
      report('proxy-body-size', 'unsupported', `"${size}" is not an nginx size (digits with k, m or g): ingress-nginx refused it and kept its default 1m; the routes get ${PROXY_OPTION_ANNOTATIONS.maxRequestBodySize}: 1Mi. Fix the value (e.g. "8m") and import again`);
    } else if (bytes > MAX_BODY_SIZE_LIMIT) {
      out[PROXY_OPTION_ANNOTATIONS.maxRequestBodySize] = '0';
      report('proxy-body-size', 'approximated', `"${size}" is larger than the 1Pi the built-in proxy takes: no limit (0) instead, which no real body reaches either`);
    } else {
      out[PROXY_OPTION_ANNOTATIONS.maxRequestBodySize] = formatByteQuantity(bytes);
      report('proxy-body-size', 'converted', `${PROXY_OPTION_ANNOTATIONS.maxRequestBodySize}: ${formatByteQuantity(bytes)} on the routes: ${limitDetail(bytes)}, as ingress-nginx's client_max_body_size ${size}`);
    }
  }

  // --- body buffer ---
  const buffer = get('client-body-buffer-size');
  if (buffer !== undefined) {
    const bytes = nginxSizeBytes(buffer, false);
    if (none) report('client-body-buffer-size', 'unsupported', noRoute);
    else if (bytes === undefined || bytes === 0) report('client-body-buffer-size', 'unsupported', `"${buffer}" is not an nginx buffer size (digits with k or m, not 0): ingress-nginx ignored it and kept nginx's default; so does import`);
    else if (bytes > MAX_BODY_BUFFER_SIZE) report('client-body-buffer-size', 'unsupported', `"${buffer}" is above the 1Gi the built-in proxy allows per request: not converted, nginx's default buffer is used (a larger body goes to a temporary file; nothing is refused)`);
    else {
      out[PROXY_OPTION_ANNOTATIONS.clientBodyBufferSize] = formatByteQuantity(bytes);
      report('client-body-buffer-size', 'converted', `${PROXY_OPTION_ANNOTATIONS.clientBodyBufferSize}: ${formatByteQuantity(bytes)} on the routes (nginx's client_body_buffer_size ${buffer}: larger bodies are buffered in a temporary file)`);
    }
  }

  // --- source ranges: allowlist-source-range (alias whitelist-source-range), denylist-source-range ---
  const allowName = get('allowlist-source-range') !== undefined ? 'allowlist-source-range' : 'whitelist-source-range';
  const lists: [string, string | undefined, keyof typeof PROXY_OPTION_ANNOTATIONS][] = [
    [allowName, get(allowName), 'allowSourceRanges'],
    ['denylist-source-range', get('denylist-source-range'), 'denySourceRanges'],
  ];
  if (allowName === 'allowlist-source-range' && get('whitelist-source-range') !== undefined) {
    report('whitelist-source-range', 'converted', 'ingress-nginx reads allowlist-source-range first and ignores this alias when both are set; so does import');
  }
  let denyAll = false;
  for (const [name, value, key] of lists) {
    if (value === undefined) continue;
    if (none) {
      report(name, 'unsupported', noRoute);
      continue;
    }
    const r = ingressNginxRanges(value);
    if ('bad' in r) {
      denyAll = true;
      report(name, 'approximated', `entry "${r.bad}" is not an address or CIDR: ingress-nginx refused the annotation (validation) or denied the location (503 to every client); the routes deny every client (${PROXY_OPTION_ANNOTATIONS.denySourceRanges}: 0.0.0.0/0, ::/0 → 403). Fix the value and import again`);
      continue;
    }
    out[PROXY_OPTION_ANNOTATIONS[key]] = r.ranges.join(', ');
    const what = key === 'allowSourceRanges' ? 'only clients from these addresses are served, others get 403' : 'clients from these addresses get 403, checked before any allow list';
    report(name, 'converted', `${PROXY_OPTION_ANNOTATIONS[key]}: ${r.ranges.join(', ')}: ${what} (the connection's address, as ingress-nginx saw it without use-forwarded-headers / use-proxy-protocol)${r.masked.length ? `; ${r.masked.join(', ')}, as ingress-nginx read it` : ''}`);
  }
  if (denyAll) out[PROXY_OPTION_ANNOTATIONS.denySourceRanges] = '0.0.0.0/0, ::/0';

  if (!Object.keys(out).length) return;
  for (const route of routes) {
    if (route.kind !== 'HTTPRoute') continue;
    const metadata = route.metadata as { annotations?: Record<string, string> };
    metadata.annotations = { ...metadata.annotations, ...out };
  }
}
