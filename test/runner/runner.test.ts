/**
 * runTasks with a scripted Executor: the runner's own decisions, without processes. A task
 * `fails`, `holds` (runs until cancelled) or succeeds (writes its output) as the test says; the
 * project, its scratch, logs, manifests, failure records and journal are real files.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LcError } from '../../engine/errors.js';
import type { RunEvent } from '../../engine/events.js';
import type { ExecRequest, ExecResult, Executor } from '../../engine/executors/executor.js';
import { createRunControl } from '../../engine/runner/control.js';
import { runTasks } from '../../engine/runner/run.js';
import { computeStatus } from '../../engine/status/index.js';
import { openFullProject } from '../../src/project-context.js';
import { tempDir } from '../helpers/lc.js';
import { MANIFEST, sweepProject } from './helpers.js';

/** What a task does, by task id (`x/a`) or, for every universe, by output (`a`). */
type Script = Record<string, 'ok' | 'fail' | 'hold'>;

let dir: string;
let cleanup: () => void;
const savedScratch = process.env.LIGHTCONE_SCRATCH;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-runner-'));
  process.env.LIGHTCONE_SCRATCH = join(dir, 'scratch');
});
afterAll(() => {
  if (savedScratch === undefined) delete process.env.LIGHTCONE_SCRATCH;
  else process.env.LIGHTCONE_SCRATCH = savedScratch;
  cleanup();
});

/** a -> b, and c on its own, in one universe `x`. */
async function project(name: string) {
  const root = sweepProject(
    join(dir, name),
    ['x'],
    `  - id: a
    type: data
    decisions: [u]
    recipe: {command: "true {decisions.u}"}
  - id: b
    type: data
    inputs: [a]
    recipe: {command: "true"}
  - id: c
    type: data
    decisions: [u]
    recipe: {command: "true {decisions.u}"}
`,
  );
  return openFullProject({ cwd: root, color: false });
}

function scriptedExecutor(script: Script) {
  const held = new Map<string, () => void>();
  const submitted: string[] = [];
  const cancelled: string[] = [];
  let onHold: (id: string) => void = () => undefined;
  const executor: Executor = {
    name: 'local',
    callsPrepare: true,
    capacity: async () => [{ host: 'fake', cpus: 8, memoryBytes: 1e10, gpus: 0 }],
    async submit(req: ExecRequest): Promise<ExecResult> {
      submitted.push(req.id);
      await req.prepare?.();
      const startedAt = Date.now();
      req.onStart?.({ host: 'fake', startedAt });
      const end = (reason: ExecResult['reason'], exitCode: number | null): ExecResult => ({
        id: req.id,
        host: 'fake',
        startedAt,
        finishedAt: Date.now(),
        exitCode,
        signal: null,
        reason,
      });
      const what = script[req.id] ?? script[req.env.LIGHTCONE_OUTPUT as string] ?? 'ok';
      if (what === 'fail') return end('exit', 1);
      if (what === 'hold') {
        return new Promise((resolve) => {
          held.set(req.id, () => resolve(end('cancelled', null)));
          onHold(req.id);
        });
      }
      const out = req.env.LIGHTCONE_OUTDIR as string;
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'out.txt'), req.id);
      return end('exit', 0);
    },
    cancel(id) {
      cancelled.push(id);
      held.get(id)?.();
    },
    utilisation: async () => [],
    close: async () => undefined,
  };
  return { executor, submitted, cancelled, whenHeld: (cb: (id: string) => void) => (onHold = cb) };
}

const manifestOf = (root: string, id: string) => join(root, 'results', ...id.split('/'), MANIFEST);
const dedupSource = (root: string, id: string) =>
  (JSON.parse(readFileSync(manifestOf(root, id), 'utf8')) as { deduplicated_from: string | null }).deduplicated_from;

/** p -> a in universes x and y; neither reads a decision, so x/p = y/p and x/a = y/a (groups). */
async function groupedProject(name: string) {
  const root = sweepProject(
    join(dir, name),
    ['x', 'y'],
    `  - id: p
    type: data
    recipe: {command: "true"}
  - id: a
    type: data
    inputs: [p]
    recipe: {command: "true"}
`,
  );
  return openFullProject({ cwd: root, color: false });
}

describe('runTasks with a scripted executor', () => {
  it('a failure blocks its dependents; --keep-going runs the rest; failures are recorded', async () => {
    const ctx = await project('keep-going');
    const { executor } = scriptedExecutor({ a: 'fail' });
    const events: RunEvent[] = [];
    const s = await runTasks({ ctx, executor, keepGoing: true }, (e) => events.push(e));
    expect(s).toMatchObject({ succeeded: 1, failed: 1, blocked: 1, skipped: 0, cancelled: 0 });
    expect(s.failures.map((f) => [f.id, f.reason])).toEqual([['x/a', 'exit']]);
    expect(events.find((e) => e.type === 'task_blocked')).toMatchObject({ id: 'x/b', blockedBy: 'x/a' });
    expect(existsSync(manifestOf(ctx.root, 'x/c'))).toBe(true);
    expect(existsSync(manifestOf(ctx.root, 'x/a'))).toBe(false);
    const st = await computeStatus(ctx, ctx.dag.tasks);
    expect(Object.fromEntries(st.map((t) => [t.id, t.state]))).toMatchObject({ 'x/a': 'failed', 'x/c': 'ok' });
  });

  it('cancel while a task runs: it is cancelled (no manifest), what had not started is not run', async () => {
    const ctx = await project('cancel');
    const { executor, cancelled, whenHeld } = scriptedExecutor({ a: 'hold', c: 'hold' });
    const control = createRunControl();
    let holding = 0;
    whenHeld(() => {
      if (++holding === 2) control.cancel({ reason: 'user' });
    });
    const events: RunEvent[] = [];
    const s = await runTasks({ ctx, executor, control }, (e) => events.push(e));
    expect(s).toMatchObject({ succeeded: 0, failed: 0, cancelled: 2, skipped: 1, interrupted: true });
    expect(cancelled.sort()).toEqual(['x/a', 'x/c']);
    expect(events.find((e) => e.type === 'task_skipped')).toMatchObject({ id: 'x/b', reason: 'cancelled' });
    for (const id of ['x/a', 'x/b', 'x/c']) expect(existsSync(manifestOf(ctx.root, id))).toBe(false);
  });

  it('cancelled before anything was submitted: nothing starts, everything is skipped', async () => {
    const ctx = await project('cancel-early');
    const { executor, submitted } = scriptedExecutor({});
    const control = createRunControl();
    control.cancel({ reason: 'user' });
    const s = await runTasks({ ctx, executor, control }, () => undefined);
    expect(submitted).toEqual([]);
    expect(s).toMatchObject({ succeeded: 0, skipped: 3 });
  });

  it('an executor that cannot be made: one error, no task failed, nothing recorded', async () => {
    const ctx = await project('no-executor');
    const events: RunEvent[] = [];
    const create = () => Promise.reject(new LcError('SCHEDULER_START', 'the Dask scheduler did not start'));
    const run = runTasks({ ctx, executor: { name: 'dask', create } }, (e) => events.push(e));
    await expect(run).rejects.toMatchObject({
      code: 'SCHEDULER_START',
      message: expect.stringContaining('3 tasks not started'),
    });
    expect(events.some((e) => e.type === 'task_failed' || e.type === 'task_started')).toBe(false);
    const st = await computeStatus(ctx, ctx.dag.tasks);
    expect(st.map((t) => t.state)).toEqual(['missing', 'missing', 'missing']);
  });

  it("a group runs once: its followers take the leader's files by hardlink, with manifests naming it", async () => {
    const ctx = await groupedProject('dedup');
    const { executor, submitted } = scriptedExecutor({});
    const s = await runTasks({ ctx, executor }, () => undefined);
    expect(submitted.sort()).toEqual(['x/a', 'x/p']);
    expect(s).toMatchObject({ succeeded: 4, deduplicated: 2, failed: 0 });
    const out = (id: string) => statSync(join(ctx.root, 'results', ...id.split('/'), 'out.txt'));
    expect(out('y/a').ino).toBe(out('x/a').ino);
    expect([dedupSource(ctx.root, 'y/p'), dedupSource(ctx.root, 'y/a'), dedupSource(ctx.root, 'x/a')]).toEqual([
      'x/p',
      'x/a',
      null,
    ]);
  });

  it('a leader whose own command failed blocks its followers: the same computation would fail', async () => {
    const ctx = await groupedProject('dedup-fail');
    const { executor, submitted } = scriptedExecutor({ 'x/p': 'fail' });
    const events: RunEvent[] = [];
    const s = await runTasks({ ctx, executor, keepGoing: true }, (e) => events.push(e));
    expect(submitted).toEqual(['x/p']);
    expect(s).toMatchObject({ succeeded: 0, failed: 1, blocked: 3 });
    const blocked = events.filter((e) => e.type === 'task_blocked').map((e) => [e.id, e.blockedBy]);
    expect(blocked.sort()).toEqual([
      ['x/a', 'x/p'],
      ['y/a', 'x/p'],
      ['y/p', 'x/p'],
    ]);
  });

  it('a leader blocked upstream hands the lead to a follower, which then runs itself', async () => {
    const ctx = await groupedProject('dedup-promote');
    await runTasks({ ctx, executor: scriptedExecutor({}).executor }, () => undefined);
    // x/p must now take y/p's files, and cannot: a file stands where its universe's dir goes.
    rmSync(join(ctx.root, 'results', 'x'), { recursive: true });
    writeFileSync(join(ctx.root, 'results', 'x'), 'in the way');
    const { executor, submitted } = scriptedExecutor({});
    const targets = ['x/a', 'y/a'].map((id) => ctx.dag.byId.get(id)!);
    const events: RunEvent[] = [];
    const s = await runTasks({ ctx, executor, targets, force: true, keepGoing: true }, (e) => events.push(e));
    expect(s.plan.find((t) => t.id === 'y/a')).toMatchObject({ dedupFrom: 'x/a' });
    expect(s.failures.map((f) => [f.id, f.reason])).toEqual([['x/p', 'dedup_error']]);
    expect(events.find((e) => e.type === 'task_blocked')).toMatchObject({ id: 'x/a', blockedBy: 'x/p' });
    expect(submitted).toEqual(['y/a']);
    expect(s).toMatchObject({ succeeded: 1, deduplicated: 0, failed: 1, blocked: 1 });
    expect(dedupSource(ctx.root, 'y/a')).toBeNull();
  });

  it('a leader cancelled with the run: its followers are skipped, not blocked, and nothing is recorded', async () => {
    const ctx = await groupedProject('dedup-cancel');
    const { executor, whenHeld } = scriptedExecutor({ 'x/p': 'hold' });
    const control = createRunControl();
    whenHeld(() => control.cancel({ reason: 'user' }));
    const events: RunEvent[] = [];
    const s = await runTasks({ ctx, executor, control }, (e) => events.push(e));
    expect(s).toMatchObject({ cancelled: 1, blocked: 0, skipped: 3, deduplicated: 0 });
    expect(events.some((e) => e.type === 'task_blocked')).toBe(false);
    for (const id of ['x/p', 'y/p', 'x/a', 'y/a']) expect(existsSync(manifestOf(ctx.root, id))).toBe(false);
  });
});
