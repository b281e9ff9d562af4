/** The bottom line: a confirmation, the filter prompt, or a message and the context key bar. */
import { width } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import { runActive } from '../selectors.js';
import type { ViewState } from '../types.js';
import { MESSAGE_MS, fitLine, seg, type Line } from './model.js';

export function bottomLine(state: ViewState, w: number, g: Glyphs): Line {
  const u = state.ui;
  if (u.confirm) return fitLine([seg(` ${u.confirm.question} `, 'warn', { bold: true }), seg(' y', 'title', { bold: true }), seg(' yes  '), seg('n', 'title', { bold: true }), seg(' no')], w, g.ellipsis);
  if (u.filterEditing) return fitLine([seg(' /', 'accent', { bold: true }), seg(u.nameFilter), seg('_', 'accent'), seg(`   ${g.enter} keep  esc clear`, 'muted')], w, g.ellipsis);
  const segs: Line = [];
  const m = u.message;
  if (m && state.now - m.at < MESSAGE_MS) {
    segs.push(seg(` ${m.text} `, m.level === 'error' ? 'error' : m.level === 'warn' ? 'warn' : 'accent', { bold: true }), seg(`${g.sep}`, 'muted'));
  }
  // `? help` and `q quit` always show, at the right end; the context keys fill what is left.
  const tail: [string, string][] = u.overlay.kind === 'none' ? [['q', 'quit'], ['?', 'help']] : [];
  const item = ([k, d]: [string, string]): Line => [seg(` ${k}`, 'title', { bold: true }), seg(` ${d} `, 'muted')];
  const tailW = tail.reduce((a, [k, d]) => a + width(` ${k} ${d} `), 0);
  let budget = w - segs.reduce((a, s) => a + width(s.text), 0) - tailW;
  for (const kd of keyHints(state, g)) {
    const iw = width(` ${kd[0]} ${kd[1]} `);
    if (iw > budget) break;
    segs.push(...item(kd));
    budget -= iw;
  }
  for (const kd of tail) segs.push(...item(kd));
  return fitLine(segs, w, g.ellipsis);
}

/** The context-dependent key bar: what makes sense right now, most useful first. */
export function keyHints(state: ViewState, g: Glyphs): [string, string][] {
  const u = state.ui;
  const ud = `${g.up}${g.down}`;
  switch (u.overlay.kind) {
    case 'help':
      return [['esc', 'close']];
    case 'log':
      return [
        [ud, 'scroll'],
        ['PgUp/PgDn', 'page'],
        ['g/G', 'top/end'],
        ['q', 'back'],
      ];
    case 'failures':
      return [
        [ud, 'move'],
        [g.enter, 'log'],
        ['q', 'back'],
      ];
    case 'results':
      return [
        [`${g.left}${g.right}`, 'move'],
        ['tab', 'next metric'],
        ['q', 'back'],
      ];
    case 'map':
      return [
        [`${ud}${g.left}${g.right}`, 'move'],
        ['PgUp/PgDn', 'page'],
        ['s', u.overlay.sort === 'name' ? 'stuck first' : 'by name'],
        [g.enter, 'log'],
        ['q', 'back'],
      ];
    case 'universes':
      if (u.overlay.typing)
        return [
          ['type', 'search'],
          [g.enter, 'done'],
          ['esc', 'clear'],
        ];
      return [
        [ud, 'move'],
        ['space', 'toggle'],
        ['a', u.overlay.query ? 'all shown' : 'all'],
        ['/', 'search'],
        [g.enter, 'apply'],
        ['esc', u.overlay.query ? 'clear search' : 'cancel'],
      ];
    default:
      break;
  }
  const active = runActive(state);
  const keys: [string, string][] = [];
  if (active) keys.push(['x', state.run.owner === 'attached' ? 'cancel that run' : 'cancel run']);
  if (u.focus === 'outputs') {
    if (!active) keys.push(['r', u.selectedOutput === null ? 'run all stale' : 'run'], ['f', 'force']);
    if (u.selectedOutput !== null) keys.push(['v', 'verify'], [g.enter, 'details']);
    keys.push(['/', 'filter'], ['u', 'universes']);
  } else if (u.focus === 'details') {
    keys.push([ud, 'move'], [g.enter, 'expand'], ['l', 'log']);
    if (!active) keys.push(['r', 'run'], ['f', 'force']);
    keys.push(['esc', 'back']);
  } else {
    keys.push([ud, 'move']);
  }
  if (hasFailures(state)) keys.push(['e', 'failures']);
  if (state.scheduler.state === 'running' && !state.scheduler.external) keys.push(['s', 'stop scheduler']);
  keys.push(['tab', 'pane']);
  return keys;
}

/** Whether a shown task has failed (counted per output: no walk over the tasks). */
function hasFailures(state: ViewState): boolean {
  for (const c of state.counts.values()) if (c.failed > 0) return true;
  return false;
}
