import { checkPcre, quote } from '../../src/render/nginx';
import { comment, COMMENT_MAX_CODE_POINTS } from '../../src/render/nginx/quote';

const { complex, literal, regex, hostname, headerName, headerVariable, headerValue, pathValue, duration, integer, escapeRegexLiteral, UnsafeValueError } = quote;

/** What nginx's tokenizer makes of a double-quoted token (see ngx_conf_read_token). */
function unquote(token: string): string {
  expect(token.startsWith('"') && token.endsWith('"')).toBe(true);
  const inner = token.slice(1, -1);
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"') throw new Error(`unescaped quote in ${token}`);
    if (c === '\\') {
      const n = inner[i + 1];
      if (n === '"' || n === "'" || n === '\\') {
        out += n;
        i++;
        continue;
      }
      if (n === 't' || n === 'r' || n === 'n') throw new Error(`control escape in ${token}`);
    }
    out += c;
  }
  return out;
}

const hostile = ['a;b', 'a}b{', 'x" y', "it's", 'back\\slash', '$host', '${x}', '#comment', 'a b', 'tab\\t', '\\"'];

describe('literal (no variable expansion)', () => {
  test.each(hostile)('%s round-trips through the nginx tokenizer', (v) => {
    expect(unquote(literal(v))).toBe(v);
  });
  test.each(['new\nline', 'cr\r', 'nul\u0000', 'del\u007f', 'é', '日本'])('rejects %j', (v) => {
    expect(() => literal(v)).toThrow(UnsafeValueError);
  });
});

describe('complex (variables expand)', () => {
  test.each(hostile)('%s: no $ survives unescaped, the rest round-trips', (v) => {
    const t = unquote(complex(v));
    // every $ is the start of ${gw_dollar}
    expect(t.replace(/\$\{gw_dollar\}/g, '')).not.toContain('$');
    expect(t.replace(/\$\{gw_dollar\}/g, '$')).toBe(v);
  });
  test('rejects control characters', () => {
    expect(() => complex('a\nb')).toThrow(UnsafeValueError);
  });
});

describe('regex', () => {
  test('escapes backslashes and quotes only', () => {
    expect(unquote(regex('^\\d+"x"$'))).toBe('^\\d+"x"$');
    expect(regex('a\\tb')).toBe('"a\\\\tb"'); // \t must not become a TAB
  });
  test('escapeRegexLiteral makes any string match itself literally', () => {
    for (const s of ['a.b', '(x)', '[y]', '{2}', 'a|b', '^$', 'a+b*c?', '/p-q', 'sp ace', '#h']) {
      expect(new RegExp(`^${escapeRegexLiteral(s)}$`).test(s)).toBe(true);
      expect(new RegExp(`^${escapeRegexLiteral(s)}$`).test(`${s}x`)).toBe(false);
    }
  });
});

describe('hostname', () => {
  test('valid names and wildcards, lower-cased', () => {
    expect(hostname('Example.COM')).toBe('example.com');
    expect(hostname('*.example.com')).toBe('*.example.com');
    expect(() => hostname('*.example.com', false)).toThrow(UnsafeValueError);
  });
  test.each(['a b.com', 'a;b.com', 'a}.com', '-a.com', 'a..com', '*', '*a.com', 'a.*.com', '$host', 'é.com', ''])('rejects %j', (v) => {
    expect(() => hostname(v)).toThrow(UnsafeValueError);
  });
});

describe('header names and values', () => {
  test('header names are RFC 9110 tokens, quoted', () => {
    expect(headerName('X-Foo')).toBe('"X-Foo"');
    expect(unquote(headerName("x'$#"))).toBe("x'$#");
    for (const bad of ['X Foo', 'X:Foo', 'X"', 'X;', 'X{', '', 'é']) expect(() => headerName(bad)).toThrow(UnsafeValueError);
  });
  test('$http_ variables only for names nginx exposes', () => {
    expect(headerVariable('X-Foo-Bar')).toBe('$http_x_foo_bar');
    for (const bad of ['X_Foo', 'x.y', "x'", 'a b']) expect(() => headerVariable(bad)).toThrow(UnsafeValueError);
  });
  test('header values: printable ASCII, $ escaped, CR/LF rejected', () => {
    expect(unquote(headerValue('a "b" $c;')).replace(/\$\{gw_dollar\}/g, '$')).toBe('a "b" $c;');
    expect(() => headerValue('a\r\nInjected: 1')).toThrow(UnsafeValueError);
    expect(() => headerValue('x'.repeat(4097))).toThrow(UnsafeValueError);
  });
});

describe('paths, numbers, durations', () => {
  test('paths start with / and carry no URL syntax or config syntax', () => {
    for (const ok of ['/a/b-c_d.e~f%20', "/a;b'c$d(e)*+,=:@!&"]) expect(pathValue(ok)).toBe(ok);
    for (const bad of ['a', '/a b', '/a?b', '/a#b', '/a"b', '/a{b', '/a}b', '/a\\b', '/é', '/a\nb']) expect(() => pathValue(bad)).toThrow(UnsafeValueError);
  });
  test('integers in range', () => {
    expect(integer(302, 300, 399)).toBe('302');
    for (const bad of [299, 400, 1.5, NaN]) expect(() => integer(bad, 300, 399)).toThrow(UnsafeValueError);
  });
  test('durations become milliseconds; 0 disables', () => {
    expect(duration('1h30m')).toBe('5400000ms');
    expect(duration('10s')).toBe('10000ms');
    expect(duration('500ms')).toBe('500ms');
    expect(duration('0s')).toBeUndefined();
    for (const bad of ['10', '1d', '1s;', '-1s', '']) expect(() => duration(bad)).toThrow(UnsafeValueError);
  });
});

describe('checkPcre', () => {
  test.each(['/foo/[0-9]+', '^abc$', '(?:a|b)c', '(?<name>x)\\k<name>', '(?P<n>x)', '(?i)abc', '(?i:abc)', 'a(?=b)', 'a(?!b)', '\\d\\w\\s\\.\\/', '[^/]+', '[a\\]]', 'x{2,3}', '\\x41'])('accepts %j', (re) => {
    expect(checkPcre(re)).toBe(re);
  });
  test.each(['(?<=a)b', '(?<!a)b', '(?>a)', '(?#c)', '(?(1)a|b)', '(?R)', '\\p{L}', '\\u0041', '\\Qa\\E', '\\A', '\\z', '[]', '[^]', '[]a]', '[[:alpha:]]', '(unclosed', 'a{2,1}', 'é', 'a\nb', '\\', '[\\b]', 'x'.repeat(1025)])('rejects %j', (re) => {
    expect(() => checkPcre(re)).toThrow(UnsafeValueError);
  });
});

describe('checkPcre back-references', () => {
  // ECMAScript reads a back-reference to a group that does not exist as an octal escape (or `\\k`
  // as a literal k), PCRE refuses the expression (fuzz seed 2107494331: path regex "\\1")
  test.each(['(a)\\1', '(a)(b)\\2\\1', '\\1(a)', '(?<n>a)\\k<n>', '\\k<n>(?<n>a)', '(?P<n>a)\\1'])('accepts %j', (re) => {
    expect(checkPcre(re)).toBe(re);
  });
  test.each([
    ['\\1', 'back-reference \\1, but has no capturing group'],
    ['(?:a)\\1', 'back-reference \\1, but has no capturing group'],
    ['(a)\\2', 'back-reference \\2, but has only 1 capturing group'],
    // (PCRE and ECMAScript read this one as an octal escape; refused as ambiguous)
    ['(a)(b)\\12', 'back-reference \\12, but has only 2 capturing groups'],
    ['(?=(a))\\2', 'back-reference \\2, but has only 1 capturing group'],
    ['\\k<n>', 'has no group named n'],
    ['(?<m>a)\\k<n>', 'has no group named n'],
  ])('rejects %j', (re, why) => {
    expect(() => checkPcre(re)).toThrow(UnsafeValueError);
    expect(() => checkPcre(re)).toThrow(why);
  });
});

describe('printable values', () => {
  test.each([
    ['a control character', 'a\u0000b', /control character/],
    ['DEL', 'a\u007fb', /control character/],
    ['a newline', 'a\nb', /control character/],
    ['non-ASCII', 'caf\u00e9', /non-ASCII/],
    ['a lone surrogate', 'a\ud800', /non-ASCII/],
  ])('%s is refused by every quoting context', (_, v, why) => {
    for (const f of [literal, complex, regex]) expect(() => f(v)).toThrow(why);
  });

  test('printable ASCII, space and tilde included, passes (escaped where needed)', () => {
    expect(literal(' ~a"b\\c')).toBe('" ~a\\"b\\\\c"');
    expect(complex('$x"')).toBe('"${gw_dollar}x\\""');
    expect(escapeRegexLiteral('a.b c-d$')).toBe('a\\.b\\ c\\-d\\$');
  });
});

describe('comment', () => {
  test('a long user value is cut to what nginx reads as one token (4,096 bytes), on a code point', () => {
    const long = comment(`HTTPRoute default/x rule 0 (${'😀'.repeat(5000)}) match 0`);
    expect(Array.from(long).length).toBe(COMMENT_MAX_CODE_POINTS + 2);
    expect(long.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(long)).toBeLessThan(4096);
    expect(long).not.toMatch(/[\uD800-\uDBFF]…$/);
    expect(comment('short\nline')).toBe('# short?line');
  });

  test('the cut is by code points: a text at the limit is kept whole, one code point more is cut', () => {
    const at = 'x'.repeat(COMMENT_MAX_CODE_POINTS);
    expect(comment(at)).toBe(`# ${at}`);
    // more UTF-16 code units than the limit, but not more code points
    const astral = '😀'.repeat(COMMENT_MAX_CODE_POINTS);
    expect(comment(astral)).toBe(`# ${astral}`);
    expect(comment(`${astral}x`)).toBe(`# ${'😀'.repeat(COMMENT_MAX_CODE_POINTS - 1)}…`);
    expect(comment(`${at}\u0001`)).toBe(`# ${'x'.repeat(COMMENT_MAX_CODE_POINTS - 1)}…`);
  });
});
