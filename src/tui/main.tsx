/**
 * Start the TUI. Loaded with a dynamic import from src/commands/tui.ts, after src/cli.ts has
 * decided colour (applyColor sets FORCE_COLOR): chalk, and so Ink, read it when first imported,
 * which is here and nowhere earlier.
 */
import { render } from 'ink';
import { unknownUniverseError } from '../../engine/dag/select.js';
import type { ExecutorKind } from '../../engine/executors/select.js';
import type { GlobalOptions } from '../commands/command.js';
import { openProject } from '../project-context.js';
import { TuiController } from './controller.js';
import { metricsRecorder } from './metrics.js';
import { Root } from './Root.js';

export interface TuiStartOptions {
  g: GlobalOptions;
  universes: string[];
  ascii: boolean;
  executor: ExecutorKind;
  jobs?: number;
}

// The alternate screen (as vim and htop use): the dashboard never scrolls the shell's history
// away, and the shell comes back as it was on exit.
const ALT_ON = '\u001b[?1049h\u001b[H';
const ALT_OFF = '\u001b[?1049l';

export async function runTui(opts: TuiStartOptions): Promise<number> {
  const ctx = await openProject(opts.g);
  // The whole project is loaded (the u key widens the filter later), so -u is checked here.
  const known = ctx.project.universes.map((u) => u.id);
  for (const u of opts.universes) if (!known.includes(u)) throw unknownUniverseError(known, u);
  const out = process.stdout;
  const controller = new TuiController({
    ctx,
    universes: opts.universes,
    executor: opts.executor,
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    cols: out.columns || 80,
    rows: out.rows || 24,
  });
  await controller.start();

  let alt = false;
  const leaveAlt = (): void => {
    if (alt) out.write(ALT_OFF);
    alt = false;
  };
  if (out.isTTY) {
    out.write(ALT_ON);
    alt = true;
  }
  process.once('exit', leaveAlt);
  // A hang-up or kill from outside: cancel our run gracefully, then leave like `q`.
  const onSignal = (): void => void controller.execute({ kind: 'quit', cancelRun: true });
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const metrics = metricsRecorder(process.env.LC_TUI_METRICS);
  const ink = render(<Root controller={controller} ascii={opts.ascii} />, {
    exitOnCtrlC: false,
    patchConsole: true,
    maxFps: 10,
    incrementalRendering: false,
    ...(metrics ? { onRender: ({ renderTime }: { renderTime: number }) => metrics.onRender(renderTime, controller.store.getState().statusLoaded) } : {}),
  });
  let exit;
  try {
    exit = await Promise.race([controller.exited, ink.waitUntilExit().then(() => null)]);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    ink.unmount();
    ink.cleanup();
    leaveAlt();
    process.off('exit', leaveAlt);
  }
  if (exit === null) {
    // Ink ended on its own (stdin closed): wind down what we started.
    await controller.execute({ kind: 'quit', cancelRun: true });
    exit = await controller.exited;
  }
  metrics?.write();
  if (exit.message) process.stdout.write(exit.message);
  return exit.code;
}
