/**
 * Frame snapshots at 80x24 and 120x40 (snapshots/*.txt, ANSI stripped). Every frame must fit:
 * at most rows-1 lines (Ink wipes the scrollback at full height) and at most cols columns.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { App } from '../../components/App.js';
import type { ViewState } from '../../src/tui/model/types.js';
import {
  emptyScene,
  failedScene,
  failureGroupsScene,
  helpScene,
  mapScene,
  mixedScene,
  resultsScene,
  stopConfirmScene,
  sweepScene,
  universeSearchScene,
  wideLogScene,
} from './fixtures.js';
import { width } from '../../src/tui/model/format.js';
import { renderSized, stripAnsi, type SizedRender } from './helpers/render.js';

const SIZES = [
  { cols: 80, rows: 24 },
  { cols: 120, rows: 40 },
];
const SCENES: [string, (s: { cols: number; rows: number }) => ViewState][] = [
  ['empty', emptyScene],
  ['mixed', mixedScene],
  ['sweep-200', sweepScene],
  ['failed-log', failedScene],
  ['help', helpScene],
  ['stop-confirm', stopConfirmScene],
  ['universe-search', universeSearchScene],
  ['map', mapScene],
  ['failures', failureGroupsScene],
  ['wide-log', wideLogScene],
  ['results', resultsScene],
];

let r: SizedRender | undefined;
afterEach(() => r?.unmount());

describe.each(SIZES)('frames at $cols x $rows', (size) => {
  test.each(SCENES)('%s', async (name, make) => {
    r = renderSized(<App state={make(size)} ascii={false} color={true} />, { columns: size.cols, rows: size.rows });
    // Lines are painted whole, so trailing padding survives Ink's trimming: drop it for the snapshot.
    const lines = stripAnsi(r.lastFrame() ?? '')
      .split('\n')
      .map((l) => l.trimEnd());
    const frame = lines.join('\n');
    expect(lines.length).toBeLessThanOrEqual(size.rows - 1);
    // terminal cells, not code points: a wide character takes two
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(size.cols);
    await expect(frame + '\n').toMatchFileSnapshot(`../../snapshots/${name}-${size.cols}x${size.rows}.txt`);
  });
});
