/**
 * Parses every CEL `rule` and `messageExpression` of the bundled CRD schemas
 * (src/validate/schemas/*.json) and writes their syntax trees to src/validate/schemas/cel-ast.json,
 * so a run decodes the trees of the rules it reaches instead of parsing them (src/validate/cel-ast.ts).
 * `npm run import-schemas` runs it after the extraction; run it by hand after @bufbuild/cel changes
 * (test/validate/cel-ast.test.ts fails until then).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/precompile-cel.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from '@bufbuild/cel';
import { AstEncoder, CelAstFile } from '../src/validate/cel-ast';

const schemasDir = path.join(__dirname, '..', 'src', 'validate', 'schemas');
const OUT = 'cel-ast.json';

/** Every rule and messageExpression text of the bundled schemas, sorted, without duplicates. */
export function bundledRuleTexts(): string[] {
  const texts = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      const rules = (v as Record<string, unknown>)['x-kubernetes-validations'];
      if (Array.isArray(rules)) {
        for (const r of rules as Record<string, unknown>[]) {
          texts.add(String(r.rule ?? ''));
          if (typeof r.messageExpression === 'string') texts.add(r.messageExpression);
        }
      }
      Object.values(v).forEach(walk);
    }
  };
  for (const f of fs.readdirSync(schemasDir).sort()) {
    if (f.endsWith('.json') && f !== OUT) walk(JSON.parse(fs.readFileSync(path.join(schemasDir, f), 'utf8')));
  }
  return [...texts].sort();
}

/** The file's content for the current schemas and parser. */
export function precompile(): CelAstFile {
  // the package's exports hide its package.json: find it above its entry point
  let dir = path.dirname(require.resolve('@bufbuild/cel'));
  while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== '@bufbuild/cel') {
    if (path.dirname(dir) === dir) throw new Error('package.json of @bufbuild/cel not found');
    dir = path.dirname(dir);
  }
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version as string;
  const enc = new AstEncoder();
  const exprs: Record<string, string> = {};
  for (const text of bundledRuleTexts()) {
    let expr: unknown;
    try {
      expr = parse(text).expr;
    } catch {
      continue; // a rule that does not parse keeps failing at run time, with the parser's message
    }
    exprs[text] = JSON.stringify(enc.encode(expr));
  }
  return { parser: `@bufbuild/cel ${version}`, shapes: enc.shapes, exprs };
}

if (require.main === module) {
  const out = path.join(schemasDir, OUT);
  const file = precompile();
  fs.writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
  console.error(`precompile-cel: ${Object.keys(file.exprs).length} expressions, ${file.shapes.length} shapes → ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)`);
}
