/**
 * Bounding V8's heap growth while a command runs on a large input (`check`, `render`).
 */
import * as v8 from 'v8';
import * as vm from 'vm';

/**
 * How far V8 lets the heap grow past what the last full garbage collection kept, in percent (its
 * `--heap-growing-percent`), while `check` runs (`render` sets its own, `RENDER_HEAP_GROWING_PERCENT`). V8's own factor goes up to 4× for a
 * large heap: on a large input most of the heap was then garbage of the schema checks, the
 * resolver and (for `render`) the renderer, promoted out of the young generation and never
 * collected, and peak RSS was V8's limit rather than what is live (docs/benchmarks.md section 4:
 * `check` of 50 MiB of routes about 490 → 345 MiB for about 8 % more CPU time).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds the heap's growth between full garbage collections while a command runs; returns what
 * puts V8's default back. A V8 flag read at each full collection, so setting it now takes effect;
 * one given to node (`node --heap-growing-percent=…`) wins. Restored afterwards so that the process
 * is left as it was: V8 refuses a code cache made under other flags (the bundle's cache is recorded
 * at the end of a `check` run, `scripts/bundle-cli.ts`), and in-process callers run other things.
 */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): () => void {
  if (process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return () => undefined;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return () => v8.setFlagsFromString('--heap-growing-percent=0');
}

/** Runs `f` with the heap's growth bounded to `percent` ({@link boundHeapGrowth}), restoring V8's default after it settles. */
export async function withBoundedHeapGrowth<T>(f: () => Promise<T>, percent = HEAP_GROWING_PERCENT): Promise<T> {
  const restore = boundHeapGrowth(percent);
  try {
    return await f();
  } finally {
    restore();
  }
}

/** Below this much used heap {@link collectGarbage} does nothing (a small input gains nothing from it). */
export const COLLECT_GARBAGE_MIN_BYTES = 64 * 1024 * 1024;

/**
 * A full garbage collection now, when the used heap is at least `minBytes`; returns whether one
 * ran. For the one point of a command where much of a large heap has just died (`render`, once
 * the resolver's working state and the input objects are let go): V8's next full collection would
 * otherwise come only when the heap has grown past its limit, which was set from what the
 * collection before kept, all that included (`render` of 50 MiB of routes: limit set from 293 MB
 * live instead of about 215 MB, peak RSS about 80 MiB higher).
 *
 * Without node's `--expose-gc`, V8's `gc` function is taken from a fresh context made while the
 * flag is set, and the flag is put back at once (as {@link boundHeapGrowth} does: a code cache is
 * refused under other flags).
 */
export function collectGarbage(minBytes = COLLECT_GARBAGE_MIN_BYTES): boolean {
  if (v8.getHeapStatistics().used_heap_size < minBytes) return false;
  let gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    v8.setFlagsFromString('--expose-gc');
    try {
      gc = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  // (a V8 that refuses the flag: V8's own schedule, as before)
  if (typeof gc !== 'function') return false;
  (gc as () => void)();
  return true;
}
