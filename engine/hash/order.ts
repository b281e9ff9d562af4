/**
 * Path order for `sha256_dir`: Lightcone sorts relative POSIX paths as Python strings, i.e. by
 * Unicode code point, which is also UTF-8 byte order. JavaScript's `<` compares UTF-16 code
 * units, which disagrees for characters above U+FFFF versus U+E000..U+FFFF (a surrogate pair
 * sorts below U+E000 in UTF-16 but above it by code point). This comparator fixes that up
 * without allocating.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return remap(x) - remap(y);
  }
  return a.length - b.length;
}

/** Move surrogates (U+D800..U+DFFF) above every other BMP unit, keeping the rest in order. */
function remap(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}
