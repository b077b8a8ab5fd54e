/**
 * Appends every item of `sources` to `target` and returns it. `target.push(...big)` passes each item
 * as a call argument and throws `RangeError: Maximum call stack size exceeded` past ~100,000 items
 * (an nginx configuration of a few thousand routes has that many lines); this does not.
 */
export function appendAll<T>(target: T[], ...sources: readonly (readonly T[])[]): T[] {
  for (const source of sources) for (const item of source) target.push(item);
  return target;
}
