/**
 * The Gateway API's own x-kubernetes-validations rules, evaluated on real-looking objects.
 */
import { validateObject, Violation } from '../../src/validate';
import { gateway, HTTP_LISTENER, httpRoute, summary, tlsRoute } from './fixtures';

const backend = { name: 'web', port: 8080 };

function cel(vs: Violation[]): Violation[] {
  return vs.filter((v) => v.type === 'cel');
}

describe('Gateway', () => {
  test('duplicate listener names: the list-map key and the CEL rule both report it', () => {
    const vs = validateObject(gateway({ listeners: [HTTP_LISTENER, { ...HTTP_LISTENER, port: 8080 }] }));
    expect(summary(vs)).toEqual([
      'schema spec.listeners[1]: Duplicate value: {"name":"http"}',
      'cel spec.listeners: Listener name must be unique within the Gateway',
    ]);
    expect(vs[1].rule).toBe('self.all(l1, self.exists_one(l2, l1.name == l2.name))');
  });

  test('hostname on a TCP listener', () => {
    const vs = validateObject(gateway({ listeners: [{ name: 'db', port: 5432, protocol: 'TCP', hostname: 'db.example.com' }] }), { channel: 'experimental' });
    expect(summary(vs)).toEqual(["cel spec.listeners: hostname must not be specified for protocols ['TCP', 'UDP']"]);
  });

  test('tls on an HTTP listener', () => {
    const vs = validateObject(gateway({ listeners: [{ ...HTTP_LISTENER, tls: { certificateRefs: [{ name: 'c' }] } }] }));
    expect(summary(vs)).toEqual(["cel spec.listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"]);
  });

  test('HTTPS listener in Terminate mode without certificateRefs or options', () => {
    // `tls.mode` defaults to Terminate; the rule reads self.certificateRefs without has(), so on a real API
    // server it fails with "no such key" — the rule's message is still what the user sees
    const vs = validateObject(gateway({ listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: {} }] }));
    expect(summary(vs)).toEqual([
      'cel spec.listeners[0].tls: no such key: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate',
    ]);
    const empty = validateObject(gateway({ listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [], options: {} } }] }));
    expect(summary(empty)).toEqual(['cel spec.listeners[0].tls: certificateRefs or options must be specified when mode is Terminate']);
    const ok = validateObject(gateway({ listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }] }));
    expect(ok).toEqual([]);
  });

  test('an HTTPS listener cannot use Passthrough', () => {
    const vs = validateObject(gateway({ listeners: [{ name: 'tls', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }] }));
    expect(summary(cel(vs))).toEqual(["cel spec.listeners: tls mode must be Terminate for protocol HTTPS"]);
  });

  test('label keys of spec.infrastructure: the split("/") rule', () => {
    const longPrefix = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`; // 256 chars
    const vs = validateObject(gateway({ listeners: [HTTP_LISTENER], infrastructure: { labels: { [`${longPrefix}/team`]: 'a', 'example.com/ok': 'b' } } }));
    expect(summary(cel(vs))).toEqual([
      "cel spec.infrastructure.labels: If specified, the label key's prefix must be a DNS subdomain not longer than 253 characters in total.",
    ]);
    expect(validateObject(gateway({ listeners: [HTTP_LISTENER], infrastructure: { labels: { 'example.com/team': 'a' } } }))).toEqual([]);
  });

  test('IPAddress values must be unique (CEL) — duplicate Hostname values too', () => {
    const vs = validateObject(gateway({ listeners: [HTTP_LISTENER], addresses: [{ value: '192.0.2.1' }, { type: 'IPAddress', value: '192.0.2.1' }] }));
    expect(summary(vs)).toEqual(['cel spec.addresses: IPAddress values must be unique']);
  });
});

describe('HTTPRoute', () => {
  test('RequestRedirect filter together with backendRefs', () => {
    const vs = validateObject(httpRoute({ rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }], backendRefs: [backend] }] }));
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({
      field: 'spec.rules[0]',
      type: 'cel',
      message: 'RequestRedirect filter must not be used together with backendRefs',
      rule: '(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true',
    });
    // the value is the defaulted rule (statusCode, matches, backendRef group/kind/weight were defaulted)
    expect(vs[0].value).toMatchObject({ filters: [{ requestRedirect: { statusCode: 302 } }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] });
  });

  test('path values: absolute, no "//", only valid characters — for Exact and PathPrefix, not for RegularExpression', () => {
    const route = (type: string, value: string) => httpRoute({ rules: [{ matches: [{ path: { type, value } }], backendRefs: [backend] }] });
    expect(summary(validateObject(route('PathPrefix', 'api')))).toEqual([
      "cel spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    ]);
    expect(summary(validateObject(route('Exact', '/a//b')))).toEqual(["cel spec.rules[0].matches[0].path: must not contain '//' when type one of ['Exact', 'PathPrefix']"]);
    expect(summary(validateObject(route('Exact', '/a b')))).toEqual([
      "cel spec.rules[0].matches[0].path: must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
    ]);
    expect(summary(validateObject(route('Exact', '/a/..')))).toEqual(["cel spec.rules[0].matches[0].path: must not end with '/..' when type one of ['Exact', 'PathPrefix']"]);
    // RegularExpression values are implementation-specific: none of these rules apply
    expect(validateObject(route('RegularExpression', '^api//(v1|v2) x$'))).toEqual([]);
    expect(validateObject(route('Exact', '/api/v1%2Fx'))).toHaveLength(1);
  });

  test('ReplacePrefixMatch needs exactly one PathPrefix match (defaults count)', () => {
    const rewrite = { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } };
    const exact = validateObject(httpRoute({ rules: [{ matches: [{ path: { type: 'Exact', value: '/v1' } }], filters: [rewrite], backendRefs: [backend] }] }));
    expect(summary(exact)).toEqual([
      'cel spec.rules[0]: When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    ]);
    // no matches → defaulted to [{path: {type: PathPrefix, value: "/"}}] before CEL runs: valid
    expect(validateObject(httpRoute({ rules: [{ filters: [rewrite], backendRefs: [backend] }] }))).toEqual([]);
    // a path without a type defaults to PathPrefix: valid
    expect(validateObject(httpRoute({ rules: [{ matches: [{ path: { value: '/v1' } }], filters: [rewrite], backendRefs: [backend] }] }))).toEqual([]);
  });

  test('filter type and its field must agree', () => {
    const vs = validateObject(httpRoute({ rules: [{ filters: [{ type: 'RequestHeaderModifier' }], backendRefs: [backend] }] }));
    expect(summary(vs)).toEqual(['cel spec.rules[0].filters[0]: filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type']);
  });

  test('backendRequest timeout longer than request timeout (duration())', () => {
    const vs = validateObject(httpRoute({ rules: [{ backendRefs: [backend], timeouts: { request: '5s', backendRequest: '1m' } }] }));
    expect(summary(vs)).toEqual(['cel spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout']);
    expect(validateObject(httpRoute({ rules: [{ backendRefs: [backend], timeouts: { request: '1h', backendRequest: '500ms' } }] }))).toEqual([]);
    expect(validateObject(httpRoute({ rules: [{ backendRefs: [backend], timeouts: { request: '0s', backendRequest: '10s' } }] }))).toEqual([]);
  });

  test('duplicate parentRefs need distinct sectionNames', () => {
    const vs = validateObject(httpRoute({ parentRefs: [{ name: 'gw', namespace: 'infra' }, { name: 'gw', namespace: 'infra', sectionName: 'http' }] }));
    expect(summary(vs)).toEqual(['cel spec.parentRefs: sectionName must be specified when parentRefs includes 2 or more references to the same parent']);
  });

  test('Service backend needs a port', () => {
    const vs = validateObject(httpRoute({ rules: [{ backendRefs: [{ name: 'web' }] }] }));
    expect(summary(vs)).toEqual(['cel spec.rules[0].backendRefs[0]: Must have port for Service reference']);
  });
});

describe('TLSRoute', () => {
  test('isIP: hostnames cannot be IP addresses', () => {
    const vs = validateObject(tlsRoute({ hostnames: ['10.0.0.1'], rules: [{ backendRefs: [backend] }] }));
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ field: 'spec.hostnames', type: 'cel', message: 'Hostnames cannot contain an IP', rule: 'self.all(h, !isIP(h))', value: ['10.0.0.1'] });
    expect(validateObject(tlsRoute({ hostnames: ['db.example.com'], rules: [{ backendRefs: [backend] }] }))).toEqual([]);
  });

  test('substring: a wildcard must be the first label', () => {
    const vs = validateObject(tlsRoute({ hostnames: ['*.example.com', 'db.*.example.com'], rules: [{ backendRefs: [backend] }] }));
    // the hostname pattern rejects it as well; pattern errors do not block CEL
    expect(vs.map((v) => `${v.type} ${v.field}`)).toEqual(['schema spec.hostnames[1]', 'cel spec.hostnames']);
    expect(vs[1].message).toBe('Wildcards on hostnames must be the first label, and the rest of hostname must be valid based on RFC-1123');
  });
});

describe('XBackend (experimental): format.dns1123Label().validate(self) == null', () => {
  // cel-go: validate() returns optional.none() for a valid name, and optional.none() == null is false,
  // so upstream's rule rejects every non-empty port name (XBackend is not in upstream's kustomization).
  test('faithful to cel-go: only the empty name passes', () => {
    const xb = (name: string) => ({
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XBackend',
      metadata: { name: 'b', namespace: 'a' },
      spec: { type: 'ExternalHostname', externalHostname: { hostname: 'api.example.com' }, port: { name, port: 443 } },
    });
    const bad = validateObject(xb('https') as any, { channel: 'experimental' });
    expect(summary(bad)).toEqual(['cel spec.port.name: Name must be a valid DNS label']);
    expect(validateObject(xb('') as any, { channel: 'experimental' })).toEqual([]);
  });
});
