/**
 * The scratch root and every path under it. State that needs locking or that users must not
 * commit (logs, failure records, hash caches, run journals, scheduler state) lives here, not
 * in the project: on HPC the project often sits on a DVS-mounted home that ignores locks.
 *
 * Resolution order: LIGHTCONE_SCRATCH -> `scratch_root` in .lightcone/lightcone.yaml ->
 * $SCRATCH -> the OS temp dir. `$VARS` and `~` are expanded; a value that still holds an
 * unexpanded `$` falls through rather than creating a directory literally named `$SCRATCH`.
 */
import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
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

export function resolveScratchRoot(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  // Lazily, in order: the settings file is read only when the environment does not decide.
  const candidates = [
    () => env.LIGHTCONE_SCRATCH,
    () => readProjectConfig(projectRoot).values.scratch_root,
    () => env.SCRATCH,
  ];
  for (const candidate of candidates) {
    const c = candidate();
    if (c === undefined) continue;
    const p = expandPathExpr(c, env);
    if (p) return p;
  }
  return tmpdir();
}

/** First 12 hex chars of sha256 of the absolute project path: per-project state never collides. */
export function projectHash(projectRoot: string): string {
  return createHash('sha256').update(resolve(projectRoot)).digest('hex').slice(0, 12);
}

/** All scratch locations for one project. Nothing is created here; writers mkdir what they need. */
export interface ScratchPaths {
  scratchRoot: string;
  /** `<scratch>/.lightcone` */
  base: string;
  projectHash: string;
  /** `<base>/logs/<hash>`; task logs at `<logs>/<universe>/<output>/<attempt>.log`. */
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
  const scratchRoot = resolveScratchRoot(projectRoot, env);
  const base = join(scratchRoot, '.lightcone');
  const h = projectHash(projectRoot);
  return {
    scratchRoot,
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
