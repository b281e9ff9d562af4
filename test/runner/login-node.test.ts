/** On a Perlmutter login node `lc run` refuses once, before planning, and records nothing. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, lc, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-login-')));
afterAll(() => cleanup());

const LOGIN = {
  NERSC_HOST: 'perlmutter',
  SLURM_JOB_ID: '',
  DASK_SCHEDULER_ADDRESS: '',
  LIGHTCONE_ALLOW_LOGIN_NODE: '',
};

describe('lc run on a login node', () => {
  it('refuses once with the allocation hint; no journal, no failure record, nothing run', async () => {
    const root = copyExample('line-fit', join(dir, 'refuse'));
    const scratch = join(dir, 'refuse-scratch');
    const r = await lc(['run', '--plain'], { cwd: root, env: { ...LOGIN, LIGHTCONE_SCRATCH: scratch } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.match(/login node/g)).toHaveLength(1);
    expect(r.stderr).toContain('salloc');
    expect(r.stderr).toContain('LIGHTCONE_ALLOW_LOGIN_NODE=1');
    const journals = join(scratch, '.lightcone');
    const written = existsSync(journals) ? readdirSync(journals, { recursive: true }).map(String) : [];
    expect(written.filter((f) => /runs\/|failures\/|logs\//.test(f))).toEqual([]);
    const st = await lc(['status', '--json'], { cwd: root, env: { LIGHTCONE_SCRATCH: scratch } });
    const states = (JSON.parse(st.stdout) as { tasks: { state: string }[] }).tasks.map((t) => t.state);
    expect(new Set(states)).toEqual(new Set(['missing']));
  });

  it('--dry-run still plans, and --executor local (this node, asked for) runs', async () => {
    const root = copyExample('line-fit', join(dir, 'allowed'));
    const env = { ...LOGIN, LIGHTCONE_SCRATCH: join(dir, 'allowed-scratch') };
    const dry = await lc(['run', '--dry-run'], { cwd: root, env });
    expect([dry.exitCode, dry.stdout]).toEqual([0, expect.stringContaining('Would run 14 tasks')]);
    expect((await lc(['run', '--plain', '--executor', 'local'], { cwd: root, env })).exitCode).toBe(0);
  });
});
