/**
 * What can be known to fail before any task starts, so a run stops at once with every problem
 * listed instead of after other tasks used the allocation: an external input file that is not
 * there, a script a recipe calls that does not exist, a task whose resources fit no node.
 * Each problem names the tasks it would fail and where the spec says it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ProjectInfo } from '../astra/info.js';
import type { Task } from '../dag/task.js';
import { LcError, type Diagnostic, type SourceRef } from '../errors.js';
import type { NodeCapacity } from '../executors/executor.js';
import { formatBytes } from '../units.js';
import { calledScripts } from '../manifest/scripts.js';

export type PreflightCode =
  | 'INPUT_MISSING'
  | 'SCRIPT_MISSING'
  | 'DOES_NOT_FIT'
  | 'CONTAINER_RUNTIME_MISSING'
  | 'CONTAINER_UNAVAILABLE';

export interface PreflightProblem {
  code: PreflightCode;
  message: string;
  /** Where the spec says it: the input's declaration, the recipe's command. */
  ref?: SourceRef;
  /** The tasks it would fail. */
  tasks: string[];
}

/**
 * A `source:` that names a file: a path with a directory part or a data-file extension, and no
 * URI scheme. Loader names (`sklearn.datasets.load_iris`) and URIs (`s3://...`) are not files.
 */
const DATA_EXTENSION = /\.(csv|tsv|txt|dat|json|jsonl|ya?ml|xml|fits?|h5|hdf5?|nc|parquet|feather|arrow|npy|npz|pkl|pickle|root|zip|gz|bz2|xz|zst|tar|tgz)$/i;
export function sourceNamesFile(source: string): boolean {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source)) return false;
  return source.includes('/') || DATA_EXTENSION.test(source);
}

/** Problems visible in the project's files: missing inputs and scripts. */
export function specProblems(root: string, info: Pick<ProjectInfo, 'sourceRefs' | 'outputSpecDirs'>, tasks: readonly Task[]): PreflightProblem[] {
  const byKey = new Map<string, PreflightProblem>();
  const add = (key: string, make: () => Omit<PreflightProblem, 'tasks'>, task: string) => {
    const p = byKey.get(key);
    if (p) p.tasks.push(task);
    else byKey.set(key, { ...make(), tasks: [task] });
  };
  // 10,000 tasks share a few inputs and templates: each path is looked at once
  const exists = memo((p: string) => existsSync(p));
  const scriptsOf = memo(calledScripts);
  for (const t of tasks) {
    for (const i of t.inputs) {
      if (i.kind !== 'external' || i.path !== undefined || i.source === undefined || !sourceNamesFile(i.source)) continue;
      const src = i.source;
      if (exists(isAbsolute(src) ? src : join(info.outputSpecDirs.get(t.output) ?? root, src))) continue;
      add(`input:${i.inputQid}`, () => ({
        code: 'INPUT_MISSING',
        message: `input ${i.inputQid}: ${src} does not exist`,
        ...refOf(info, `input:${i.inputQid}`),
      }), t.id);
    }
    for (const script of scriptsOf(t.template)) {
      if (exists(join(root, script))) continue;
      add(`script:${t.output}:${script}`, () => ({
        code: 'SCRIPT_MISSING',
        message: `the recipe of ${t.output} calls ${script}, which does not exist`,
        ...refOf(info, `recipe:${t.output}`),
      }), t.id);
    }
  }
  return [...byKey.values()];
}

/** Tasks whose cpus, memory or GPUs no node has (`where`: this node, the Dask workers). */
export function capacityProblems(
  info: Pick<ProjectInfo, 'sourceRefs'>,
  tasks: readonly Task[],
  nodes: readonly NodeCapacity[],
  where: string,
): PreflightProblem[] {
  if (nodes.length === 0) return [];
  const byOutput = new Map<string, PreflightProblem>();
  for (const t of tasks) {
    const r = t.resources;
    const fits = nodes.some((n) => r.cpus <= n.cpus + 1e-9 && (r.memoryBytes ?? 0) <= n.memoryBytes && r.gpus <= n.gpus);
    if (fits) continue;
    const p = byOutput.get(t.output);
    if (p) {
      p.tasks.push(t.id);
      continue;
    }
    const asked = [`cpus=${r.cpus}`, ...(r.memoryBytes !== undefined ? [`memory=${formatBytes(r.memoryBytes)}`] : []), ...(r.gpus ? [`gpus=${r.gpus}`] : [])];
    const biggest = nodes.map((n) => `${n.host}: cpus=${n.cpus} memory=${formatBytes(n.memoryBytes)} gpus=${n.gpus}`);
    byOutput.set(t.output, {
      code: 'DOES_NOT_FIT',
      message: `${t.output} asks for ${asked.join(' ')}, more than any node of ${where} has (${biggest.slice(0, 3).join('; ')}${biggest.length > 3 ? '; ...' : ''})`,
      ...refOf(info, `recipe:${t.output}`),
      tasks: [t.id],
    });
  }
  return [...byOutput.values()];
}

function memo<T>(f: (k: string) => T): (k: string) => T {
  const m = new Map<string, T>();
  return (k) => {
    if (!m.has(k)) m.set(k, f(k));
    return m.get(k) as T;
  };
}

/** `{ref}` of where the spec says `key` (`recipe:<output>`, `input:<input>`), or nothing. */
export function refOf(info: Pick<ProjectInfo, 'sourceRefs'>, key: string): { ref?: SourceRef } {
  const ref = info.sourceRefs.get(key);
  return ref ? { ref } : {};
}

/** The problems as diagnostics (file:line:col CODE message), for printing like lc validate. */
export function preflightDiagnostics(problems: readonly PreflightProblem[], severity: Diagnostic['severity'] = 'error'): Diagnostic[] {
  return problems.map((p) => {
    const n = p.tasks.length;
    const tasks = n === 1 ? `task ${p.tasks[0]}` : `${n} tasks (${p.tasks.slice(0, 3).join(', ')}${n > 3 ? ', ...' : ''})`;
    const where = p.ref ? { file: p.ref.file, line: p.ref.line, col: p.ref.col, path: p.ref.path } : {};
    return { code: p.code, severity, message: `${p.message}: ${tasks} would fail`, ...where };
  });
}

/** The error that stops a run before anything started. */
export function preflightError(problems: readonly PreflightProblem[]): LcError {
  const n = problems.length;
  return new LcError('PREFLIGHT', `${n} ${n === 1 ? 'problem' : 'problems'} would fail tasks of this run; nothing was started`, {
    diagnostics: preflightDiagnostics(problems),
    hint: 'fix them and run again (lc run --dry-run lists them too)',
  });
}
