/**
 * The loader's two YAML readers agree: `parseDocuments` (js-yaml where it is provably the same,
 * the `yaml` package elsewhere) gives exactly what the `yaml` package alone gives — same objects
 * (values compared with Object.is: -0, NaN), same sources (document, line, List item), same
 * diagnostics, same errors — on every YAML / JSON file of the repository, on hand-written edge
 * cases, and on generated scalars and documents.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { parseDocuments, parseDocumentsWithYaml, ParseStats } from '../../src/cli/load';

const ROOT = path.resolve(__dirname, '..', '..');

const newStats = (): ParseStats => ({ fastDocuments: 0, yamlDocuments: 0, yamlFiles: 0 });

/** Both readers on `text`; fails on any difference. */
function same(text: string, stats = newStats()): ParseStats {
  const fast = parseDocuments(text, 'in.yaml', stats);
  const ref = parseDocumentsWithYaml(text, 'in.yaml');
  expect(fast).toStrictEqual(ref);
  return stats;
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of fs.readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    const s = fs.statSync(p);
    if (s.isDirectory()) yamlFiles(p, out);
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
  }
  return out;
}

describe('fast YAML path = the yaml package', () => {
  test('every YAML / JSON file under test/ (the vendored upstream data included) and examples/', () => {
    const files = [...yamlFiles(path.join(ROOT, 'test')), ...yamlFiles(path.join(ROOT, 'examples'))];
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.includes(`${path.sep}upstream${path.sep}`))).toBe(true);
    const stats = newStats();
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const fast = parseDocuments(text, f, stats);
      const ref = parseDocumentsWithYaml(text, f);
      try {
        expect(fast).toStrictEqual(ref);
      } catch (e) {
        throw new Error(`${path.relative(ROOT, f)}: ${(e as Error).message}`);
      }
    }
    // the fast path is the common case, not a test of the fallback alone
    expect(stats.fastDocuments).toBeGreaterThan(300);
    expect(stats.fastDocuments).toBeGreaterThan(5 * (stats.yamlDocuments + stats.yamlFiles));
  });

  const obj = (body: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n${body}`;

  test.each([
    ['leading comments, empty documents, trailing marker', `# c\n\n${obj('')}---\n---\n# only a comment\n---\n${obj('data: {a: b}\n')}---\n`],
    ['first line is a marker', `---\n${obj('')}`],
    ['marker with a comment, then comments before the content', `--- # hi\n# more\n\n${obj('')}`],
    ['content on the marker line', `--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n--- ${JSON.stringify({ apiVersion: 'v1', kind: 'X', metadata: { name: 'b' } })}\n`],
    ['a block scalar ended by a marker', `${obj('data:\n  a: |\n    one\n    two\n\n')}---\n${obj('data:\n  b: >-\n    folded\n    text\n\n\n')}`],
    ['block scalar indicators', obj('data:\n  a: |+\n    keep\n\n  b: |2-\n      indented\n  c: >\n    x\n\n    y\n')],
    ['"---" inside a line or indented is content', obj('data:\n  a: "x --- y"\n  b: |\n    ---\n    ...\n  c: a---b\n')],
    ['CRLF line ends', obj('data:\n  a: b\n').replace(/\n/g, '\r\n') + '---\r\n' + obj('').replace(/\n/g, '\r\n')],
    ['a lone CR (the whole file goes to the yaml package)', `${obj('data:\r  a: b\n')}`],
    ['byte-order mark', `\ufeff${obj('')}`],
    ['document end markers', `${obj('')}...\n# c\n---\n${obj('')}...\n`],
    ['directives', `%YAML 1.1\n---\n${obj('data:\n  a: yes\n  b: 0b101\n')}`],
    ['tag directive', `%TAG !e! tag:example.com,2000:\n---\n${obj('data:\n  a: !e!x 1\n')}`],
    ['anchors and aliases', obj('data: &d\n  a: &v "1"\n  b: *v\nother: *d\n')],
    ['merge keys', obj('base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\ninline:\n  <<: {z: 1}\n')],
    ['a quoted "<<" is a key', obj('data:\n  "<<": a\n')],
    ['explicit tags', obj('data:\n  a: !!str 1\n  b: !!int "7"\n  c: ! 12\n  d: !!binary aGk=\n  e: !foo x\n  f: !!float 1\n  g: !<tag:yaml.org,2002:str> 5\n')],
    ['timestamps stay strings', obj('data:\n  a: 2001-12-14t21:59:43.10-05:00\n  b: 2002-12-14\n')],
    ['null and collection keys', obj('data:\n  ~: a\n  null2: b\n? [x, y]\n: c\n[p]: q\n{m: 1}: n\n')],
    ['null key forms', obj('a:\n  null: 1\nb:\n  NULL: 1\nc:\n  : 1\nd: {: 1}\ne:\n  "null": 1\n')],
    ['numeric and boolean keys', obj('data:\n  1: a\n  0x1f: b\n  0o17: c\n  1.50: d\n  .inf: e\n  -0: f\n  true: g\n  False: h\n  1e3: i\n')],
    ['duplicate keys (an error either way)', obj('data:\n  a: 1\n  a: 2\n')],
    ['duplicate keys after conversion', obj('data:\n  1: a\n  "1": b\n')],
    ['NaN keys', obj('data:\n  .nan: a\n  .NaN: b\n')],
    ['__proto__ key', obj('data:\n  __proto__: {polluted: true}\n  constructor: x\n')],
    ['deep nesting', obj(`data: ${'['.repeat(150)}1${']'.repeat(150)}\n`)],
    ['flow collections and single-pair mappings', obj('a: [x: 1, {y: 2}, [z]]\nb: {"q": 1, \'r\':2, s}\nc: [a, b, ]\n')],
    ['multi-line plain and quoted scalars', obj('a: one\n  two\n\n  three\nb: "x\n  y\\\n  z"\nc: \'p\n\n  q\'\n')],
    ['escapes', obj('a: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\0\\a\\b\\e\\f\\v\\t\\/\\ "\nb: \'it\'\'s\'\n')],
    ['comments everywhere', obj('a: 1 # c\nb: "x" #c\nc: [1, # c\n  2]\n# end\n')],
    ['tabs', obj('a:\t1\nb: x\ty\n')],
    ['a tab in indentation (an error)', obj('a:\n\tb: 1\n')],
    ['kind: List with item lines', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n'],
    ['not Kubernetes objects', '- a\n---\nplain\n---\n{kind: X}\n---\n3\n---\nmetadata: {name: 1}\n'],
    ['syntax errors: the yaml package\'s messages', `${obj('')}---\na: [1, 2\n---\n${obj('')}`],
    ['an unterminated string cut by a marker', `${obj('a: "x\n')}---\ny"\n`],
    ['bad indentation', obj('a:\n  b: 1\n c: 2\n')],
    ['only comments', '# a\n# b\n'],
    ['empty', ''],
    ['only markers', '---\n---\n'],
    ['a scalar document after a marker', '--- |\n  text\n---\n>\n folded\n'],
    ['JSON', JSON.stringify([{ apiVersion: 'v1', kind: 'List', items: [] }, 1], null, 2)],
    ['JSON object', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1', y: 2.5, z: null, w: [true, false] } }, null, 2)],
    ['large integers and exponents', obj('a: 123456789012345678901234567890\nb: 1e400\nc: -1e-400\nd: 0x' + 'f'.repeat(40) + '\n')],
    ['empty values', obj('a:\nb: []\nc: {}\nd: ""\ne: -\n')],
    ['sequences of mappings, compact', obj('a:\n- b: 1\n  c: 2\n- - x\n  - y\n-\n- z\n')],
    // found by the token soup below: js-yaml accepts these, the yaml package does not
    ['a tab before the root node', '\t-!x '],
    ['---x is content', '---#\n'],
    ['a comment glued to a quoted scalar or a bracket', obj('a: "x"#\nb: [#\n]\n')],
    ['content on the marker line', '---  name: n\n'],
    ['an indentation indicator with less indented lines', 'a: >1\nnull\n'],
    ['a quoted scalar continued on a line that is not indented', 'metadata:\t\'\n\'\n'],
    ['an escaped line break in a double-quoted scalar', '- "a b\\\n"\n'],
    ['an indented root node', '  - \n- \n'],
    ['a more indented blank first line in a block scalar', '>\n  \n# c\n'],
    ['empty sequence items, less indented after', 'metadata:\n - \n- \n'],
    ['a multi-line flow collection', obj('a: [1,\n  2]\nb: {x: 1,\ny: 2}\n')],
  ])('%s', (_name, text) => {
    same(text);
  });

  test('documents the fast path takes, and those it leaves to the yaml package', () => {
    const obj2 = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n`;
    expect(same(`${obj2('a')}---\n${obj2('b')}`)).toEqual({ fastDocuments: 2, yamlDocuments: 0, yamlFiles: 0 });
    expect(same(`${obj2('a')}x: &a 1\n---\n${obj2('b')}`)).toEqual({ fastDocuments: 1, yamlDocuments: 1, yamlFiles: 0 });
    expect(same(`${obj2('a')}x: !!str 1\n---\n${obj2('b')}`)).toEqual({ fastDocuments: 1, yamlDocuments: 1, yamlFiles: 0 });
    expect(same(`${obj2('a')}x: ! 1\n`)).toEqual({ fastDocuments: 0, yamlDocuments: 1, yamlFiles: 0 });
    expect(same(`${obj2('a')}x: {<<: {y: 1}}\n`)).toEqual({ fastDocuments: 0, yamlDocuments: 1, yamlFiles: 0 });
    expect(same(`${obj2('a')}x: {~: 1}\n`)).toEqual({ fastDocuments: 0, yamlDocuments: 1, yamlFiles: 0 });
    expect(same(`${obj2('a')}[x]: 1\n`)).toEqual({ fastDocuments: 0, yamlDocuments: 1, yamlFiles: 0 });
    expect(same(`${obj2('a')}x: [1\n---\n${obj2('b')}`)).toEqual({ fastDocuments: 0, yamlDocuments: 0, yamlFiles: 1 });
    expect(same(`%YAML 1.2\n---\n${obj2('a')}`)).toEqual({ fastDocuments: 0, yamlDocuments: 0, yamlFiles: 1 });
  });

  // --- generated input -----------------------------------------------------------------------

  const digits = (chars: string, min = 1, max = 6) => fc.string({ unit: fc.constantFrom(...chars.split('')), minLength: min, maxLength: max });
  const sign = fc.constantFrom('', '-', '+');
  /** Plain scalars that some schema reads as something other than a string. */
  const scalarText = fc.oneof(
    fc.tuple(sign, digits('0123456789')).map(([s, d]) => s + d), // decimal, leading zeros
    fc.tuple(sign, digits('0123456789_')).map(([s, d]) => `${s}1${d}`), // YAML 1.1 underscores
    fc.tuple(sign, fc.constantFrom('0o', '0x', '0b', '0', '0O', '0X'), digits('0123456789abcdefABCDEF_')).map(([s, p, d]) => s + p + d),
    fc.tuple(sign, digits('0123456789', 0, 4), fc.constantFrom('.', ''), digits('0123456789', 0, 4), fc.constantFrom('', 'e', 'E', 'e+', 'e-', 'E-'), digits('0123456789', 0, 3)).map((t) => t.join('')),
    fc.tuple(sign, fc.constantFrom('.inf', '.Inf', '.INF', '.iNf', '.nan', '.NaN', '.NAN', '.Nan', 'inf', 'nan', 'Infinity', 'NaN')).map(([s, v]) => s + v),
    fc.constantFrom('~', 'null', 'Null', 'NULL', 'nULL', 'nil', 'None', ''),
    fc.constantFrom('true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N'),
    fc.constantFrom('2001-12-14', '2001-12-14t21:59:43.10-05:00', '12:30:45', '1:20', '<<', '=', '!', '&a', '*a', '-', '?', ':', '#x', '@x', '`x', '%x', '|', '>'),
    fc.string({ unit: fc.constantFrom(...'ab01.-+_ :#\'"\\/*&!?[]{},|>%@`~\t'.split('')), maxLength: 8 }),
  );
  /** A scalar in some style: plain, single- or double-quoted. */
  const styled = fc.tuple(scalarText, fc.constantFrom('plain', 'single', 'double')).map(([s, style]) =>
    style === 'single' ? `'${s.replace(/'/g, "''")}'` : style === 'double' ? JSON.stringify(s) : s,
  );
  const obj3 = (body: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n${body}`;

  test('property: scalars in every position read the same (values, keys, sequences, flow)', () => {
    fc.assert(
      fc.property(styled, styled, (a, b) => {
        same(obj3(`data:\n  ${a}: ${b}\n  k${a.length}: ${a}\nlist:\n- ${a}\n- ${b}\nflow: [${a}, ${b}]\nmap: {${a}: ${b}}\n`));
        same(obj3(`v: ${a}\n`));
        same(obj3(`${a}: v\n`));
      }),
      { numRuns: 3000 },
    );
  });

  /** Arbitrary JSON-like values (string keys that look like other scalars included). */
  const key = fc.oneof(fc.string({ maxLength: 6 }), scalarText);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ' ', '\n', '\t', '#', ':', '-', '"', "'", '\\', '|', '>', '\u00e9', '\u{1F600}'), maxLength: 16 });
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 10 }), text, scalarText, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
  })).v;

  test('property: values written by the yaml package in every style read the same', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 3 }),
        fc.record({ flow: fc.boolean(), indentSeq: fc.boolean(), indent: fc.integer({ min: 1, max: 4 }), lineWidth: fc.constantFrom(0, 10, 80), defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED') }),
        (docs, o) => {
          const text = docs
            .map((d) => YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: d }, {
              collectionStyle: o.flow ? 'flow' : 'any',
              indentSeq: o.indentSeq,
              indent: o.indent,
              lineWidth: o.lineWidth,
              minContentWidth: 0,
              defaultStringType: o.defaultStringType as 'PLAIN',
              aliasDuplicateObjects: false,
            }))
            .join('---\n');
          same(text);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('property: token soup (valid or not) reads the same, errors included', () => {
    const token = fc.constantFrom(
      '\n  ', '\n    ', '- a: 1\n', '"a b', "'a'' b'", '{a: 1}', '[1, 2]', 'k: "v"', '\\n', ' - ', '  - ', '\n- ', 'x:\n  - y\n',
      '\n', '\n', '\n', '  ', '  ', ' ', '\t', '- ', '-', ': ', ':', '? ', '---', '---\n', '...\n', '# c', ' #c', '#', 'a', 'b', 'apiVersion: v1', 'kind: X', 'metadata:', 'name: n',
      '"', "'", '"x"', "'y'", '|', '|-', '>', '>+2', '[', ']', '{', '}', ',', '&a ', '*a', '!', '!!str ', '!x ', '<<', '~', 'null', '1', '0x1', '.5', 'true', 'yes', '%', '\\', '\r\n', '@', '`',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        same(tokens.join(''));
      }),
      { numRuns: 6000 },
    );
  });
});
