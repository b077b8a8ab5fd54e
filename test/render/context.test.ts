/** The renderer's line helpers: `block` indents a body, `blockText` writes the same text without an indented copy of each line. */
import { block, blockText } from '../../src/render/nginx/context';

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
