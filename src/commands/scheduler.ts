/**
 * `lc scheduler start|status|stop`: the session scheduler, named after what it is for, not
 * after the backend (the review of Lightcone's PR #105 asked for exactly that).
 */
import { ensurePrivateScratch } from '../../engine/scratch/private.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { LcError } from '../../engine/errors.js';
import { ensureScheduler, schedulerStatus, stopScheduler } from '../../engine/scheduler/index.js';
import { parseCommandArgs } from '../args.js';
import { selectQueue } from '../../engine/queues/select.js';
import { paint } from '../color.js';
import { findProjectRoot } from '../project-root.js';
import { snakeKeys } from '../render/json-keys.js';
import { renderSchedulerStatus } from '../render/scheduler-text.js';
import type { SchedulerStatus } from '../../engine/scheduler/status.js';
import type { Command, GlobalOptions } from './command.js';

const USAGE = `Usage: lc scheduler start|status|stop [--queue Q] [--json]

The session scheduler: one Dask scheduler per SLURM allocation (or per project outside
SLURM), started on first use and reused by every later \`lc run\` and by the TUI.

  start    start it (or attach to the running one) and wait until its workers registered
  status   mode, address, uptime, idle time left, workers with CPU/memory/GPU use
  stop     retire the workers, end the srun step, remove its state (idempotent)

Options:
  --queue Q  the session of queue Q's pilot jobs (default LC_QUEUE, else scheduler.queue; in an
             allocation, its session, which then submits pilots while tasks wait): status
             lists the pilot jobs, pending ones with SLURM's reason;
             stop cancels every one of them. Q1,Q2: the session named by its first queue,
             which submits the pilots of each (status lists them per queue)
  --json     machine-readable output (schemas/lc-scheduler.schema.json, lc-scheduler-stop.schema.json)

Inside a SLURM allocation the workers run as one \`srun --overlap\` step, one per node.
Outside one, with a queue, the scheduler runs here and workers come in pilot jobs it submits.
With DASK_SCHEDULER_ADDRESS set, lc only attaches to that scheduler and never stops it.
Settings (.lightcone/lightcone.yaml): python: /path/to/python3, scheduler: {idle_timeout: 30m};
environment: LC_PYTHON, LC_SCHEDULER_IDLE_TIMEOUT.

Examples:
  lc scheduler start              start it now (lc run would start it when needed)
  lc scheduler status             workers, their load, idle time left (and pilot jobs)
  lc scheduler stop --queue cpu   stop the pilots session of queue cpu, cancelling its jobs
`;

function projectRoot(g: GlobalOptions): string {
  try {
    return findProjectRoot(g.cwd, g.projectDir);
  } catch (e) {
    // an allocation's scheduler is not tied to a project: work from the current directory
    if (g.projectDir === undefined && e instanceof LcError && e.code === 'PROJECT_NOT_FOUND') return g.cwd;
    throw e;
  }
}

/** Version of `lc scheduler start|status|stop --json`: keys in snake_case. */
export const SCHEDULER_JSON_SCHEMA = 1;

function schedulerJson(st: SchedulerStatus): string {
  const { version: _internal, ...rest } = st;
  return JSON.stringify({ schema: SCHEDULER_JSON_SCHEMA, ...(snakeKeys(rest) as object) }, null, 2) + '\n';
}

export const command: Command = {
  name: 'scheduler',
  summary: 'start, inspect or stop the session scheduler (Dask) reused across runs',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('scheduler', args, {
      json: { type: 'boolean' },
      queue: { type: 'string' },
      'no-color': { type: 'boolean' },
      color: { type: 'boolean' },
    });
    const [action, ...extra] = positionals;
    if (!action || extra.length > 0 || !['start', 'status', 'stop'].includes(action)) {
      throw new LcError(
        'USAGE',
        `lc scheduler: expected start, status or stop${action ? `, got '${[action, ...extra].join(' ')}'` : ''}`,
        {
          hint: 'see lc scheduler --help',
        },
      );
    }
    const root = projectRoot(g);
    ensurePrivateScratch(scratchPaths(root));
    // the session of a queue's pilot jobs, as lc run --queue (or scheduler.queue) uses it
    selectQueue(root, values.queue, process.env, 'lc scheduler');
    const p = paint(g.color);
    const json = Boolean(values.json);
    if (action === 'stop') {
      const r = await stopScheduler({ projectRoot: root });
      if (json) process.stdout.write(JSON.stringify({ schema: SCHEDULER_JSON_SCHEMA, ...r }) + '\n');
      else process.stdout.write(`${r.message}\n`);
      return 0;
    }
    if (action === 'start') {
      const h = await ensureScheduler({ projectRoot: root, onNotice: (m) => process.stderr.write(`${p.dim(m)}\n`) });
      if (!json) {
        const verb = h.mode === 'external' ? 'attached to' : h.reused ? 'already running:' : 'started';
        process.stdout.write(`${verb} ${h.mode} scheduler ${h.address}\n`);
        return 0;
      }
    }
    const st = await schedulerStatus({ projectRoot: root, sampleMs: json ? 0 : 500 });
    process.stdout.write(json ? schedulerJson(st) : renderSchedulerStatus(st, p));
    return 0;
  },
};
