import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import stringWidth from 'string-width';
import { afterAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs build script, without types
import { lazyStringWidth } from '../../scripts/bundle-plugins.mjs';
import { oneColumnWidth } from '../../src/tui/text-width.js';

/** Every BMP code point the fast path answers for on its own. */
function oneColumnCodePoints(): string[] {
  const out: string[] = [];
  for (let cp = 0; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    if (oneColumnWidth(ch) !== undefined) out.push(ch);
  }
  return out;
}

/** A small deterministic generator, so a failure names a string that can be reproduced. */
function generator(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('oneColumnWidth: the width string-width gives, where it is certain', () => {
  const chars = oneColumnCodePoints();

  test("covers lc's own glyphs, ASCII, Latin, Greek and Cyrillic", () => {
    for (const s of ['✓◐○●·✗⊘!?', '…↑↓←→⏎', '█░▁▂▃▄▅▆▇', '├─└│›', 'Ω_m σ8 ñ ü ß', 'Привет'])
      expect(oneColumnWidth(s)).toBe(s.length);
    expect(chars.length).toBeGreaterThan(1900);
  });

  test('every code point it answers for is one column in string-width', () => {
    const wrong = chars.filter((ch) => stringWidth(ch) !== 1).map((ch) => ch.codePointAt(0)?.toString(16));
    expect(wrong).toEqual([]);
  });

  test('any sequence of them, with colours between, measures as string-width measures it', () => {
    const random = generator(7);
    const colours = ['\u001b[31m', '\u001b[1;32m', '\u001b[0m', '\u001b[38;5;208m', '\u001b[m'];
    for (let n = 0; n < 3000; n++) {
      let s = '';
      const length = Math.floor(random() * 12);
      for (let i = 0; i < length; i++)
        s +=
          random() < 0.15 ? colours[Math.floor(random() * colours.length)] : chars[Math.floor(random() * chars.length)];
      expect([s, oneColumnWidth(s)]).toEqual([s, stringWidth(s)]);
    }
  });

  test('leaves to string-width what takes it: wide, emoji, combining, joined, control and other escapes', () => {
    for (const s of [
      '日本',
      'ok ✅',
      '⌚',
      '◽',
      'e\u0301',
      '👩\u200d💻',
      'a\tb',
      'x\u00ad',
      '\u001b]8;;https://x\u0007link',
      '\u001b[31',
      '\u009b31m',
      '\uff21',
    ]) {
      expect(oneColumnWidth(s), JSON.stringify(s)).toBeUndefined();
    }
  });
});

describe("the bundle's string-width stand-in (scripts/bundle-plugins.mjs)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'lc-text-width-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('answers one-column lines without loading string-width, and the rest with it', async () => {
    const outfile = join(dir, 'bundle.mjs');
    await build({
      stdin: { contents: "export { default } from 'string-width';", resolveDir: process.cwd(), sourcefile: 'entry.js' },
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
      plugins: [lazyStringWidth({ oneColumnModule: 'src/tui/text-width.ts' })],
    });

    // string-width builds its Intl.Segmenter when it is loaded: count them.
    const Segmenter = Intl.Segmenter;
    let made = 0;
    Reflect.set(
      Intl,
      'Segmenter',
      class extends Segmenter {
        constructor(...args: ConstructorParameters<typeof Segmenter>) {
          super(...args);
          made += 1;
        }
      },
    );
    try {
      const { default: bundled } = (await import(pathToFileURL(outfile).href)) as { default: typeof stringWidth };
      for (const s of ['\u001b[32m✓\u001b[0m ok', '├─ fit_model ● 12/40', 'plain'])
        expect(bundled(s)).toBe(stringWidth(s));
      expect(made).toBe(0);

      for (const s of ['日本語 ✅', 'e\u0301', '👩\u200d💻 done']) expect(bundled(s)).toBe(stringWidth(s));
      expect(made).toBe(1);
      // Options the fast path does not assume go to string-width.
      expect(bundled('\u001b[31mab', { countAnsiEscapeCodes: true })).toBe(
        stringWidth('\u001b[31mab', { countAnsiEscapeCodes: true }),
      );
      expect(bundled('·', { ambiguousIsNarrow: false })).toBe(stringWidth('·', { ambiguousIsNarrow: false }));
    } finally {
      Reflect.set(Intl, 'Segmenter', Segmenter);
    }
  });
});
