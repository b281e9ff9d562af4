/**
 * Which Python runs the Dask side (bridge, scheduler, workers): the configured one (`python:` in
 * .lightcone/lightcone.yaml or LC_PYTHON), else the first candidate that can import
 * `distributed`. On Debian the `python3` first on PATH is often a pyenv shim that cannot see
 * the Debian packages, hence /usr/bin/python3 among the candidates.
 *
 * lc supports distributed DISTRIBUTED_FLOOR and newer (Debian 12 ships 2022.12.1): an older one
 * is refused here, with a clear error, rather than failing later inside the bridge with a
 * traceback. Among candidates a too-old one is skipped in favour of a later supported one.
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

/** The oldest distributed lc supports: Debian 12's 2022.12.1 must work, so its release line. */
export const DISTRIBUTED_FLOOR = '2022.12.0';

const CANDIDATES = ['python3', '/usr/bin/python3', '/usr/local/bin/python3', 'python'];
const cache = new Map<string, Promise<DaskPython>>();

/**
 * The release numbers of a PEP 440 version, ignoring what cannot move it below its release:
 * a local suffix (`2022.12.1+ds.1`, Debian) and dev/pre/post segments (`2026.7.2.dev3+g1234abc`
 * counts as 2026.7.2). Undefined when there is no real release to read: `0+unknown` and
 * `0.1.dev1+g…` come from source checkouts without tags, so they say nothing about the age.
 */
export function parseRelease(version: string): number[] | undefined {
  const m = /^\s*v?(?:\d+!)?(\d+(?:\.\d+)*)/i.exec(version);
  if (!m?.[1]) return undefined;
  const release = m[1].split('.').map(Number);
  return release[0] === 0 ? undefined : release;
}

/** Compare two releases numerically, padding the shorter with zeros (2022.12 == 2022.12.0). */
export function compareRelease(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** True only when the version is known to be older than the floor; unreadable ones pass (we cannot tell). */
export function isBelowFloor(version: string, floor: string = DISTRIBUTED_FLOOR): boolean {
  const v = parseRelease(version);
  const f = parseRelease(floor);
  return v !== undefined && f !== undefined && compareRelease(v, f) < 0;
}

/** How to get a supported distributed: upgrade in place (naming the interpreter when known) or switch. */
function upgradeHint(python?: string): string {
  const pip = python ? `${python} -m pip install -U distributed` : 'pip install -U distributed';
  return (
    `upgrade it: \`${pip}\` (in that Python's environment; or your package manager), or point LC_PYTHON or ` +
    `\`python:\` in .lightcone/lightcone.yaml at a Python with distributed ${DISTRIBUTED_FLOOR} or newer`
  );
}

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

/**
 * Resolve the interpreter once per process (the probe imports distributed: ~0.4 s).
 * `candidates` replaces the default search list (tests: the machine's own Pythons vary).
 */
export function findDaskPython(
  configured?: { python?: string; source?: string },
  candidates: readonly string[] = CANDIDATES,
): Promise<DaskPython> {
  const k = configured?.python || `candidates:${candidates.join('\0')}`;
  let p = cache.get(k);
  if (!p) {
    p = resolvePython(configured, candidates);
    cache.set(k, p);
    p.catch(() => cache.delete(k));
  }
  return p;
}

async function resolvePython(
  configured: { python?: string; source?: string } | undefined,
  candidates: readonly string[],
): Promise<DaskPython> {
  if (configured?.python) return resolveConfigured(configured.python, configured.source ?? 'configuration');
  const tried: string[] = [];
  const tooOld: string[] = [];
  for (const c of candidates) {
    const r = await probe(c);
    if (r.ok && !isBelowFloor(r.version)) return { python: c, distributedVersion: r.version };
    if (r.ok) tooOld.push(`${c} (${r.version})`);
    else tried.push(`${c} (${r.why})`);
  }
  if (tooOld.length > 0) throw noneRecentEnough(tooOld, tried);
  throw new LcError(
    'DASK_MISSING',
    `no Python interpreter that can import Dask distributed; tried ${tried.join(', ')}`,
    {
      hint: INSTALL_HINT,
      context: { tried },
    },
  );
}

/** Some candidate had distributed but too old: say so (upgrading is the fix), not just "missing". */
function noneRecentEnough(tooOld: string[], tried: string[]): LcError {
  const others = tried.length > 0 ? `; also tried ${tried.join(', ')}` : '';
  return new LcError(
    'DASK_TOO_OLD',
    `no Python interpreter with Dask distributed ${DISTRIBUTED_FLOOR} or newer; too old: ${tooOld.join(', ')}${others}`,
    { hint: upgradeHint(), context: { tooOld, tried, floor: DISTRIBUTED_FLOOR } },
  );
}

/** A configured interpreter is used as is or refused: never silently replaced by a candidate. */
async function resolveConfigured(python: string, source: string): Promise<DaskPython> {
  const r = await probe(python);
  if (!r.ok) {
    throw new LcError('DASK_MISSING', `${python} (from ${source}) cannot import Dask distributed: ${r.why}`, {
      hint: INSTALL_HINT,
      context: { python },
    });
  }
  if (isBelowFloor(r.version)) {
    const why = `has Dask distributed ${r.version}; lc needs ${DISTRIBUTED_FLOOR} or newer`;
    throw new LcError('DASK_TOO_OLD', `${python} (from ${source}) ${why}`, {
      hint: upgradeHint(python),
      context: { python, version: r.version, floor: DISTRIBUTED_FLOOR },
    });
  }
  return { python, distributedVersion: r.version };
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
