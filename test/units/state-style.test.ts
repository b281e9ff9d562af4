/** One look per state: the TUI, `lc status` and `lc run --plain` draw a state alike. */
import { describe, expect, it } from 'vitest';
import { TASK_STATES, type TaskStatus } from '../../engine/status/types.js';
import { paint } from '../../src/color.js';
import { PassThrough } from 'node:stream';
import { PlainRunRenderer } from '../../src/render/plain.js';
import { renderStatusText } from '../../src/render/status-text.js';
import { TONES } from '../../src/style/palette.js';
import { DISPLAY_STATES, STATE_STYLE } from '../../src/style/states.js';
import { paintLine } from '../../components/paint.js';
import { ASCII, UNICODE } from '../../src/tui/model/glyphs.js';
import { STATE_TONE, seg } from '../../src/tui/model/frame/model.js';

const sgr = (state: keyof typeof STATE_STYLE) => `\u001b[${TONES[STATE_STYLE[state].tone].fg}m`;

describe('state style', () => {
  it('every glyph is one column, and unicode and ASCII glyphs are distinct per state', () => {
    for (const set of [UNICODE, ASCII]) {
      const glyphs = DISPLAY_STATES.map((s) => set.state[s]);
      expect(new Set(glyphs).size).toBe(glyphs.length);
      for (const g of glyphs) expect([...g]).toHaveLength(1);
    }
  });

  it('lc status paints each state with the glyph and colour the TUI uses for it', () => {
    for (const state of TASK_STATES) {
      const status: TaskStatus = {
        id: `u/o`,
        universe: 'u',
        output: 'o',
        state,
        reasons: [],
        key: 'sha256:k',
        dataVersion: null,
        finishedAt: null,
        durationS: null,
        host: null,
      };
      const text = renderStatusText([status], { paint: paint(true), now: 0, layout: 'rows' });
      const tui = paintLine([seg(UNICODE.state[state], STATE_TONE[state])], true);
      expect(tui.startsWith(sgr(state))).toBe(true);
      expect(text).toContain(`${sgr(state)}${UNICODE.state[state]} ${state}`);
    }
  });

  it("lc run --plain writes a blocked task in the TUI's blocked colour", () => {
    const out = new PassThrough();
    const r = new PlainRunRenderer({ out, paint: paint(true) });
    r.handle({ type: 'task_blocked', t: 0, id: 'u/b', blockedBy: 'u/a' });
    r.flush();
    expect(String(out.read())).toContain(`${sgr('blocked')}block `);
  });
});
