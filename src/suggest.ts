/** "Did you mean" for a mistyped command or option: the nearest known name, if near enough. */
import { editDistance } from '../engine/edit-distance.js';

export function nearest(typed: string, known: readonly string[]): string | undefined {
  // a single letter is as near to most short options as to any: no guess
  if (typed.replace(/^-+/, '').length < 3) return undefined;
  // one edit in four letters: `stauts` -> status, `--forse` -> --force; never a wild guess
  const max = Math.max(1, Math.floor(typed.replace(/^-+/, '').length / 4));
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(typed, name, max);
    if (d <= max && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** ` (did you mean X?)`, or nothing. */
export function didYouMean(typed: string, known: readonly string[]): string {
  const n = nearest(typed, known);
  return n ? ` (did you mean ${n}?)` : '';
}
