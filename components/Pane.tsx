/** A pane: its title line, then exactly its body lines, as one text block. */
import { Text } from 'ink';
import type { PaneModel } from '../engine/monitor/frame/index.js';
import { paintLines } from './paint.js';

export function PaneView({ pane, color }: { pane: PaneModel; color: boolean }) {
  return <Text>{paintLines([pane.title, ...pane.lines], color)}</Text>;
}
