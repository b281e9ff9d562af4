/**
 * The contract of every `--json` output, as zod schemas: scripts/json-schemas.mjs turns them
 * into the JSON Schemas shipped in `schemas/` (one per document, `lc-<name>.schema.json`), and
 * the tests validate real output against those files. Every document has a `schema` version
 * and snake_case keys. Loaded only by the build and the tests, never on a command's path.
 */
import { z } from 'zod';
import { RunEventSchema } from '../engine/runner/journal-schema.js';
import { snakeCase } from './render/json-keys.js';

const nullable = <T extends z.ZodType>(t: T) => t.nullable();
const states = ['ok', 'stale', 'missing', 'failed', 'modified', 'unreadable', 'running', 'queued'] as const;

const diagnostic = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  file: nullable(z.string()),
  line: nullable(z.number().int()),
  column: nullable(z.number().int()),
  path: nullable(z.string()),
  hint: nullable(z.string()),
});

/** The run holding the project (lc status, lc verify), or null. */
const holdingRun = nullable(
  z.object({
    command: z.string(),
    pid: z.number().int(),
    host: z.string(),
    started_at: z.string(),
    run_id: nullable(z.string()),
    held: z.boolean(),
    progress: nullable(
      z.object({ planned: z.number(), succeeded: z.number(), failed: z.number(), blocked: z.number(), running: z.number(), queued: z.number() }),
    ),
  }),
);

const status = z.object({
  schema: z.literal(2),
  scratch: nullable(z.object({ path: z.string(), source: z.enum(['LIGHTCONE_SCRATCH', 'scratch_root', 'SCRATCH', 'project']) })),
  executor: nullable(
    z.object({
      name: z.enum(['local', 'dask']),
      scheduler: nullable(z.enum(['slurm', 'pilots', 'external'])),
      queue: nullable(z.string()),
    }),
  ),
  run: holdingRun,
  tasks: z.array(
    z.object({
      id: z.string(),
      universe: z.string(),
      output: z.string(),
      state: z.enum(states),
      reasons: z.array(z.object({ kind: z.string(), detail: z.string() })),
      key: z.string(),
      data_version: nullable(z.string()),
      finished_at: nullable(z.string()),
      duration_s: nullable(z.number()),
      live: nullable(z.object({ state: z.enum(['running', 'queued']), host: nullable(z.string()), since: z.string() })),
      notes: z.array(z.string()),
    }),
  ),
  summary: z.object(Object.fromEntries(states.map((s) => [s, z.number().int()])) as Record<(typeof states)[number], z.ZodNumber>),
});

const verify = z.object({
  schema: z.literal(1),
  run: holdingRun,
  results: z.array(
    z.object({
      id: z.string(),
      passed: z.boolean(),
      failure: nullable(z.string()),
      detail: nullable(z.string()),
      refreshed: z.boolean().optional(),
      adopted: z.boolean().optional(),
    }),
  ),
  summary: z.record(z.string(), z.number().int()),
});

const validate = z.object({
  schema: z.literal(1),
  valid: z.boolean(),
  errors: z.array(diagnostic),
  warnings: z.array(diagnostic),
  explain: z
    .object({
      codes: z.record(z.string(), nullable(z.string())),
      missing_defaults: z.array(z.object({ universe: z.string(), file: z.string(), decision: z.string(), default: nullable(z.string()) })),
      default_universe: nullable(z.object({ id: z.string(), description: z.string(), decisions: z.record(z.string(), z.string()) })),
    })
    .optional(),
});

const dag = z.object({
  schema: z.literal(1),
  tasks: z.array(
    z.object({
      id: z.string(),
      universe: z.string(),
      output: z.string(),
      key: z.string(),
      group: z.string(),
      deps: z.array(z.string()),
      command: z.string(),
      outdir: z.string(),
      resources: z.object({
        cpus: z.number(),
        gpus: z.number(),
        memory_bytes: z.number().optional(),
        time_limit_s: z.number().optional(),
        disk_bytes: z.number().optional(),
      }),
    }),
  ),
});

const build = z.object({
  schema: z.literal(1),
  runtime: nullable(z.string()),
  images: z.array(z.object({ container: z.string(), image: z.string(), id: nullable(z.string()), action: z.enum(['present', 'built', 'pulled', 'as-is']) })),
  problems: z.array(diagnostic),
});

const exportJob = z.object({
  schema: z.literal(1),
  jobs: z.array(z.object({ task: z.string(), dir: z.string() })),
  run_all: z.string().optional(),
  submit_all: z.string().optional(),
});

/** The pilot jobs of a queue (or of all of a session's queues), as squeue last said. */
const queuePilots = z.object({
  queue: z.string(),
  max_jobs: z.number().int(),
  jobs: z.array(
    z.object({
      id: z.string(),
      queue: z.string(),
      submitted_at: z.string(),
      state: z.string().optional(),
      reason: z.string().optional(),
      nodes: z.string().optional(),
      time_left: z.string().optional(),
    }),
  ),
  refused: z.string().optional(),
});

const scheduler = z.object({
  schema: z.literal(1),
  mode: z.enum(['external', 'local', 'slurm', 'pilots']),
  key: z.string(),
  running: z.boolean(),
  state: z.enum(['starting', 'ready', 'stopping']).optional(),
  address: z.string().optional(),
  host: z.string().optional(),
  pid: z.number().int().optional(),
  started_at: z.string().optional(),
  uptime_s: z.number().optional(),
  idle_timeout_s: z.number().optional(),
  idle_left_s: nullable(z.number()).optional(),
  expected_workers: z.number().int().optional(),
  workers: z.array(
    z.object({
      worker: z.string(),
      host: z.string(),
      cpu_percent: z.number(),
      memory_used_bytes: z.number(),
      memory_total_bytes: z.number(),
      gpu_percent: z.array(z.number()),
      running_tasks: z.array(z.string()),
      cpus_in_use: z.number(),
      cpus_total: z.number(),
      gpus_in_use: z.number(),
      gpus_total: z.number(),
    }),
  ),
  state_dir: z.string().optional(),
  log_path: z.string().optional(),
  workers_error: z.string().optional(),
  // pilots mode: every queue's jobs (queue: the queues comma-separated, max_jobs their sum), and per queue
  pilots: queuePilots.extend({ queues: z.array(queuePilots) }).optional(),
});

const scalar = z.union([z.number(), z.string(), z.boolean()]);
const results = z.object({
  schema: z.literal(1),
  outputs: z.array(
    z.object({
      output: z.string(),
      decisions: z.array(z.string()),
      metrics: z.array(z.string()),
      rows: z.array(
        z.object({
          universe: z.string(),
          task: z.string(),
          state: z.enum(['ok', 'stale', 'missing', 'failed', 'modified', 'unreadable']),
          choices: z.record(z.string(), z.string()),
          values: nullable(z.record(z.string(), scalar)),
          problem: nullable(z.object({ file: nullable(z.string()), reason: z.string() })),
          data_version: nullable(z.string()),
          finished_at: nullable(z.string()),
        }),
      ),
      summary: z.array(
        z.object({
          metric: z.string(),
          n: z.number().int(),
          min: z.number(),
          max: z.number(),
          median: z.number(),
          by_decision: z.array(
            z.object({ decision: z.string(), spread: z.number(), options: z.array(z.object({ option: z.string(), median: z.number(), n: z.number().int() })) }),
          ),
        }),
      ),
    }),
  ),
});

const schedulerStop = z.object({ schema: z.literal(1), stopped: z.boolean(), message: z.string() });

const error = z.object({
  schema: z.literal(1),
  error: z.object({
    code: z.string(),
    message: z.string(),
    file: nullable(z.string()),
    line: nullable(z.number().int()),
    column: nullable(z.number().int()),
    hint: nullable(z.string()),
    diagnostics: z.array(diagnostic),
  }),
});

/** What each shipped schema describes: `lc-<name>.schema.json`. */
export const JSON_DOCUMENTS = {
  status: { schema: status, title: 'lc status --json' },
  verify: { schema: verify, title: 'lc verify --json' },
  validate: { schema: validate, title: 'lc validate --json' },
  dag: { schema: dag, title: 'lc dag --json' },
  build: { schema: build, title: 'lc build --json' },
  export: { schema: exportJob, title: 'lc export job --json' },
  results: { schema: results, title: 'lc results --json' },
  scheduler: { schema: scheduler, title: 'lc scheduler start|status --json' },
  'scheduler-stop': { schema: schedulerStop, title: 'lc scheduler stop --json' },
  error: { schema: error, title: 'what a --json command prints on stdout when it fails' },
} as const;

type JsonSchema = Record<string, unknown>;

/** Every shipped schema, by file name. */
export function jsonSchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [name, d] of Object.entries(JSON_DOCUMENTS)) out[`lc-${name}.schema.json`] = { title: d.title, ...z.toJSONSchema(d.schema) };
  out['lc-run-event.schema.json'] = { title: 'one line of lc run --json', ...runEventSchema() };
  return out;
}

/** The run journal's events, as `lc run --json` prints them: snake_case keys and `schema` 1. */
function runEventSchema(): JsonSchema {
  const events = snakeProperties(z.toJSONSchema(RunEventSchema) as JsonSchema) as JsonSchema;
  const members = (events.oneOf ?? events.anyOf) as JsonSchema[];
  for (const m of members) {
    m.properties = { schema: { type: 'number', const: 1 }, ...(m.properties as JsonSchema) };
    m.required = ['schema', ...(m.required as string[])];
  }
  return events;
}

/** A JSON Schema whose object property names are snake_case (what snakeKeys does to documents). */
function snakeProperties(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(snakeProperties);
  if (s === null || typeof s !== 'object') return s;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as JsonSchema).map(([p, ps]) => [snakeCase(p), snakeProperties(ps)]));
    else if (k === 'required') out[k] = (v as string[]).map(snakeCase);
    else out[k] = snakeProperties(v);
  }
  return out;
}
