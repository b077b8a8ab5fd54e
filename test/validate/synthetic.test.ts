/**
 * Validator semantics on small synthetic CRD schemas: features the bundled CRDs use rarely or not at
 * all (messageExpression, fieldPath, reason, nullable, preserve-unknown-fields, int-or-string,
 * embedded resources, compositions, CEL value typing).
 */
import { validateWithSchema } from '../../src/validate/validator';
import { summary } from './fixtures';

const obj = (spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, spec, ...extra });

function schema(spec: Record<string, unknown>, rootExtra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec },
    ...rootExtra,
  };
}

describe('CEL rule options', () => {
  const rules = (...v: object[]) => schema({ 'type': 'object', 'properties': { replicas: { type: 'integer' }, max: { type: 'integer' }, name: { type: 'string' } }, 'x-kubernetes-validations': v });

  test('messageExpression is evaluated; fieldPath moves the field; reason is reported', () => {
    const s = rules({
      rule: 'self.replicas <= self.max',
      messageExpression: "'replicas (' + string(self.replicas) + ') must not exceed ' + string(self.max)",
      fieldPath: '.replicas',
      reason: 'FieldValueForbidden',
    });
    expect(validateWithSchema(s, obj({ replicas: 5, max: 3 }))).toEqual([
      {
        field: 'spec.replicas',
        type: 'cel',
        message: 'replicas (5) must not exceed 3',
        rule: 'self.replicas <= self.max',
        value: { replicas: 5, max: 3 },
        reason: 'FieldValueForbidden',
      },
    ]);
  });

  test('a messageExpression that fails or is empty falls back to message, then to "failed rule"', () => {
    const bad = rules({ rule: 'false', messageExpression: 'self.nope', message: 'static message' });
    expect(summary(validateWithSchema(bad, obj({})))).toEqual(['cel spec: static message']);
    const empty = rules({ rule: 'false', messageExpression: "''" });
    expect(summary(validateWithSchema(empty, obj({})))).toEqual(['cel spec: failed rule: false']);
  });

  test('fieldPath with a bracketed key', () => {
    const s = schema({
      'type': 'object',
      'properties': { labels: { type: 'object', additionalProperties: { type: 'string' } } },
      'x-kubernetes-validations': [{ rule: "!has(self.labels) || !('a.b/c' in self.labels)", fieldPath: ".labels['a.b/c']", message: 'reserved' }],
    });
    expect(summary(validateWithSchema(s, obj({ labels: { 'a.b/c': 'x' } })))).toEqual(['cel spec.labels[a.b/c]: reserved']);
  });

  test('transition rules (oldSelf, optionalOldSelf) are skipped on create', () => {
    const s = rules({ rule: 'self == oldSelf', message: 'immutable' }, { rule: 'false', optionalOldSelf: true, message: 'needs old' });
    expect(validateWithSchema(s, obj({ replicas: 1 }))).toEqual([]);
  });

  test('a rule that does not compile is reported, not thrown', () => {
    const s = rules({ rule: 'self.replicas >', message: 'broken' });
    const vs = validateWithSchema(s, obj({ replicas: 1 }));
    expect(vs).toHaveLength(1);
    expect(vs[0].message).toMatch(/^rule could not be compiled \(.*\): broken$/);
  });

  test('root rules see apiVersion, kind and metadata.name', () => {
    const s = schema({ type: 'object' }, { 'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('w') && self.kind == 'Widget' && !has(self.metadata.namespace)", message: 'root' }] });
    expect(validateWithSchema(s, obj({}))).toEqual([]);
    expect(summary(validateWithSchema(s, { ...obj({}), metadata: { name: 'x' } }))).toEqual(['cel : root']);
  });
});

describe('CEL values are typed by the schema', () => {
  test('integer → int, number → double, int-or-string stays what it is', () => {
    const s = schema({
      'type': 'object',
      'properties': {
        i: { type: 'integer' },
        n: { type: 'number' },
        ios: { 'x-kubernetes-int-or-string': true, 'anyOf': [{ type: 'integer' }, { type: 'string' }] },
      },
      'x-kubernetes-validations': [
        { rule: 'self.i + 1 == 3 && type(self.i) == int', message: 'int' },
        { rule: 'self.n == 2.0 && type(self.n) == double', message: 'double' },
        { rule: "type(self.ios) == int ? self.ios > 0 : self.ios.endsWith('%')", message: 'int-or-string' },
      ],
    });
    expect(validateWithSchema(s, obj({ i: 2, n: 2, ios: 5 }))).toEqual([]);
    expect(validateWithSchema(s, obj({ i: 2, n: 2, ios: '50%' }))).toEqual([]);
    expect(summary(validateWithSchema(s, obj({ i: 2, n: 2, ios: '50' })))).toEqual(['cel spec: int-or-string']);
    expect(summary(validateWithSchema(s, obj({ i: 2, n: 2, ios: true })))[0]).toMatch(/^schema spec.ios: Invalid value: true: must validate at least one schema \(anyOf\)/);
  });

  test('property names are escaped like Kubernetes (__namespace__, __dash__, __dot__)', () => {
    const s = schema({
      'type': 'object',
      'properties': { 'namespace': { type: 'string' }, 'x-y': { type: 'string' }, 'a.b': { type: 'string' } },
      'x-kubernetes-validations': [{ rule: "self.__namespace__ == 'n' && self.x__dash__y == 'd' && self.a__dot__b == 'p'", message: 'escaped' }],
    });
    expect(validateWithSchema(s, obj({ 'namespace': 'n', 'x-y': 'd', 'a.b': 'p' }))).toEqual([]);
  });

  test('date-time strings are timestamps in CEL', () => {
    const s = schema({
      'type': 'object',
      'properties': { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } },
      'x-kubernetes-validations': [{ rule: 'self.from < self.to', message: 'from must be before to' }],
    });
    expect(validateWithSchema(s, obj({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }))).toEqual([]);
    expect(summary(validateWithSchema(s, obj({ from: '2026-01-03T00:00:00Z', to: '2026-01-02T00:00:00Z' })))).toEqual(['cel spec: from must be before to']);
  });

  test('only present fields exist: has() is false for absent ones, selecting them errors', () => {
    const s = schema({ 'type': 'object', 'properties': { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: "has(self.a) || self.a == ''", message: 'm' }] });
    expect(validateWithSchema(s, obj({ a: 'x' }))).toEqual([]);
    expect(summary(validateWithSchema(s, obj({})))).toEqual(['cel spec: no such key: a evaluating rule: m']);
  });
});

describe('structure', () => {
  test('nullable keeps null; non-nullable null is dropped (and defaulted)', () => {
    const s = schema({
      'type': 'object',
      'properties': { n: { type: 'string', nullable: true }, d: { type: 'string', default: 'dflt' } },
      'x-kubernetes-validations': [{ rule: "self.n == null && self.d == 'dflt'", message: 'm' }],
    });
    expect(validateWithSchema(s, obj({ n: null, d: null }))).toEqual([]);
  });

  test('x-kubernetes-preserve-unknown-fields keeps unknown fields; additionalProperties validates map values', () => {
    const s = schema({
      type: 'object',
      properties: {
        free: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'properties': { known: { type: 'integer' } } },
        map: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
      },
    });
    expect(validateWithSchema(s, obj({ free: { known: 1, anything: { deep: true } }, map: { a: 1 } }))).toEqual([]);
    expect(summary(validateWithSchema(s, obj({ free: { known: 'x' }, map: { a: -1 } })))).toEqual([
      'schema spec.free.known: Invalid value: "x": must be of type integer (got string)',
      'schema spec.map[a]: Invalid value: -1: should be greater than or equal to 0',
    ]);
  });

  test('embedded resources need apiVersion/kind and valid metadata', () => {
    const s = schema({
      type: 'object',
      properties: {
        template: { 'type': 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        strict: { 'type': 'object', 'x-kubernetes-embedded-resource': true, 'properties': { spec: { type: 'object', properties: { x: { type: 'string' } } } } },
      },
    });
    expect(validateWithSchema(s, obj({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} } }))).toEqual([]);
    expect(summary(validateWithSchema(s, obj({ strict: { metadata: { name: 'Bad_Name' }, spec: { x: 'a', y: 1 } } })))).toEqual([
      'unknown-field spec.strict.spec.y: unknown field "spec.strict.spec.y"',
      'schema spec.strict.apiVersion: Required value: must not be empty',
      'schema spec.strict.kind: Required value: must not be empty',
      expect.stringMatching(/^schema spec.strict.metadata.name: Invalid value: "Bad_Name"/),
    ]);
  });

  test('allOf / anyOf / oneOf / not', () => {
    const s = schema({
      type: 'object',
      properties: {
        all: { type: 'string', allOf: [{ minLength: 2 }, { maxLength: 3 }] },
        any: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
        one: { type: 'integer', oneOf: [{ minimum: 10 }, { maximum: 20 }] },
        none: { type: 'string', not: { enum: ['forbidden'] } },
      },
    });
    expect(validateWithSchema(s, obj({ all: 'abc', any: '::1', one: 5, none: 'ok' }))).toEqual([]);
    expect(summary(validateWithSchema(s, obj({ all: 'abcd', any: 'x', one: 15, none: 'forbidden' })))).toEqual([
      'schema spec.all: Too long: may not be more than 3 characters (got 4)',
      'schema spec.any: Invalid value: "x": must validate at least one schema (anyOf): [spec.any: Invalid value: "x": must be of format ipv4] or [spec.any: Invalid value: "x": must be of format ipv6]',
      'schema spec.one: Invalid value: 15: must validate one and only one schema (oneOf). Found 2 valid alternatives',
      'schema spec.none: Invalid value: "forbidden": must not validate the schema (not)',
    ]);
  });

  test('defaults apply recursively, inside defaults and inside list items', () => {
    const s = schema({
      'type': 'object',
      'properties': {
        outer: { type: 'object', default: {}, properties: { inner: { type: 'string', default: 'x' } } },
        items: { type: 'array', items: { type: 'object', properties: { k: { type: 'integer', default: 7 } } } },
      },
      'x-kubernetes-validations': [{ rule: "self.outer.inner == 'x' && self.items.all(i, i.k == 7)", message: 'defaults not applied' }],
    });
    expect(validateWithSchema(s, obj({ items: [{}, {}] }))).toEqual([]);
  });

  test('unknown formats are accepted; unknown-format strings do not throw', () => {
    const s = schema({ type: 'object', properties: { a: { type: 'string', format: 'no-such-format' }, b: { type: 'integer', format: 'int32' } } });
    expect(validateWithSchema(s, obj({ a: 'anything', b: 3 }))).toEqual([]);
  });

  test('long values are truncated in violations', () => {
    const s = schema({ type: 'object', properties: { a: { type: 'string', maxLength: 3 } } });
    const vs = validateWithSchema(s, obj({ a: 'x'.repeat(1000) }));
    expect((vs[0].value as string).length).toBeLessThan(300);
    expect(vs[0].value).toMatch(/…$/);
  });

  test('status is ignored on create when the status subresource is enabled', () => {
    const s = schema({ type: 'object' }, { properties: { apiVersion: {}, kind: {}, metadata: { type: 'object' }, spec: { type: 'object' }, status: { type: 'object', properties: { ready: { type: 'boolean' } } } } });
    const o = obj({}, { status: { ready: 'yes' } });
    expect(validateWithSchema(s, o, { scope: 'Namespaced', statusSubresource: true })).toEqual([]);
    expect(summary(validateWithSchema(s, o, { scope: 'Namespaced' }))).toEqual(['schema status.ready: Invalid value: "yes": must be of type boolean (got string)']);
  });
});
