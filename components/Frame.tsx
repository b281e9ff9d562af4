/**
 * The whole screen, a pure function of a FrameModel: header, panes (stacked, or two columns
 * on wide terminals), bottom line. Its height is the model's, which the layout keeps below the
 * terminal height.
 */
import { Box } from 'ink';
import type { FrameModel } from '../engine/monitor/frame.js';
import { LineView } from './Line.js';
import { PaneView } from './Pane.js';

export function Frame({ frame, separator }: { frame: FrameModel; separator: string }) {
  const body = frame.body;
  const bodyLines = frame.height - frame.header.length - 1;
  return (
    <Box flexDirection="column" width={frame.cols} height={frame.height} overflow="hidden">
      {frame.header.map((l, i) => (
        <LineView key={`h${i}`} line={l} />
      ))}
      {body.kind === 'stack' ? (
        <Box flexDirection="column" height={bodyLines}>
          {body.panes.map((p) => (
            <PaneView key={p.id} pane={p} />
          ))}
        </Box>
      ) : (
        <Box flexDirection="row" height={bodyLines}>
          <Box flexDirection="column" width={body.leftWidth}>
            {body.left.map((p) => (
              <PaneView key={p.id} pane={p} />
            ))}
          </Box>
          <Box flexDirection="column" width={1}>
            {Array.from({ length: bodyLines }, (_, i) => (
              <LineView key={i} line={[{ text: separator, tone: 'muted' }]} />
            ))}
          </Box>
          <Box flexDirection="column" width={body.rightWidth}>
            {body.right.map((p) => (
              <PaneView key={p.id} pane={p} />
            ))}
          </Box>
        </Box>
      )}
      <LineView line={frame.bottom} />
    </Box>
  );
}
