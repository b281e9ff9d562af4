/**
 * `lc status [-u U]... [TARGET...] [--json] [--check]`: the state of each selected task with
 * reasons. Reads manifests and stats only, never output bytes. Exits 0, except with --check:
 * 1 when any selected task is not ok (for scripts and CI).
 */
import { selectTasks } from '../../engine/dag/select.js';
import type { Task } from '../../engine/dag/task.js';
import { DirHashCache } from '../../engine/hash/dir-cache.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { readLiveRun } from '../../engine/runner/live-run.js';
import { computeStatus, startStatusPrefetch } from '../../engine/status/index.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { formatDiagnostic } from '../diagnostics.js';
import { openProject } from '../project-context.js';
import { findProjectRoot } from '../project-root.js';
import { statusJsonChunks } from '../render/status-json.js';
import { slowWork } from '../progress.js';
import { executorHere, type ExecutorHere } from '../../engine/executors/kind.js';
import { renderStatusText } from '../render/status-text.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc status [-u UNIVERSE]... [TARGET...] [--json] [--check]

Show whether each task's output is ok, stale, missing, failed, modified or unreadable, and why.
Reads manifests and file metadata only (lc verify re-hashes the bytes). While an lc run holds
the project (on any node that shares the scratch directory), says which run and how far it is,
and shows the tasks it runs as running (where, since when) and queued.

Targets: output, sub.output or universe/output (default: every task).

Options:
  -u, --universe U  only these universes (repeatable)
  --json            machine-readable: {"schema":2,"scratch","executor","run","tasks":[...],"summary"}
  --check           exit 1 when any selected task is not ok
  --no-color        no ANSI colour

Examples:
  lc status                       every task
  lc status fit -u robust         one output in one universe, with its reasons
  lc status --check || lc run     in a script: run only when something is not ok
`;

export const command: Command = {
  name: 'status',
  summary: 'ok / stale / missing / failed / modified / unreadable, with reasons',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('status', args, {
      ...SELECT_OPTIONS,
      json: { type: 'boolean' },
      check: { type: 'boolean' },
    });
    const universes = values.universe ?? [];
    // Confirm last time's observations in a worker while the spec loads (engine/status/prefetch.ts).
    const root = findProjectRoot(g.cwd, g.projectDir);
    const prefetch = startStatusPrefetch(root, scratchPaths(root).cache);
    const ctx = await openProject(g, universes.length > 0 ? { universes } : {});
    const p = paint(g.color);
    for (const w of ctx.warnings) process.stderr.write(formatDiagnostic(w, g.cwd, p) + '\n');
    const selected = selectTasks(ctx.dag, positionals, universes);
    if (!selected.ok) throw selected.error;
    const tasks = positionals.length === 0 && universes.length === 0 ? ctx.dag.tasks : selected.value;
    const dirCache = hasExternalInputs(tasks) ? DirHashCache.load(ctx.scratch.cache) : undefined;
    const prefetched = await prefetch;
    // The run holding the project is read before the records: a task it finishes meanwhile
    // then shows as still running, never as the stale record it replaced.
    const live = await readLiveRun(ctx.scratch);
    const done = slowWork(`checking ${tasks.length.toLocaleString('en-US')} outputs`, tasks.length >= BIG);
    const statuses = await computeStatus(ctx, tasks, { dirCache, prefetched }).finally(done);
    dirCache?.save();
    if (values.json) {
      const json = statusJsonChunks(statuses, { live, scratch: ctx.scratch, executor: await executorOf(root) });
      for (const piece of json) process.stdout.write(piece);
    } else process.stdout.write(renderStatusText(statuses, { paint: p, dag: ctx.dag, live }));
    return values.check && statuses.some((s) => s.state !== 'ok') ? 1 : 0;
  },
};

/** A status this big takes long enough to say so (on a terminal). */
const BIG = 1_000;

/** Where lc run here would run: its queue comes from LC_QUEUE or the settings, as for lc run. */
async function executorOf(root: string): Promise<ExecutorHere> {
  const env = { ...process.env };
  try {
    (await import('../../engine/queues/select.js')).selectQueue(root, undefined, env, 'lc status');
  } catch {
    // a queue lc run would refuse here is lc run's to report
  }
  return executorHere(env);
}

/** The hash cache is only needed for external inputs (directories are fingerprinted by content). */
function hasExternalInputs(tasks: readonly Task[]): boolean {
  return tasks.some((t) => t.inputs.some((i) => i.kind === 'external' && i.path !== undefined));
}
