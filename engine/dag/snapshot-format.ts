/**
 * The project snapshot file (`<scratch>/.lightcone/cache/<project>/project-snapshot.json`): the
 * DAG and ProjectInfo of one spec load, and everything that load depended on. One JSON object,
 * written by lc only (temp file + rename).
 *
 * `snapshotSchema()` (zod) describes the whole file; tests hold written snapshots to it. Reading
 * uses `looksLikeSnapshot`, the same checks by hand: the snapshot exists to make a no-op
 * `lc run` fast, and loading zod alone would cost ~20 ms of it (see lazy-zod.ts), checking
 * 10,000 tasks with it several times that.
 */
import { once, zod } from '../lazy-zod.js';
import type { Diagnostic } from '../errors.js';
import type { OutputType, Resources } from '../astra/model.js';
import { resourcesSchema } from '../astra/resources-schema.js';
import type { TaskInput } from './task.js';

/** Bump on any change of layout or meaning. */
export const SNAPSHOT_SCHEMA = 2;

const OUTPUT_TYPES = ['metric', 'figure', 'table', 'data', 'report'] as const satisfies readonly OutputType[];

/** [absolute path, dev, ino, size, mtimeMs, ctimeMs] of a file the load read. */
export type FileIdentity = [string, number, number, number, number, number];

/** What every task of one output shares: [qid, type, recipe template, container or null, resources]. */
export type OutputRow = [string, OutputType, string, string | null, Resources];

/**
 * One task, positionally (field names repeated 10,000 times were a third of the file):
 * [id, universe, index into `outputs`, key, group ('' when the task leads its own group),
 *  deps, command, outdir, decisions, inputs]
 */
export type TaskRow = [
  string,
  string,
  number,
  string,
  string,
  string[],
  string,
  string,
  Record<string, string>,
  TaskInput[],
];

export interface SnapshotFile {
  schema: typeof SNAPSHOT_SCHEMA;
  /** Identity of the lc code that wrote it: another build may load or build differently. */
  code: string;
  root: string;
  files: FileIdentity[];
  /** [directory, the universe files found there] */
  listings: [string, string[]][];
  /** [path, existed] */
  probes: [string, boolean][];
  info: {
    name: string;
    specFile: string;
    universeIds: string[];
    outputSpecDirs: [string, string][];
    /** [key, SourceRef] (ProjectInfo.sourceRefs). */
    sourceRefs: [string, { file: string; line: number; col: number; path: string }][];
  };
  warnings: Diagnostic[];
  dag: {
    universes: string[];
    /** Qids of outputs with a recipe, in layered order (Dag.outputs). */
    outputs: string[];
    layer: [string, number][];
    reexports: [string, string][];
    withoutRecipe: string[];
    /** What the tasks of each output share. */
    outputRows: OutputRow[];
    /** In Dag.tasks order; Dag.dependents is rebuilt from their deps (buildDag's own order). */
    tasks: TaskRow[];
  };
}

/** The whole file as a zod schema (built on first use). */
export const snapshotSchema = once(() => {
  const z = zod();
  const str = z.string();
  const input = z.union([
    z.object({ kind: z.literal('task'), localId: str, task: str, path: str }),
    z.object({
      kind: z.literal('external'),
      localId: str,
      inputQid: str,
      source: str.optional(),
      path: str.optional(),
    }),
  ]);
  const resources = resourcesSchema();
  const outputRow = z.tuple([str, z.enum(OUTPUT_TYPES), str, str.nullable(), resources]);
  const taskRow = z.tuple([
    str,
    str,
    z.number().int().nonnegative(),
    str,
    str,
    z.array(str),
    str,
    str,
    z.record(str, str),
    z.array(input),
  ]);
  const diagnostic = z.object({
    code: str,
    severity: z.enum(['error', 'warning']),
    message: str,
    file: str.optional(),
    line: z.number().optional(),
    col: z.number().optional(),
    path: str.optional(),
    hint: str.optional(),
  });
  const num = z.number();
  return z.object({
    schema: z.literal(SNAPSHOT_SCHEMA),
    code: str,
    root: str,
    files: z.array(z.tuple([str, num, num, num, num, num])),
    listings: z.array(z.tuple([str, z.array(str)])),
    probes: z.array(z.tuple([str, z.boolean()])),
    info: z.object({
      name: str,
      specFile: str,
      universeIds: z.array(str),
      outputSpecDirs: z.array(z.tuple([str, str])),
      sourceRefs: z.array(z.tuple([str, z.object({ file: str, line: num, col: num, path: str })])),
    }),
    warnings: z.array(diagnostic),
    dag: z.object({
      universes: z.array(str),
      outputs: z.array(str),
      layer: z.array(z.tuple([str, num])),
      reexports: z.array(z.tuple([str, str])),
      withoutRecipe: z.array(str),
      outputRows: z.array(outputRow),
      tasks: z.array(taskRow),
    }),
  });
});

// --- the same checks by hand ---------------------------------------------------------------

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === 'string';
const isNum: Check = (v) => typeof v === 'number';
const isBool: Check = (v) => typeof v === 'boolean';
const opt =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const arrayOf =
  (c: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(c);
const tuple =
  (...cs: Check[]): Check =>
  (v) =>
    Array.isArray(v) && v.length === cs.length && cs.every((c, i) => c(v[i]));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fields =
  (shape: Record<string, Check>): Check =>
  (v) =>
    isObj(v) && Object.entries(shape).every(([k, c]) => c(v[k]));

const looksLikeInput: Check = (v) =>
  isObj(v) &&
  isStr(v.localId) &&
  (v.kind === 'task'
    ? isStr(v.task) && isStr(v.path)
    : v.kind === 'external' && isStr(v.inputQid) && opt(isStr)(v.source) && opt(isStr)(v.path));

const looksLikeResources = fields({
  cpus: isNum,
  memoryBytes: opt(isNum),
  gpus: isNum,
  timeLimitS: opt(isNum),
  diskBytes: opt(isNum),
});

const looksLikeOutputRow = tuple(
  isStr,
  (v) => (OUTPUT_TYPES as readonly unknown[]).includes(v),
  isStr,
  (v) => v === null || isStr(v),
  looksLikeResources,
);

/** What the task row schema accepts, without zod; written out, as it runs once per task. */
export function looksLikeTaskRow(v: unknown, outputCount: number): boolean {
  if (!Array.isArray(v) || v.length !== 10) return false;
  const [id, universe, output, key, group, deps, command, outdir, decisions, inputs] = v as unknown[];
  if (!isStr(id) || !isStr(universe) || !isStr(key) || !isStr(group) || !isStr(command) || !isStr(outdir)) return false;
  if (!Number.isInteger(output) || (output as number) < 0 || (output as number) >= outputCount) return false;
  if (!Array.isArray(deps) || !Array.isArray(inputs) || !isObj(decisions)) return false;
  for (const d of deps) if (typeof d !== 'string') return false;
  for (const k in decisions) if (typeof decisions[k] !== 'string') return false;
  for (const i of inputs) if (!looksLikeInput(i)) return false;
  return true;
}

const looksLikeDiagnostic = fields({
  code: isStr,
  severity: (v) => v === 'error' || v === 'warning',
  message: isStr,
  file: opt(isStr),
  line: opt(isNum),
  col: opt(isNum),
  path: opt(isStr),
  hint: opt(isStr),
});

const looksLikeHead = fields({
  schema: (v) => v === SNAPSHOT_SCHEMA,
  code: isStr,
  root: isStr,
  files: arrayOf(tuple(isStr, isNum, isNum, isNum, isNum, isNum)),
  listings: arrayOf(tuple(isStr, arrayOf(isStr))),
  probes: arrayOf(tuple(isStr, isBool)),
  info: fields({
    name: isStr,
    specFile: isStr,
    universeIds: arrayOf(isStr),
    outputSpecDirs: arrayOf(tuple(isStr, isStr)),
    sourceRefs: arrayOf(tuple(isStr, fields({ file: isStr, line: isNum, col: isNum, path: isStr }))),
  }),
  warnings: arrayOf(looksLikeDiagnostic),
  dag: fields({
    universes: arrayOf(isStr),
    outputs: arrayOf(isStr),
    layer: arrayOf(tuple(isStr, isNum)),
    reexports: arrayOf(tuple(isStr, isStr)),
    withoutRecipe: arrayOf(isStr),
    outputRows: arrayOf(looksLikeOutputRow),
    tasks: Array.isArray,
  }),
});

/** What snapshotSchema() accepts, checked by hand. */
export function looksLikeSnapshot(v: unknown): v is SnapshotFile {
  if (!looksLikeHead(v)) return false;
  const dag = (v as SnapshotFile).dag;
  const n = dag.outputRows.length;
  for (const t of dag.tasks) if (!looksLikeTaskRow(t, n)) return false;
  return true;
}
