/**
 * The fast path of the TUI's text measuring: Ink measures every line it draws with string-width,
 * which settles a string's width grapheme by grapheme with Intl.Segmenter and an emoji regular
 * expression of all RGI emoji sequences. Both are costly to make: loading string-width took
 * 45-60 ms of the TUI's start-up and its first non-ASCII string another 25-30 ms, only for lines
 * of ASCII and lc's own one-column glyphs. The bundle (scripts/bundle-plugins.mjs) answers such
 * lines here and loads string-width on the first line that needs it.
 *
 * ONE_COLUMN lists code points that string-width counts as one column each, alone and in any
 * sequence of them: printable, not emoji, not wide, not combining, and none of them joins its
 * neighbour into one grapheme. test/tui/text-width.test.ts checks every one of them against
 * string-width itself.
 */
const ONE_COLUMN =
  /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u0370-\u0377\u037a-\u037f\u0384-\u038a\u038c\u038e-\u03a1\u03a3-\u03ff\u0400-\u0482\u048a-\u04ff\u2010-\u2027\u2030-\u205e\u2190-\u2319\u231c-\u2328\u232b-\u23e8\u23ed-\u23ef\u23f1\u23f2\u23f4-\u23ff\u2500-\u25fc\u25ff\u2710-\u2727]*$/;

/** Select Graphic Rendition (colours, bold): zero columns, as string-width strips them. */
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * The width string-width (default options) gives `text`, where it is certain without it;
 * undefined where string-width must decide.
 */
export function oneColumnWidth(text: string): number | undefined {
  const plain = text.includes('\u001b') ? text.replace(SGR, '') : text;
  return ONE_COLUMN.test(plain) ? plain.length : undefined;
}
