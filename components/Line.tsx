/**
 * One pre-fitted line of the frame: segments become nested <Text>. Widths were decided by the
 * frame builder, so nothing here wraps or measures.
 */
import { Text } from 'ink';
import type { Line, Tone } from '../engine/monitor/frame.js';

interface ToneStyle {
  color?: string;
  bold?: boolean;
}

/** The palette: the only place where states map to colours. */
export const TONES: Record<Tone, ToneStyle> = {
  plain: {},
  ok: { color: 'green' },
  stale: { color: 'yellow' },
  missing: { color: 'blue' },
  running: { color: 'cyan' },
  queued: { color: 'gray' },
  failed: { color: 'red' },
  blocked: { color: 'magenta' },
  muted: { color: 'gray' },
  accent: { color: 'cyan' },
  warn: { color: 'yellow' },
  error: { color: 'red', bold: true },
  title: {},
};

export function LineView({ line }: { line: Line }) {
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) => {
        const t = TONES[s.tone ?? 'plain'];
        return (
          <Text key={i} color={t.color} bold={Boolean(s.bold || t.bold)} inverse={Boolean(s.inverse)}>
            {s.text}
          </Text>
        );
      })}
    </Text>
  );
}
