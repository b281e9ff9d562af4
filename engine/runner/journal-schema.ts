/**
 * The run journal's file format: JSON lines. Line 1 is a header naming the format, its version,
 * the run and its owner (pid, host) so a process that did not start the run can follow it and
 * ask it to stop; every later line is one RunEvent exactly as the runner emitted it.
 */
import type { z } from 'zod';
import { deferred, once, zod } from '../lazy-zod.js';
import { FAIL_REASONS, type RunEvent } from '../events.js';
import { resourcesSchema } from '../astra/resources-schema.js';

export const JOURNAL_FORMAT = 'lightcone-run-journal';
export const JOURNAL_VERSION = 1;

/** Built on first use (see lazy-zod.ts): a run with nothing to do writes and reads no journal. */
function build() {
  const z = zod();

  const JournalHeaderSchema = z.object({
    format: z.literal(JOURNAL_FORMAT),
    schema_version: z.literal(JOURNAL_VERSION),
    run_id: z.string(),
    pid: z.number().int(),
    host: z.string(),
    /** Epoch ms. */
    started_at: z.number(),
    project_root: z.string(),
    /** Command line of the owning process, for humans. */
    argv: z.array(z.string()).optional(),
  });

  const resources = resourcesSchema();
  const reason = z.object({
    kind: z.enum([
      'recipe',
      'decisions',
      'container',
      'script',
      'upstream',
      'input',
      'resources',
      'modified',
      'unreadable',
      'failed',
    ]),
    detail: z.string(),
    subject: z.string().optional(),
  });
  const taskState = z.enum(['ok', 'stale', 'missing', 'failed', 'modified', 'unreadable']);
  const t = z.number();

  const RunEventSchema = z.discriminatedUnion('type', [
    z.object({
      type: z.literal('image_preparing'),
      t,
      container: z.string(),
      runtime: z.string(),
      work: z.enum(['build', 'pull']),
      image: z.string(),
    }),
    z.object({ type: z.literal('image_output'), t, container: z.string(), line: z.string() }),
    z.object({
      type: z.literal('image_ready'),
      t,
      container: z.string(),
      image: z.string(),
      imageId: z.string().nullable(),
      action: z.enum(['built', 'pulled']),
      durationS: z.number(),
    }),
    z.object({
      type: z.literal('plan_ready'),
      t,
      runId: z.string(),
      tasks: z.array(
        z.object({
          id: z.string(),
          reasons: z.array(reason),
          dedupFrom: z.string().optional(),
          state: taskState.optional(),
          forced: z.boolean().optional(),
        }),
      ),
      upToDate: z.number(),
      executor: z.enum(['local', 'dask']),
      dryRun: z.boolean(),
    }),
    z.object({ type: z.literal('task_queued'), t, id: z.string() }),
    z.object({ type: z.literal('task_restarted'), t, id: z.string(), host: z.string(), why: z.string() }),
    z.object({
      type: z.literal('task_started'),
      t,
      id: z.string(),
      attempt: z.number(),
      host: z.string(),
      executor: z.enum(['local', 'dask']),
      resources,
      logPath: z.string(),
      pid: z.number().optional(),
    }),
    z.object({
      type: z.literal('task_output'),
      t,
      id: z.string(),
      stream: z.enum(['stdout', 'stderr']),
      line: z.string(),
    }),
    z.object({
      type: z.literal('task_succeeded'),
      t,
      id: z.string(),
      durationS: z.number(),
      dataVersion: z.string(),
      warnings: z.array(z.string()),
      dedupFrom: z.string().optional(),
    }),
    z.object({
      type: z.literal('task_failed'),
      t,
      id: z.string(),
      durationS: z.number(),
      exitCode: z.number().nullable(),
      signal: z.string().nullable(),
      reason: z.enum(FAIL_REASONS),
      logPath: z.string(),
      tail: z.array(z.string()),
    }),
    z.object({ type: z.literal('task_blocked'), t, id: z.string(), blockedBy: z.string() }),
    z.object({ type: z.literal('task_skipped'), t, id: z.string(), reason: z.enum(['stopped', 'cancelled']) }),
    z.object({
      type: z.literal('progress'),
      t,
      done: z.number(),
      running: z.number(),
      pending: z.number(),
      failed: z.number(),
      elapsedS: z.number(),
      etaS: z.number().nullable(),
    }),
    z.object({
      type: z.literal('run_cancelling'),
      t,
      reason: z.enum(['signal', 'user', 'failure', 'scheduler', 'scheduler_failed']),
      detail: z.string().optional(),
    }),
    z.object({
      type: z.literal('run_finished'),
      t,
      runId: z.string(),
      succeeded: z.number(),
      failed: z.number(),
      blocked: z.number(),
      cancelled: z.number(),
      skipped: z.number(),
      wallS: z.number(),
      cpuS: z.number(),
    }),
  ]);

  return { JournalHeaderSchema, RunEventSchema };
}

const schemas = once(build);
type Schemas = ReturnType<typeof build>;

export const JournalHeaderSchema: Schemas['JournalHeaderSchema'] = deferred(() => schemas().JournalHeaderSchema);
export const RunEventSchema: Schemas['RunEventSchema'] = deferred(() => schemas().RunEventSchema);
export type JournalHeader = z.infer<typeof JournalHeaderSchema>;

// Compile-time guard: the schema and the RunEvent union must describe the same shapes.
type SchemaEvent = z.infer<typeof RunEventSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesUnion: Same<SchemaEvent, RunEvent> = true;
void _schemaMatchesUnion;
