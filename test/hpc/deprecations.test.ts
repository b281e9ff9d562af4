/**
 * The deprecation guard (python/lc_warnings.py) on this lane's Python and Dask: with
 * LC_DEPRECATIONS=error a deprecated call made by lc's Python fails where it is made, import
 * noise from third-party modules does not, and lc's worker plugin passes Dask's plugin check
 * where a duck-typed one fails it (Dask deprecated those in 2023.9 and refuses them from 2026.6).
 */
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, tempDir } from '../helpers/lc.js';
import { PY } from './helpers.js';

const PYDIR = join(REPO, 'python');
let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-hpc-deprec-'));
  // a library that is noisy when imported, and one with deprecated functions
  writeFileSync(join(dir, 'noisy_lib.py'), 'import warnings\nwarnings.warn("old import", DeprecationWarning)\n');
  writeFileSync(
    join(dir, 'old_api.py'),
    [
      'import warnings',
      'def deprecated():',
      '    warnings.warn("deprecated() is deprecated", DeprecationWarning, stacklevel=2)',
      '    return "ran"',
      'def pending():',
      '    warnings.warn("pending() will be deprecated", PendingDeprecationWarning, stacklevel=2)',
      '    return "ran"',
      'def future():',
      '    warnings.warn("future() changes behaviour", FutureWarning, stacklevel=2)',
      '    return "ran"',
    ].join('\n'),
  );
});

afterAll(() => cleanup());

/** Run a Python snippet with lc's python/ and the temp dir on its path; stdout parsed as JSON. */
async function py(code: string, guard: boolean): Promise<{ out: Record<string, unknown>; stderr: string }> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PYTHONPATH: `${PYDIR}:${dir}` };
  if (guard) env.LC_DEPRECATIONS = 'error';
  else delete env.LC_DEPRECATIONS;
  const r = await execa(PY, ['-c', code], { env, cwd: dir, reject: false, timeout: 120_000, extendEnv: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>, stderr: r.stderr };
}

const CALLS = `
import asyncio, json, locale, lc_warnings
installed = lc_warnings.install()
import noisy_lib, old_api
def outcome(f):
    try:
        return f()
    except Warning as w:
        return type(w).__name__
async def call():
    return outcome(old_api.deprecated)
async def in_a_task():
    # as in a Dask worker: a task the event loop drives (plugin set-up), not called by lc's code
    return (await asyncio.gather(asyncio.sleep(0), call()))[1]
async def in_a_thread():
    # as in a Dask worker's thread pool, where lc's task functions run
    return await asyncio.get_running_loop().run_in_executor(None, outcome, old_api.deprecated)
print(json.dumps({
    "installed": installed,
    "deprecated": outcome(old_api.deprecated),
    "pending": outcome(old_api.pending),
    "future": outcome(old_api.future),
    "stdlib": outcome(locale.getdefaultlocale),
    "in_task": asyncio.run(in_a_task()),
    "in_thread": asyncio.run(in_a_thread()),
    "user_warning": outcome(lambda: __import__("warnings").warn("just a warning") or "ran"),
}))
`;

describe('the deprecation guard', () => {
  test('the suite runs every lc Python process with the guard on', () => {
    expect(process.env.LC_DEPRECATIONS).toBe('error');
  });

  test('LC_DEPRECATIONS=error: deprecated calls fail where they are made; import noise is only printed', async () => {
    const { out, stderr } = await py(CALLS, true);
    expect(out).toEqual({
      installed: true,
      deprecated: 'DeprecationWarning',
      pending: 'PendingDeprecationWarning',
      future: 'FutureWarning',
      stdlib: 'DeprecationWarning', // locale.getdefaultlocale: deprecated since Python 3.11
      in_task: 'DeprecationWarning',
      in_thread: 'DeprecationWarning',
      user_warning: 'ran', // other warnings are not the guard's business
    });
    expect(stderr).toContain('DeprecationWarning: old import'); // seen, not fatal
  });

  test('without LC_DEPRECATIONS nothing changes: the same calls run', async () => {
    const { out } = await py(CALLS, false);
    expect(out).toMatchObject({
      installed: false,
      deprecated: 'ran',
      pending: 'ran',
      future: 'ran',
      in_task: 'ran',
      in_thread: 'ran',
    });
  });

  test("lc's bridge and launcher turn the guard on when they start", async () => {
    const code = `
import json, sys, warnings, lc_warnings
import lc_dask_bridge
bridge = warnings.showwarning is lc_warnings._raise_unless_importing
import lc_dask_launch
try:
    lc_dask_launch.main(["worker", "--help"])
except SystemExit:
    pass
print(json.dumps({"bridge": bridge, "launcher": lc_warnings.installed()}))
`;
    expect((await py(code, true)).out).toEqual({ bridge: true, launcher: true });
  });
});

describe('worker plugins under the guard (a real scheduler and workers)', () => {
  test("lc's plugin starts a worker on this lane's Dask; a duck-typed copy fails wherever Dask checks", async () => {
    const code = `
import asyncio, json
import lc_warnings
lc_warnings.install()
import distributed
from distributed import Scheduler, Worker
from distributed.diagnostics.plugin import WorkerPlugin
from lc_worker_plugin import KillTasksOnClose

class DuckTyped:  # what lc had before: the same plugin without the base class
    name = "lc-kill-tasks-on-close"
    def teardown(self, worker):
        pass

async def start_worker(address, plugin):
    try:
        async with Worker(address, nthreads=1, dashboard=False, plugins=(plugin,)) as w:
            return "started" if plugin.name in w.plugins else "plugin missing"
    except Exception as e:
        cause = e.__cause__ or e.__context__ or e
        return f"refused: {type(cause).__name__}: {cause}"

async def main():
    async with Scheduler(host="127.0.0.1", port=0, dashboard=False, dashboard_address=None) as s:
        return {
            "version": distributed.__version__,
            "subclass": isinstance(KillTasksOnClose(), WorkerPlugin),
            "lc": await start_worker(s.address, KillTasksOnClose()),
            "duck": await start_worker(s.address, DuckTyped()),
        }
print(json.dumps(asyncio.run(main())))
`;
    const { out } = await py(code, true);
    expect(out.subclass).toBe(true);
    expect(out.lc).toBe('started');
    const [year, month] = String(out.version).split('.').map(Number) as [number, number];
    const checks = year > 2023 || (year === 2023 && month >= 9);
    if (checks)
      expect(out.duck).toMatch(/^refused: (DeprecationWarning: Registering duck-typed plugins|AssertionError)/);
    // Dask before 2023.9 (Debian 12's 2022.12) accepts anything: the Debian 13 lane proves the refusal
    else expect(out.duck).toBe('started');
  });
});
