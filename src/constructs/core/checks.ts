/**
 * Local value checks shared by the constructs. Each returns a problem description
 * (or undefined when the value is fine); callers turn it into a GatewayConfigError
 * naming construct, field and fix. The rules mirror the Gateway API v1.6.1 CRD
 * patterns so that what passes here also passes the API server.
 */

import { isIPv4 } from '../../model/ip';
import { isDns1123Label, isDns1123Subdomain } from '../../validate/formats';

const GW_HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 7230 token, as the Gateway API HTTPHeaderName pattern */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export function checkDnsLabel(v: string): string | undefined {
  if (v.length > 63) return `is ${v.length} characters long; a DNS label has at most 63`;
  return isDns1123Label(v) ? undefined : 'is not a DNS label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
}

export function checkDnsSubdomain(v: string): string | undefined {
  if (v.length > 253) return `is ${v.length} characters long; at most 253 are allowed`;
  return isDns1123Subdomain(v) ? undefined : 'is not a DNS subdomain (lowercase letters, digits, "-" and ".", each part starting and ending with a letter or digit)';
}

/** Listener and route hostnames: DNS name, optionally prefixed by `*.`, no IP addresses, no port. */
export function checkHostname(v: string): string | undefined {
  if (v.length > 253) return `is ${v.length} characters long; at most 253 are allowed`;
  if (v.includes(':')) return 'contains a ":"; hostnames carry no port or scheme';
  if (isIPv4(v)) return 'is an IP address; Gateway API hostnames must be DNS names';
  if (v !== v.toLowerCase()) return 'has uppercase letters; hostnames are matched lowercase';
  return GW_HOSTNAME.test(v) ? undefined : 'is not a valid hostname (a DNS name, optionally starting with "*." as a whole label)';
}

export function checkSectionName(v: string): string | undefined {
  if (v.length > 253) return `is ${v.length} characters long; at most 253 are allowed`;
  return isDns1123Subdomain(v) ? undefined : 'is not a valid section/listener name (lowercase DNS subdomain)';
}

export function checkPort(v: number): string | undefined {
  return Number.isInteger(v) && v >= 1 && v <= 65535 ? undefined : 'is not a port number (an integer from 1 to 65535)';
}

export function checkHeaderName(v: string): string | undefined {
  if (v.length < 1 || v.length > 256) return 'must be 1 to 256 characters long';
  return HEADER_NAME.test(v) ? undefined : 'is not a valid HTTP header name (RFC 7230 token characters only)';
}

/** Header values: no control characters (CR/LF would split the header). */
export function checkHeaderValue(v: string): string | undefined {
  if (v.length > 4096) return `is ${v.length} characters long; at most 4096 are allowed`;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000a-\u001f\u007f]/.test(v) ? 'contains a control character (CR, LF, NUL…)' : undefined;
}

/** HTTP paths in Exact/PathPrefix matches, redirects and rewrites (the HTTPRoute CRD rules for path values). */
export function checkAbsolutePath(v: string): string | undefined {
  if (!v.startsWith('/')) return 'does not start with "/"';
  if (v.length > 1024) return `is ${v.length} characters long; at most 1024 are allowed`;
  if (v.includes('//')) return 'contains "//"';
  if (v.includes('/./') || v.endsWith('/.')) return 'contains a "." segment';
  if (v.includes('/../') || v.endsWith('/..')) return 'contains a ".." segment';
  if (v.includes('%2f') || v.includes('%2F')) return 'contains an encoded "/" (%2F)';
  if (v.includes('#')) return 'contains "#"';
  if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/.test(v)) {
    return 'contains a character that is not allowed in a URI path (allowed: letters, digits, -/._~!$&\'()*+,;=:@ and %XX escapes)';
  }
  return undefined;
}

/**
 * A regular expression as the data plane will compile it (RE2/PCRE subset: checked with the JS
 * engine after the RE2/PCRE spellings it lacks are normalised: inline flags `(?i)` / `(?i:…)`
 * and named groups `(?P<n>…)`).
 */
export function checkRegex(v: string): string | undefined {
  if (v.length === 0) return 'is empty';
  if (v.length > 1024) return `is ${v.length} characters long; at most 1024 are allowed`;
  try {
    new RegExp(jsRegex(v));
  } catch (e) {
    return `is not a valid regular expression (${(e as Error).message})`;
  }
  return undefined;
}

/** `v` with RE2/PCRE inline flags removed (`(?i)`), flag groups as `(?:` and `(?P<n>` as `(?<n>`, outside escapes and classes. */
function jsRegex(v: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      out += v.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') inClass = true;
    if (c === '(' && v[i + 1] === '?') {
      const rest = v.slice(i + 2);
      const flags = /^[imsxU]+\)/.exec(rest);
      if (flags) {
        i += 1 + flags[0].length;
        continue;
      }
      const group = /^[imsxU]*(-[imsxU]+)?:/.exec(rest);
      if (group && group[0] !== ':') {
        out += '(?:';
        i += 1 + group[0].length;
        continue;
      }
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
    }
    out += c;
  }
  return out;
}

export function checkWeight(v: number): string | undefined {
  return Number.isInteger(v) && v >= 0 && v <= 1000000 ? undefined : 'is not a valid weight (an integer from 0 to 1000000)';
}

/** Kubernetes name as used for metadata.name of most kinds. */
export function checkObjectName(v: string): string | undefined {
  return checkDnsSubdomain(v);
}

/** cdk8s ids are free text; metadata names are DNS subdomains. Lowercase and replace the rest. */
export function nameFromId(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9]+$/, '');
}

export function checkLabelKey(v: string): string | undefined {
  const m = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/.exec(v);
  if (!m) return 'is not a valid label key ([prefix/]name, name up to 63 characters)';
  if (m[2] && m[2].length > 253) return 'has a prefix longer than 253 characters';
  return undefined;
}

export function checkLabelValue(v: string): string | undefined {
  if (v.length > 63) return 'is longer than 63 characters';
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) ? undefined : 'is not a valid label value';
}

const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
/** Gateway API Duration (GEP-2257): e.g. `10s`, `1m30s`, `500ms`. */
export function checkGatewayDuration(v: string): string | undefined {
  return DURATION.test(v) ? undefined : 'is not a Gateway API duration (e.g. "10s", "1m30s", "500ms"; units h, m, s, ms)';
}
