/**
 * The provenance manifest `<outdir>/.lightcone-manifest.json`.
 *
 * schema_version 1 is what lightcone-cli 0.4 writes; we read it. schema_version 2 is ours: a
 * superset of every v1 field (same names, same meaning, so Lightcone-era readers keep working)
 * plus what `lc status`/`lc verify` need to explain themselves. Unknown extra fields are kept
 * (loose objects): a newer minor addition must not make a manifest unreadable.
 */
import type { z } from 'zod';
import { deferred, once, zod } from '../lazy-zod.js';

export const MANIFEST_NAME = '.lightcone-manifest.json';
export const MANIFEST_SCHEMA_VERSION = 2;
export const TOOL_NAME = 'lightcone-tui';

/** Built on first use (see lazy-zod.ts): `lc status` on a warm cache parses no manifest. */
function build() {
  const z = zod();

  const nullableString = z.string().nullable();

  /** Fields both versions share (Lightcone's names). */
  const v1Fields = {
    output_id: z.string(),
    universe_id: z.string(),
    code_version: z.string(),
    data_version: z.string(),
    container_image: nullableString.optional(),
    recipe: z.string().nullable().optional(),
    decisions: z.record(z.string(), z.unknown()).optional(),
    input_versions: z.record(z.string(), z.string()).optional(),
    git_sha: nullableString.optional(),
    git_remote: nullableString.optional(),
    lc_version: nullableString.optional(),
    finished_at: z.number().optional(),
    host: nullableString.optional(),
    slurm_job_id: nullableString.optional(),
    worker_image: nullableString.optional(),
  };

  const ManifestV1Schema = z.looseObject({ schema_version: z.literal(1), ...v1Fields });

  const InputRecordSchema = z.object({
    kind: z.enum(['task', 'external']),
    /** Upstream task id (kind task). */
    task: z.string().optional(),
    /** Project-relative path, when on disk. */
    path: z.string().optional(),
    /** The `source:` locator as written (kind external). */
    source: z.string().optional(),
  });

  const ResourcesRecordSchema = z.object({
    cpus: z.number(),
    gpus: z.number(),
    memory_bytes: z.number().nullable(),
    time_limit_s: z.number().nullable(),
    disk_bytes: z.number().nullable(),
  });

  /** `[relative path, size, mtime_ns as a decimal string]`: lets status name the changed file. */
  const StatEntrySchema = z.tuple([z.string(), z.number(), z.string()]);

  const ManifestV2Schema = z.looseObject({
    schema_version: z.literal(2),
    ...v1Fields,
    decisions: z.record(z.string(), z.string()),
    input_versions: z.record(z.string(), z.string()),
    /**
     * Content hashes of external input files recorded as `mtime-size` in input_versions (by
     * local id; engine/manifest/input-hash.ts): what lets a moved timestamp be told from new
     * bytes. Absent in manifests written before lc kept them.
     */
    input_hashes: z.record(z.string(), z.string()).optional(),
    recipe: z.string(),
    finished_at: z.number(),
    host: z.string(),
    qualified_output: z.string(),
    task_key: z.string(),
    started_at: z.number(),
    duration_s: z.number(),
    exit_code: z.number(),
    attempt: z.number(),
    command: z.string(),
    scripts: z.record(z.string(), z.string()),
    resolved_image: nullableString,
    /** The id of the image the runtime executed (`sha256:...`), when the recipe ran in a container. */
    image_id: z.string().optional(),
    /** For a built image: the files its identity covers, by project path, with their sha256. */
    container_files: z.record(z.string(), z.string()).optional(),
    runtime: nullableString,
    executor: z.enum(['local', 'dask', 'lightcone', 'job']),
    /**
     * Set when `lc verify --refresh` turned a Lightcone (schema 1) manifest into this one: what
     * Lightcone recorded is kept, `scripts` are the scripts as they were at adoption (Lightcone
     * did not record them: trusted, not proven), and `trusted` says so.
     */
    adopted: z
      .object({ from_schema: z.literal(1), lc_version: nullableString, adopted_at: z.number(), trusted: z.array(z.string()) })
      .optional(),
    tool: z.object({ name: z.string(), version: z.string() }),
    files: z.object({ count: z.number(), bytes: z.number() }),
    stat: z.object({ fingerprint: z.string(), entries: z.array(StatEntrySchema).optional() }),
    resources: ResourcesRecordSchema,
    inputs: z.record(z.string(), InputRecordSchema),
    deduplicated_from: nullableString,
  });

  const ManifestSchema = z.discriminatedUnion('schema_version', [ManifestV1Schema, ManifestV2Schema]);

  return { ManifestV1Schema, ManifestV2Schema, ManifestSchema, InputRecordSchema, StatEntrySchema };
}

const schemas = once(build);
type Schemas = ReturnType<typeof build>;

export const ManifestV1Schema: Schemas['ManifestV1Schema'] = deferred(() => schemas().ManifestV1Schema);
export const ManifestV2Schema: Schemas['ManifestV2Schema'] = deferred(() => schemas().ManifestV2Schema);
export const ManifestSchema: Schemas['ManifestSchema'] = deferred(() => schemas().ManifestSchema);

export type ManifestV1 = z.infer<typeof ManifestV1Schema>;
export type ManifestV2 = z.infer<typeof ManifestV2Schema>;
export type Manifest = z.infer<typeof ManifestSchema>;
export type InputRecord = z.infer<Schemas['InputRecordSchema']>;
export type StatEntry = z.infer<Schemas['StatEntrySchema']>;

export const isV2 = (m: Manifest): m is ManifestV2 => m.schema_version === 2;
