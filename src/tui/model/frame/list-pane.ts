/**
 * The skeleton every list pane shares (outputs, details, workers): a title, a line saying why
 * the list is empty, or a window of items that keeps the cursor's item in view with `+N more`
 * under it, padded to exactly the pane's height. A pane says what its title and rows are;
 * this decides what fits.
 */
import type { Glyphs } from '../glyphs.js';
import { fitLine, moreLine, padLines, seg, windowRows, type Line, type PaneId, type PaneModel } from './model.js';

export interface ListPaneSpec<T> {
  id: PaneId;
  width: number;
  /** Lines under the title. */
  body: number;
  focused: boolean;
  title: Line;
  items: readonly T[];
  /** Why there is nothing to list, shown instead of the items; null to list them. */
  empty: string | null;
  /** Index of the item to keep in view. */
  cursor: number;
  /** Lines each item takes (workers on narrow panes take two). */
  linesPer?: number;
  /** Lines kept for what the cursor's item adds under itself (an expanded task). */
  reserved?: number;
  /** The lines of one item, each already `width` columns. */
  render(item: T, index: number): Line[];
  /** Said after `+N more`, given the window shown. */
  moreDetail?(start: number, count: number): string;
  /** Lines above the list (a problem to say first), each already `width` columns. */
  banner?: Line[];
}

export function listPane<T>(spec: ListPaneSpec<T>, g: Glyphs): PaneModel {
  const { id, width: w, body, focused, title } = spec;
  const pane = (lines: Line[]): PaneModel => ({ id, width: w, focused, title, lines: padLines(lines, body, w) });
  if (body === 0) return pane([]);
  const banner = (spec.banner ?? []).slice(0, Math.max(0, body - 1));
  if (spec.empty !== null) return pane([...banner, fitLine([seg(`  ${spec.empty}`, 'muted')], w, g.ellipsis)]);
  const rows = Math.max(1, body - banner.length - (spec.reserved ?? 0));
  const win = windowRows(spec.items.length, spec.cursor, rows, spec.linesPer ?? 1);
  const lines: Line[] = [];
  for (let i = win.start; i < win.start + win.count; i++) {
    const item = spec.items[i];
    if (item !== undefined) lines.push(...spec.render(item, i));
  }
  if (win.more) lines.push(moreLine(win.more, win.start, w, g, spec.moreDetail?.(win.start, win.count) ?? ''));
  return pane([...banner, ...lines]);
}
