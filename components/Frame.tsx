/**
 * The whole screen, a pure function of a FrameModel: header, panes (stacked, or two columns
 * on wide terminals), bottom line. Its height is the model's, which the layout keeps below the
 * terminal height. Lines arrive cut to width, so nothing here wraps or measures.
 */
import { Box, Text } from 'ink';
import type { FrameModel } from '../engine/monitor/frame.js';
import { PaneView } from './Pane.js';
import { paintLine, paintLines } from './paint.js';

export function Frame({ frame, separator, color }: { frame: FrameModel; separator: string; color: boolean }) {
  const body = frame.body;
  const bodyLines = frame.height - frame.header.length - 1;
  return (
    <Box flexDirection="column" width={frame.cols} height={frame.height}>
      <Text>{paintLines(frame.header, color)}</Text>
      {body.kind === 'stack' ? (
        <Box flexDirection="column" height={bodyLines}>
          {body.panes.map((p) => (
            <PaneView key={p.id} pane={p} color={color} />
          ))}
        </Box>
      ) : (
        <Box flexDirection="row" height={bodyLines}>
          <Box flexDirection="column" width={body.leftWidth}>
            {body.left.map((p) => (
              <PaneView key={p.id} pane={p} color={color} />
            ))}
          </Box>
          <Box width={1}>
            <Text>{paintLines(Array.from({ length: bodyLines }, () => [{ text: separator, tone: 'muted' as const }]), color)}</Text>
          </Box>
          <Box flexDirection="column" width={body.rightWidth}>
            {body.right.map((p) => (
              <PaneView key={p.id} pane={p} color={color} />
            ))}
          </Box>
        </Box>
      )}
      <Text>{paintLine(frame.bottom, color)}</Text>
    </Box>
  );
}
