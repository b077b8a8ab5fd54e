/**
 * ingress-nginx's CORS annotations (`enable-cors`, `cors-*`) → an HTTPRoute `CORS` filter
 * (Gateway API standard channel since v1.5; the vendored v1.6.1 CRDs of both channels serve it).
 *
 * ingress-nginx (annotations/cors and the CORS block of its nginx template), per location:
 * - `enable-cors` is a Go boolean (`true`, `1`, `t`, …); without it the `cors-*` annotations do nothing.
 * - `cors-allow-origin`: comma-separated origins. A value that fails the annotation validation
 *   (on by default since v1.9: e.g. a space after a comma) or is empty means `*`; otherwise `*`
 *   anywhere makes it `*`, entries without an http(s) scheme are skipped, and when none is left
 *   no CORS header is sent at all. `https://*.a.com` matches one label.
 * - `cors-allow-methods` (default `GET, PUT, POST, DELETE, PATCH, OPTIONS`), `cors-allow-headers`
 *   (default `DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization`),
 *   `cors-expose-headers` (default none), `cors-allow-credentials` (default `true`), `cors-max-age`
 *   (default `1728000`): an invalid value falls back to the default.
 * - An allowed origin (any request when the origin is `*`) gets `Access-Control-Allow-Origin`
 *   (the request's Origin, or `*`), `-Allow-Credentials: true`, `-Allow-Methods`, `-Allow-Headers`,
 *   `-Expose-Headers`, `-Max-Age` on every response; an `OPTIONS` request of an allowed origin
 *   is answered `204` with those headers, without reaching the backend.
 */
import type { ItemFn } from './convert';

/** ingress-nginx's defaults (annotations/cors/main.go). */
export const CORS_DEFAULTS = {
  methods: 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
  headers: 'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
  maxAge: 1728000,
  credentials: true,
} as const;

/** The methods Gateway API's `allowMethods` accepts (its enum). */
const GATEWAY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
/** ingress-nginx's validation of each annotation (annotations/cors/main.go). */
const ORIGIN_RE = /^(https?:\/\/(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?|\*)$/;
/**
 * One comma-separated piece of the whole-value validator `^((((https?://)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)+)|\*)?$`,
 * checked piece by piece (the nested quantifiers of the original backtrack exponentially in
 * JavaScript on long invalid values). Differs only for pieces glued without a comma, which the
 * per-entry check then skipped anyway.
 */
const ORIGIN_PIECE_RE = /^(https?:\/\/)?(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?$/;
const METHODS_RE = /^([A-Za-z]+,?\s?)+$/;
const HEADERS_RE = /^([A-Za-z0-9\-_]+,?\s?)+$/;
const EXPOSE_RE = /^(([A-Za-z0-9\-_]+|\*),?\s?)+$/;
/** Gateway API's origin pattern (HTTPCORSFilter.allowOrigins). */
const GATEWAY_ORIGIN_RE = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;

/** Go's strconv.ParseBool. */
export function goBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

const split = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

/**
 * The CORS filter of an Ingress's proxied rules, or undefined; reports `enable-cors` and each
 * `cors-*` annotation (`report(name, result, detail)`, name without the prefix).
 */
export function corsFilter(get: (name: string) => string | undefined, report: (name: string, result: Parameters<ItemFn>[2], detail: string) => void): Record<string, unknown> | undefined {
  const names = ['cors-allow-origin', 'cors-allow-methods', 'cors-allow-headers', 'cors-allow-credentials', 'cors-expose-headers', 'cors-max-age'];
  const enable = get('enable-cors');
  const enabled = goBool(enable) === true;
  if (!enabled) {
    if (enable !== undefined) report('enable-cors', 'converted', `"${enable}" is not true: no CORS headers, as ingress-nginx`);
    for (const n of names) if (get(n) !== undefined) report(n, 'converted', 'no effect without enable-cors: "true" (ingress-nginx ignores it too)');
    return undefined;
  }
  const diffs: string[] = [];
  // --- origins ---
  const rawOrigin = get('cors-allow-origin');
  let origins: string[] = ['*'];
  const originNotes: string[] = [];
  if (rawOrigin !== undefined && rawOrigin.trim() !== '' && rawOrigin !== '*' && !rawOrigin.split(',').every((p) => ORIGIN_PIECE_RE.test(p))) {
    originNotes.push(`"${rawOrigin}" fails ingress-nginx's annotation validation (letters, digits, "-", ".", an optional http(s):// scheme, "*." and ":port", separated by commas without spaces): ingress-nginx used "*", and so does import`);
  } else if (rawOrigin !== undefined && rawOrigin.trim() !== '') {
    const entries = split(rawOrigin);
    const valid = entries.filter((o) => ORIGIN_RE.test(o));
    const skipped = entries.filter((o) => !ORIGIN_RE.test(o));
    if (skipped.length) originNotes.push(`${skipped.map((o) => `"${o}"`).join(', ')} ${skipped.length > 1 ? 'fail' : 'fails'} ingress-nginx's validation and ${skipped.length > 1 ? 'were' : 'was'} skipped by it (and here)`);
    if (valid.includes('*')) origins = ['*'];
    else if (!valid.length) {
      report('enable-cors', 'converted', `no origin of cors-allow-origin "${rawOrigin}" passes ingress-nginx's check (an http(s) scheme is required): it sent no CORS headers at all, and import emits no CORS filter`);
      for (const n of names) if (get(n) !== undefined) report(n, 'converted', 'no effect: no valid origin (see enable-cors)');
      return undefined;
    } else {
      const gw = valid.filter((o) => GATEWAY_ORIGIN_RE.test(o));
      const lost = valid.filter((o) => !GATEWAY_ORIGIN_RE.test(o));
      if (lost.length) originNotes.push(`${lost.map((o) => `"${o}"`).join(', ')} cannot be a Gateway API origin (scheme://host[:port]) and ${lost.length > 1 ? 'are' : 'is'} not allowed here`);
      origins = gw.length ? [...new Set(gw)].slice(0, 64) : [];
    }
  }
  if (!origins.length) {
    report('enable-cors', 'unsupported', 'no origin of cors-allow-origin can be expressed in Gateway API: no CORS filter, browsers get no CORS headers');
    for (const n of names) if (get(n) !== undefined) report(n, 'unsupported', 'enable-cors is not converted (see it)');
    return undefined;
  }
  // --- methods, headers, expose, credentials, max age ---
  const rawMethods = get('cors-allow-methods');
  const methodList = rawMethods !== undefined && rawMethods !== '' && METHODS_RE.test(rawMethods) ? split(rawMethods) : split(CORS_DEFAULTS.methods);
  const methods = [...new Set(methodList.map((m) => m.toUpperCase()).filter((m) => GATEWAY_METHODS.includes(m)))];
  const droppedMethods = methodList.filter((m) => !GATEWAY_METHODS.includes(m.toUpperCase()));
  const rawHeaders = get('cors-allow-headers');
  const headers = [...new Set(rawHeaders !== undefined && rawHeaders !== '' && HEADERS_RE.test(rawHeaders) ? split(rawHeaders) : split(CORS_DEFAULTS.headers))].slice(0, 64);
  const rawExpose = get('cors-expose-headers');
  const exposeList = rawExpose !== undefined && rawExpose !== '' && EXPOSE_RE.test(rawExpose) ? [...new Set(split(rawExpose))] : [];
  const expose = exposeList.includes('*') ? ['*'] : exposeList.slice(0, 64);
  const rawCred = get('cors-allow-credentials');
  const credentials = goBool(rawCred) ?? CORS_DEFAULTS.credentials;
  const rawAge = get('cors-max-age');
  const ageNumber = rawAge !== undefined && /^[0-9]+$/.test(rawAge) && Number(rawAge) <= 2147483647;
  const ageOk = ageNumber && Number(rawAge) >= 1;
  // 0 is valid for ingress-nginx (no caching); Gateway API's minimum is 1 second
  const maxAge = ageOk ? Number(rawAge) : ageNumber ? 1 : CORS_DEFAULTS.maxAge;

  const filter = {
    type: 'CORS',
    cors: {
      allowOrigins: origins,
      ...(credentials ? { allowCredentials: true } : {}),
      ...(methods.length ? { allowMethods: methods } : {}),
      allowHeaders: headers,
      ...(expose.length ? { exposeHeaders: expose } : {}),
      maxAge,
    },
  };
  const star = origins[0] === '*';
  diffs.push(
    `Access-Control-Allow-Methods, -Allow-Headers and -Max-Age are sent on preflight answers only (ingress-nginx also added them to every response)`,
    `a preflight is an OPTIONS request with Origin and Access-Control-Request-Method (ingress-nginx answered every OPTIONS request of an allowed origin with 204, without the backend)`,
  );
  if (star) diffs.unshift(`Access-Control-Allow-Origin echoes the request's Origin instead of "*"${credentials ? ' (Gateway API forbids "*" with credentials; browsers rejected it for credentialed requests)' : ''}, and a request without Origin gets no CORS headers`);
  else diffs.unshift('origins are compared case-sensitively and as a whole (ingress-nginx: ~* with no start anchor), and "*." matches one or more labels (ingress-nginx: one); a preflight from an origin not allowed is answered 204 without CORS headers (ingress-nginx passed it to the backend)');
  report('enable-cors', 'approximated', `a CORS filter on the Ingress's proxied rules: origins ${origins.join(', ')}; methods ${methods.join(', ') || '(none)'}; headers ${headers.join(', ')}; credentials ${credentials}; max age ${maxAge}s${expose.length ? `; exposed ${expose.join(', ')}` : ''}. Differences: ${diffs.join('; ')}`);
  if (rawOrigin !== undefined) {
    const lost = originNotes.some((n) => /cannot be a Gateway API origin/.test(n));
    report('cors-allow-origin', lost ? 'approximated' : 'converted', `allowOrigins ${origins.join(', ')}${originNotes.length ? `. ${lost ? 'Difference' : 'As ingress-nginx'}: ${originNotes.join('; ')}` : ''}`);
  }
  if (rawMethods !== undefined) {
    const invalid = rawMethods === '' || !METHODS_RE.test(rawMethods);
    report('cors-allow-methods', droppedMethods.length ? 'approximated' : 'converted', invalid ? `"${rawMethods}" fails ingress-nginx's validation: its default (${CORS_DEFAULTS.methods}) is used, as ingress-nginx does` : `allowMethods ${methods.join(', ')}${droppedMethods.length ? `. Difference: ${droppedMethods.join(', ')} ${droppedMethods.length > 1 ? 'are not methods' : 'is not a method'} Gateway API lists (GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH): not allowed here` : ''}`);
  }
  if (rawHeaders !== undefined) report('cors-allow-headers', 'converted', rawHeaders === '' || !HEADERS_RE.test(rawHeaders) ? `"${rawHeaders}" fails ingress-nginx's validation: its default list is used, as ingress-nginx does` : `allowHeaders ${headers.join(', ')}`);
  if (rawExpose !== undefined) report('cors-expose-headers', 'converted', expose.length ? `exposeHeaders ${expose.join(', ')}` : `"${rawExpose}" fails ingress-nginx's validation: no Access-Control-Expose-Headers, as ingress-nginx`);
  if (rawCred !== undefined) report('cors-allow-credentials', 'converted', goBool(rawCred) === undefined ? `"${rawCred}" is not a boolean: true, as ingress-nginx` : `allowCredentials ${credentials}`);
  if (rawAge !== undefined) {
    if (ageOk) report('cors-max-age', 'converted', `maxAge ${maxAge}`);
    else if (ageNumber) report('cors-max-age', 'approximated', 'maxAge 1. Difference: ingress-nginx sent Access-Control-Max-Age: 0 (no caching); Gateway API\'s minimum is 1 second');
    else report('cors-max-age', 'converted', `"${rawAge}" is not a number of seconds: ${CORS_DEFAULTS.maxAge}, ingress-nginx's default`);
  }
  return filter;
}
