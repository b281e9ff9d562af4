/**
 * `lc run` placing tasks: -j and declared resources are never oversubscribed (proven from the
 * timestamps tasks wrote into their own logs), time limits kill, impossible requests fail at
 * once, and the plain renderer prints progress lines.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/lc.js';
import { logInterval, peakOverlap, runLc, statusJson, sweepProject, taskLog } from './helpers.js';

let dir: string;
let cleanup: () => void;
let scratch: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-res-'));
  scratch = join(dir, 'scratch');
});
afterEach(() => cleanup());

const U6 = ['a', 'b', 'c', 'd', 'e', 'f'];
/** One output per universe that logs `start <ms>` / `end <ms>` around a sleep. */
const timedOutput = (resources: string) => `  - id: work
    type: data
    decisions: [u]
    recipe:
      command: "echo start $(date +%s%3N); sleep 0.4; echo end $(date +%s%3N); echo {decisions.u} > {output}/x.txt"
      resources: ${resources}
`;

describe('placement', () => {
  test('-j2: at most two tasks at once, and they do overlap', async () => {
    const root = sweepProject(join(dir, 'p'), U6, timedOutput('{cpus: 1}'));
    const r = await runLc(['run', '-j2', '--plain'], root, scratch, { SLURM_CPUS_ON_NODE: '8' });
    expect(r.exitCode).toBe(0);
    const spans = U6.map((u) => ({ span: logInterval(taskLog(scratch, root, u, 'work')) }));
    expect(peakOverlap(spans)).toBe(2);
  });

  test('declared cpus are bin-packed against the node: 2-cpu tasks on 3 cpus never run two at once', async () => {
    const root = sweepProject(join(dir, 'p'), U6, timedOutput('{cpus: 2}'));
    const r = await runLc(['run', '--plain'], root, scratch, { SLURM_CPUS_ON_NODE: '3' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/start {2}a\/work {2}\[local cpus=2\]/);
    const spans = U6.map((u) => ({ span: logInterval(taskLog(scratch, root, u, 'work')) }));
    expect(peakOverlap(spans)).toBe(1);
  });

  test('memory too: two 600 MB tasks on a 1000 MB allocation run one after the other', async () => {
    const root = sweepProject(join(dir, 'p'), ['a', 'b'], timedOutput('{cpus: 1, memory: 600MB}'));
    const r = await runLc(['run', '--plain'], root, scratch, { SLURM_CPUS_ON_NODE: '4', SLURM_MEM_PER_NODE: '1000' });
    expect(r.exitCode).toBe(0);
    const spans = ['a', 'b'].map((u) => ({ span: logInterval(taskLog(scratch, root, u, 'work')) }));
    expect(peakOverlap(spans)).toBe(1);
  });

  test('a task that can never fit: the run is refused before it starts, with the request, the capacity and the recipe', async () => {
    const root = sweepProject(join(dir, 'p'), ['a'], timedOutput('{cpus: 64}'));
    const t0 = Date.now();
    const r = await runLc(['run', '--plain'], root, scratch, { SLURM_CPUS_ON_NODE: '2' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /astra\.yaml:\d+:\d+ DOES_NOT_FIT work asks for cpus=64, more than any node of this machine has \(\S+: cpus=2 memory=[^)]+ gpus=\d+\): task a\/work would fail$/m,
    );
    expect(r.stderr).toContain('nothing was started [PREFLIGHT]');
    expect((await statusJson(root, scratch)).get('a/work')?.state).toBe('missing');
  });

  test('time_limit: the task is killed and reported as a time limit, and status shows it failed', async () => {
    const root = sweepProject(
      join(dir, 'p'),
      ['a'],
      `  - id: work
    type: data
    recipe:
      command: "echo begun; sleep 30; echo never > {output}/x.txt"
      resources: {time_limit: 1s}
`,
    );
    const t0 = Date.now();
    const r = await runLc(['run', '--plain'], root, scratch);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAIL {3}a\/work {2}time limit {2}1\/1 {2}log: \S+/);
    expect(r.stdout).toMatch(/^ {4}begun$/m);
    expect(r.stdout).toMatch(/^ {4}lc: time limit of 1s reached$/m);
    const st = await statusJson(root, scratch);
    expect(st.get('a/work')?.state).toBe('failed');
  });

  test('a progress line at the configured interval (30 s by default)', async () => {
    const root = sweepProject(
      join(dir, 'p'),
      ['a', 'b'],
      `  - id: work
    type: data
    decisions: [u]
    recipe:
      command: "sleep 1.5; echo {decisions.u} > {output}/x.txt"
`,
    );
    const r = await runLc(['run', '-j1', '--plain'], root, scratch, { LIGHTCONE_PROGRESS_INTERVAL_S: '1' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) progress done [01]\/2 {2}running 1 {2}pending [01] {2}failed 0 {2}elapsed \d\.\ds {2}ETA \S+$/m);
  });
});
