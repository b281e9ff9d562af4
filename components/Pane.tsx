/** A pane: its title line, then exactly its body lines. */
import { Box } from 'ink';
import type { PaneModel } from '../engine/monitor/frame.js';
import { LineView } from './Line.js';

export function PaneView({ pane }: { pane: PaneModel }) {
  return (
    <Box flexDirection="column" width={pane.width} flexShrink={0}>
      <LineView line={pane.title} />
      {pane.lines.map((l, i) => (
        <LineView key={i} line={l} />
      ))}
    </Box>
  );
}
