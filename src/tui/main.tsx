/**
 * Start the TUI. Loaded with a dynamic import from src/commands/tui.ts, after src/cli.ts has
 * decided colour (applyColor sets FORCE_COLOR): chalk, and so Ink, read it when first imported,
 * which is here and nowhere earlier.
 */
import { render } from 'ink';
import { unknownUniverseError } from '../../engine/dag/select.js';
import type { ExecutorKind } from '../../engine/executors/select.js';
import type { GlobalOptions } from '../commands/command.js';
import type { ProjectContext } from '../project-context.js';
import { runActive } from './model/selectors.js';
import { TuiController } from './controller.js';
import { metricsRecorder } from './metrics.js';
import { Root } from './Root.js';
import { errorMessage } from '../../engine/errors.js';

export interface TuiStartOptions {
  g: GlobalOptions;
  /** The whole project (all universes: the u key can widen the filter later). */
  ctx: ProjectContext;
  universes: string[];
  ascii: boolean;
  executor: ExecutorKind;
  jobs?: number;
  /** Work that may wait until the first frame is drawn (writing the project snapshot). */
  afterFirstFrame?: () => void;
}

// The alternate screen (as vim and htop use): the dashboard never scrolls the shell's history
// away, and the shell comes back as it was on exit.
const ALT_ON = '\u001b[?1049h\u001b[H';
const ALT_OFF = '\u001b[?1049l';

export async function runTui(opts: TuiStartOptions): Promise<number> {
  const metrics = metricsRecorder(process.env.LC_TUI_METRICS);
  metrics?.mark('projectOpened');
  const ctx = opts.ctx;
  // The whole project is loaded (the u key widens the filter later), so -u is checked here.
  const known = ctx.project.universeIds;
  for (const u of opts.universes) if (!known.includes(u)) throw unknownUniverseError(known, u);
  const out = process.stdout;
  const controller = new TuiController({
    ctx,
    universes: opts.universes,
    executor: opts.executor,
    jobs: opts.jobs,
    cols: out.columns || 80,
    rows: out.rows || 24,
  });

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

  const ink = render(<Root controller={controller} ascii={opts.ascii} color={opts.g.color} />, {
    exitOnCtrlC: false,
    patchConsole: true,
    // The store already limits frames to ~10/s; Ink's own throttle at the same period would beat
    // against it and halve the rate, so it only guards against bursts.
    maxFps: 20,
    // No incrementalRendering: Ink 6.8's line diffing left stale lines of a full-height frame in
    // tmux; full redraws inside synchronized output (DEC 2026) do not flicker.
    ...(metrics
      ? {
          onRender: ({ renderTime }: { renderTime: number }) => {
            const s = controller.store.getState();
            metrics.onRender(renderTime, s.statusLoaded, runActive(s));
          },
        }
      : {}),
  });
  // The first frame (project shape, "reading status") is up; now status, executor and pollers,
  // and (a fresh load) the project snapshot, once status has begun.
  if (opts.afterFirstFrame) setImmediate(opts.afterFirstFrame);
  void controller.start().then(
    () => metrics?.mark('controllerStarted'),
    (e: unknown) => controller.store.dispatch({ type: 'message', text: `start-up: ${errorMessage(e)}`, level: 'error' }),
  );
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
