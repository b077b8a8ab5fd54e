import { UnsafeValueError } from './quote';

/**
 * Checks that a user regular expression means the same thing to nginx's PCRE as to a reader
 * used to ECMAScript / RE2 syntax, and that it compiles. Policy (docs/dataplane.md):
 *
 * - printable ASCII only, at most 1024 characters;
 * - groups: `(...)`, `(?:...)`, lookahead `(?=...)` / `(?!...)`, named `(?<n>...)` / `(?P<n>...)`,
 *   inline flags `(?i)` `(?s)` `(?m)` `(?x)` and `(?flags:...)`. Lookbehind is rejected (PCRE
 *   needs a fixed length, ECMAScript does not), as are atomic groups, conditionals, comments,
 *   recursion and callouts;
 * - escapes: any escaped punctuation, `\d \D \w \W \s \S \b \B \n \r \t \f \v \0`, `\xHH`,
 *   back-references `\1`–`\9`, `\k<name>`; `\p`, `\u`, `\Q…\E`, `\A`, `\z` and friends are rejected;
 * - `[]` and `[^]` (ECMAScript-only meanings) are rejected;
 * - the pattern must compile as an ECMAScript RegExp after the (PCRE-compatible) flag / named-group
 *   spellings are normalised.
 *
 * Returns the pattern unchanged, or throws {@link UnsafeValueError}.
 */
export function checkPcre(re: string, what = 'regular expression'): string {
  const fail = (why: string): never => {
    throw new UnsafeValueError(`${what} ${JSON.stringify(re.length > 60 ? `${re.slice(0, 60)}…` : re)} ${why}`, re);
  };
  if (re.length > 1024) fail('is longer than 1024 characters');
  // eslint-disable-next-line no-control-regex
  if (/[^\u0020-\u007e]/.test(re)) fail('contains control or non-ASCII characters');
  let js = '';
  let inClass = false;
  // capturing groups and back-references, checked at the end: ECMAScript reads a back-reference to
  // a group that does not exist as an octal escape or a literal, PCRE refuses the expression
  let groups = 0;
  const names = new Set<string>();
  const backRefs: number[] = [];
  const namedRefs: string[] = [];
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined) fail('ends with a lone backslash');
      if (/[A-Za-z0-9]/.test(n)) {
        if (n === 'x') {
          if (!/^[0-9A-Fa-f]{2}$/.test(re.slice(i + 2, i + 4))) fail('uses \\x without two hex digits');
        } else if (n === 'k') {
          const ref = inClass ? null : /^<([A-Za-z_][A-Za-z0-9_]*)>/.exec(re.slice(i + 2));
          if (!ref) fail('uses \\k without <name>');
          else namedRefs.push(ref[1]);
        } else if (/[1-9]/.test(n)) {
          if (inClass) fail('uses a back-reference inside a character class');
          backRefs.push(Number(/^[0-9]+/.exec(re.slice(i + 1))![0]));
        } else if (!'dDwWsSbBnrtfv0'.includes(n) || ((n === 'b' || n === 'B') && inClass)) {
          fail(`uses the escape \\${n}, whose meaning differs between regex dialects`);
        }
      }
      js += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (c === '[' && re[i + 1] === ':') fail('uses a POSIX class [:...:] (write it out, e.g. [a-z])');
      js += c;
      continue;
    }
    if (c === '[') {
      if (re.startsWith('[]', i) || re.startsWith('[^]', i)) fail('starts a character class with ] ([] or [^]), which the regex dialects read differently');
      inClass = true;
      js += c;
      if (re[i + 1] === '^') {
        js += '^';
        i++;
      }
      continue;
    }
    if (c === '(' && re[i + 1] === '?') {
      const rest = re.slice(i + 2);
      if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!')) {
        js += '(?' + rest[0];
        i += 2;
        continue;
      }
      let m = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (m) {
        groups++;
        names.add(m[1]);
        js += `(?<${m[1]}>`;
        i += 1 + m[0].length;
        continue;
      }
      m = /^[imsx]+\)/.exec(rest);
      if (m) {
        i += 1 + m[0].length;
        continue;
      }
      m = /^[imsx]*(-[imsx]+)?:/.exec(rest);
      if (m) {
        js += '(?:';
        i += 1 + m[0].length;
        continue;
      }
      if (rest.startsWith('<=') || rest.startsWith('<!')) fail('uses a lookbehind, which nginx (PCRE) only accepts with a fixed length; rewrite it without');
      fail('uses a (?… group construct other than (?:, (?=, (?!, (?<name>, or inline flags');
    }
    if (c === '(') groups++;
    js += c;
  }
  if (inClass) fail('has an unterminated character class');
  for (const n of backRefs) {
    if (n > groups) fail(`uses the back-reference \\${n}, but has ${groups === 0 ? 'no capturing group' : `only ${groups} capturing group${groups === 1 ? '' : 's'}`} (nginx refuses it: refer only to groups the expression defines)`);
  }
  for (const n of namedRefs) {
    if (!names.has(n)) fail(`uses \\k<${n}>, but has no group named ${n} (define it with (?<${n}>…))`);
  }
  try {
    new RegExp(js);
  } catch (e) {
    fail(`does not compile: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  return re;
}
