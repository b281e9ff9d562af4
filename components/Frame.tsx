/**
 * The whole screen, a pure function of a FrameModel: header, panes (stacked, or two columns
 * on wide terminals), bottom line. Its height is the model's, which the layout keeps below the
 * terminal height. Lines arrive cut to width, so nothing here wraps or measures.
 */
import { Box } from 'ink';
import { memo } from 'react';
import type { FrameModel, Line } from '../src/tui/model/frame/index.js';
import { PaneView } from './Pane.js';
import { Block } from './Block.js';
import { paintLine } from './paint.js';

interface FrameProps {
  frame: FrameModel;
  separator: string;
  color: boolean;
}

function FrameView({ frame, separator, color }: FrameProps) {
  const body = frame.body;
  const bodyLines = frame.height - frame.header.length - 1;
  return (
    <Box flexDirection="column" width={frame.cols} height={frame.height}>
      <Block lines={frame.header.map((l) => paintLine(l, color))} width={frame.cols} />
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
            <Block lines={Array.from({ length: bodyLines }, () => paintLine([{ text: separator, tone: 'muted' }], color))} width={1} />
          </Box>
          <Box flexDirection="column" width={body.rightWidth}>
            {body.right.map((p) => (
              <PaneView key={p.id} pane={p} color={color} />
            ))}
          </Box>
        </Box>
      )}
      <Block lines={[paintLine(frame.bottom, color)]} width={frame.cols} />
    </Box>
  );
}

const sameLine = (a: Line, b: Line): boolean =>
  a.length === b.length && a.every((s, i) => {
    const t = b[i];
    return t !== undefined && s.text === t.text && s.tone === t.tone && s.bold === t.bold && s.inverse === t.inverse;
  });
const sameLines = (a: readonly Line[], b: readonly Line[]): boolean => a.length === b.length && a.every((l, i) => sameLine(l, b[i] as Line));

/** Same text and styles as the last frame (a clock tick that changed nothing visible). */
export function sameFrame(a: FrameModel, b: FrameModel): boolean {
  if (a.cols !== b.cols || a.height !== b.height || !sameLines(a.header, b.header) || !sameLine(a.bottom, b.bottom)) return false;
  const panes = (f: FrameModel) => (f.body.kind === 'stack' ? f.body.panes : [...f.body.left, ...f.body.right]);
  const pa = panes(a);
  const pb = panes(b);
  return (
    a.body.kind === b.body.kind &&
    pa.length === pb.length &&
    pa.every((p, i) => {
      const q = pb[i];
      return q !== undefined && p.id === q.id && p.width === q.width && sameLine(p.title, q.title) && sameLines(p.lines, q.lines);
    })
  );
}

/** Unchanged frames are not handed to Ink at all: no layout, no output, no write. */
export const Frame = memo(FrameView, (prev, next) => prev.separator === next.separator && prev.color === next.color && sameFrame(prev.frame, next.frame));
