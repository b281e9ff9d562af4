/**
 * Live TUI harness: a real temp project, the real engine (status, runner, local executor), the
 * real controller and Ink root, rendered through ink-testing-library. Frames are read back as
 * text; keys go in through its stdin.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { expect } from 'vitest';
import { MANIFEST_NAME } from '../../../engine/manifest/index.js';
import { openProject } from '../../../src/project-context.js';
import { TuiController } from '../../../src/tui/controller.js';
import { Root } from '../../../src/tui/Root.js';
import { tempDir, writeProject } from '../../helpers/lc.js';
import { stripAnsi } from './render.js';

/**
 * A two-universe project: `prep` then `fit` (which sleeps $SLOW seconds when the universe's
 * `speed` decision is `slow`, so cancel and quit tests have something running).
 */
export function projectFiles(opts: { slowSeconds?: number } = {}): Record<string, string> {
  const slow = opts.slowSeconds ?? 30;
  return {
    'astra.yaml': `id: tui_test
version: "0.0.12"
name: TUI test project
inputs:
  - id: raw
    type: data
    source: data/raw.txt
decisions:
  speed:
    label: Speed
    default: fast
    options:
      fast: {label: Fast}
      slow: {label: Slow}
outputs:
  - id: prep
    type: data
    inputs: [raw]
    recipe:
      command: sh scripts/prep.sh {inputs.raw} {output}
  - id: fit
    type: metric
    inputs: [prep]
    decisions: [speed]
    recipe:
      command: sh scripts/fit.sh {inputs.prep} {decisions.speed} {output}
`,
    'universes/a.yaml': 'id: a\ndecisions:\n  speed: fast\n',
    'universes/b.yaml': 'id: b\ndecisions:\n  speed: fast\n',
    'data/raw.txt': '1\n2\n3\n',
    'scripts/prep.sh': 'set -eu\necho "prep $1"\ncp "$1" "$2/prep.txt"\n',
    'scripts/fit.sh': `set -eu\necho "fit $2 start"\nif [ "$2" = slow ]; then sleep ${slow}; fi\nwc -l < "$1/prep.txt" > "$3/fit.txt"\necho "fit $2 done"\n`,
  };
}

export interface Live {
  root: string;
  controller: TuiController;
  frame(): string;
  press(input: string): void;
  /** Wait until the frame matches (polls every 50 ms). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  manifest(universe: string, output: string): boolean;
  close(): Promise<void>;
}

export interface Prepared {
  root: string;
  scratch: string;
  cleanup(): void;
}

/** Write the project into a temp dir; its scratch dir is private to it. */
export function prepare(files: Record<string, string>): Prepared {
  const tmp = tempDir('lc-tui-');
  const root = writeProject(join(tmp.dir, 'proj'), files);
  return { root, scratch: join(tmp.dir, 'scratch'), cleanup: tmp.cleanup };
}

export async function live(files: Record<string, string> | Prepared, extra: { universes?: string[]; schedulerMs?: number; executor?: 'local' | 'dask' } = {}): Promise<Live> {
  const p = 'root' in files && typeof files.root === 'string' && 'cleanup' in files ? (files as Prepared) : prepare(files as Record<string, string>);
  const root = p.root;
  process.env.LIGHTCONE_SCRATCH = p.scratch;
  process.env.LIGHTCONE_KILL_GRACE_S = '2';
  const ctx = await openProject({ cwd: root, color: false });
  const controller = new TuiController({
    ctx,
    universes: extra.universes ?? [],
    executor: extra.executor ?? 'local',
    cols: 100,
    rows: 30,
    intervals: { tickMs: 250, lockMs: 300, schedulerMs: extra.schedulerMs ?? 60_000, statusMs: 60_000, specMs: 250 },
    frameMs: 30,
  });
  await controller.start();
  const ink = render(<Root controller={controller} ascii={false} color={false} />);
  const frame = (): string => stripAnsi(ink.lastFrame() ?? '');
  return {
    root,
    controller,
    frame,
    press: (input) => ink.stdin.write(input),
    async waitFor(re, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const f = frame();
        if (re.test(f)) return f;
        if (Date.now() > deadline) {
          expect(f, `waiting for ${re}`).toMatch(re);
          return f;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    manifest: (u, o) => existsSync(join(root, 'results', u, o, MANIFEST_NAME)),
    async close() {
      await controller.dispose();
      ink.unmount();
      p.cleanup();
    },
  };
}

/** The outputs-pane row of an output, as text. */
export function outputRow(frame: string, qid: string): string {
  return frame.split('\n').find((l) => new RegExp(`[^a-z_.]${qid.replace(/\./g, '\\.')}\\s+(data|metric|table|figure|report)\\b`).test(l)) ?? '';
}
