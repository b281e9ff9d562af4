/**
 * The run graph: the planned tasks of one run as nodes, and everything about them that is
 * synchronous bookkeeping: who waits for whom (upstream tasks, and a deduplicated follower for
 * its group's leader), releasing dependents after a success, blocking everything downstream of
 * a failure, promoting a follower when its leader will not produce outputs, the counts, and
 * sweeping up what can no longer start when the run stops.
 *
 * It starts nothing itself: `dispatch` hands a ready node to the runner, which runs it (or links
 * a follower's outputs) and reports the outcome back through settle/release/blockFrom.
 */
import type { RunCounts } from '../events.js';
import type { Task } from '../dag/task.js';
import type { PlannedRun } from './plan.js';

export type Outcome = 'succeeded' | 'failed' | 'blocked' | 'skipped' | 'cancelled';

export interface RunNode {
  run: PlannedRun;
  task: Task;
  /** waiting: for deps/leader; active: being snapshotted, queued, running or linked; done. */
  state: 'waiting' | 'active' | 'done';
  outcome?: Outcome;
  /** Upstream nodes (and the leader, for a follower) not yet succeeded. */
  waitFor: number;
  dependents: RunNode[];
  /** In-run leader this node takes its outputs from. */
  leader: RunNode | null;
  followers: RunNode[];
  /** Submitted to the executor and not yet started. */
  queued: boolean;
  started: boolean;
  startedAt: number;
  logPath: string;
}

export interface GraphHooks {
  /** A node's waits are over: start it (unless the run is stopping). */
  dispatch(n: RunNode): void;
  /** A node will not run because `by` failed upstream. */
  blocked(n: RunNode, by: string): void;
}

const OUTCOME_COUNT: Record<Outcome, keyof RunCounts> = {
  succeeded: 'succeeded',
  failed: 'failed',
  blocked: 'blocked',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

export class RunGraph {
  readonly nodes = new Map<string, RunNode>();
  readonly counts: RunCounts = { succeeded: 0, failed: 0, blocked: 0, cancelled: 0, skipped: 0 };
  /** Nodes not yet done. */
  open = 0;

  constructor(
    runs: readonly PlannedRun[],
    private readonly hooks: GraphHooks,
  ) {
    for (const run of runs) this.nodes.set(run.task.id, newNode(run));
    this.open = this.nodes.size;
    // edges only between planned tasks: unplanned upstreams are ok already
    for (const n of this.nodes.values()) {
      for (const d of n.task.deps) {
        const up = this.nodes.get(d);
        if (!up) continue;
        up.dependents.push(n);
        n.waitFor++;
      }
      if (n.run.dedupFrom !== undefined && !n.run.sourceReady) {
        const leader = this.nodes.get(n.run.dedupFrom);
        if (leader) {
          n.leader = leader;
          leader.followers.push(n);
          n.waitFor++;
        }
      }
    }
  }

  /** Nodes that wait for nothing: where a run starts. */
  roots(): RunNode[] {
    return [...this.nodes.values()].filter((n) => n.waitFor === 0);
  }

  /** Nodes being worked on now. */
  active(): RunNode[] {
    return [...this.nodes.values()].filter((n) => n.state === 'active');
  }

  settle(n: RunNode, outcome: Outcome): void {
    n.state = 'done';
    n.outcome = outcome;
    this.open--;
    this.counts[OUTCOME_COUNT[outcome]]++;
  }

  /** After a success: dependents and followers whose last wait this was become ready. */
  release(n: RunNode): void {
    for (const d of n.dependents) if (--d.waitFor === 0 && d.state === 'waiting') this.hooks.dispatch(d);
    for (const f of n.followers) if (--f.waitFor === 0 && f.state === 'waiting') this.hooks.dispatch(f);
  }

  /** Everything downstream of a failure is blocked (iteratively: chains can be long). */
  blockFrom(root: RunNode, by: string): void {
    const stack: RunNode[] = [...root.dependents];
    this.loseLeader(root, root.outcome === 'blocked' ? 'promote' : 'block', stack);
    while (stack.length) {
      const n = stack.pop() as RunNode;
      if (n.state !== 'waiting') continue;
      this.settle(n, 'blocked');
      this.hooks.blocked(n, by);
      stack.push(...n.dependents);
      this.loseLeader(n, 'promote', stack);
    }
  }

  /** A leader cancelled before producing outputs: its followers may still run (one leads). */
  promoteFollowers(n: RunNode): void {
    this.loseLeader(n, 'promote', []);
  }

  /** Settle every node still waiting as skipped (the run stopped); returns them. */
  sweep(): RunNode[] {
    const out: RunNode[] = [];
    for (const n of this.nodes.values()) {
      if (n.state !== 'waiting') continue;
      this.settle(n, 'skipped');
      out.push(n);
    }
    return out;
  }

  /**
   * A leader that will not produce outputs: when its own command failed, the same computation
   * would fail for its followers too (block them); when it was only blocked or cancelled, the
   * first follower that may still run becomes the leader.
   */
  private loseLeader(n: RunNode, mode: 'block' | 'promote', stack: RunNode[]): void {
    const waiting = n.followers.filter((f) => f.state === 'waiting');
    n.followers = [];
    if (waiting.length === 0) return;
    if (mode === 'block') {
      for (const f of waiting) stack.push(f);
      return;
    }
    const [next, ...rest] = waiting as [RunNode, ...RunNode[]];
    next.leader = null;
    next.run = { ...next.run };
    delete next.run.dedupFrom;
    next.waitFor--;
    for (const f of rest) {
      f.leader = next;
      f.run = { ...f.run, dedupFrom: next.task.id };
      next.followers.push(f);
    }
    if (next.waitFor === 0) this.hooks.dispatch(next);
  }
}

function newNode(run: PlannedRun): RunNode {
  return {
    run,
    task: run.task,
    state: 'waiting',
    waitFor: 0,
    dependents: [],
    leader: null,
    followers: [],
    queued: false,
    started: false,
    startedAt: 0,
    logPath: '',
  };
}
