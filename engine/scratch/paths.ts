/**
 * The scratch root and every path under it: logs, failure records, hash caches, run journals,
 * the run lock and scheduler state. It must be private to its user (another user's files there
 * are neither readable nor writable: EACCES on the run lock) and seen by every node that sees
 * the project (a run on a compute node, `lc status` on the login node).
 *
 * Resolution order: LIGHTCONE_SCRATCH -> `scratch_root` in .lightcone/lightcone.yaml ->
 * $SCRATCH (on HPC systems a per-user parallel file system, e.g. Lustre, seen by every node and
 * faster than a DVS-mounted home for many small files) -> inside the project,
 * `.lightcone/scratch-<user>/` (git-ignored; wherever the project is visible, so is its state).
 * The system temp dir is never used: it is shared by every user of a host and, on clusters,
 * often private to each node. `$VARS` and `~` are expanded; a value that still holds an
 * unexpanded `$` falls through rather than creating a directory literally named `$SCRATCH`.
 */
import { createHash } from 'node:crypto';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { readProjectConfig } from '../config/project-config.js';

export function expandPathExpr(raw: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let v = raw.trim();
  if (!v) return undefined;
  if (v === '~' || v.startsWith('~/')) v = homedir() + v.slice(1);
  v = v.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, a: string | undefined, b: string | undefined) => {
      const name = a ?? b ?? '';
      const val = env[name];
      return val === undefined || val === '' ? m : val;
    },
  );
  if (v.includes('$')) return undefined;
  return resolve(v);
}

/** Where the scratch root came from (`lc status --json` says it). */
export type ScratchSource = 'LIGHTCONE_SCRATCH' | 'scratch_root' | 'SCRATCH' | 'project';

export interface ScratchRoot {
  path: string;
  source: ScratchSource;
}

export function resolveScratchRoot(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ScratchRoot {
  // Lazily, in order: the settings file is read only when the environment does not decide.
  const candidates: [ScratchSource, () => string | undefined][] = [
    ['LIGHTCONE_SCRATCH', () => env.LIGHTCONE_SCRATCH],
    ['scratch_root', () => readProjectConfig(projectRoot).values.scratch_root],
    ['SCRATCH', () => env.SCRATCH],
  ];
  for (const [source, candidate] of candidates) {
    const c = candidate();
    if (c === undefined) continue;
    const p = expandPathExpr(c, env);
    if (p) return { path: p, source };
  }
  return { path: join(resolve(projectRoot), '.lightcone', `scratch-${userName()}`), source: 'project' };
}

/** The login name, or `uid<N>` where the uid has no passwd entry (some containers). */
function userName(): string {
  try {
    const name = userInfo().username;
    if (/^[A-Za-z0-9._-]+$/.test(name)) return name;
  } catch {
    // no passwd entry
  }
  return `uid${process.getuid?.() ?? 'unknown'}`;
}

/** First 12 hex chars of sha256 of the absolute project path: per-project state never collides. */
export function projectHash(projectRoot: string): string {
  return createHash('sha256').update(resolve(projectRoot)).digest('hex').slice(0, 12);
}

/** All scratch locations for one project. Nothing is created here; writers mkdir what they need. */
export interface ScratchPaths {
  scratchRoot: string;
  source: ScratchSource;
  /** `<scratch>/.lightcone` */
  base: string;
  projectHash: string;
  /** `<base>/logs/<hash>`; task logs at `<logs>/<universe>/<output>.<attempt>.log`. */
  logs: string;
  /** `<base>/failures/<hash>`; one JSON record per failed task. */
  failures: string;
  /** `<base>/cache/<hash>`; hash (stat) cache for verify. */
  cache: string;
  /** `<base>/runs/<hash>`; run journals (JSON lines). */
  runs: string;
  /** `<base>/locks/<hash>.run`; project run lock target. */
  runLock: string;
  /** `<base>/scheduler`; session scheduler state dirs by key. */
  scheduler: string;
}

export function scratchPaths(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ScratchPaths {
  const { path: scratchRoot, source } = resolveScratchRoot(projectRoot, env);
  const base = join(scratchRoot, '.lightcone');
  const h = projectHash(projectRoot);
  return {
    scratchRoot,
    source,
    base,
    projectHash: h,
    logs: join(base, 'logs', h),
    failures: join(base, 'failures', h),
    cache: join(base, 'cache', h),
    runs: join(base, 'runs', h),
    runLock: join(base, 'locks', `${h}.run`),
    scheduler: join(base, 'scheduler'),
  };
}
