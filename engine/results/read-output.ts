/**
 * What the terminal UI's results view shows of one metric output: per universe its value(s) and
 * where they came from (the manifest's data_version, when and where it was made). The task's
 * state is the caller's (the TUI already knows it); this only reads files.
 */
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import { readManifestSync } from '../manifest/index.js';
import { readMetric, type Scalar } from './read-value.js';
import { choicesOf } from './table.js';

export interface OutputValue {
  task: string;
  universe: string;
  values: Record<string, Scalar> | null;
  /** Why there is no value (with the file), when there is none. */
  problem: string | null;
  dataVersion: string | null;
  /** ISO time. */
  finishedAt: string | null;
  host: string | null;
  /** Decision -> option, for the decisions the value depends on (its upstream chain's). */
  choices: Record<string, string>;
}

export function readOutputValues(ctx: EngineContext, output: string): OutputValue[] {
  return ctx.dag.tasks
    .filter((t) => t.output === output)
    .map((t) => {
      const dir = join(ctx.root, t.outdir);
      const read = readMetric(dir);
      const m = readManifestSync(dir);
      const manifest = m.kind === 'ok' ? m.manifest : undefined;
      const finished = manifest && 'finished_at' in manifest && typeof manifest.finished_at === 'number' ? new Date(manifest.finished_at * 1000).toISOString() : null;
      return {
        task: t.id,
        universe: t.universe,
        values: read.ok ? read.values : null,
        problem: read.ok ? null : `${read.file ? join(t.outdir, read.file) : t.outdir}: ${read.reason}`,
        dataVersion: manifest?.data_version ?? null,
        finishedAt: finished,
        host: manifest && 'host' in manifest && typeof manifest.host === 'string' ? manifest.host : null,
        choices: choicesOf(ctx, t),
      };
    });
}
