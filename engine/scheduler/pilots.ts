/**
 * The pilot jobs of one queue of a pilots session (run by its supervisor, one manager per queue,
 * see pilot-fleet.ts): submitted with sbatch while that queue's tasks wait, never more than the
 * queue's max_jobs nor more than its unfinished work needs, at most one a second; cancelled when
 * the queue has had nothing to do for its idle time, and all of them when the session stops.
 * Each pilot runs one worker per node (srun), which advertises the queue and retires before the
 * job's walltime; the next tick replaces it while work remains. A pilot also ends by itself: its
 * workers exit when the scheduler is gone (death timeout), and a pilot that starts after that
 * finds no scheduler and exits at once.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { shellQuote } from '../astra/template.js';
import { workerArgs } from './worker-args.js';
import type { Activity, PilotQueue, Pilots, SpawnSpec, StateFiles, Work } from './meta.js';

const run = promisify(execFile);

/** One sbatch a second at most: sites limit submission rates. */
const SUBMIT_INTERVAL_MS = 1_000;
/** How often squeue is asked about the pilots. */
const POLL_MS = 3_000;
/** After a refusal, wait this long before trying again (a QOS limit does not lift in seconds). */
const REFUSAL_BACKOFF_MS = Number(process.env.LC_PILOT_REFUSAL_BACKOFF_MS) || 60_000;
/** Refusals in a row, with no pilot alive, after which the session gives up. */
const MAX_REFUSALS = 3;

export type Job = Pilots['jobs'][number];

export class PilotManager {
  private jobs: Job[] = [];
  private lastSubmit = 0;
  private lastPoll = 0;
  private refusedAt = 0;
  private refusals = 0;
  private refused: string | undefined;
  private script: string | undefined;
  private idleSince: number | null = null;

  constructor(
    private readonly spec: SpawnSpec,
    readonly queue: PilotQueue,
    private readonly files: StateFiles,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (msg: string) => void,
    /** What it knows of its jobs changed: pilots.json is to be rewritten. */
    private readonly onChange: () => void,
    /** Jobs of this queue a supervisor before it submitted (it keeps cancelling them). */
    jobs: Job[] = [],
  ) {
    this.jobs = jobs;
  }

  /** Its jobs, as squeue last said, and its last sbatch refusal while it stands. */
  state(): { jobs: readonly Job[]; refused?: string } {
    return { jobs: this.jobs, ...(this.refused ? { refused: this.refused } : {}) };
  }

  /**
   * One step: learn what the pilots do, submit one if the queue's work needs it (`runs`: what
   * the attached runs still have for this queue), cancel when idle. Returns a fatal reason.
   */
  async tick(act: Activity | undefined, runs: Work): Promise<string | undefined> {
    const now = Date.now();
    if (now - this.lastPoll >= POLL_MS) {
      this.lastPoll = now;
      await this.poll();
    }
    const demand = this.demand(act, runs);
    if (demand.tasks > 0) this.idleSince = null;
    else this.idleSince ??= now;
    if (this.jobs.length > 0 && this.idleSince !== null && now - this.idleSince >= this.queue.idleTimeoutS * 1000) {
      this.log(`nothing to do for ${this.queue.idleTimeoutS} s: cancelling ${this.jobs.length} pilot job(s)`);
      await this.cancelAll();
      return undefined;
    }
    const wanted = this.wanted(demand);
    if (wanted > this.jobs.length && now - this.lastSubmit >= SUBMIT_INTERVAL_MS && now - this.refusedAt >= REFUSAL_BACKOFF_MS) {
      this.lastSubmit = now;
      const fatal = await this.submit();
      if (fatal) return fatal;
    }
    return undefined;
  }

  /**
   * The queue's unfinished work: what the runs attached to this session still have for it (their
   * demand files) or what Dask holds of it, whichever is more. Dask's tasks that name no queue
   * (an older lc's) are the first queue's.
   */
  private demand(act: Activity | undefined, runs: Work): Work {
    // in an allocation Dask also holds what its own nodes run: only the runs know what waits beyond them
    if (this.spec.mode !== 'pilots') return runs;
    const d = act?.demand;
    const first = sessionFirst(this.spec) === this.queue.name;
    const dask = d?.queues ? addWork(d.queues[this.queue.name], first ? d.queues[''] : undefined) : first && d ? d : NO_WORK;
    return runs.cpus >= dask.cpus ? runs : dask;
  }

  /** Whether runs still wait for work to be done (a session waiting for its pilots is not idle). */
  hasWork(): boolean {
    return this.idleSince === null;
  }

  /** Pilots the unfinished work needs: its cpus (and gpus) over one pilot's, at most max_jobs. */
  private wanted(d: Work): number {
    if (d.tasks === 0) return 0;
    const q = this.queue;
    const byCpus = Math.ceil(d.cpus / (q.cpus * q.nodes));
    const byGpus = q.gpus > 0 ? Math.ceil(d.gpus / (q.gpus * q.nodes)) : 0;
    return Math.min(q.maxJobs, Math.max(1, byCpus, byGpus));
  }

  private async submit(): Promise<string | undefined> {
    try {
      const { stdout } = await run('sbatch', ['--parsable', this.pilotScript()], { env: submitEnv(this.env), cwd: this.files.pilotsDir, timeout: 60_000 });
      const id = stdout.trim().split(';')[0] as string;
      this.jobs.push({ id, queue: this.queue.name, submittedAt: new Date().toISOString(), state: 'PENDING' });
      this.refusals = 0;
      this.refused = undefined;
      this.log(`submitted pilot job ${id} (queue ${this.queue.name}, ${this.jobs.length} of at most ${this.queue.maxJobs})`);
      this.save();
      return undefined;
    } catch (e) {
      const why = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop() ?? 'sbatch failed';
      this.refusedAt = Date.now();
      this.refusals++;
      this.refused = why;
      this.log(`sbatch refused a pilot job of queue ${this.queue.name}: ${why}`);
      this.save();
      if (this.jobs.length === 0 && this.refusals >= MAX_REFUSALS)
        return `sbatch refused the pilot jobs of queue ${this.queue.name} ${this.refusals} times: ${why}`;
      return undefined;
    }
  }

  /** What squeue says of our pilots; those it no longer lists have ended. */
  private async poll(): Promise<void> {
    if (this.jobs.length === 0) return;
    let stdout: string;
    try {
      ({ stdout } = await run('squeue', ['-h', '-u', userInfo().username, '-o', '%i|%T|%r|%N|%L'], { env: this.env, timeout: 30_000 }));
    } catch (e) {
      this.log(`squeue failed: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const seen = new Map<string, string[]>();
    for (const line of stdout.split('\n')) {
      const f = line.trim().split('|');
      if (f.length >= 5) seen.set(f[0] as string, f);
    }
    const before = this.jobs.length;
    this.jobs = this.jobs.flatMap((j) => {
      const f = seen.get(j.id);
      if (!f) return [];
      const [, state, reason, nodes, timeLeft] = f as [string, string, string, string, string];
      return [{ id: j.id, queue: this.queue.name, submittedAt: j.submittedAt, state, ...(reason && reason !== 'None' ? { reason } : {}), ...(nodes ? { nodes } : {}), ...(timeLeft ? { timeLeft } : {}) }];
    });
    if (this.jobs.length < before) this.log(`${before - this.jobs.length} pilot job(s) of queue ${this.queue.name} ended`);
    this.save();
  }

  /** scancel every pilot this session submitted (pending ones included). */
  async cancelAll(): Promise<void> {
    if (this.jobs.length === 0) return;
    const ids = this.jobs.map((j) => j.id);
    try {
      await run('scancel', ids, { env: this.env, timeout: 30_000 });
      this.log(`cancelled pilot job(s) ${ids.join(', ')}`);
    } catch (e) {
      this.log(`scancel ${ids.join(' ')} failed: ${(e as Error).message.split('\n')[0]}`);
    }
    this.jobs = [];
    this.save();
  }

  private save(): void {
    this.onChange();
  }

  /** The batch script of every pilot of this queue (written once). */
  private pilotScript(): string {
    if (this.script) return this.script;
    mkdirSync(this.files.pilotsDir, { recursive: true, mode: 0o700 });
    const path = join(this.files.pilotsDir, `pilot-${this.queue.name}.sh`);
    writeFileSync(path, pilotScript(this.spec, this.files, this.queue), { mode: 0o700 });
    this.script = path;
    return path;
  }
}

/**
 * `#SBATCH` lines from the queue, then one srun step with a worker per node. The worker's
 * lifetime ends lifetime_margin before the walltime, counted from the job's start (as SLURM
 * counts the walltime: a worker slow to start must not retire after it), staggered by up to
 * half the margin but never past the walltime nor below half the lifetime.
 */
export function pilotScript(spec: SpawnSpec, files: StateFiles, q: PilotQueue = spec.queue as PilotQueue): string {
  // the queue's settings keep the margin under the walltime (engine/queues/config.ts)
  const lifetime = q.walltimeS - q.lifetimeMarginS;
  const stagger = Math.floor(Math.min(q.lifetimeMarginS, lifetime) / 2);
  const worker = [
    spec.python,
    ...workerArgs(spec.pythonDir, files),
    ...(q.declared.cpus ? ['--cpus', String(q.cpus)] : []),
    ...(q.declared.memory && q.memoryBytes ? ['--memory', String(q.memoryBytes)] : []),
    '--gpus',
    String(q.gpus),
    '--lifetime',
    String(lifetime),
    '--lifetime-stagger',
    String(stagger),
    '--queue',
    q.name,
    ...(spec.interface ? ['--interface', spec.interface] : []),
  ];
  const srun = ['srun', `--nodes=${q.nodes}`, `--ntasks=${q.nodes}`, '--ntasks-per-node=1', '--kill-on-bad-exit=0'];
  return [
    '#!/bin/sh',
    '# an lc pilot job: one Dask worker per node for the session scheduler that submitted it',
    ...q.sbatch.map((o) => `#SBATCH ${o}`),
    '#SBATCH --export=ALL',
    `#SBATCH --output=${join(files.pilotsDir, '%j.log')}`,
    `exec ${srun.join(' ')} ${worker.map(shellQuote).join(' ')} --name-suffix "-$SLURM_JOB_ID" --lifetime-start "$(date +%s)"`,
    '',
  ].join('\n');
}

/** SLURM's variables that say where SLURM is, not which job this is. */
const SITE_VARIABLES = new Set(['SLURM_CONF', 'SLURM_CLUSTERS', 'SLURM_TIME_FORMAT']);

/**
 * sbatch's environment, which the pilot inherits (--export=ALL): without an enclosing
 * allocation's variables (SLURM_CPUS_PER_TASK, SLURM_MEM_PER_NODE, SLURM_NTASKS...), which
 * srun inside the pilot would otherwise read as its own options.
 */
export function submitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SLURM_') || SITE_VARIABLES.has(k)));
}

const NO_WORK: Work = { tasks: 0, cpus: 0, gpus: 0 };

function addWork(a: Work | undefined, b: Work | undefined): Work {
  return { tasks: (a?.tasks ?? 0) + (b?.tasks ?? 0), cpus: (a?.cpus ?? 0) + (b?.cpus ?? 0), gpus: (a?.gpus ?? 0) + (b?.gpus ?? 0) };
}

const sessionFirst = (spec: SpawnSpec): string | undefined => spec.queues?.[0]?.name ?? spec.queue?.name;
