/**
 * Strings as sequences of Unicode code points (how Kubernetes counts `maxLength` and cel-go indexes
 * strings). Its own module so the schema checks use it without loading the CEL library.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

/** Code points of a string (fast path for strings without surrogates: the UTF-16 units). */
export function runes(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split('');
}

/** Number of code points of a string. */
export function runeLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}
