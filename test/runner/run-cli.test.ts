/**
 * `lc run` end to end with real processes: the bundled example, plan/dry-run, failures and
 * blocked tasks, --keep-going, execution groups, --json and the journal.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { acquireRunLock } from '../../engine/lock/run-lock.js';
import { projectHash, scratchPaths } from '../../engine/scratch/paths.js';
import { tempDir } from '../helpers/lc.js';
import { freshExample, hasManifest, readManifestJson, runLc, statusJson, sweepProject } from './helpers.js';

let dir: string;
let cleanup: () => void;
let scratch: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-run-'));
  scratch = join(dir, 'scratch');
});
afterEach(() => cleanup());

describe('lc run on examples/line-fit', () => {
  test('runs every task, computes `cleaned` once per outlier cut, then has nothing to do', async () => {
    const root = freshExample('line-fit', dir);
    const r = await runLc(['run', '--plain'], root, scratch);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) plan {3}16 to run \(2 by deduplication\), 0 up to date, executor local$/m,
    );
    expect(r.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) start {2}baseline\/fit {2}\[local cpus=1 mem=100MB\]$/m,
    );
    expect(r.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) ok {5}raw-median\/cleaned {2}\d+\.\ds {2}linked from baseline\/cleaned {2}\d+\/16$/m,
    );
    expect(r.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) done {3}16 ok \(2 linked\) {2}wall .* cpu .*$/m,
    );
    for (const u of ['baseline', 'clipped-ols', 'raw-median', 'robust']) {
      for (const o of ['cleaned', 'fit', 'residuals', 'summary']) expect(hasManifest(root, u, o)).toBe(true);
    }
    expect(readFileSync(join(root, 'results/robust/summary/summary.md'), 'utf8')).toContain('RMS residual');
    // The dedup member holds the leader's very file (hardlink) and a manifest naming it.
    const ino = (u: string) => statSync(join(root, 'results', u, 'cleaned', 'points.csv')).ino;
    expect(ino('raw-median')).toBe(ino('baseline'));
    expect(ino('robust')).toBe(ino('clipped-ols'));
    expect(ino('baseline')).not.toBe(ino('clipped-ols'));
    expect(readManifestJson(root, 'robust', 'cleaned').deduplicated_from).toBe('clipped-ols/cleaned');

    const again = await runLc(['run', '--plain'], root, scratch);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/plan {3}nothing to run, 16 up to date/);
    expect(again.stdout).not.toMatch(/start/);
    const st = await statusJson(root, scratch);
    expect([...st.values()].every((t) => t.state === 'ok')).toBe(true);
  });

  test('a run with nothing to do takes no lock; one with work is refused while another holds it', async () => {
    const root = freshExample('line-fit', dir);
    expect((await runLc(['run', '--plain'], root, scratch)).exitCode).toBe(0);
    const lock = await acquireRunLock(scratchPaths(root, { LIGHTCONE_SCRATCH: scratch }), { projectRoot: root });
    try {
      const noop = await runLc(['run', '--plain'], root, scratch);
      expect([noop.exitCode, noop.stderr]).toEqual([0, '']);
      expect(noop.stdout).toMatch(/plan {3}nothing to run, 16 up to date/);
      const forced = await runLc(['run', '--plain', '--force', 'summary'], root, scratch);
      expect(forced.exitCode).toBe(1);
      expect(forced.stderr).toMatch(new RegExp(`already being run: lc run pid ${process.pid} on `));
      expect(forced.stdout).not.toMatch(/start/);
    } finally {
      await lock.release();
    }
  });

  test('--dry-run prints each task with its reasons and runs nothing', async () => {
    const root = freshExample('line-fit', dir);
    const fresh = await runLc(['run', '--dry-run'], root, scratch);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stdout).toContain(
      'Would run 14 tasks and link 2 from their execution group (executor local); 0 up to date.',
    );
    expect(fresh.stdout).toMatch(/missing +robust\/cleaned .*link outputs of clipped-ols\/cleaned/);
    expect(existsSync(join(root, 'results'))).toBe(false);

    expect((await runLc(['run'], root, scratch)).exitCode).toBe(0);
    appendFileSync(join(root, 'scripts/fit.sh'), '# tweak\n');
    const stale = await runLc(['run', '-n', 'fit'], root, scratch);
    expect(stale.exitCode).toBe(0);
    expect(stale.stdout).toContain('Would run 4 tasks');
    expect(stale.stdout).toMatch(/stale +baseline\/fit +.*scripts\/fit\.sh/);
    // Targets limit the plan to `fit` and its upstream: residuals/summary are not listed.
    expect(stale.stdout).not.toContain('residuals');
    const json = await runLc(['run', '--dry-run', '--json'], root, scratch);
    const plan = JSON.parse(json.stdout) as { type: string; dry_run: boolean; tasks: { id: string; state: string }[] };
    expect(plan).toMatchObject({ schema: 1, type: 'plan_ready', dry_run: true });
    expect(plan.tasks.map((t) => t.id).sort()).toEqual(
      ['baseline', 'clipped-ols', 'raw-median', 'robust']
        .flatMap((u) => [`${u}/fit`, `${u}/residuals`, `${u}/summary`])
        .sort(),
    );
  });

  test('--force reruns targets that are ok; one universe with -u', async () => {
    const root = freshExample('line-fit', dir);
    expect((await runLc(['run'], root, scratch)).exitCode).toBe(0);
    const before = readManifestJson(root, 'baseline', 'fit').finished_at as number;
    const r = await runLc(['run', '--force', '-u', 'baseline', 'fit'], root, scratch);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/plan {3}1 to run, 1 up to date/);
    expect(readManifestJson(root, 'baseline', 'fit').finished_at as number).toBeGreaterThan(before);
  });

  test('-v shows the recipes’ output; -q only what needs attention and the end', async () => {
    const root = freshExample('line-fit', dir);
    const v = await runLc(['run', '-v', '-u', 'baseline'], root, scratch);
    expect(v.exitCode).toBe(0);
    expect(v.stdout).toMatch(
      / out {4}baseline\/fit {2}\{"estimator": "ols", "n": 11, "slope": -0\.0973, "intercept": 12\.1682\}$/m,
    );
    const q = await runLc(['run', '-q', '--force', '-u', 'robust'], root, scratch);
    expect(q.exitCode).toBe(0);
    expect(q.stdout.trim().split('\n')).toEqual([expect.stringMatching(/ done {3}4 ok {2}wall .* cpu /)]);
    expect((await runLc(['run', '-q', '-v'], root, scratch)).exitCode).toBe(2);
  });
});

/** universe `bad` fails `first` (after printing a few lines); `second` needs `first`; `solo` needs nothing. */
function failingProject(root: string): string {
  return sweepProject(
    root,
    ['bad', 'good'],
    `  - id: first
    type: data
    decisions: [u]
    recipe:
      command: "echo line one; echo line two >&2; test {decisions.u} != bad || exit 2; echo ok > {output}/f.txt"
  - id: second
    type: data
    inputs: [first]
    recipe:
      command: "cat {inputs.first}/f.txt > {output}/s.txt"
  - id: solo
    type: data
    decisions: [u]
    recipe:
      command: "echo {decisions.u} > {output}/x.txt"
`,
  );
}

describe('failures', () => {
  test('a failure blocks its dependents, stops new work, keeps no manifest, and exits 1', async () => {
    const root = failingProject(dir + '/p');
    const r = await runLc(['run', '-j1', '--plain'], root, scratch);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL {3}bad\/first {2}exit 2 {2}1\/6 {2}log: .*\/logs\/[0-9a-f]{12}\/bad\/first\.1\.log$/m,
    );
    expect(r.stdout).toMatch(/^ {4}line one$/m);
    expect(r.stdout).toMatch(/^ {4}line two$/m);
    expect(r.stdout).toMatch(/block {2}bad\/second {2}\(bad\/first failed\)/);
    expect(r.stdout).toContain('stop   a task failed');
    expect(r.stdout).toMatch(/^failed:\n {2}bad\/first {2}exit 2 {2}log: \S+ {2}\(1 blocked\)$/m);
    expect(hasManifest(root, 'bad', 'first')).toBe(false);
    // Without --keep-going nothing new started after the failure.
    expect(r.stdout).not.toMatch(/start {2}(good|bad)\/solo/);
    const st = await statusJson(root, scratch);
    expect(st.get('bad/first')?.state).toBe('failed');
    expect(st.get('bad/second')?.state).toBe('missing');
  });

  test('the epilog groups failures that end alike, but for numbers and the universe', async () => {
    const root = sweepProject(
      join(dir, 'causes'),
      ['u1', 'u22', 'u333', 'odd'],
      `  - id: fit
    type: data
    decisions: [u]
    recipe:
      command: 'test {decisions.u} = odd && {{ echo boom >&2; exit 2; }}; echo fitting; echo median: not enough points in {decisions.u} \\($(printf {decisions.u} | wc -c) \\< 5\\) >&2; exit 1'
`,
    );
    const r = await runLc(['run', '--keep-going'], root, scratch);
    expect(r.exitCode).toBe(1);
    const tail = r.stdout.slice(r.stdout.indexOf('failed, by cause:'));
    expect(tail.split('\n').slice(0, 5)).toEqual([
      'failed, by cause:',
      expect.stringMatching(/^ {2}3 tasks: median: not enough points in u1 \(2 < 5\)$/),
      '    u1/fit, u22/fit, u333/fit',
      '  1 task: boom',
      '    odd/fit',
    ]);
  });

  test('--keep-going runs everything that does not depend on the failure', async () => {
    const root = failingProject(dir + '/p');
    const r = await runLc(['run', '-j1', '--keep-going', '--plain'], root, scratch);
    expect(r.exitCode).toBe(1);
    for (const id of ['good/first', 'good/second', 'good/solo', 'bad/solo'])
      expect(r.stdout).toMatch(new RegExp(`ok {5}${id}`));
    expect(r.stdout).toMatch(/done {3}4 ok, 1 failed, 1 blocked/);
    expect(hasManifest(root, 'good', 'second')).toBe(true);
    // Fix the recipe's cause and the next run does only what is left.
    const spec = readFileSync(join(root, 'astra.yaml'), 'utf8').replace('|| exit 2', '|| true');
    writeFileSync(join(root, 'astra.yaml'), spec);
    const again = await runLc(['run', '--plain'], root, scratch);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/plan {3}4 to run/); // bad/first, bad/second + good/first, good/second (recipe changed)
  });

  test('unknown targets and bad flags are clear errors', async () => {
    const root = failingProject(dir + '/p');
    const unknown = await runLc(['run', 'frist'], root, scratch);
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain('first');
    const badJ = await runLc(['run', '-j', '0'], root, scratch);
    expect(badJ.exitCode).toBe(2);
    expect(badJ.stderr).toContain('-j/--jobs');
    const badEx = await runLc(['run', '--executor', 'slurm'], root, scratch);
    expect(badEx.exitCode).toBe(2);
  });
});

describe('execution groups', () => {
  test('100 universes, an expensive output on one 2-option decision: it runs 2 times, not 100', async () => {
    const U = 100;
    const universes = Array.from({ length: U }, (_, i) => `u${i}`);
    const root = sweepProject(
      dir + '/p',
      universes,
      `  - id: prep
    type: data
    decisions: [cut]
    recipe:
      command: "sleep 0.3 && echo {decisions.cut} > {output}/prep.txt && echo {decisions.cut} >> .prep-runs"
  - id: fit
    type: data
    inputs: [prep]
    decisions: [u]
    recipe:
      command: "cat {inputs.prep}/prep.txt > {output}/fit.txt && echo {decisions.u} >> {output}/fit.txt"
`,
      {
        decisions: '  cut:\n    label: Cut\n    options:\n      loose: {label: loose}\n      tight: {label: tight}\n',
        choose: (_u, i) => `  cut: ${i % 2 ? 'tight' : 'loose'}\n`,
      },
    );
    const r = await runLc(['run', '-j2', '--plain'], root, scratch);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(root, '.prep-runs'), 'utf8').trim().split('\n').sort()).toEqual(['loose', 'tight']);
    expect(r.stdout.match(/linked from u[01]\/prep/g)).toHaveLength(98);
    expect(r.stdout).toMatch(/done {3}200 ok \(98 linked\)/);
    expect(readFileSync(join(root, 'results/u57/fit/fit.txt'), 'utf8')).toBe('tight\nu57\n');
    expect(readManifestJson(root, 'u42', 'prep').deduplicated_from).toBe('u0/prep');
  });
});

describe('--json and the run journal', () => {
  test('--json prints every event as a JSON line, and the journal holds the same events', async () => {
    const root = freshExample('line-fit', dir);
    const r = await runLc(['run', '--json'], root, scratch);
    expect(r.exitCode).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id?: string });
    expect(events[0]?.type).toBe('plan_ready');
    expect(events.at(-1)?.type).toBe('run_finished');
    expect(events.filter((e) => e.type === 'task_succeeded')).toHaveLength(16);
    expect(events.some((e) => e.type === 'task_output' && e.id === 'baseline/cleaned')).toBe(true);

    const runs = join(scratch, '.lightcone', 'runs', projectHash(root));
    const files = readdirSync(runs);
    expect(files).toHaveLength(1);
    const lines = readFileSync(join(runs, files[0] as string), 'utf8')
      .trim()
      .split('\n');
    const header = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(header).toMatchObject({ format: 'lightcone-run-journal', schema_version: 1, project_root: root });
    expect(lines.slice(1).map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(events.map((e) => e.type));
  });
});
