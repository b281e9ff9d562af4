/**
 * What a run will do, decided from `lc status` (the same computeStatus): every task in the
 * targets' upstream closure that is not ok, plus the targets themselves under --force.
 *
 * Execution groups: tasks with the same key are the same computation. Per group one member
 * runs (the leader); the others get its files by hardlink. When a member of the group is
 * already ok and nothing is forced, nobody runs: the others take that member's files.
 */
import type { Task } from '../dag/task.js';
import type { PlannedTask } from '../events.js';
import type { TaskStatus } from '../status/types.js';

export interface PlannedRun {
  task: Task;
  status: TaskStatus;
  forced: boolean;
  /**
   * Group member this task takes its outputs from instead of running. Either a leader in this
   * run (waits for it) or an ok member (`sourceReady`).
   */
  dedupFrom?: string;
  sourceReady?: boolean;
}

export interface Plan {
  /** Tasks considered (targets + upstream closure), in DAG order. */
  considered: Task[];
  /** Tasks to run or materialise, in DAG order. */
  runs: PlannedRun[];
  /** Considered tasks that are ok and not run. */
  upToDate: number;
}

/**
 * Decide the run from statuses. `targets` are the tasks asked for (all tasks when the user gave
 * none); `considered` must be their upstream closure and `statuses` cover it.
 */
export function planFromStatus(
  considered: readonly Task[],
  statuses: ReadonlyMap<string, TaskStatus>,
  targets: ReadonlySet<string>,
  force: boolean,
): Plan {
  const runs: PlannedRun[] = [];
  const okByKey = new Map<string, string>();
  for (const task of considered) {
    const status = statuses.get(task.id);
    if (!status) throw new Error(`internal: no status for ${task.id}`);
    const forced = force && targets.has(task.id);
    if (status.state === 'ok' && !forced) {
      if (!okByKey.has(task.key)) okByKey.set(task.key, task.id);
      continue;
    }
    runs.push({ task, status, forced });
  }

  const byKey = new Map<string, PlannedRun[]>();
  for (const r of runs) {
    const g = byKey.get(r.task.key);
    if (g) g.push(r);
    else byKey.set(r.task.key, [r]);
  }
  for (const [key, members] of byKey) {
    const okSource = okByKey.get(key);
    if (okSource !== undefined && !members.some((m) => m.forced)) {
      for (const m of members) {
        m.dedupFrom = okSource;
        m.sourceReady = true;
      }
      continue;
    }
    if (members.length < 2) continue;
    // The DAG's designated leader when it is in the run, else the first member in DAG order.
    const designated = members[0]?.task.group;
    const leader = members.find((m) => m.task.id === designated) ?? (members[0] as PlannedRun);
    for (const m of members) if (m !== leader) m.dedupFrom = leader.task.id;
  }
  return { considered: [...considered], runs, upToDate: considered.length - runs.length };
}

export function plannedTasks(plan: Plan): PlannedTask[] {
  return plan.runs.map((r) => ({
    id: r.task.id,
    reasons: r.status.reasons,
    state: r.status.state,
    ...(r.forced ? { forced: true } : {}),
    ...(r.dedupFrom !== undefined ? { dedupFrom: r.dedupFrom } : {}),
  }));
}
