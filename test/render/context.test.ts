/**
 * The renderer's line helpers: `block` indents a body; `blockText` writes the same text without an
 * indented copy of each line; a written block (`writtenBlock`) stands for the lines of a block, in
 * nginx.conf and in include files alike.
 */
import { block, blockText, Line, unwritten, WrittenBlock, writtenBlock } from '../../src/render/nginx/context';
import { packBody, partFiles } from '../../src/render/nginx/split';

describe('block / blockText', () => {
  const body = ['a;', '', 'server {', '  listen 80;', '}', '', '', 'multi\nline;', 'b;'];

  test('block indents every non-empty line, not the empty ones', () => {
    expect(block('http', body)).toEqual(['http {', '  a;', '', '  server {', '    listen 80;', '  }', '', '', '  multi\nline;', '  b;', '}']);
    expect(block('x', [], '\t')).toEqual(['x {', '}']);
  });

  test.each([
    ['pieces', [body.slice(0, 3), [], body.slice(3)]],
    ['one piece', [body]],
    ['empty lines first and last', [['', 'a;', ''], ['']]],
    ['only empty lines', [['', '']]],
    ['nothing', []],
  ])('blockText is block(...).join("\\n") of the concatenated pieces: %s', (_, pieces) => {
    const flat = (pieces as string[][]).flat();
    expect(blockText('http', pieces as string[][])).toBe(block('http', flat).join('\n'));
    expect(blockText('stream', pieces as string[][], '    ')).toBe(block('stream', flat, '    ').join('\n'));
  });
});

/**
 * The reference: the lines of a block (`block`'s result) as one written block for `indent` — each
 * non-empty line after the indent, joined by newlines — or the lines as they are when they are not
 * one block at depth 0 or one holds a newline.
 */
function written(lines: readonly string[], indent = ''): Line[] {
  const head = lines[0];
  if (lines.length < 2 || /^\s|^#/.test(head) || !head.endsWith('{') || lines[lines.length - 1] !== '}' || lines.some((l) => l.includes('\n'))) return [...lines];
  return [{ text: lines.map((l) => (l ? indent + l : l)).join('\n'), indent }];
}

describe('written blocks', () => {
  const server = block('server', ['listen 80;', '', ...block('location /', ['return 404;']), '', '']);
  const others = ['map $a $b {', '  default 1;', '}', '', 'include x;'];

  test.each(['', '  ', '    '])('a block written for indent %j stands for its lines', (indent) => {
    const [w] = written(server, indent) as WrittenBlock[];
    expect(typeof w).toBe('object');
    expect(unwritten(w)).toEqual(server);
    // in the http block: the text block() writes, whatever indent it was written for
    const lines: Line[] = [...others, '', w, '', 'tail;'];
    expect(blockText('http', [lines])).toBe(block('http', [...others, '', ...server, '', 'tail;']).join('\n'));
  });

  test.each(['', '  ', '    '])('writtenBlock(head, body) is written(block(head, body)) for indent %j', (indent) => {
    const bodies = [[], [''], ['', 'a;'], ['a;', ''], ['listen 80;', '', ...block('location /', ['return 404;']), '', ''], ['a;', 'multi\nline;']];
    for (const b of bodies) expect(writtenBlock('server', b, indent)).toEqual(written(block('server', b), indent));
    for (const head of ['# x', '  server', 'two\nlines']) expect(writtenBlock(head, ['a;'], indent)).toEqual(written(block(head, ['a;']), indent));
  });

  test('lines that are not one block, or hold a newline, stay lines', () => {
    for (const lines of [[], ['a;'], ['a;', 'b;'], ['# x {', '}'], ['  server {', '}'], ['server {', '  a\nb;', '}'], ['server {', '  a;']]) {
      expect(written(lines)).toEqual(lines);
    }
  });

  test.each([4096, 300, 120, 40])('packed into parts of %i bytes, written blocks give the parts and includes of their lines', (budget) => {
    const big = block('server', Array.from({ length: 40 }, (_, i) => [...block(`location /p${i}`, [`return 200 "${i}";`]), '']).flat());
    const raw = [...others, '', ...server, '', ...big, '', 'tail;'];
    for (const indent of ['', '  ']) {
      const mixed: Line[] = [...others, '', ...written(server, indent), '', ...written(big, indent), '', 'tail;'];
      const partsRaw: string[][] = [];
      const partsWritten: string[][] = [];
      const outRaw = packBody(raw, budget, partsRaw);
      const outWritten = packBody(mixed, budget, partsWritten);
      expect(blockText('http', [outWritten])).toBe(blockText('http', [outRaw]));
      expect(partFiles(partsWritten)).toEqual(partFiles(partsRaw));
      expect(partsRaw.length).toBeGreaterThan(budget < 4096 ? 1 : 0);
    }
  });
});
