/**
 * The TUI's root component: view state in, screen out. Building the frame model is a pure
 * function (src/tui/model/frame/), so this component holds no logic of its own.
 */
import { useMemo } from 'react';
import { buildFrame } from '../src/tui/model/frame/index.js';
import { glyphsFor } from '../src/tui/model/glyphs.js';
import type { ViewState } from '../src/tui/model/types.js';
import { Frame } from './Frame.js';

export interface AppProps {
  state: ViewState;
  ascii: boolean;
  /** Colour decided once at start-up (src/color.ts); false: plain text. */
  color: boolean;
}

export function App({ state, ascii, color }: AppProps) {
  const frame = useMemo(() => buildFrame(state, { ascii }), [state, ascii]);
  return <Frame frame={frame} separator={glyphsFor(ascii).sep} color={color} />;
}
