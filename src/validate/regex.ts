/**
 * Regular expressions with RE2 semantics (what Kubernetes uses for OpenAPI `pattern` and CEL `matches`).
 *
 * OpenAPI patterns are translated to an equivalent ECMAScript RegExp (fast) when the pattern stays
 * in the subset where both engines agree; anything else runs on the RE2 engine that `@bufbuild/cel`
 * ships (`@bufbuild/re2`). Compiled patterns are cached.
 */
import { createRequire } from 'module';

/** Something that can test a string. */
export interface Matcher {
  test(input: string): boolean;
}

interface Re2Class {
  compile(pattern: string, flags?: number): Matcher;
}

let re2Class: Re2Class | null | undefined;

/**
 * The RE2 engine that @bufbuild/cel depends on, if loadable. A plain `require` first: the CLI's
 * bundle (scripts/bundle-cli.ts) then holds the one copy @bufbuild/cel uses as well, instead of
 * loading a second one from node_modules at run time; when the package manager did not hoist it,
 * it is resolved from @bufbuild/cel's own location.
 */
export function re2Engine(): Re2Class | undefined {
  if (re2Class === undefined) {
    try {
      re2Class = (require('@bufbuild/re2') as { RE2JS: Re2Class }).RE2JS;
    } catch {
      try {
        const celRequire = createRequire(require.resolve('@bufbuild/cel'));
        re2Class = (celRequire('@bufbuild/re2') as { RE2JS: Re2Class }).RE2JS;
      } catch {
        re2Class = null;
      }
    }
  }
  return re2Class ?? undefined;
}

const re2Cache = new Map<string, Matcher>();

/** Compiles with RE2 (cached); throws on syntax errors. Unanchored search, like Go's `MatchString`. */
export function compileRe2(pattern: string): Matcher {
  let m = re2Cache.get(pattern);
  if (!m) {
    const engine = re2Engine();
    if (!engine) throw new Error('RE2 engine (@bufbuild/re2) not available');
    m = engine.compile(pattern);
    if (re2Cache.size > 2000) re2Cache.clear();
    re2Cache.set(pattern, m);
  }
  return m;
}

const JS_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/**
 * Translates an RE2 pattern to ECMAScript source + flags, or returns undefined when the pattern uses
 * syntax whose meaning differs (then RE2 must run it).
 */
export function translateRe2(pattern: string): { source: string; flags: string } | undefined {
  let p = pattern;
  let flags = 'u';
  let dotAll = false;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'i') flags += 'i';
      else if (f === 's') dotAll = true;
      else if (f === 'm') flags += 'm';
      else return undefined;
    }
    p = p.slice(lead[0].length);
  }
  if (dotAll) flags += 's';
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return undefined;
      i++;
      if (/[A-Za-z0-9]/.test(n)) {
        if (n === 'A' && !inClass) out += '^';
        else if (n === 'z' && !inClass) out += '$';
        else if ('dDwWsSbBtnrfv'.includes(n)) {
          // \s differs (RE2: [\t\n\f\r ]) — spell it out
          if (n === 's') out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
          else if (n === 'S') {
            if (inClass) return undefined;
            out += '[^\\t\\n\\f\\r ]';
          } else out += '\\' + n;
        } else if (n === 'x') {
          if (p[i + 1] === '{') {
            const end = p.indexOf('}', i + 2);
            if (end < 0) return undefined;
            out += `\\u{${p.slice(i + 2, end)}}`;
            i = end;
          } else {
            out += '\\x' + p.slice(i + 1, i + 3);
            i += 2;
          }
        } else if (n === 'p' || n === 'P') {
          if (p[i + 1] === '{') {
            const end = p.indexOf('}', i + 2);
            if (end < 0) return undefined;
            out += `\\${n}{${p.slice(i + 2, end)}}`;
            i = end;
          } else {
            out += `\\${n}{${p[i + 1]}}`;
            i += 1;
          }
        } else {
          return undefined; // \Q, \C, \pN forms, octal/backrefs…
        }
      } else if (JS_SYNTAX.has(n) || (inClass && n === '-')) {
        out += '\\' + n;
      } else {
        out += n; // RE2 allows escaping any punctuation; in JS (u) only syntax characters
      }
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') return undefined; // POSIX classes
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        out += c;
        if (p[i + 1] === '^') {
          out += '^';
          i++;
        }
        if (p[i + 1] === ']') {
          out += '\\]'; // leading ] is literal in RE2
          i++;
        }
        break;
      case '.':
        out += dotAll ? '.' : '[^\\n]';
        break;
      case '(':
        if (p[i + 1] === '?') {
          if (p[i + 2] === ':') {
            out += '(?:';
            i += 2;
          } else if (p[i + 2] === 'P' && p[i + 3] === '<') {
            out += '(?<';
            i += 3;
          } else {
            return undefined; // inline flags mid-pattern
          }
        } else {
          out += c;
        }
        break;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
        if (m) {
          out += m[0];
          i += m[0].length - 1;
        } else {
          out += '\\{';
        }
        break;
      }
      case '}':
        out += '\\}';
        break;
      default:
        out += c;
    }
  }
  if (inClass) return undefined;
  return { source: out, flags };
}

const patternCache = new Map<string, Matcher>();

/**
 * Inputs longer than this run on RE2 even when the pattern translates: RE2 is linear, a backtracking
 * RegExp can be quadratic (e.g. an unanchored alternative like `^A|B|[a-z]+/x$` scanned from every offset).
 */
export const LONG_INPUT = 1024;

/** A translated RegExp for ordinary inputs, RE2 for long ones. */
class HybridMatcher implements Matcher {
  private re2?: Matcher;
  constructor(
    private readonly pattern: string,
    readonly regexp: RegExp,
  ) {}
  test(input: string): boolean {
    if (input.length <= LONG_INPUT) return this.regexp.test(input);
    try {
      this.re2 ??= compileRe2(this.pattern);
    } catch {
      return this.regexp.test(input);
    }
    return this.re2.test(input);
  }
}

/** Compiles an OpenAPI `pattern` (RE2 syntax, unanchored search); throws when neither engine accepts it. */
export function compilePattern(pattern: string): Matcher {
  let m = patternCache.get(pattern);
  if (m) return m;
  const t = translateRe2(pattern);
  if (t) {
    try {
      m = new HybridMatcher(pattern, new RegExp(t.source, t.flags));
    } catch {
      m = undefined;
    }
  }
  if (!m) m = compileRe2(pattern);
  patternCache.set(pattern, m);
  return m;
}
