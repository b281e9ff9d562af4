/** A pane: its title line, then exactly its body lines, as one block. */
import type { PaneModel } from '../src/tui/model/frame/index.js';
import { Block } from './Block.js';
import { paintLine } from './paint.js';

export function PaneView({ pane, color }: { pane: PaneModel; color: boolean }) {
  return <Block lines={[pane.title, ...pane.lines].map((l) => paintLine(l, color))} width={pane.width} />;
}
