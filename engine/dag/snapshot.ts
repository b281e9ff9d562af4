/**
 * Project snapshot: the DAG, ProjectInfo and warnings of the last spec load, kept in the scratch
 * cache with everything that load depended on (SpecDeps), so the next command whose spec is
 * unchanged skips reading, validating and resolving it and building the DAG: on 10,000 tasks
 * that is most of a no-op `lc run`'s own work.
 *
 * "Unchanged", checked on every use:
 *   - every file the load read: same dev, inode, size, mtime and ctime. An editor's
 *     write-and-rename gives a new inode, an in-place edit moves mtime and ctime, and `touch -d`
 *     cannot move ctime back;
 *   - every directory it listed for universe files: the same universe files, listed again;
 *   - every input path it probed: exists now exactly when it existed then;
 *   - the same lc code (codeIdentity) and project root.
 * A file changed within the same clock tick as its read would keep its times; so a snapshot is
 * written only when every file's mtime and ctime are older than the racy window before the load
 * began (the observation cache's rule). Any doubt (unreadable, malformed, another schema) means
 * a full load, which writes a new snapshot.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../errors.js';
import { racyWindowMs } from '../status/racy-window.js';
import type { SpecDeps } from '../astra/deps.js';
import type { ProjectInfo } from '../astra/info.js';
import { universeFiles } from '../astra/universe-files.js';
import {
  looksLikeSnapshot,
  SNAPSHOT_SCHEMA,
  type FileIdentity,
  type OutputRow,
  type SnapshotFile,
  type TaskRow,
} from './snapshot-format.js';
import type { Dag, Task } from './task.js';

export const SNAPSHOT_FILE = 'project-snapshot.json';

/**
 * Above this many tasks no snapshot is kept: measured at 1,000,000 tasks (200,000 universes x 5),
 * reading the 436 MB snapshot took 7 s against 8 s for loading the spec afresh, and writing it
 * 9 s and ~1 GB more memory; at 100,000 tasks it halves a status. A JSON text also cannot
 * exceed V8's string limit (~512 MiB), which the snapshot of ~1.2M tasks would.
 */
export const SNAPSHOT_MAX_TASKS = 250_000;

/** What opening a project yields, from a fresh load or from a snapshot. */
export interface OpenedProject {
  info: ProjectInfo;
  dag: Dag;
  warnings: Diagnostic[];
}

/**
 * Identity of the running lc code: its bundle file's size, mtime and inode (every build and
 * every install rewrites it). Undefined when running from TypeScript sources (vitest), where a
 * change in another source file would go unseen: no snapshot is used there.
 */
export function codeIdentity(): string | undefined {
  const file = fileURLToPath(import.meta.url);
  if (file.endsWith('.ts')) return undefined;
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return undefined;
  }
}

export function snapshotPath(cacheDir: string): string {
  return join(cacheDir, SNAPSHOT_FILE);
}

/** The snapshot of `root` when it is still valid, else undefined. Never throws. */
export function readSnapshot(cacheDir: string, root: string, code: string): OpenedProject | undefined {
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(snapshotPath(cacheDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (!looksLikeSnapshot(file) || file.code !== code || file.root !== root) return undefined;
  try {
    if (!depsUnchanged(file)) return undefined;
  } catch {
    return undefined; // a stat refused (permissions): a full load reports it properly
  }
  return restore(file);
}

function depsUnchanged(file: SnapshotFile): boolean {
  for (const f of file.files) {
    const st = statSync(f[0], { throwIfNoEntry: false });
    if (!st || st.dev !== f[1] || st.ino !== f[2] || st.size !== f[3] || st.mtimeMs !== f[4] || st.ctimeMs !== f[5])
      return false;
  }
  for (const [dir, files] of file.listings) {
    const now = universeFiles(dir);
    if (now.length !== files.length) return false;
    for (let i = 0; i < now.length; i++) if (now[i] !== files[i]) return false;
  }
  for (const [path, existed] of file.probes) if (existsSync(path) !== existed) return false;
  return true;
}

function fileIdentity(path: string): FileIdentity | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? [path, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs] : undefined;
}

/** Task objects as buildDag makes them: same fields in the same order, one resources object per output. */
function restoreTask(row: TaskRow, outputs: OutputRow[]): Task {
  const [id, universe, o, key, group, deps, command, outdir, decisions, inputs] = row;
  const [output, type, template, container, resources] = outputs[o] as OutputRow;
  const task: Task = {
    id,
    universe,
    output,
    type,
    key,
    group: group || id,
    deps,
    command,
    template,
    outdir,
    resources,
    decisions,
    inputs,
  };
  if (container !== null) task.container = container;
  return task;
}

function restore(file: SnapshotFile): OpenedProject | undefined {
  const d = file.dag;
  const tasks: Task[] = new Array<Task>(d.tasks.length);
  const byId = new Map<string, Task>();
  const dependents = new Map<string, string[]>();
  for (let i = 0; i < d.tasks.length; i++) {
    const t = restoreTask(d.tasks[i] as TaskRow, d.outputRows);
    tasks[i] = t;
    byId.set(t.id, t);
    dependents.set(t.id, []);
  }
  // buildDag's dependents: each task's id appended to its deps' lists, in task order
  for (const t of tasks) {
    for (const dep of t.deps) {
      const list = dependents.get(dep);
      if (!list) return undefined; // a dep that is not a task: not a snapshot lc wrote
      list.push(t.id);
    }
  }
  const dag: Dag = {
    root: file.root,
    tasks,
    byId,
    dependents,
    universes: d.universes,
    outputs: d.outputs,
    layer: new Map(d.layer),
    reexports: new Map(d.reexports),
    withoutRecipe: new Set(d.withoutRecipe),
  };
  const info: ProjectInfo = {
    ...file.info,
    outputSpecDirs: new Map(file.info.outputSpecDirs),
    sourceRefs: new Map(file.info.sourceRefs),
  };
  return { info, dag, warnings: file.warnings };
}

/** The rows of `dag`: one OutputRow per output, one TaskRow per task. */
function rowsOf(dag: Dag): { outputRows: OutputRow[]; tasks: TaskRow[] } {
  const outputRows: OutputRow[] = [];
  const index = new Map<string, number>();
  const tasks = dag.tasks.map((t): TaskRow => {
    let o = index.get(t.output);
    if (o === undefined) {
      o = outputRows.push([t.output, t.type, t.template, t.container ?? null, t.resources]) - 1;
      index.set(t.output, o);
    }
    const group = t.group === t.id ? '' : t.group;
    return [t.id, t.universe, o, t.key, group, t.deps, t.command, t.outdir, t.decisions, t.inputs];
  });
  return { outputRows, tasks };
}

/**
 * Keep `opened` (a load of every universe that began at `loadStartedMs`) for the next command.
 * Best effort: false when it was not written (more than SNAPSHOT_MAX_TASKS tasks, a file too
 * recently changed, a file gone since, a scratch dir we cannot write to).
 */
export function writeSnapshot(
  cacheDir: string,
  code: string,
  opened: OpenedProject,
  deps: SpecDeps,
  loadStartedMs: number,
  maxTasks = SNAPSHOT_MAX_TASKS,
): boolean {
  if (opened.dag.tasks.length > maxTasks) {
    // an earlier, smaller project's snapshot would only be read and refused on every command
    rmSync(snapshotPath(cacheDir), { force: true });
    return false;
  }
  const root = opened.dag.root;
  const trustedBefore = loadStartedMs - racyWindowMs(root);
  const files: FileIdentity[] = [];
  for (const path of new Set(deps.files)) {
    const id = fileIdentity(path);
    if (!id || id[4] >= trustedBefore || id[5] >= trustedBefore) return false;
    files.push(id);
  }
  const { dag, info } = opened;
  const snapshot: SnapshotFile = {
    schema: SNAPSHOT_SCHEMA,
    code,
    root,
    files,
    listings: [...deps.listings],
    probes: [...deps.probes],
    info: {
      ...info,
      universeIds: [...info.universeIds],
      outputSpecDirs: [...info.outputSpecDirs],
      sourceRefs: [...info.sourceRefs],
    },
    warnings: opened.warnings,
    dag: {
      universes: dag.universes,
      outputs: dag.outputs,
      layer: [...(dag.layer ?? [])],
      reexports: [...(dag.reexports ?? [])],
      withoutRecipe: [...(dag.withoutRecipe ?? [])],
      ...rowsOf(dag),
    },
  };
  const path = snapshotPath(cacheDir);
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(snapshot));
    renameSync(tmp, path);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}
