/**
 * Which Python runs the Dask side (bridge, scheduler, workers): the configured one (`python:` in
 * .lightcone/lightcone.yaml or LC_PYTHON), else the first candidate that can import
 * `distributed`. On Debian the `python3` first on PATH is often a pyenv shim that cannot see
 * the Debian packages, hence /usr/bin/python3 among the candidates.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LcError } from '../../errors.js';

export interface DaskPython {
  python: string;
  distributedVersion: string;
}

export const INSTALL_HINT =
  'install Dask distributed for a python3: `apt-get install python3-distributed` (Debian/Ubuntu) or `pip install distributed`; ' +
  'then point lc at it with `python: /path/to/python3` in .lightcone/lightcone.yaml or LC_PYTHON';

const CANDIDATES = ['python3', '/usr/bin/python3', '/usr/local/bin/python3', 'python'];
const cache = new Map<string, Promise<DaskPython>>();

function probe(python: string): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', 'import distributed, sys; sys.stdout.write(distributed.__version__)'],
      { timeout: 30_000, env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
      (error, stdout, stderr) => {
        if (error) {
          const last = String(stderr).trim().split('\n').pop() ?? '';
          const code = (error as NodeJS.ErrnoException).code;
          resolve({ ok: false, why: code === 'ENOENT' ? 'not found' : last || error.message });
        } else resolve({ ok: true, version: String(stdout).trim() });
      },
    );
  });
}

/** Resolve the interpreter once per process (the probe imports distributed: ~0.4 s). */
export function findDaskPython(configured?: { python?: string; source?: string }): Promise<DaskPython> {
  const k = configured?.python ?? '';
  let p = cache.get(k);
  if (!p) {
    p = resolvePython(configured);
    cache.set(k, p);
    p.catch(() => cache.delete(k));
  }
  return p;
}

async function resolvePython(configured?: { python?: string; source?: string }): Promise<DaskPython> {
  if (configured?.python) {
    const r = await probe(configured.python);
    if (r.ok) return { python: configured.python, distributedVersion: r.version };
    throw new LcError(
      'DASK_MISSING',
      `${configured.python} (from ${configured.source ?? 'configuration'}) cannot import Dask distributed: ${r.why}`,
      {
        hint: INSTALL_HINT,
        context: { python: configured.python },
      },
    );
  }
  const tried: string[] = [];
  for (const c of CANDIDATES) {
    const r = await probe(c);
    if (r.ok) return { python: c, distributedVersion: r.version };
    tried.push(`${c} (${r.why})`);
  }
  throw new LcError(
    'DASK_MISSING',
    `no Python interpreter that can import Dask distributed; tried ${tried.join(', ')}`,
    {
      hint: INSTALL_HINT,
      context: { tried },
    },
  );
}

/** The `python/` directory shipped in the package (next to dist/ in both source and build trees). */
export function pythonDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'python');
    if (existsSync(join(p, 'lc_dask_bridge.py'))) return p;
    const up = dirname(dir);
    if (up === dir) throw new LcError('INTERNAL', 'python/lc_dask_bridge.py is missing from the lc installation');
    dir = up;
  }
}
