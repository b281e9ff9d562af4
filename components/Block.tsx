/**
 * A block of pre-painted lines. Ink measures a text node by its string and caches every string
 * it ever measured (a module-level map, never cleared), and measures lines with non-ASCII glyphs
 * slowly. Our lines change every frame during a run, so measuring them would grow that cache by
 * kilobytes per frame for as long as the TUI is open. Instead Ink lays out a blank placeholder
 * of the same size (one cache entry per size, ASCII fast path) and <Transform> swaps in the real
 * line when each one is written to the screen.
 */
import { Text, Transform } from 'ink';
import { useCallback, useMemo } from 'react';

const blankBlock = (width: number, height: number): string => Array.from({ length: height }, () => ' '.repeat(Math.max(1, width))).join('\n');

export function Block({ lines, width }: { lines: readonly string[]; width: number }) {
  const placeholder = useMemo(() => blankBlock(width, lines.length), [width, lines.length]);
  const transform = useCallback((_blank: string, index: number) => lines[index] ?? '', [lines]);
  if (lines.length === 0) return null;
  return (
    <Transform transform={transform}>
      <Text>{placeholder}</Text>
    </Transform>
  );
}
