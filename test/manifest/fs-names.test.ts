/** Names as bytes: the surrogate-escaped text is Python's `os.fsdecode` (values from Python 3.11). */
import { describe, expect, it } from 'vitest';
import { decodeName, surrogateEscape } from '../../engine/hash/fs-names.js';

const b = (...x: number[]) => Buffer.from(x);

describe('surrogateEscape', () => {
  it.each([
    [b(0xc3, 0xa9), '\u00e9'],
    [b(0x61, 0xff, 0x62), 'a\udcffb'],
    [b(0xc0, 0x80), '\udcc0\udc80'], // overlong
    [b(0xed, 0xa0, 0x80), '\udced\udca0\udc80'], // a UTF-16 surrogate in UTF-8
    [b(0xf4, 0x90, 0x80, 0x80), '\udcf4\udc90\udc80\udc80'], // above U+10FFFF
    [b(0xe2, 0x82), '\udce2\udc82'], // truncated
    [b(0xf0, 0x9f, 0x98, 0x80, 0x78), '\u{1f600}x'],
    [b(0xe2, 0x82, 0xac, 0x80), '\u20ac\udc80'],
  ])('%o -> the text Python gives', (bytes, text) => {
    expect(surrogateEscape(bytes)).toBe(text);
  });

  it('decodeName keeps the bytes only for names that are not UTF-8', () => {
    expect(decodeName(Buffer.from('résumé.txt'))).toEqual({ text: 'résumé.txt' });
    expect(decodeName(b(0x78, 0xff))).toEqual({ text: 'x\udcff', bytes: b(0x78, 0xff) });
  });
});
