/**
 * CEL (`x-kubernetes-validations`) with Kubernetes semantics on top of `@bufbuild/cel`:
 * the environment (standard library + Kubernetes extensions), a program cache (every distinct rule
 * text is parsed and planned once; the bundled schemas' rules come parsed at build time, see
 * `cel-ast.ts`), and the conversion of JSON values to CEL values driven by the schema
 * (integer → int, number → double, objects → maps holding only the present, declared fields).
 */
import type * as Cel from '@bufbuild/cel';
import type { CelEnv, CelValue } from '@bufbuild/cel';
import type * as CelExt from '@bufbuild/cel/ext';
import type * as K8sExt from './cel-ext';
import { precompiledExpr } from './cel-ast';
import { compileRe2 } from './regex';
import type { CompiledRule, Program, SchemaNode } from './schema-types';

let celLib: typeof Cel | undefined;

/**
 * The CEL library, loaded on first use: a run whose objects reach no CEL rule (core kinds, kinds
 * whose only rules are transition rules) never loads it.
 */
function cel(): typeof Cel {
  return (celLib ??= require('@bufbuild/cel') as typeof Cel);
}

let env: CelEnv | undefined;

/** The shared CEL environment. */
export function celEnvironment(): CelEnv {
  if (!env) {
    let re2: { compile(pattern: string): { test(s: string): boolean } } | undefined;
    try {
      compileRe2('a');
      re2 = { compile: compileRe2 };
    } catch {
      re2 = undefined; // fall back to @bufbuild/cel's own (uncached) RE2
    }
    const { strings } = require('@bufbuild/cel/ext') as typeof CelExt;
    const { K8S_FUNCS } = require('./cel-ext') as typeof K8sExt;
    env = cel().celEnv({ funcs: [...strings, ...K8S_FUNCS], ...(re2 ? { re2 } : {}) });
  }
  return env;
}

interface Planned {
  readonly program?: Program;
  readonly error?: string;
  readonly idents: ReadonlySet<string>;
  readonly functions: ReadonlySet<string>;
}

const programCache = new Map<string, Planned>();

/** Functions the planner handles itself (not looked up in the function resolver). */
const PLANNER_BUILTINS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '_[?_]', '_?._', '@not_strictly_false', '__not_strictly_false__']);

interface ExprLike {
  readonly exprKind: { readonly case?: string; readonly value?: unknown };
}

/** Function names (qualified `ns.f` when the target is an identifier and `ns.f` exists) and identifiers of an expression. */
function scanExpr(root: unknown, functions: Set<string>, idents: Set<string>): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const e = stack.pop() as ExprLike | undefined;
    if (!e || !e.exprKind) continue;
    const { case: kind, value } = e.exprKind;
    const v = value as Record<string, any>;
    switch (kind) {
      case 'identExpr':
        idents.add(v.name);
        break;
      case 'callExpr': {
        const target = v.target as ExprLike | undefined;
        if (target && target.exprKind.case === 'identExpr') {
          const q = `${(target.exprKind.value as { name: string }).name}.${v.function}`;
          if (celEnvironment().funcs.find(q)) {
            functions.add(q);
            for (const a of v.args) stack.push(a);
            break;
          }
        }
        functions.add(v.function);
        if (target) stack.push(target);
        for (const a of v.args) stack.push(a);
        break;
      }
      case 'selectExpr':
        stack.push(v.operand);
        break;
      case 'comprehensionExpr':
        idents.add('@comprehension');
        for (const f of ['iterRange', 'accuInit', 'loopCondition', 'loopStep', 'result']) stack.push(v[f]);
        break;
      case 'listExpr':
        for (const el of v.elements) stack.push(el);
        break;
      case 'structExpr':
        for (const en of v.entries) {
          stack.push(en.value);
          if (en.keyKind?.case === 'mapKey') stack.push(en.keyKind.value);
        }
        break;
      default:
        break;
    }
  }
}

/**
 * The parsed form of an expression: a bundled schema's rule comes parsed at build time (only its
 * tree, which is all the planner reads), any other text is parsed now.
 */
function parseExpression(text: string): ReturnType<typeof Cel.parse> {
  const expr = precompiledExpr(text);
  if (expr === undefined) return cel().parse(text);
  return { $typeName: 'cel.expr.ParsedExpr', expr } as ReturnType<typeof Cel.parse>;
}

/** Parses and plans an expression once (cached by its text). */
export function planExpression(text: string): Planned {
  let p = programCache.get(text);
  if (!p) {
    const functions = new Set<string>();
    const idents = new Set<string>();
    try {
      const parsed = parseExpression(text);
      scanExpr(parsed.expr, functions, idents);
      const program = cel().plan(celEnvironment(), parsed) as unknown as Program;
      p = { program, idents, functions };
    } catch (e) {
      p = { error: e instanceof Error ? e.message : String(e), idents, functions };
    }
    programCache.set(text, p);
  }
  return p;
}

/** Functions an expression calls that the environment does not provide (empty when all are covered). */
export function unboundFunctions(text: string): string[] {
  const p = planExpression(text);
  const resolver = celEnvironment().funcs;
  return [...p.functions].filter((f) => !PLANNER_BUILTINS.has(f) && !resolver.find(f)).sort();
}

/** Every function name an expression calls (operators included, e.g. `_==_`). */
export function functionsOf(text: string): string[] {
  return [...planExpression(text).functions].sort();
}

/**
 * Evaluates an expression in the validator's environment (tests, diagnostics): returns the CEL value,
 * throws an Error carrying the CEL error message when parsing or evaluation fails.
 */
export function evaluateExpression(text: string, bindings: Record<string, unknown> = {}): unknown {
  const p = planExpression(text);
  if (!p.program) throw new Error(p.error);
  const r = p.program(bindings);
  if (cel().isCelError(r)) throw new Error(k8sErrorText(r.message));
  return r;
}

/**
 * One `x-kubernetes-validations` entry. The expressions are parsed and planned on first use (the
 * first evaluation), not when the schema is compiled: a run plans only the rules its objects reach.
 */
class LazyRule implements CompiledRule {
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
  constructor(readonly rule: string, readonly transition: boolean, raw: Record<string, unknown>) {
    if (typeof raw.message === 'string') this.message = raw.message;
    if (typeof raw.fieldPath === 'string') this.fieldPath = raw.fieldPath;
    if (typeof raw.reason === 'string') this.reason = raw.reason;
    if (typeof raw.messageExpression === 'string') this.messageExpression = raw.messageExpression;
  }
  get program(): Program | undefined {
    return planExpression(this.rule).program;
  }
  get compileError(): string | undefined {
    return planExpression(this.rule).error;
  }
  get messageProgram(): Program | undefined {
    return this.messageExpression === undefined ? undefined : planExpression(this.messageExpression).program;
  }
}

/** Compiles one `x-kubernetes-validations` entry (its expressions are planned on first evaluation). */
export function compileRule(raw: Record<string, unknown>): CompiledRule {
  const rule = String(raw.rule ?? '');
  // `oldSelf` is an identifier of the rule only if its text holds the word: only such rules are
  // parsed now, to tell transition rules (never evaluated on create) from the others
  const transition = raw.optionalOldSelf === true || (rule.includes('oldSelf') && planExpression(rule).idents.has('oldSelf'));
  return new LazyRule(rule, transition, raw);
}

/** Outcome of one rule evaluation. */
export type RuleOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Kubernetes' `ruleErrorString`: the message, else the rule. */
function ruleErrorString(r: CompiledRule): string {
  return r.message?.trim() || r.rule.trim();
}

/** cel-go wording for the errors @bufbuild/cel words differently. */
function k8sErrorText(msg: string): string {
  const m = /^field not found: (.*)$/.exec(msg);
  return m ? `no such key: ${m[1]}` : msg;
}

/** `message`, or `failed rule: <rule>` (Kubernetes' default). */
function staticMessage(r: CompiledRule): string {
  const m = r.message?.trim();
  return m ? m : `failed rule: ${r.rule.trim()}`;
}

/** Evaluates a rule with `self` bound; never throws. */
export function evaluateRule(r: CompiledRule, self: CelValue): RuleOutcome {
  if (!r.program) {
    return { ok: false, message: `rule could not be compiled (${r.compileError}): ${ruleErrorString(r)}` };
  }
  let result: unknown;
  try {
    result = r.program({ self });
  } catch (e) {
    result = e instanceof Error ? e : new Error(String(e));
  }
  if (result === true) return { ok: true };
  if (cel().isCelError(result) || result instanceof Error) {
    // Kubernetes: "<error> evaluating rule: <message or rule>"
    return { ok: false, message: `${k8sErrorText(errorText(result))} evaluating rule: ${ruleErrorString(r)}` };
  }
  if (result !== false) {
    return { ok: false, message: `rule did not evaluate to a bool: ${ruleErrorString(r)}` };
  }
  if (r.messageProgram) {
    let m: unknown;
    try {
      m = r.messageProgram({ self });
    } catch (e) {
      m = e;
    }
    // Kubernetes: a messageExpression that errors or yields an empty / multi-line string falls back to message
    if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return { ok: false, message: m.trim() };
  }
  return { ok: false, message: staticMessage(r) };
}

// --- values ---------------------------------------------------------------------------------------

const helperPrograms = new Map<string, Program>();

function helper(expr: string): Program {
  let p = helperPrograms.get(expr);
  if (!p) {
    p = cel().plan(celEnvironment(), cel().parse(expr)) as unknown as Program;
    helperPrograms.set(expr, p);
  }
  return p;
}

function convertFormatted(format: string, s: string): CelValue {
  switch (format) {
    case 'byte': {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return s;
      return new Uint8Array(Buffer.from(s, 'base64'));
    }
    case 'date-time':
    case 'date':
    case 'duration': {
      const fn = format === 'duration' ? 'duration' : 'timestamp';
      const arg = format === 'date' ? `${s}T00:00:00Z` : s;
      const v = helper(`${fn}(s)`)({ s: arg });
      return cel().isCelError(v) ? s : (v as CelValue);
    }
    default:
      return s;
  }
}

/** JSON value of unknown shape → CEL (integral numbers → int). */
export function dynToCel(value: unknown): CelValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      if (Array.isArray(value)) return cel().celList(value.map(dynToCel));
      return cel().celMap(new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, dynToCel(v)])));
    default:
      return null;
  }
}

/** Per-validation memo of converted subtrees (objects and arrays only). */
export type CelMemo = Map<object, { node: SchemaNode; value: CelValue }>;

function convertNumber(node: SchemaNode, v: number): CelValue {
  if (node.type === 'number') return v;
  return Number.isInteger(v) ? BigInt(v) : v;
}

/**
 * Converts a (defaulted, schema-valid) JSON value to the CEL value Kubernetes binds to `self`.
 * `root`: the value is a whole object or an embedded resource (apiVersion, kind and
 * metadata.name/generateName are visible besides the declared properties).
 */
export function toCel(node: SchemaNode, value: unknown, memo: CelMemo, root = false): CelValue {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') {
    if (typeof value === 'number') return convertNumber(node, value);
    if (typeof value === 'string') return node.format !== undefined && node.type === 'string' ? convertFormatted(node.format, value) : value;
    if (typeof value === 'boolean') return value;
    return null;
  }
  const hit = memo.get(value);
  if (hit && hit.node === node) return hit.value;
  let out: CelValue;
  if (Array.isArray(value)) {
    const items = node.items;
    out = cel().celList(items ? value.map((v) => toCel(items, v, memo)) : value.map(dynToCel));
  } else {
    const obj = value as Record<string, unknown>;
    const m = new Map<string, CelValue>();
    if (node.properties) {
      for (const [k, child] of node.properties) {
        const name = node.celNames!.get(k);
        if (name === undefined || !(k in obj) || obj[k] === undefined) continue;
        if ((root || node.embeddedResource) && k === 'metadata') continue;
        m.set(name, toCel(child, obj[k], memo));
      }
    } else if (typeof node.additionalProperties === 'object') {
      const ap = node.additionalProperties;
      for (const [k, v] of Object.entries(obj)) m.set(k, toCel(ap, v, memo));
    } else {
      return dynToCel(value);
    }
    if (root || node.embeddedResource) {
      for (const k of ['apiVersion', 'kind']) if (typeof obj[k] === 'string') m.set(k, obj[k] as string);
      const md = obj.metadata as Record<string, unknown> | undefined;
      if (md && typeof md === 'object') {
        const mm = new Map<string, CelValue>();
        for (const k of ['name', 'generateName']) if (typeof md[k] === 'string') mm.set(k, md[k] as string);
        m.set('metadata', cel().celMap(mm));
      }
    }
    out = cel().celMap(m);
  }
  memo.set(value, { node, value: out });
  return out;
}
