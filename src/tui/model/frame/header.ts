/** The two header lines: project, universes, executor, scheduler; then the run. */
import { formatDuration } from '../../../../engine/units.js';
import { bar } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import { etaFromHistory, liveCounts, needsWork, runResultWords } from '../selectors.js';
import type { Tone } from '../../../style/palette.js';
import type { ViewState } from '../types.js';
import { fitLine, seg, type Line } from './model.js';

export function headerLines(state: ViewState, w: number, g: Glyphs): Line[] {
  const sep = seg(` ${g.sep} `, 'muted');
  const n = state.universes.length;
  const f = state.universeFilter;
  const universes = f.length === 0 ? `${n} universe${n === 1 ? '' : 's'}` : `universes ${f.length}/${n}: ${f.join(', ')}`;
  const l1: Line = [
    seg(' lc ', 'accent', { bold: true }),
    seg(state.projectName || '(no project)', 'title', { bold: true }),
    sep,
    seg(universes, f.length ? 'warn' : 'plain'),
    sep,
    seg(`executor ${state.executor}`),
    sep,
    ...schedulerSegs(state, g),
  ];
  return [fitLine(l1, w, g.ellipsis), fitLine(runSegs(state, g), w, g.ellipsis)];
}

function schedulerSegs(state: ViewState, g: Glyphs): Line {
  const s = state.scheduler;
  switch (s.state) {
    case 'none':
      return [seg('scheduler none', 'muted')];
    case 'starting':
      return [seg('scheduler starting', 'warn')];
    case 'stopping':
      return [seg('scheduler stopping', 'warn')];
    case 'running': {
      const parts = [`${s.workers} worker${s.workers === 1 ? '' : 's'}`];
      if (s.startedAt !== undefined) parts.push(`up ${formatDuration((state.now - s.startedAt) / 1000)}`);
      if (s.idleDeadline !== undefined) parts.push(`idle stop in ${formatDuration(Math.max(0, (s.idleDeadline - state.now) / 1000))}`);
      return [
        seg(s.external ? 'external scheduler ' : 'scheduler ', 'plain'),
        seg(s.address, 'ok'),
        seg(` ${g.sep} ${parts.join(', ')}`, 'muted'),
      ];
    }
  }
}

function runSegs(state: ViewState, g: Glyphs): Line {
  const r = state.run;
  const who: Line =
    r.owner === 'attached' && r.holder ? [seg(` lc run pid ${r.holder.pid} on ${r.holder.host} `, 'accent'), seg('(attached) ', 'muted')] : [seg(' ')];
  if (!state.statusLoaded && r.phase === 'idle') return [seg(` reading status${g.dots}`, 'muted')];
  const elapsed = r.startedAt !== undefined && r.phase !== 'finished' ? Math.max(0, (state.now - r.startedAt) / 1000) : r.elapsedS;
  switch (r.phase) {
    case 'idle': {
      const todo = needsWork(state);
      return todo === 0
        ? [seg(' idle ', 'plain'), seg(`${g.sep} everything up to date`, 'ok')]
        : [seg(' idle ', 'plain'), seg(`${g.sep} ${todo} task${todo === 1 ? '' : 's'} need work (r runs them)`, 'stale')];
    }
    case 'starting': {
      if (r.image) {
        const took = formatDuration(Math.max(0, (state.now - r.image.since) / 1000));
        const segs: Line = [...who, seg(`${r.image.work === 'build' ? 'building' : 'pulling'} image ${r.image.container}`, 'warn'), seg(` ${took}`, 'muted')];
        if (r.image.line) segs.push(seg(` ${g.sep} ${r.image.line}`, 'muted'));
        return segs;
      }
      return [...who, seg(r.owner === 'attached' ? `waiting for the run plan${g.dots}` : `starting run${g.dots}`, 'warn')];
    }
    case 'running':
    case 'cancelling': {
      const frac = r.planned > 0 ? r.done / r.planned : 0;
      // counted from the rows, so the header never says what the rows do not show
      const live = liveCounts(state);
      const segs: Line = [
        ...who,
        seg(r.phase === 'cancelling' ? 'cancelling ' : 'running ', r.phase === 'cancelling' ? 'warn' : 'running', { bold: true }),
        seg(`${r.done}/${r.planned} `),
        seg(bar(frac, 12, g.barFull, g.barEmpty), 'running'),
        seg(` ${g.sep} ${live.running} running`, 'running'),
      ];
      if (r.failed) segs.push(seg(` ${g.sep} ${r.failed} failed`, 'failed'));
      segs.push(seg(` ${g.sep} ${formatDuration(elapsed)} elapsed`, 'muted'));
      segs.push(seg(` ${g.sep} ${etaText(state, r.etaS)}`, 'muted'));
      // last: what a narrow terminal can best do without (the rows show them too)
      if (live.queued) segs.push(seg(` ${g.sep} ${live.queued} queued`, 'queued'));
      if (live.blocked) segs.push(seg(` ${g.sep} ${live.blocked} blocked`, 'blocked'));
      return segs;
    }
    case 'finished': {
      const f = r.finished;
      if (!f) return [...who, seg('finished')];
      const bad = f.failed + f.blocked + f.cancelled + f.skipped > 0;
      const tones: Record<string, Tone> = { ok: 'ok', failed: 'failed', blocked: 'blocked', cancelled: 'warn', 'not started': 'warn' };
      const words = runResultWords(f).filter((w, i) => i === 0 || w.n > 0);
      const segs: Line = [...who, seg(`finished in ${formatDuration(f.wallS)}: `, bad ? 'warn' : 'ok')];
      words.forEach((w, i) => segs.push(seg(`${i > 0 ? ` ${g.sep} ` : ''}${w.n} ${w.word}`, tones[w.word] ?? 'plain')));
      if (r.upToDate) segs.push(seg(` ${g.sep} ${r.upToDate} up to date`, 'muted'));
      const todo = needsWork(state);
      if (todo) segs.push(seg(` ${g.sep} ${todo} need work`, 'stale'));
      return segs;
    }
  }
}

/**
 * The run's ETA from past durations, with what it rests on (`>` when tasks of outputs never run
 * before are left out of it); else the runner's own, or `?`.
 */
function etaText(state: ViewState, runnerEtaS: number | null): string {
  const h = etaFromHistory(state);
  if (h) return `ETA ${h.unknown > 0 ? '> ' : ''}${formatDuration(h.etaS)} from ${h.runs} past run${h.runs === 1 ? '' : 's'} of ${h.output}`;
  return `ETA ${runnerEtaS === null ? '?' : formatDuration(runnerEtaS)}`;
}
