/**
 * The CEL trees parsed at build time (src/validate/schemas/cel-ast.json, written by
 * scripts/precompile-cel.ts): current for the bundled schemas and the parser, decoded exactly, and
 * what the planner uses for the bundled rules (any other text is parsed at run time).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from '@bufbuild/cel';
import { bundledRuleTexts, precompile } from '../../scripts/precompile-cel';
import { AstEncoder, decodeAst, precompiledExpr } from '../../src/validate/cel-ast';
import { evaluateExpression, functionsOf } from '../../src/validate/cel';

const FILE = path.join(__dirname, '..', '..', 'src', 'validate', 'schemas', 'cel-ast.json');

test('cel-ast.json is what scripts/precompile-cel.ts writes now (else: npx ts-node --project tsconfig.dev.json scripts/precompile-cel.ts)', () => {
  expect(fs.readFileSync(FILE, 'utf8')).toBe(`${JSON.stringify(precompile(), null, 1)}\n`);
});

test('every bundled rule that parses decodes to exactly the tree the parser returns', () => {
  const texts = bundledRuleTexts();
  expect(texts.length).toBeGreaterThan(50);
  let parsed = 0;
  for (const text of texts) {
    let expected: unknown;
    try {
      expected = parse(text).expr;
    } catch {
      expect(precompiledExpr(text)).toBeUndefined();
      continue;
    }
    parsed++;
    const got = precompiledExpr(text);
    expect(got).toStrictEqual(expected);
    // same key order too (the same object shapes as the parser's)
    expect(JSON.stringify(got, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(JSON.stringify(expected, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  }
  expect(parsed).toBe(texts.length);
});

test('the encoding round-trips bigints (beyond 2^53 too), bytes, undefined, fixed keys and nesting', () => {
  const enc = new AstEncoder();
  const value = {
    $typeName: 'cel.expr.Expr',
    id: 7n,
    exprKind: { case: 'constExpr', value: { big: 2n ** 70n, neg: -3n, bytes: new Uint8Array([0, 255, 7]), none: undefined, list: [1, 'a', null, true, [2.5]] } },
    other: { $typeName: 'x', case: 3 },
  };
  const encoded = enc.encode(value);
  // the fixed strings live in the shapes, not in the encoded value
  expect(JSON.stringify(encoded)).not.toContain('cel.expr.Expr');
  expect(JSON.stringify(encoded)).not.toContain('constExpr');
  expect(decodeAst(JSON.parse(JSON.stringify(encoded)), JSON.parse(JSON.stringify(enc.shapes)))).toStrictEqual(value);
  expect(() => enc.encode(new Map())).toThrow(/cannot encode/);
  expect(() => enc.encode(NaN)).toThrow(/cannot encode/);
});

test('texts that are not bundled rules are parsed at run time', () => {
  const text = '[1, 2, 3].exists(x, x == 2) && "abc".startsWith("a")';
  expect(precompiledExpr(text)).toBeUndefined();
  expect(evaluateExpression(text)).toBe(true);
  expect(functionsOf(text)).toContain('startsWith');
});

test('a bundled rule evaluates through its precompiled tree', () => {
  const text = bundledRuleTexts().find((t) => t === "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true");
  expect(text).toBeDefined();
  expect(precompiledExpr(text!)).toBeDefined();
  expect(evaluateExpression(text!, { self: new Map([['group', ''], ['kind', 'Service']]) })).toBe(false);
});
