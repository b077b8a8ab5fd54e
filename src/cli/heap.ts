/**
 * Bounding V8's heap growth while a command runs on a large input (`check`, `render`).
 */
import * as v8 from 'v8';

/**
 * How far V8 lets the heap grow past what the last full garbage collection kept, in percent (its
 * `--heap-growing-percent`), while `check` or `render` runs. V8's own factor goes up to 4× for a
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

/** Runs `f` with the heap's growth bounded ({@link boundHeapGrowth}), restoring V8's default after it settles. */
export async function withBoundedHeapGrowth<T>(f: () => Promise<T>): Promise<T> {
  const restore = boundHeapGrowth();
  try {
    return await f();
  } finally {
    restore();
  }
}
