/**
 * The pilot managers of a pilots session, one per queue (pilots.ts), in the order tasks are
 * routed. Each sizes its pilots to its own queue's waiting work, read here once per tick from
 * the runs' demand files (`<state>/demand/<pid>.json`, pilot-gate.ts). A run that routes to a
 * queue the session did not start with names it in its demand file (`add`): the fleet then
 * manages that queue too, and says so through `onQueues` (meta.json lists it). What the session
 * knows of its pilots, of every queue, is kept in pilots.json (lc scheduler status reads it).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DemandSchema, PilotsSchema, readJsonFile, sessionQueues, writeJsonFile, type Activity, type Demand, type PilotQueue, type Pilots, type SpawnSpec, type StateFiles, type Work } from './meta.js';
import { PilotManager, type Job } from './pilots.js';

/** A demand file older than this belongs to a run that ended without removing it. */
const DEMAND_FRESH_MS = 10_000;

export class PilotFleet {
  private readonly managers: PilotManager[] = [];
  /** Jobs a supervisor before this one submitted, by queue (read once, handed to each manager). */
  private readonly inherited: Job[];

  constructor(
    private readonly spec: SpawnSpec,
    private readonly files: StateFiles,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (msg: string) => void,
    /** The session's queues changed (one was added). */
    private readonly onQueues: (queues: PilotQueue[]) => void,
  ) {
    // a supervisor that restarts on the same state keeps cancelling what it submitted
    this.inherited = readJsonFile(files.pilots, PilotsSchema)?.jobs ?? [];
    for (const q of sessionQueues(spec)) this.addManager(q);
  }

  queues(): PilotQueue[] {
    return this.managers.map((m) => m.queue);
  }

  /** One step of every queue's manager; the first fatal reason, if any. */
  async tick(act: Activity | undefined): Promise<string | undefined> {
    const demands = readDemands(join(this.files.dir, 'demand'), Date.now());
    this.addAsked(demands);
    const first = this.managers[0]?.queue.name;
    for (const m of this.managers) {
      const fatal = await m.tick(act, runsWork(demands, m.queue.name, m.queue.name === first));
      if (fatal) return fatal;
    }
    return undefined;
  }

  /** Whether runs still wait for work to be done on any queue. */
  hasWork(): boolean {
    return this.managers.some((m) => m.hasWork());
  }

  async cancelAll(): Promise<void> {
    for (const m of this.managers) await m.cancelAll();
  }

  /** Queues runs route to that this session has no manager for yet. */
  private addAsked(demands: readonly Demand[]): void {
    const before = this.managers.length;
    for (const d of demands)
      for (const q of d.add ?? [])
        if (!this.managers.some((m) => m.queue.name === q.name)) {
          this.log(`a run routes tasks to queue ${q.name} too: submitting its pilot jobs from now on (up to ${q.maxJobs})`);
          this.addManager(q);
        }
    if (this.managers.length > before) {
      this.onQueues(this.queues());
      this.save();
    }
  }

  private addManager(q: PilotQueue): void {
    const first = this.managers.length === 0;
    const mine = this.inherited.filter((j) => (j.queue ?? (first ? q.name : undefined)) === q.name);
    this.managers.push(new PilotManager(this.spec, q, this.files, this.env, this.log, () => this.save(), mine));
  }

  /** pilots.json: every queue's jobs (each naming its queue) and standing refusals. */
  private save(): void {
    const jobs: Job[] = [];
    const refusedBy: Record<string, string> = {};
    let refused: string | undefined;
    for (const m of this.managers) {
      const s = m.state();
      jobs.push(...s.jobs);
      if (s.refused) {
        refusedBy[m.queue.name] = s.refused;
        refused ??= this.managers.length > 1 ? `queue ${m.queue.name}: ${s.refused}` : s.refused;
      }
    }
    const names = this.managers.map((m) => m.queue.name);
    const doc: Pilots = {
      version: 1,
      queue: names[0] ?? '',
      ...(names.length > 1 ? { queues: names } : {}),
      jobs,
      ...(refused ? { refused, refusedBy } : {}),
    };
    writeJsonFile(this.files.pilots, doc);
  }
}

/** The runs' demand files still fresh (an older one is a run that ended without removing it). */
function readDemands(dir: string, now: number): Demand[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return []; // no run has asked yet
  }
  return names.flatMap((n) => {
    const d = readJsonFile(join(dir, n), DemandSchema);
    return d && now - d.at <= DEMAND_FRESH_MS ? [d] : [];
  });
}

/** What the runs still have for one queue; a run that splits nothing per queue (an older lc) has it all on the first. */
function runsWork(demands: readonly Demand[], queue: string, first: boolean): Work {
  const out: Work = { tasks: 0, cpus: 0, gpus: 0 };
  for (const d of demands) {
    const w = d.queues ? d.queues[queue] : first ? d : undefined;
    if (!w) continue;
    out.tasks += w.tasks;
    out.cpus += w.cpus;
    out.gpus += w.gpus;
  }
  return out;
}
