/**
 * The run graph (engine/runner/graph.ts) on its own: waits, release, blocking downstream of a
 * failure, a deduplicated group losing its leader (blocked with it, or one follower promoted),
 * the counts, and the sweep when a run stops.
 */
import { describe, expect, it } from 'vitest';
import type { Task } from '../../engine/dag/task.js';
import { RunGraph, type RunNode } from '../../engine/runner/graph.js';
import type { PlannedRun } from '../../engine/runner/plan.js';

/** A planned run of a task `id` needing `deps`; `from` makes it a follower of that leader. */
function planned(id: string, deps: string[] = [], from?: string, sourceReady = false): PlannedRun {
  const task = { id, deps } as unknown as Task;
  return {
    task,
    status: { id, state: 'missing', reasons: [] } as unknown as PlannedRun['status'],
    forced: false,
    ...(from !== undefined ? { dedupFrom: from } : {}),
    ...(sourceReady ? { sourceReady } : {}),
  };
}

function graphOf(runs: PlannedRun[]) {
  const dispatched: string[] = [];
  const blocked: string[] = [];
  const g = new RunGraph(runs, {
    dispatch: (n) => dispatched.push(n.task.id),
    blocked: (n, by) => blocked.push(`${n.task.id}<-${by}`),
  });
  const node = (id: string) => g.nodes.get(id) as RunNode;
  /** What the runner does with a node it starts. */
  const start = (id: string) => (node(id).state = 'active');
  return { g, node, start, dispatched, blocked };
}

describe('run graph', () => {
  it('starts at the roots and releases a node once its last upstream succeeded', () => {
    const { g, node, start, dispatched } = graphOf([planned('a'), planned('b'), planned('c', ['a', 'b'])]);
    expect(g.roots().map((n) => n.task.id)).toEqual(['a', 'b']);
    start('a');
    g.settle(node('a'), 'succeeded');
    g.release(node('a'));
    expect(dispatched).toEqual([]); // c still waits for b
    start('b');
    g.settle(node('b'), 'succeeded');
    g.release(node('b'));
    expect(dispatched).toEqual(['c']);
    expect(g.counts).toMatchObject({ succeeded: 2 });
    expect(g.open).toBe(1);
  });

  it('an upstream outside the plan (already ok) is not waited for', () => {
    const { g } = graphOf([planned('b', ['a'])]);
    expect(g.roots().map((n) => n.task.id)).toEqual(['b']);
  });

  it('a failure blocks everything downstream, however long the chain, naming the failed task', () => {
    const runs = [planned('t0')];
    for (let i = 1; i <= 2000; i++) runs.push(planned(`t${i}`, [`t${i - 1}`]));
    const { g, node, start, blocked } = graphOf(runs);
    start('t0');
    g.settle(node('t0'), 'failed');
    g.blockFrom(node('t0'), 't0');
    expect(blocked).toHaveLength(2000);
    expect(blocked[0]).toBe('t1<-t0');
    expect(g.counts).toMatchObject({ failed: 1, blocked: 2000 });
    expect(g.open).toBe(0);
  });

  it('followers wait for their leader; an ok source needs no wait', () => {
    const { g, node, start, dispatched } = graphOf([
      planned('L'),
      planned('F1', [], 'L'),
      planned('F2', [], 'S', true),
    ]);
    expect(g.roots().map((n) => n.task.id)).toEqual(['L', 'F2']);
    start('L');
    g.settle(node('L'), 'succeeded');
    g.release(node('L'));
    expect(dispatched).toEqual(['F1']);
  });

  it('a leader whose own command failed blocks its followers: the same computation would fail', () => {
    const { g, node, start, blocked, dispatched } = graphOf([
      planned('L'),
      planned('F1', [], 'L'),
      planned('F2', [], 'L'),
    ]);
    start('L');
    g.settle(node('L'), 'failed');
    g.blockFrom(node('L'), 'L');
    expect(blocked.sort()).toEqual(['F1<-L', 'F2<-L']);
    expect(dispatched).toEqual([]);
  });

  it('a leader blocked by its upstream hands the lead to its first follower, who leads the rest', () => {
    const { g, node, start, blocked, dispatched } = graphOf([
      planned('up'),
      planned('L', ['up']),
      planned('F1', [], 'L'),
      planned('F2', [], 'L'),
    ]);
    start('up');
    g.settle(node('up'), 'failed');
    g.blockFrom(node('up'), 'up');
    expect(blocked).toEqual(['L<-up']);
    expect(dispatched).toEqual(['F1']); // promoted: it runs the computation itself
    expect(node('F1').run.dedupFrom).toBeUndefined();
    expect(node('F2').run.dedupFrom).toBe('F1');
    start('F1');
    g.settle(node('F1'), 'succeeded');
    g.release(node('F1'));
    expect(dispatched).toEqual(['F1', 'F2']);
  });

  it('a leader cancelled before its outputs exist: a follower is promoted, nothing is blocked', () => {
    const { g, node, start, blocked, dispatched } = graphOf([planned('L'), planned('F1', [], 'L')]);
    start('L');
    g.settle(node('L'), 'cancelled');
    g.promoteFollowers(node('L'));
    expect(blocked).toEqual([]);
    expect(dispatched).toEqual(['F1']);
    expect(g.counts).toMatchObject({ cancelled: 1 });
  });

  it('when the run stops, the sweep settles what still waits as skipped', () => {
    const { g, node, start } = graphOf([planned('a'), planned('b', ['a']), planned('c', ['b'])]);
    start('a');
    g.settle(node('a'), 'succeeded');
    const swept = g.sweep().map((n) => n.task.id);
    expect(swept).toEqual(['b', 'c']);
    expect(g.counts).toEqual({ succeeded: 1, failed: 0, blocked: 0, cancelled: 0, skipped: 2 });
    expect(g.open).toBe(0);
    expect(g.active()).toEqual([]);
  });
});
