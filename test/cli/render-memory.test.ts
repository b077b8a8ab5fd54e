import * as path from 'path';
import * as vm from 'vm';
import { collectGarbage } from '../../src/cli/heap';
import * as input from '../../src/cli/input';
import { RENDER_HEAP_GROWING_PERCENT } from '../../src/cli/render';
import { BUILTIN_CLASS, cli, smallSetup, tempTree } from './helpers';

const INPUT = `${BUILTIN_CLASS}---\n${smallSetup('a')}`;

describe('render on large inputs', () => {
  test('the command bounds how far the heap grows between full collections while it runs, and puts V8 default back', async () => {
    // (mocked: the flag is not set in the test process; the module object the helper reads through)
    const spy = jest.spyOn(require('v8') as typeof import('v8'), 'setFlagsFromString').mockImplementation(() => undefined);
    try {
      const dir = tempTree({ 'x.yaml': INPUT });
      const growth = () => spy.mock.calls.filter(([f]) => f.startsWith('--heap-growing-percent'));
      expect((await cli(['render', 'x.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
      expect(growth()).toEqual([[`--heap-growing-percent=${RENDER_HEAP_GROWING_PERCENT}`], ['--heap-growing-percent=0']]);
      expect(spy.mock.calls[spy.mock.calls.length - 1]).toEqual(['--heap-growing-percent=0']);
      // also when the render fails
      spy.mockClear();
      expect((await cli(['render', 'missing.yaml', '--out', 'out'], { cwd: dir })).code).toBe(2);
      expect(growth()).toEqual([[`--heap-growing-percent=${RENDER_HEAP_GROWING_PERCENT}`], ['--heap-growing-percent=0']]);
    } finally {
      spy.mockRestore();
    }
  });

  test('no status is computed: render never shows it', async () => {
    const spy = jest.spyOn(input, 'loadAndResolve');
    try {
      const dir = tempTree({ 'x.yaml': INPUT });
      const r = await cli(['render', 'x.yaml', '--out', path.join(dir, 'out')], { cwd: dir });
      expect(r.code).toBe(0);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][1]).toMatchObject({ status: false });
      expect((await spy.mock.results[0].value)?.result.status).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  test('the sources of diagnostics without the input: detachedSourceOf finds what sourceOf finds', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: path.join(__dirname, '..', '..') };
    const r = (await input.loadAndResolve(['examples/yaml/mistakes'], {}, io))!;
    const detached = r.detachedSourceOf();
    expect(r.diagnostics.length).toBeGreaterThan(5);
    const probes = [...r.diagnostics, { ...r.diagnostics[0], object: { ...r.diagnostics[0].object, name: 'not-in-the-input' } }];
    expect(probes.map(detached)).toEqual(probes.map((d) => r.sourceOf(d)));
    expect(r.diagnostics.some((d) => detached(d) !== undefined)).toBe(true);
  });

  test('collectGarbage: a full collection when the heap is large enough, and --expose-gc is off again after it', () => {
    const collect = jest.spyOn(require('v8') as typeof import('v8'), 'setFlagsFromString');
    try {
      expect(collectGarbage(Number.MAX_SAFE_INTEGER)).toBe(false);
      expect(collect).not.toHaveBeenCalled();
      expect(collectGarbage(0)).toBe(true);
      expect(collect.mock.calls).toEqual([['--expose-gc'], ['--no-expose-gc']]);
      // (a context made now has no gc function: the flag is V8's default again)
      expect(vm.runInNewContext('typeof gc')).toBe('undefined');
      expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    } finally {
      collect.mockRestore();
    }
  });
});
