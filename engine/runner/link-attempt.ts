/**
 * The attempt of a deduplicated member: it runs nothing. Its group's leader (or a member
 * already ok) computed the same thing, so the member takes those files by hardlink and gets its
 * own manifest (naming the source), after snapshotting its own inputs like any attempt.
 * Outcomes go through the same `outcome` answer as runAttempt's.
 */
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { snapshotInputs } from '../manifest/index.js';
import type { AttemptContext, AttemptOutcome } from './attempt.js';
import type { RunNode } from './graph.js';
import { emptyOutdir, linkTree } from './outdir.js';

export async function linkAttempt(n: RunNode, a: AttemptContext): Promise<void> {
  await a.outcome(n, await link(n, a));
}

async function link(n: RunNode, a: AttemptContext): Promise<AttemptOutcome> {
  const { ctx } = a;
  const task = n.task;
  const started = Date.now();
  const sourceId = n.leader?.task.id ?? (n.run.dedupFrom as string);
  const elapsedS = () => (Date.now() - started) / 1000;
  try {
    const source = ctx.dag.byId.get(sourceId);
    if (!source) throw new Error(`group member ${sourceId} is not in the DAG`);
    const inputs = await snapshotInputs(ctx, task, a.snapOpts);
    if (a.signal.aborted) return { kind: 'skipped' };
    const absOut = join(ctx.root, task.outdir);
    emptyOutdir(absOut);
    linkTree(join(ctx.root, source.outdir), absOut);
    const image = task.container !== undefined ? a.containers.images.get(task.container) : undefined;
    const { manifest, warnings } = await a.records.success(task, {
      // the files came from a leader that ran where this task would have
      runtime: a.containers.runtime ?? 'none',
      ...(image?.id ? { imageId: image.id } : {}),
      startedAt: started,
      finishedAt: Date.now(),
      exitCode: 0,
      host: a.host,
      executor: a.executorName,
      attempt: 0,
      inputs,
      dedupFrom: sourceId,
    });
    return { kind: 'succeeded', durationS: elapsedS(), manifest, warnings, dedupFrom: sourceId };
  } catch (e) {
    const detail = `could not take the outputs of ${sourceId}: ${errorMessage(e)}`;
    return { kind: 'failed', reason: 'dedup_error', exitCode: null, signal: null, detail, durationS: elapsedS() };
  }
}
