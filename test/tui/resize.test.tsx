/**
 * Terminal resizes: the layout follows (debounced), and a frame is never taller than the new
 * terminal.
 */
import { afterEach, expect, test } from 'vitest';
import { openProject } from '../../src/project-context.js';
import { TuiController } from '../../src/tui/controller.js';
import { RESIZE_DEBOUNCE_MS, Root } from '../../src/tui/Root.js';
import { prepare, projectFiles } from './helpers/live.js';
import { renderSized, stripAnsi } from './helpers/render.js';

let done: (() => Promise<void>) | undefined;
afterEach(async () => {
  await done?.();
  done = undefined;
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a resize from 120x40 to 80x24 relays out once, within the debounce, and fits', async () => {
  const p = prepare(projectFiles());
  process.env.LIGHTCONE_SCRATCH = p.scratch;
  const ctx = await openProject({ cwd: p.root, color: false });
  const controller = new TuiController({ ctx, universes: [], executor: 'local', cols: 120, rows: 40, frameMs: 20 });
  await controller.start();
  const r = renderSized(<Root controller={controller} ascii={false} color={false} />, { columns: 120, rows: 40 });
  done = async () => {
    await controller.dispose();
    r.unmount();
    p.cleanup();
  };
  const frame = (): string[] => stripAnsi(r.lastFrame() ?? '').split('\n');
  await until(() => frame().some((l) => /4 tasks need work/.test(l)));
  expect(frame().some((l) => /│ {2}WORKERS/.test(l))).toBe(true); // two columns
  expect(frame().length).toBeLessThanOrEqual(39);

  // A drag-resize: many events, one relayout after they stop.
  const resizesBefore = controller.store.frames;
  for (const [c, rows] of [[110, 36], [100, 30], [90, 26], [80, 24]] as const) r.stdout.resize(c, rows);
  await new Promise((res) => setTimeout(res, RESIZE_DEBOUNCE_MS / 2));
  expect(controller.store.getState().ui.cols).toBe(120);
  await until(() => controller.store.getState().ui.cols === 80);
  expect(controller.store.frames - resizesBefore).toBeLessThanOrEqual(2);
  await until(() => frame().some((l) => /^ {2}WORKERS/.test(l)));
  const lines = frame();
  expect(lines.length).toBeLessThanOrEqual(23);
  for (const l of lines) expect(Array.from(l.trimEnd()).length).toBeLessThanOrEqual(80);
});
