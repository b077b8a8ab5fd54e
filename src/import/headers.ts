/**
 * `custom-headers`: the response headers of a ConfigMap → a ResponseHeaderModifier `set`.
 *
 * ingress-nginx (annotations/customheaders and its nginx template): the value names a ConfigMap
 * as `namespace/name`; each data key (letters, digits, `-`, `_`) is a response header set with
 * `more_set_headers "NAME: VALUE"` on every answer of the Ingress's locations (nginx variables in
 * the value are expanded). A missing ConfigMap or an invalid header name denies the location
 * (503). Since v1.12 the controller also requires each header to be listed in its ConfigMap's
 * `global-allowed-response-headers`, which import does not read.
 */
import { KubeObject } from '../model';
import type { ReportResult } from './convert';
import { Ingress } from './model';

const NAME_RE = /^[a-zA-Z\d\-_]+$/;
/** Gateway API's header name pattern. */
const GATEWAY_NAME_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** The headers to set, sorted by name, or undefined when nothing is converted; reports `custom-headers`. */
export function customHeaders(ing: Ingress, value: string | undefined, configMaps: readonly KubeObject[], report: (name: string, result: ReportResult, detail: string) => void): { name: string; value: string }[] | undefined {
  if (value === undefined) return undefined;
  const m = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(value);
  if (!m) {
    report('custom-headers', 'unsupported', `"${value}" is not "namespace/name": ingress-nginx found no ConfigMap and denied the Ingress's locations (503). Fix: name the ConfigMap as namespace/name and import again`);
    return undefined;
  }
  const cm = configMaps.find((c) => c.metadata.name === m[2] && (c.metadata.namespace ?? ing.namespace) === m[1]);
  if (!cm) {
    report('custom-headers', 'unsupported', `ConfigMap ${value} is not in the input: its headers are unknown and not set. Fix: add the ConfigMap's YAML to the input (kubectl get configmap -n ${m[1]} ${m[2]} -o yaml) and import again`);
    return undefined;
  }
  const data = ((cm as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const entries = Object.entries(data)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .sort((a, b) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : a[0].toLowerCase() > b[0].toLowerCase() ? 1 : 0));
  const badName = entries.find(([k]) => !NAME_RE.test(k) || !GATEWAY_NAME_RE.test(k));
  if (badName) {
    report('custom-headers', 'unsupported', `ConfigMap ${value} has the key "${badName[0]}", not a header name (letters, digits, - and _): ingress-nginx denied the Ingress's locations (503); no header is set. Fix: remove or rename the key`);
    return undefined;
  }
  const kept: { name: string; value: string }[] = [];
  const dropped: string[] = [];
  for (const [k, v] of entries) {
    // nginx variables were expanded by more_set_headers; a literal `$` cannot be told apart
    // eslint-disable-next-line no-control-regex
    if (v.includes('$') || /[\u0000-\u001f\u007f]/.test(v) || v.length > 4096) dropped.push(k);
    else kept.push({ name: k, value: v });
  }
  if (!entries.length) {
    report('custom-headers', 'converted', `ConfigMap ${value} has no data: no header to set, as ingress-nginx`);
    return undefined;
  }
  const note = 'ingress-nginx 1.12+ also required each header in its ConfigMap\'s global-allowed-response-headers (not read by import)';
  const set = kept.map((h) => `${h.name}: ${h.value}`).join('; ');
  if (dropped.length) {
    report('custom-headers', kept.length ? 'approximated' : 'unsupported', `${kept.length ? `ResponseHeaderModifier set ${set}. Difference: ` : ''}${dropped.join(', ')} ${dropped.length > 1 ? 'use' : 'uses'} nginx variables (or control characters), which ingress-nginx expanded and a Gateway API header value cannot: not set. Fix: set a fixed value${kept.length ? '' : '; nothing is set'}; ${note}`);
  } else {
    report('custom-headers', 'converted', `ResponseHeaderModifier set ${set} on every answer of the Ingress's proxied rules (from ConfigMap ${value}); ${note}`);
  }
  return kept.length ? kept : undefined;
}
