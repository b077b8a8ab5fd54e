/**
 * Structural (OpenAPI v3) violations, one per category, with the exact field and message.
 */
import { hasSchema, validateObject } from '../../src/validate';
import { CEL_SKIPPED, gateway, HTTP_LISTENER, httpRoute, summary } from './fixtures';

const backend = { name: 'web', port: 8080 };

describe('valid objects', () => {
  test('a typical HTTPRoute and Gateway validate clean in both channels', () => {
    const route = httpRoute({
      hostnames: ['app.example.com', '*.example.org'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-env', value: 'prod' }], method: 'GET' }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'b' }], remove: ['x-b'] } }],
          backendRefs: [{ ...backend, weight: 90 }, { name: 'canary', port: 8080, weight: 10 }],
        },
      ],
    });
    const gw = gateway({ listeners: [HTTP_LISTENER, { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificateRefs: [{ name: 'cert' }] } }] });
    for (const channel of ['standard', 'experimental'] as const) {
      expect(validateObject(route, { channel })).toEqual([]);
      expect(validateObject(gw, { channel })).toEqual([]);
    }
  });

  test('objects of groups that are not bundled are not validated', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'Not_A_Valid_Name' }, spec: { bogus: true } };
    expect(hasSchema('v1', 'Service')).toBe(false);
    expect(validateObject(svc)).toEqual([]);
    expect(validateObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } })).toEqual([]);
  });

  test('hasSchema knows every bundled set', () => {
    expect(hasSchema('gateway.networking.k8s.io/v1', 'HTTPRoute')).toBe(true);
    expect(hasSchema('gateway.networking.k8s.io/v1alpha2', 'TLSRoute')).toBe(true); // experimental serves it
    expect(hasSchema('gateway.networking.x-k8s.io/v1alpha1', 'XBackendTrafficPolicy')).toBe(true);
    expect(hasSchema('metallb.io/v1beta1', 'IPAddressPool')).toBe(true);
    expect(hasSchema('cert-manager.io/v1', 'Certificate')).toBe(true);
    expect(hasSchema('gateway.networking.k8s.io/v1', 'FooRoute')).toBe(false);
    expect(hasSchema('gateway.networking.k8s.io/v1alpha1', 'HTTPRoute')).toBe(false);
  });

  test('the input is never mutated, even though defaults are applied', () => {
    const route = httpRoute({ rules: [{ backendRefs: [backend] }] });
    const before = JSON.stringify(route);
    expect(validateObject(route)).toEqual([]);
    expect(JSON.stringify(route)).toBe(before);
  });
});

describe('unknown fields (strict field validation)', () => {
  test('at the root, in spec, nested, and in metadata', () => {
    const route = {
      ...httpRoute({ foo: 1, rules: [{ matches: [{ path: { value: '/', bar: 2 } }], backendRefs: [backend] }] }),
      extra: true,
      metadata: { name: 'web', namespace: 'apps', labelz: {} },
    };
    // reported in document order
    expect(summary(validateObject(route))).toEqual([
      'unknown-field spec.foo: unknown field "spec.foo"',
      'unknown-field spec.rules[0].matches[0].path.bar: unknown field "spec.rules[0].matches[0].path.bar"',
      'unknown-field extra: unknown field "extra"',
      'unknown-field metadata.labelz: unknown field "metadata.labelz"',
    ]);
  });

  test('map keys are not unknown fields, and status is checked for unknown fields only', () => {
    const gw = { ...gateway({ listeners: [HTTP_LISTENER], infrastructure: { labels: { 'example.com/team': 'a' } } }), status: { bogus: 1, addresses: 'not-validated' } };
    expect(summary(validateObject(gw))).toEqual(['unknown-field status.bogus: unknown field "status.bogus"']);
  });
});

describe('value validation', () => {
  test('wrong type (and Kubernetes then skips the CEL rules)', () => {
    const vs = validateObject(httpRoute({ rules: [{ backendRefs: [{ name: 'web', port: '8080' }] }] }));
    expect(summary(vs)).toEqual([
      'schema spec.rules[0].backendRefs[0].port: Invalid value: "8080": must be of type integer (got string)',
      CEL_SKIPPED,
    ]);
    expect(vs[0]).toMatchObject({ rule: 'type: integer', value: '8080' });
  });

  test('enum', () => {
    const vs = validateObject(httpRoute({ rules: [{ matches: [{ method: 'FETCH' }], backendRefs: [backend] }] }));
    expect(vs[0]).toEqual({
      field: 'spec.rules[0].matches[0].method',
      type: 'schema',
      message: 'Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"',
      rule: 'enum',
      value: 'FETCH',
    });
    expect(summary(vs)[1]).toBe(CEL_SKIPPED);
  });

  test('pattern (hostname)', () => {
    const vs = validateObject(httpRoute({ hostnames: ['Bad_Host.example.com'] }));
    expect(summary(vs)).toEqual([
      "schema spec.hostnames[0]: Invalid value: \"Bad_Host.example.com\": should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'",
    ]);
    expect(vs[0].rule).toBe('pattern: ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$');
  });

  test('maxItems', () => {
    const hostnames = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`);
    expect(validateObject(httpRoute({ hostnames }))).toEqual([
      { field: 'spec.hostnames', type: 'schema', message: 'Too many: 17: must have at most 16 items', rule: 'maxItems: 16' },
      // TooMany blocks CEL, as on the API server (hasBlockingErr)
      { field: '', type: 'cel', message: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' },
    ]);
  });

  test('a list far beyond maxItems skips CEL (a blocking error) instead of running quadratic rules', () => {
    const listeners = Array.from({ length: 5000 }, (_, i) => ({ name: `l${i}`, port: 80, protocol: 'HTTP' }));
    const vs = validateObject(gateway({ listeners }));
    expect(summary(vs)).toEqual([
      'schema spec.listeners: Too many: 5000: must have at most 64 items',
      'cel : some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('minimum / maximum', () => {
    expect(summary(validateObject(gateway({ listeners: [{ ...HTTP_LISTENER, port: 70000 }] })))).toEqual([
      'schema spec.listeners[0].port: Invalid value: 70000: should be less than or equal to 65535',
    ]);
  });

  test('maxLength counts code points, like Kubernetes', () => {
    // sectionName: maxLength 253; 253 astral characters are 506 UTF-16 units but 253 code points
    const name = '😀'.repeat(253);
    const vs = validateObject(httpRoute({ parentRefs: [{ name: 'gw', sectionName: name }] }));
    expect(vs.map((v) => v.rule)).not.toContain('maxLength: 253');
    const vs2 = validateObject(httpRoute({ parentRefs: [{ name: 'gw', sectionName: name + 'a' }] }));
    expect(summary(vs2)).toContain('schema spec.parentRefs[0].sectionName: Too long: may not be more than 253 characters (got 254)');
  });

  test('required', () => {
    expect(validateObject(httpRoute({ rules: [{ backendRefs: [{ port: 8080 }] }] }))).toEqual([
      { field: 'spec.rules[0].backendRefs[0].name', type: 'schema', message: 'Required value', rule: 'required' },
      // Required blocks CEL, as on the API server (hasBlockingErr)
      { field: '', type: 'cel', message: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' },
    ]);
    const { spec: _spec, ...noSpec } = gateway({});
    expect(summary(validateObject(noSpec as any))).toEqual(['schema spec: Required value', 'cel : some validation rules were not checked because the object was invalid; correct the existing errors to complete validation']);
  });

  test('list-type set: duplicates', () => {
    const vs = validateObject(
      httpRoute({ rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x-a', 'x-b', 'x-a'] } }], backendRefs: [backend] }] }),
    );
    expect(vs).toEqual([
      {
        field: 'spec.rules[0].filters[0].requestHeaderModifier.remove[2]',
        type: 'schema',
        message: 'Duplicate value: "x-a"',
        rule: 'x-kubernetes-list-type: set',
        value: 'x-a',
      },
    ]);
  });

  test('list-type map: duplicate keys', () => {
    const vs = validateObject(
      httpRoute({ rules: [{ matches: [{ headers: [{ name: 'x-env', value: 'a' }, { name: 'x-env', value: 'b' }] }], backendRefs: [backend] }] }),
    );
    expect(vs).toEqual([
      {
        field: 'spec.rules[0].matches[0].headers[1]',
        type: 'schema',
        message: 'Duplicate value: {"name":"x-env"}',
        rule: 'x-kubernetes-list-type: map (keys: name)',
        value: { name: 'x-env' },
      },
    ]);
  });

  test('format + oneOf: a Gateway IPAddress that is not an IP', () => {
    const vs = validateObject(gateway({ listeners: [HTTP_LISTENER], addresses: [{ type: 'IPAddress', value: '10.0.0.300' }] }));
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ field: 'spec.addresses[0]', type: 'schema', rule: 'oneOf', value: { type: 'IPAddress', value: '10.0.0.300' } });
    expect(vs[0].message).toContain('must validate one and only one schema (oneOf). Found none valid');
    expect(vs[0].message).toContain('spec.addresses[0].value: Invalid value: "10.0.0.300": must validate at least one schema (anyOf)');
    expect(vs[0].message).toContain('must be of format ipv4');
    // the type defaults to IPAddress, so a bare value is checked too; other types are free-form
    expect(validateObject(gateway({ listeners: [HTTP_LISTENER], addresses: [{ value: '2001:db8::1' }] }))).toEqual([]);
    expect(validateObject(gateway({ listeners: [HTTP_LISTENER], addresses: [{ type: 'Hostname', value: 'lb.example.com' }] }))).toEqual([]);
  });

  test('null in a non-nullable field is dropped (then defaulted or reported as missing)', () => {
    // rules[].matches: null → dropped, then defaulted; parentRefs[0].name: null → dropped → required.
    // A missing required field blocks CEL (the API server's hasBlockingErr: NotSupported, Required,
    // TooLong, TooMany, TypeInvalid), so the parentRefs rules do not run and fail on the missing key:
    // one mistake, one error (and the note that rules were skipped)
    const vs = validateObject(httpRoute({ parentRefs: [{ name: null }], rules: [{ matches: null, backendRefs: [backend] }] }));
    expect(summary(vs)).toEqual([
      'schema spec.parentRefs[0].name: Required value',
      'cel : some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });
});

describe('metadata', () => {
  test('name must be a DNS-1123 subdomain, labels must be valid', () => {
    const route = { ...httpRoute({}), metadata: { name: 'Web_Route', namespace: 'apps', labels: { 'a/b/c': 'x', ok: 'not ok' } } };
    const vs = validateObject(route);
    expect(vs.map((v) => [v.field, v.rule])).toEqual([
      ['metadata.name', 'DNS-1123 subdomain'],
      ['metadata.labels', 'label key'],
      ['metadata.labels[ok]', 'label value'],
    ]);
    expect(vs[0].message).toContain('Invalid value: "Web_Route": a lowercase RFC 1123 subdomain must consist of');
  });

  test('name is required unless generateName is set', () => {
    const route = { ...httpRoute({}), metadata: { namespace: 'apps' } };
    expect(summary(validateObject(route))).toEqual(['schema metadata.name: Required value: name or generateName is required', 'cel : some validation rules were not checked because the object was invalid; correct the existing errors to complete validation']);
    expect(validateObject({ ...route, metadata: { generateName: 'web-', namespace: 'apps' } })).toEqual([]);
  });

  test('namespace must be a DNS-1123 label; it is ignored for cluster-scoped kinds', () => {
    const route = { ...httpRoute({}), metadata: { name: 'web', namespace: 'Apps' } };
    expect(validateObject(route).map((v) => v.field)).toEqual(['metadata.namespace']);
    const gc = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'nginx', namespace: 'Whatever' }, spec: { controllerName: 'example.com/gc' } };
    expect(validateObject(gc)).toEqual([]);
  });
});

describe('lookup', () => {
  test('a version the channel no longer serves', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute', metadata: { name: 'x', namespace: 'a' }, spec: { rules: [{ backendRefs: [backend] }] } };
    expect(validateObject(route, { channel: 'standard' })).toEqual([
      {
        field: 'apiVersion',
        type: 'not-served',
        message:
          'gateway.networking.k8s.io/v1alpha2 TLSRoute is no longer served by the Gateway API standard-channel CRDs; served: gateway.networking.k8s.io/v1 ' +
          '(gateway.networking.k8s.io/v1alpha2 TLSRoute is served by the Gateway API experimental-channel CRDs)',
        value: 'gateway.networking.k8s.io/v1alpha2',
      },
    ]);
    expect(validateObject(route, { channel: 'experimental' })).toEqual([]);
  });

  test('a version that never existed, an unknown kind, an experimental-only kind', () => {
    const obj = (apiVersion: string, kind: string) => ({ apiVersion, kind, metadata: { name: 'x' } });
    expect(summary(validateObject(obj('gateway.networking.k8s.io/v2', 'HTTPRoute')))).toEqual([
      'not-served apiVersion: gateway.networking.k8s.io/v2 HTTPRoute is not served by the Gateway API standard-channel CRDs; served: gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1',
    ]);
    expect(summary(validateObject(obj('gateway.networking.k8s.io/v1', 'FooRoute')))).toEqual([
      'unknown-kind kind: no kind "FooRoute" is registered for group "gateway.networking.k8s.io" in the Gateway API standard-channel CRDs',
    ]);
    expect(summary(validateObject(obj('gateway.networking.x-k8s.io/v1alpha1', 'XMesh')))).toEqual([
      'unknown-kind kind: no kind "XMesh" is registered for group "gateway.networking.x-k8s.io" in the Gateway API standard-channel CRDs ' +
        '(gateway.networking.x-k8s.io/v1alpha1 XMesh is served by the Gateway API experimental-channel CRDs)',
    ]);
  });

  test('experimental fields are unknown under the standard channel', () => {
    const route = httpRoute({ rules: [{ backendRefs: [backend], retry: { attempts: 2 } }] });
    expect(summary(validateObject(route, { channel: 'standard' }))).toEqual(['unknown-field spec.rules[0].retry: unknown field "spec.rules[0].retry"']);
    expect(validateObject(route, { channel: 'experimental' })).toEqual([]);
  });
});
