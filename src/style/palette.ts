/**
 * The palette: colour roles (tones) and the terminal colour of each, the only place where a
 * role becomes a colour. The TUI paints frame segments with it (components/paint.ts) and the
 * text renderers paint words with it (src/color.ts), so `failed` is the same red everywhere.
 */
export type Tone =
  | 'plain'
  | 'ok'
  | 'stale'
  | 'missing'
  | 'running'
  | 'queued'
  | 'failed'
  | 'blocked'
  | 'muted'
  | 'accent'
  | 'warn'
  | 'error'
  | 'title';

export interface ToneStyle {
  /** SGR foreground code. */
  fg?: number;
  bold?: boolean;
}

export const TONES: Record<Tone, ToneStyle> = {
  plain: {},
  ok: { fg: 32 },
  stale: { fg: 33 },
  missing: { fg: 34 },
  running: { fg: 36 },
  queued: { fg: 90 },
  failed: { fg: 31 },
  blocked: { fg: 35 },
  muted: { fg: 90 },
  accent: { fg: 36 },
  warn: { fg: 33 },
  error: { fg: 31, bold: true },
  title: {},
};
