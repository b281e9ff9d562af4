/**
 * The TUI's root component: view state in, screen out. Building the frame model is a pure
 * function (engine/monitor/frame/), so this component holds no logic of its own.
 */
import { useMemo } from 'react';
import { buildFrame } from '../engine/monitor/frame/index.js';
import { glyphsFor } from '../engine/monitor/glyphs.js';
import type { ViewState } from '../engine/monitor/types.js';
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
