/**
 * File names are bytes. Node decodes them as UTF-8 and turns bytes that are not UTF-8 into
 * U+FFFD, which loses the name: such a file can then be neither opened nor told apart from
 * another. Where every file counts (hashing an output or an input directory) names that are
 * not valid UTF-8 are read as bytes and shown the way Python's `os.fsdecode` shows them: each
 * byte that is not part of valid UTF-8 becomes the lone surrogate U+DC80..U+DCFF
 * (surrogateescape). That string is unique per name and maps back to the exact bytes; in JSON
 * it is written `\udcff`.
 */

const strict = new TextDecoder('utf-8', { fatal: true });

/** The name as text, plus its bytes when the text alone would not give them back. */
export interface DecodedName {
  text: string;
  /** Set only when `bytes` are not valid UTF-8. */
  bytes?: Buffer;
}

export function decodeName(bytes: Buffer): DecodedName {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    return { text: surrogateEscape(bytes), bytes };
  }
}

/** UTF-8 decoding where every byte outside a valid sequence becomes U+DC00 + byte. */
export function surrogateEscape(b: Buffer): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const n = validSequenceLength(b, i);
    if (n > 0) {
      out += b.toString('utf8', i, i + n);
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + (b[i] as number));
      i++;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i` (RFC 3629), or 0 when there is none. */
function validSequenceLength(b: Buffer, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && (b[i + k] as number) >= lo && (b[i + k] as number) <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0; // no overlongs
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no UTF-16 surrogates
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0; // <= U+10FFFF
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The bytes of a path made of a directory (text or bytes) and a name (text or bytes). */
export function joinPath(dir: string | Buffer, name: string | Buffer): string | Buffer {
  if (typeof dir === 'string' && typeof name === 'string') return dir + '/' + name;
  const d = typeof dir === 'string' ? Buffer.from(dir) : dir;
  const n = typeof name === 'string' ? Buffer.from(name) : name;
  return Buffer.concat([d, Buffer.from('/'), n]);
}
