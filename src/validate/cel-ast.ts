/**
 * CEL syntax trees of the bundled schemas' rules, parsed at build time.
 *
 * Parsing is most of what a CEL rule costs the first time it runs (`@bufbuild/cel`'s parser is a
 * generated PEG parser): a `check` of one HTTPRoute spent about 50 ms parsing the rules the route
 * reaches. `scripts/precompile-cel.ts` therefore parses every `rule` and `messageExpression` of the
 * bundled CRD schemas (`./schemas/*.json`) and writes their trees to `./schemas/cel-ast.json`, in the
 * compact encoding below; {@link precompiledExpr} decodes the tree of one rule on demand, and the
 * planner falls back to parsing any text the file does not hold. `test/validate/cel-ast.test.ts`
 * fails when the file is stale (a schema or the parser changed): every rule's decoded tree must
 * equal what the parser returns now.
 *
 * Encoding (JSON): a string, number, boolean or null stands for itself; every other value is an
 * array whose first element says what it is: `-1` an array (the items follow), `-2` a bigint (its
 * decimal digits follow, as a string), `-3` a `Uint8Array` (base64 follows), `-4` undefined, and
 * `n >= 0` an object whose keys are `shapes[n]`, in order (the values follow). A key written
 * `#name` holds a bigint, encoded as a number or, beyond 2^53, as a decimal string (expression ids
 * are bigints: this keeps them short); a key written `=name=value` has that string value, which the
 * shape holds instead of the object (`$typeName` and a oneof's `case`).
 */
import type AstJson from './schemas/cel-ast.json';

/** @internal the JSON document this module loads (kept for the emit of the file). */
export type CelAstJsonFile = typeof AstJson;

/** The content of `schemas/cel-ast.json`. */
export interface CelAstFile {
  /** The parser that produced the trees (`@bufbuild/cel` and its version). */
  readonly parser: string;
  /** Object shapes: key lists, `#` before a key whose value is a bigint. */
  readonly shapes: readonly (readonly string[])[];
  /** Rule text → its expression tree (`ParsedExpr.expr`), encoded as JSON text. */
  readonly exprs: Readonly<Record<string, string>>;
}

type Encoded = string | number | boolean | null | Encoded[];

/** Keys whose string value belongs to the shape (a message's type name, a oneof's case): written once, not per object. */
const FIXED_KEYS = new Set(['$typeName', 'case']);

/** Encodes values into the compact form, collecting the object shapes. */
export class AstEncoder {
  readonly shapes: string[][] = [];
  private readonly shapeIndex = new Map<string, number>();

  encode(v: unknown): Encoded {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) throw new Error(`cannot encode the number ${v}`);
      return v;
    }
    if (v === undefined) return [-4];
    if (typeof v === 'bigint') return [-2, v.toString()];
    if (v instanceof Uint8Array) return [-3, Buffer.from(v).toString('base64')];
    if (Array.isArray(v)) return [-1, ...v.map((x) => this.encode(x))];
    if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) throw new Error(`cannot encode ${Object.prototype.toString.call(v)}`);
    const entries = Object.entries(v as Record<string, unknown>);
    const keys = entries.map(([k, x]) => {
      if (k.startsWith('#') || k.startsWith('=')) throw new Error(`cannot encode the key ${k}`);
      if (typeof x === 'bigint') return `#${k}`;
      return FIXED_KEYS.has(k) && typeof x === 'string' ? `=${k}=${x}` : k;
    });
    const id = JSON.stringify(keys);
    let n = this.shapeIndex.get(id);
    if (n === undefined) {
      n = this.shapes.length;
      this.shapes.push(keys);
      this.shapeIndex.set(id, n);
    }
    const values: Encoded[] = [n];
    entries.forEach(([, x], i) => {
      if (typeof x === 'bigint') values.push(Number.isSafeInteger(Number(x)) ? Number(x) : x.toString());
      else if (!keys[i].startsWith('=')) values.push(this.encode(x));
    });
    return values;
  }
}

/** Decodes a value of the compact form. */
export function decodeAst(e: Encoded, shapes: readonly (readonly string[])[]): unknown {
  if (!Array.isArray(e)) return e;
  const tag = e[0] as number;
  switch (tag) {
    case -1: {
      const out: unknown[] = [];
      for (let i = 1; i < e.length; i++) out.push(decodeAst(e[i], shapes));
      return out;
    }
    case -2:
      return BigInt(e[1] as string);
    case -3:
      return new Uint8Array(Buffer.from(e[1] as string, 'base64'));
    case -4:
      return undefined;
    default: {
      const keys = shapes[tag];
      const out: Record<string, unknown> = {};
      let j = 1;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const c = k.charCodeAt(0);
        if (c === 35 /* # */) {
          out[k.slice(1)] = BigInt(e[j++] as number | string);
        } else if (c === 61 /* = */) {
          const eq = k.indexOf('=', 1);
          out[k.slice(1, eq)] = k.slice(eq + 1);
        } else {
          out[k] = decodeAst(e[j++], shapes);
        }
      }
      return out;
    }
  }
}

let file: CelAstFile | undefined;

/** The expression tree (`ParsedExpr.expr`) of a bundled schema's rule text, parsed at build time; undefined for any other text. */
export function precompiledExpr(text: string): unknown {
  file ??= require('./schemas/cel-ast.json') as CelAstFile;
  const e = Object.prototype.hasOwnProperty.call(file.exprs, text) ? file.exprs[text] : undefined;
  return e === undefined ? undefined : decodeAst(JSON.parse(e) as Encoded, file.shapes);
}
