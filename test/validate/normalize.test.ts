import { FieldPath } from '../../src/validate/field-path';
import { normalize } from '../../src/validate/normalize';
import { compileSchema } from '../../src/validate/schema';
import { Ctx } from '../../src/validate/values';

const schema = compileSchema({
  type: 'object',
  properties: {
    a: { type: 'string', default: 'x' },
    b: { type: 'integer' },
  },
});

function run(value: unknown): { value: unknown; ctx: Ctx } {
  const ctx: Ctx = { out: [], blocking: false };
  return { value: normalize(schema, value, FieldPath.ROOT, ctx), ctx };
}

describe('normalize', () => {
  test('an unknown field is reported and pruned', () => {
    const r = run({ a: 'y', c: 1 });
    expect(r.value).toEqual({ a: 'y' });
    expect(r.ctx.out).toEqual([expect.objectContaining({ field: 'c', type: 'unknown-field' })]);
  });

  test('an absent defaulted property takes its default, on a copy', () => {
    const input = { b: 1 };
    expect(run(input).value).toEqual({ a: 'x', b: 1 });
    expect(input).toEqual({ b: 1 });
  });

  test('a value that needs no change is returned as is', () => {
    const input = { a: 'y', b: 1 };
    expect(run(input).value).toBe(input);
  });

  test('null in a non-nullable field without a default is dropped', () => {
    expect(run({ a: 'y', b: null }).value).toEqual({ a: 'y' });
  });
});
