/**
 * `lc run [TARGET...] [-u U]... [-j N] [--force] [--dry-run] [--keep-going] [--plain|--json]
 * [--executor local|dask|auto]`: run what is not ok, in dependency order.
 *
 * Wiring only: parse, open the project, select targets, pick a renderer, install the Ctrl-C
 * handling, and hand over to engine/runner. Exit 0 when every planned task succeeded, 1 when
 * anything failed, was blocked or did not start (the session scheduler failing under the run
 * too: sbatch refusing its pilots, its supervisor killed), 130 after an interrupt (Ctrl-C, or the
 * session scheduler stopped under the run).
 */
import { preflightDiagnostics } from '../../engine/runner/preflight.js';
import { formatDiagnostic } from '../diagnostics.js';
import type { Task } from '../../engine/dag/task.js';
import { LcError } from '../../engine/errors.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DirHashCache } from '../../engine/hash/dir-cache.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { startStatusPrefetch, type StatusOptions } from '../../engine/status/index.js';
import type { RunEvent } from '../../engine/events.js';
import { EXECUTOR_KINDS, resolveExecutorKind, type ExecutorKind } from '../../engine/executors/kind.js';
import { createRunControl } from '../../engine/runner/control.js';
import { runTasks } from '../../engine/runner/run.js';
import { installSignalHandlers } from '../../engine/runner/signals.js';
import { exitCodeOf } from '../../engine/runner/types.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { snakeKeys } from '../render/json-keys.js';
import { openProject } from '../project-context.js';
import { findProjectRoot } from '../project-root.js';
import { PlainRunRenderer } from '../render/plain.js';
import { formatPlan } from '../render/run-plan.js';
import type { Command, GlobalOptions } from './command.js';

const USAGE = `Usage: lc run [TARGET...] [options]

Run every task that is not ok (missing, stale, failed, modified, unreadable), in dependency
order. With targets, run those and whatever they need. Tasks with the same key in several
universes run once; the others get the outputs by hardlink.

Targets: output, sub.output or universe/output.

Options:
  -u, --universe U     only these universes (repeatable)
  -j, --jobs N         at most N tasks at once (default: as many as cpus/memory/GPUs allow)
  -f, --force          rerun the targets (every selected task without targets) even when ok
  -n, --dry-run        print the plan with each task's reasons; run nothing
  -k, --keep-going     after a failure keep running tasks that do not depend on it
      --plain          one line per event (default when stdout is not a terminal, CI or TERM=dumb),
                       each with the local date and time (ISO 8601); finished tasks say n/N
  -q, --quiet          only failures, warnings, a stop and the end
  -v, --verbose        the recipes' output too (each line: out  TASK  LINE)
      --json           events as JSON lines for scripts: the run journal's events with a
                       "schema" key and snake_case keys (schemas/lc-run-event.schema.json)
      --executor E     auto (default: Dask inside a SLURM allocation or when
                       DASK_SCHEDULER_ADDRESS is set, this machine otherwise), local, or dask
      --strict-inputs  fingerprint external input files by content, not mtime and size
      --no-build       refuse (before any task starts) when an image the plan needs is not
                       there, instead of building or pulling it (lc build makes them)
      --queue Q        compute in pilot jobs of queue Q (queues: in .lightcone/lightcone.yaml);
                       several, Q1,Q2: each task goes to the first that fits it; default
                       LC_QUEUE, else scheduler.queue. Inside an allocation only when asked
                       (--queue or LC_QUEUE): pilots then add to its nodes while tasks wait

Ctrl-C once: nothing new starts, running tasks get SIGTERM and no manifest; twice: kill at once.
Stopping the session scheduler (lc scheduler stop) under a run cancels it the same way.
Task logs: <scratch>/.lightcone/logs/<project>/<universe>/<output>.<attempt>.log

Examples:
  lc run                          everything not ok, here (or on the allocation's nodes)
  lc run fit -u baseline -n       what would run for one output in one universe, and why
  lc run --plain -k               in an sbatch script: one line per event, keep going past failures
  lc run --queue cpu              from a login node: compute in pilot jobs of queue cpu
  lc run --queue cpu,gpu          the same, GPU tasks (and those too big for cpu) on queue gpu
`;

const OPTIONS = {
  ...SELECT_OPTIONS,
  jobs: { type: 'string', short: 'j' },
  force: { type: 'boolean', short: 'f' },
  'dry-run': { type: 'boolean', short: 'n' },
  'keep-going': { type: 'boolean', short: 'k' },
  plain: { type: 'boolean' },
  json: { type: 'boolean' },
  executor: { type: 'string' },
  'strict-inputs': { type: 'boolean' },
  'no-build': { type: 'boolean' },
  queue: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

/** Settings files that may name a default queue (read only when one exists: this runs on every lc run). */
function hasSettings(root: string): boolean {
  return existsSync(join(root, '.lightcone', 'lightcone.yaml')) || existsSync(join(process.env.HOME || homedir(), '.lightcone', 'config.yaml'));
}

function parseJobs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new LcError('USAGE', `lc run: -j/--jobs needs a whole number >= 1, not '${v}'`);
  return Number(v);
}

function parseExecutor(v: string | undefined): ExecutorKind {
  if (v === undefined) return 'auto'; // inside a SLURM allocation, use every node
  if (!(EXECUTOR_KINDS as readonly string[]).includes(v)) {
    throw new LcError('USAGE', `lc run: --executor must be one of ${EXECUTOR_KINDS.join(', ')}, not '${v}'`);
  }
  return v as ExecutorKind;
}

async function run(args: string[], g: GlobalOptions): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', args, OPTIONS);
  const jobs = parseJobs(values.jobs);
  const kind = parseExecutor(values.executor);
  const universes = values.universe ?? [];
  const root = findProjectRoot(g.cwd, g.projectDir);
  // a queue (pilot jobs) goes into LC_QUEUE, which the executor choice and the scheduler read
  if (kind !== 'local' && (values.queue !== undefined || process.env.LC_QUEUE || hasSettings(root)))
    (await import('../../engine/queues/select.js')).selectQueue(root, values.queue);
  // Refused before anything is read or planned: a login node is shared, so nothing runs there.
  if (kind !== 'local' && !values['dry-run']) (await import('../../engine/scheduler/context.js')).checkLoginNode();
  // As lc status does: confirm last time's observations in a worker while the spec loads.
  const prefetch = startStatusPrefetch(root, scratchPaths(root).cache);
  const ctx = await openProject(g, universes.length ? { universes } : {});
  const p = paint(g.color);
  for (const w of ctx.warnings) process.stderr.write(`${p.yellow('warning')} ${w.code} ${w.message}\n`);

  let targets = ctx.dag.tasks;
  if (positionals.length > 0) {
    const { selectTasks } = await import('../../engine/dag/index.js');
    const sel = selectTasks(ctx.dag, positionals, universes.length ? universes : undefined);
    if (!sel.ok) throw sel.error;
    targets = sel.value;
  }

  // External input directories are fingerprinted by content; the hash cache makes that cheap.
  const dirCache = hasExternalInputs(ctx.dag.tasks) ? DirHashCache.load(ctx.scratch.cache) : undefined;
  const prefetched = await prefetch;
  const status: StatusOptions = { dirCache, prefetched };

  const executorName = resolveExecutorKind(kind);
  // Loaded only when the plan has work: a run with nothing to do never pays for executor wiring.
  const create = async () => (await import('../../engine/executors/select.js')).selectExecutor(kind, ctx, jobs !== undefined ? { jobs } : {});
  const executor = { name: executorName, create };
  const common = {
    ctx,
    targets,
    force: values.force === true,
    keepGoing: values['keep-going'] === true,
    executor,
    argv: process.argv.slice(2),
    strictInputs: values['strict-inputs'] === true,
    noBuild: values['no-build'] === true,
    status,
  };

  if (values['dry-run']) {
    let planEvent: Extract<RunEvent, { type: 'plan_ready' }> | undefined;
    const dry = await runTasks({ ...common, dryRun: true }, (e) => {
      if (e.type === 'plan_ready') planEvent = e;
    });
    dirCache?.save();
    if (!planEvent) return 1;
    if (values.json) process.stdout.write(eventLine(planEvent));
    else process.stdout.write(formatPlan(planEvent.tasks, planEvent.upToDate, planEvent.executor, p));
    // What would stop the real run before its first task: listed, and the exit says so.
    const problems = preflightDiagnostics(dry.problems ?? []);
    for (const d of problems) process.stderr.write(formatDiagnostic(d, g.cwd, p) + '\n');
    return problems.length > 0 ? 1 : 0;
  }

  // a reader that went away (`lc run | head`) does not stop the run: src/pipe.ts
  // `lc run` is line based in every mode (plain or JSON); the terminal UI is `lc` / `lc tui`.
  if (values.quiet && values.verbose) throw new LcError('USAGE', 'lc run: choose one of -q/--quiet and -v/--verbose');
  const plain = { out: process.stdout, paint: p, showOutput: values.verbose === true, quiet: values.quiet === true };
  const onEvent = values.json ? jsonRenderer(process.stdout) : new PlainRunRenderer(plain).handle;
  const control = createRunControl();
  const uninstall = installSignalHandlers(control);
  try {
    const summary = await runTasks({ ...common, control }, onEvent);
    return exitCodeOf(summary);
  } finally {
    uninstall();
    dirCache?.save();
  }
}

/** The hash cache is only needed for external inputs given as paths. */
function hasExternalInputs(tasks: readonly Task[]): boolean {
  return tasks.some((t) => t.inputs.some((i) => i.kind === 'external' && i.path !== undefined));
}

/** Version of `lc run --json` lines: each is a run event, keys in snake_case, with this `schema`. */
export const RUN_EVENTS_JSON_SCHEMA = 1;

const eventLine = (e: RunEvent): string => JSON.stringify({ schema: RUN_EVENTS_JSON_SCHEMA, ...(snakeKeys(e) as object) }) + '\n';

/** Events as JSON lines, batched into few writes. */
function jsonRenderer(out: NodeJS.WritableStream): (e: RunEvent) => void {
  let buf: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buf.length) out.write(buf.join(''));
    buf = [];
  };
  return (e) => {
    buf.push(eventLine(e));
    if (e.type === 'run_finished' || e.type === 'task_failed') flush();
    else if (!timer) {
      timer = setTimeout(flush, 100);
      timer.unref();
    }
  };
}

export const command: Command = {
  name: 'run',
  summary: 'run what is not ok (stale, missing, failed), in dependency order',
  usage: USAGE,
  run,
};
