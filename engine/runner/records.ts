/**
 * What a run leaves on disk about its tasks, written from here and nowhere else in the runner:
 *
 * - a success: the task's manifest (engine/manifest/record.ts, which also drops the task's last
 *   failure record), its data version for later input snapshots of the same run, and what the
 *   observation cache may learn once the run is over (engine/status/seed.ts);
 * - a failure: the failure record `lc status` shows (engine/status/failures.ts);
 * - at the end: the observation cache seeded with what can be vouched for.
 *
 * The formats live with their readers; which of them a run writes, and when, is decided here.
 */
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { recordSuccess, type RunRecord } from '../manifest/index.js';
import type { ManifestV2 } from '../manifest/schema.js';
import { recordFailure } from '../status/index.js';
import { recordedOutput, seedObservations, type RecordedOutput } from '../status/seed.js';
import type { FailureInfo } from '../status/types.js';

export class TaskRecords {
  /** data_version of every task this run recorded: later snapshots need not read them back. */
  readonly versions = new Map<string, string>();
  private readonly outputs: RecordedOutput[] = [];

  constructor(private readonly ctx: EngineContext) {}

  /** The manifest of a task that produced its outputs (throws when it cannot be written). */
  async success(task: Task, run: RunRecord): Promise<{ manifest: ManifestV2; warnings: string[] }> {
    const recorded = await recordSuccess(this.ctx, task, run);
    this.versions.set(task.id, recorded.manifest.data_version);
    const r = recordedOutput(this.ctx.root, task.outdir, recorded.manifest);
    if (r) this.outputs.push(r);
    return recorded;
  }

  /** The failure record; one that cannot be written is not an error (the event reports it). */
  async failure(taskId: string, info: FailureInfo): Promise<void> {
    try {
      await recordFailure(this.ctx.scratch, taskId, info);
    } catch {
      // a scratch dir we cannot write must not hide the failure itself
    }
  }

  /** After the run's last task: let the next status trust what this run wrote. */
  seedCache(): void {
    seedObservations(this.ctx.root, this.ctx.scratch.cache, this.outputs);
  }
}
