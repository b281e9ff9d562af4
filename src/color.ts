/**
 * Colour is decided in exactly one place, at start-up. chalk's supports-color ignores NO_COLOR,
 * so the decision becomes FORCE_COLOR while Ink and chalk load (applyColor), and only then.
 *
 * Precedence: --no-color / --color flags > NO_COLOR (non-empty) > FORCE_COLOR > TERM=dumb > TTY.
 */
import { TONES, type Tone } from './style/palette.js';
import { STATE_STYLE, type DisplayState } from './style/states.js';

export interface ColorInputs {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export function decideColor({ argv, env, isTTY }: ColorInputs): boolean {
  if (argv.includes('--no-color')) return false;
  if (argv.includes('--color')) return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/**
 * Apply the decision so chalk (and thus Ink) agrees with us when it is first imported; call the
 * returned function once it is: recipes must see the user's FORCE_COLOR, not lc's decision.
 */
export function applyColor(enabled: boolean, env: NodeJS.ProcessEnv = process.env): () => void {
  const before = env.FORCE_COLOR;
  env.FORCE_COLOR = enabled ? (before && before !== '0' ? before : '1') : '0';
  return () => {
    if (before === undefined) delete env.FORCE_COLOR;
    else env.FORCE_COLOR = before;
  };
}

const ESC = '\u001b[';

function paintTone(enabled: boolean, t: Tone, s: string): string {
  const style = TONES[t];
  if (!enabled) return s;
  if (style.fg !== undefined) s = `${ESC}${style.fg}m${s}${ESC}39m`;
  return style.bold ? `${ESC}1m${s}${ESC}22m` : s;
}

export interface Paint {
  enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  /** In a role's colour (src/style/palette.ts), as the TUI paints it. */
  tone(t: Tone, s: string): string;
  /** A state in its tone: with colour its glyph and word, without it the word alone (for grep). */
  state(st: DisplayState, word?: string): string;
}

const wrap = (on: boolean, open: number, close: number) => (s: string) => (on ? `${ESC}${open}m${s}${ESC}${close}m` : s);

/** Tiny ANSI painter for the plain/text renderers (Ink components use Ink's own colours). */
export function paint(enabled: boolean): Paint {
  return {
    enabled,
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    blue: wrap(enabled, 34, 39),
    cyan: wrap(enabled, 36, 39),
    dim: wrap(enabled, 2, 22),
    bold: wrap(enabled, 1, 22),
    tone: (t, s) => paintTone(enabled, t, s),
    state: (st, word = STATE_STYLE[st].word) =>
      paintTone(enabled, STATE_STYLE[st].tone, enabled ? `${STATE_STYLE[st].unicode} ${word}` : word),
  };
}
