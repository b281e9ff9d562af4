/** Planning from statuses: what runs, what is linked from its execution group, what is forced. */
import { describe, expect, test } from 'vitest';
import type { Task } from '../../engine/dag/task.js';
import { planFromStatus } from '../../engine/runner/plan.js';
import type { TaskState, TaskStatus } from '../../engine/status/types.js';

function task(universe: string, output: string, key: string, group: string, deps: string[] = []): Task {
  return {
    id: `${universe}/${output}`,
    universe,
    output,
    type: 'data',
    key,
    group,
    deps,
    command: 'true',
    template: 'true',
    outdir: `results/${universe}/${output}`,
    resources: { cpus: 1, gpus: 0 },
    decisions: {},
    inputs: [],
  };
}

function status(t: Task, state: TaskState): TaskStatus {
  return {
    id: t.id,
    universe: t.universe,
    output: t.output,
    state,
    reasons: state === 'stale' ? [{ kind: 'recipe', detail: 'recipe changed' }] : [],
    key: t.key,
    dataVersion: null,
    finishedAt: null,
    durationS: null,
    host: null,
  };
}

// Three universes; `cleaned` has the same key in a and b (same option), another in c.
const tasks = [
  task('a', 'cleaned', 'k1', 'a/cleaned'),
  task('b', 'cleaned', 'k1', 'a/cleaned'),
  task('c', 'cleaned', 'k2', 'c/cleaned'),
  task('a', 'fit', 'f-a', 'a/fit', ['a/cleaned']),
  task('b', 'fit', 'f-b', 'b/fit', ['b/cleaned']),
  task('c', 'fit', 'f-c', 'c/fit', ['c/cleaned']),
];
const all = new Set(tasks.map((t) => t.id));
const statuses = (states: Record<string, TaskState>) => new Map(tasks.map((t) => [t.id, status(t, states[t.id] ?? 'missing')]));

describe('planFromStatus', () => {
  test('everything missing: one member per group runs, the others are linked from it', () => {
    const plan = planFromStatus(tasks, statuses({}), all, false);
    expect(plan.runs.map((r) => r.task.id)).toEqual(tasks.map((t) => t.id));
    const b = plan.runs.find((r) => r.task.id === 'b/cleaned');
    expect(b?.dedupFrom).toBe('a/cleaned');
    expect(b?.sourceReady).toBeFalsy();
    expect(plan.runs.find((r) => r.task.id === 'a/cleaned')?.dedupFrom).toBeUndefined();
    expect(plan.runs.find((r) => r.task.id === 'c/cleaned')?.dedupFrom).toBeUndefined();
    expect(plan.upToDate).toBe(0);
  });

  test('ok tasks are not run; a missing member of an ok group is linked from the ok one', () => {
    const plan = planFromStatus(tasks, statuses({ 'a/cleaned': 'ok', 'c/cleaned': 'ok', 'a/fit': 'ok', 'c/fit': 'ok' }), all, false);
    expect(plan.runs.map((r) => r.task.id)).toEqual(['b/cleaned', 'b/fit']);
    expect(plan.runs[0]).toMatchObject({ dedupFrom: 'a/cleaned', sourceReady: true });
    expect(plan.upToDate).toBe(4);
  });

  test('--force reruns ok targets, and a forced group runs its leader again instead of linking', () => {
    const states = Object.fromEntries(tasks.map((t) => [t.id, 'ok' as TaskState]));
    const plan = planFromStatus(tasks, statuses(states), new Set(['a/cleaned', 'b/cleaned']), true);
    expect(plan.runs.map((r) => [r.task.id, r.forced, r.dedupFrom])).toEqual([
      ['a/cleaned', true, undefined],
      ['b/cleaned', true, 'a/cleaned'],
    ]);
  });

  test('the DAG-designated leader runs when it is in the run, else the first member', () => {
    const plan = planFromStatus(tasks, statuses({ 'a/cleaned': 'failed' }), all, false);
    expect(plan.runs.find((r) => r.task.id === 'b/cleaned')?.dedupFrom).toBe('a/cleaned');
    const onlyB = planFromStatus(tasks.filter((t) => t.universe !== 'a'), statuses({}), all, false);
    expect(onlyB.runs.find((r) => r.task.id === 'b/cleaned')?.dedupFrom).toBeUndefined();
  });

  test('stale reasons are carried into the plan', () => {
    const plan = planFromStatus(tasks, statuses({ 'a/fit': 'stale' }), all, false);
    expect(plan.runs.find((r) => r.task.id === 'a/fit')?.status.reasons[0]?.detail).toBe('recipe changed');
  });
});
