/**
 * What `import` knows about each ingress-nginx annotation: the ones it converts (or approximates),
 * and a specific reason for every other one.
 */

/** The prefix of ingress-nginx's annotations. */
export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

/** Annotations (without the prefix) this version converts or approximates. */
export const CONVERTED_ANNOTATIONS: readonly string[] = [
  'allowlist-source-range',
  'app-root',
  'backend-protocol',
  'canary',
  'canary-by-cookie',
  'canary-by-header',
  'canary-by-header-pattern',
  'canary-by-header-value',
  'canary-weight',
  'canary-weight-total',
  'client-body-buffer-size',
  'connection-proxy-header',
  'cors-allow-credentials',
  'cors-allow-headers',
  'cors-allow-methods',
  'cors-allow-origin',
  'cors-expose-headers',
  'cors-max-age',
  'custom-headers',
  'denylist-source-range',
  'enable-cors',
  'force-ssl-redirect',
  'permanent-redirect',
  'permanent-redirect-code',
  'proxy-body-size',
  'proxy-connect-timeout',
  'proxy-read-timeout',
  'proxy-send-timeout',
  'proxy-ssl-ciphers',
  'proxy-ssl-name',
  'proxy-ssl-protocols',
  'proxy-ssl-secret',
  'proxy-ssl-server-name',
  'proxy-ssl-verify',
  'proxy-ssl-verify-depth',
  'rewrite-target',
  'ssl-passthrough',
  'ssl-redirect',
  'temporal-redirect',
  'temporal-redirect-code',
  'upstream-vhost',
  'use-regex',
  'whitelist-source-range',
  'x-forwarded-prefix',
];

/** Specific reasons for annotations no version converts (by name, or by prefix ending in `*`). */
const REASONS: ReadonlyArray<readonly [string, string]> = [
  ['*-snippet', 'raw nginx configuration is never copied: it would bypass every check of the generated configuration; express what it does with Gateway API filters or GatewayProxy options'],
  ['auth-tls-*', 'client certificate verification per Ingress: Gateway API sets it per Gateway listener (spec.tls.frontendValidation); not converted by import'],
  ['auth-*', 'external / basic authentication: Gateway API has no standard field and the built-in proxy does not authenticate requests; put an authenticating proxy in front of the backend'],
  ['enable-global-auth', 'global external authentication is ingress-nginx configuration: no Gateway API equivalent'],
  ['limit-*', 'rate and connection limits: Gateway API has no standard field; not served by the built-in proxy'],
  ['global-rate-limit*', 'global rate limiting through memcached: no Gateway API equivalent'],
  ['affinity', 'session affinity: Gateway API has no standard field in the standard channel (SessionPersistence is experimental); not converted'],
  ['affinity-mode', 'session affinity: no standard Gateway API field; not converted'],
  ['session-cookie-*', 'session affinity cookies: no standard Gateway API field; not converted'],
  ['load-balance', 'the load-balancing algorithm is the data plane\'s choice in Gateway API (round robin in the built-in proxy)'],
  ['upstream-hash-by*', 'consistent hashing: no Gateway API field; the built-in proxy balances round robin'],
  ['service-upstream', 'Gateway API always routes to the Service\'s endpoints as the data plane resolves them; this choice has no field'],
  ['server-alias', 'server aliases: list the extra hostnames in the Ingress rules (each host becomes a hostname of its route)'],
  ['from-to-www-redirect', 'the www redirect: write it as an HTTPRoute with a RequestRedirect hostname filter for the other name; not converted by import'],
  ['default-backend', 'the per-Ingress default backend for upstream errors has no Gateway API field'],
  ['custom-http-errors', 'custom error pages: no Gateway API field'],
  ['enable-access-log', 'access logging is data plane configuration, not routing'],
  ['enable-rewrite-log', 'rewrite logging is data plane configuration, not routing'],
  ['enable-opentelemetry', 'tracing is data plane configuration, not routing'],
  ['opentelemetry-*', 'tracing is data plane configuration, not routing'],
  ['enable-modsecurity', 'ModSecurity (WAF) has no Gateway API equivalent and is not in the built-in proxy'],
  ['enable-owasp-core-rules', 'ModSecurity (WAF) has no Gateway API equivalent and is not in the built-in proxy'],
  ['modsecurity-*', 'ModSecurity (WAF) has no Gateway API equivalent and is not in the built-in proxy'],
  ['mirror-*', 'request mirroring: Gateway API\'s RequestMirror filter names a Service, ingress-nginx a URL; not converted'],
  ['proxy-buffer*', 'nginx proxy buffering is data plane tuning: no Gateway API field'],
  ['proxy-request-buffering', 'nginx request buffering is data plane tuning: no Gateway API field'],
  ['proxy-max-temp-file-size', 'nginx proxy buffering is data plane tuning: no Gateway API field'],
  ['proxy-http-version', 'the upstream HTTP version follows the backend\'s appProtocol in Gateway API'],
  ['proxy-next-upstream*', 'retries: Gateway API\'s retry field (HTTPRoute rules[].retry, experimental) differs; not converted'],
  ['proxy-cookie-*', 'cookie rewriting: no Gateway API field'],
  ['proxy-redirect-*', 'ingress-nginx rewrote the Location (and Refresh) headers of the backend\'s answers with proxy_redirect FROM TO; Gateway API has no filter that edits a response header (ResponseHeaderModifier only sets, adds or removes a fixed value) and the built-in proxy offers no such option. Fix: make the backend send the public URL (it receives Host / X-Forwarded-Host, X-Forwarded-Proto and X-Forwarded-Port), or, when every redirect of the route goes to one fixed URL, set that Location with a ResponseHeaderModifier'],
  ['ssl-ciphers', 'TLS ciphers are Gateway-wide data plane settings, not per route'],
  ['ssl-prefer-server-ciphers', 'TLS cipher preference is a Gateway-wide data plane setting, not per route'],
  ['satisfy', 'combines authentication annotations, which are not converted'],
  ['preserve-trailing-slash', 'only affects ssl-redirect\'s URL in ingress-nginx; the Gateway API redirect keeps the path as requested'],
  ['stream-snippet', 'raw nginx configuration is never copied'],
  ['x-forwarded-*', 'only x-forwarded-prefix is converted'],
];

function matches(pattern: string, key: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : pattern.startsWith('*') ? key.endsWith(pattern.slice(1)) : key === pattern;
}

/**
 * Why an ingress-nginx annotation (name without the prefix) is not converted: a specific reason
 * for known ones, "unknown" otherwise.
 */
export function unsupportedReason(name: string): string {
  if (name.endsWith('-snippet')) return REASONS[0][1];
  for (const [pattern, reason] of REASONS) if (matches(pattern, name)) return reason;
  return 'not an annotation import knows: nothing was converted; check its spelling against the ingress-nginx annotation list';
}
