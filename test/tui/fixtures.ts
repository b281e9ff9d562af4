/**
 * Deterministic scenes for frame snapshots: a fixed clock, fixed utilisation, no spinners.
 * Each scene is a list of reducer actions, so snapshots also exercise the reducer.
 */
import type { RunEvent } from '../../engine/events.js';
import type { NodeUtilisation } from '../../engine/executors/executor.js';
import type { MonitorAction, ProjectShape } from '../../src/tui/model/actions.js';
import { initialState, reduceAll } from '../../src/tui/model/reducer.js';
import type { ViewState } from '../../src/tui/model/types.js';
import type { OutputType } from '../../engine/astra/model.js';
import type { TaskStatus } from '../../engine/status/types.js';

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const GB = 1024 ** 3;

export function shapeOf(
  name: string,
  universes: string[],
  outputs: { qid: string; type: OutputType; needs: string[] }[],
): ProjectShape {
  const layer = new Map<string, number>();
  for (const o of outputs)
    layer.set(
      o.qid,
      o.needs.reduce((m, n) => Math.max(m, (layer.get(n) ?? 0) + 1), 0),
    );
  return {
    name,
    universes,
    outputs: outputs.map((o) => ({ qid: o.qid, type: o.type, layer: layer.get(o.qid) ?? 0, needs: o.needs })),
    tasks: outputs.flatMap((o) =>
      universes.map((u) => ({ id: `${u}/${o.qid}`, universe: u, output: o.qid, type: o.type })),
    ),
  };
}

export const LINE_FIT = shapeOf(
  'Noisy line fit',
  ['baseline', 'clipped-ols', 'raw-median', 'robust'],
  [
    { qid: 'cleaned', type: 'data', needs: [] },
    { qid: 'fit', type: 'metric', needs: ['cleaned'] },
    { qid: 'residuals', type: 'table', needs: ['cleaned', 'fit'] },
    { qid: 'summary', type: 'report', needs: ['fit', 'residuals'] },
  ],
);

export function status(id: string, state: TaskStatus['state'], extra: Partial<TaskStatus> = {}): TaskStatus {
  const [universe = '', output = ''] = id.split('/');
  return {
    id,
    universe,
    output,
    state,
    reasons: [],
    key: `sha256:${id}`,
    dataVersion: null,
    finishedAt: null,
    durationS: null,
    host: null,
    ...extra,
  };
}

const ok = (id: string, durationS: number): TaskStatus =>
  status(id, 'ok', { durationS, host: 'node01', finishedAt: '2026-01-15T11:00:00Z', dataVersion: 'sha256:d' });

export const LOCAL_NODE: NodeUtilisation = {
  host: 'node01',
  cpuPercent: 37.5,
  memoryUsedBytes: 3.1 * GB,
  memoryTotalBytes: 7.8 * GB,
  gpuPercent: [],
  runningTasks: [],
  cpusInUse: 0,
  cpusTotal: 2,
  gpusInUse: 0,
  gpusTotal: 0,
};

export const MIXED_STATUS: TaskStatus[] = [
  ok('baseline/cleaned', 0.4),
  ok('clipped-ols/cleaned', 0.4),
  ok('raw-median/cleaned', 0.4),
  ok('robust/cleaned', 0.4),
  ok('baseline/fit', 1.2),
  status('clipped-ols/fit', 'stale', {
    reasons: [{ kind: 'script', detail: 'script scripts/fit.sh changed', subject: 'scripts/fit.sh' }],
    durationS: 1.1,
    host: 'node01',
  }),
  status('raw-median/fit', 'stale', {
    reasons: [
      { kind: 'decisions', detail: 'decision estimator changed: ols -> median' },
      { kind: 'upstream', detail: 'upstream raw-median/cleaned re-ran', subject: 'raw-median/cleaned' },
    ],
  }),
  ok('robust/fit', 1.3),
  ok('baseline/residuals', 0.7),
  status('clipped-ols/residuals', 'stale', {
    reasons: [{ kind: 'upstream', detail: 'upstream clipped-ols/fit re-ran', subject: 'clipped-ols/fit' }],
  }),
  status('raw-median/residuals', 'missing'),
  status('robust/residuals', 'modified', {
    reasons: [{ kind: 'input', detail: 'output files changed after the run (residuals.csv)' }],
  }),
  ok('baseline/summary', 0.2),
  status('clipped-ols/summary', 'missing'),
  status('raw-median/summary', 'missing'),
  status('robust/summary', 'missing'),
];

export function scene(
  actions: MonitorAction[],
  size: { cols: number; rows: number },
  universeFilter?: string[],
): ViewState {
  const base = initialState({
    cols: size.cols,
    rows: size.rows,
    now: NOW,
    ...(universeFilter ? { universeFilter } : {}),
  });
  return reduceAll(base, actions);
}

export const emptyScene = (size: { cols: number; rows: number }): ViewState =>
  scene(
    [
      { type: 'project', shape: { name: 'empty-analysis', universes: ['baseline'], outputs: [], tasks: [] } },
      { type: 'status', statuses: [] },
      { type: 'utilisation', nodes: [LOCAL_NODE] },
    ],
    size,
  );

export const mixedScene = (size: { cols: number; rows: number }): ViewState =>
  scene(
    [
      { type: 'project', shape: LINE_FIT },
      { type: 'status', statuses: MIXED_STATUS },
      { type: 'utilisation', nodes: [LOCAL_NODE] },
      { type: 'select_output', qid: 'fit' },
    ],
    size,
  );

// A sweep: 200 universes x 4 outputs, half-way through, on four nodes with GPUs.
const SWEEP_U = Array.from({ length: 200 }, (_, i) => `seed-${String(i).padStart(3, '0')}`);
export const SWEEP = shapeOf('Seed sweep', SWEEP_U, [
  { qid: 'simulate', type: 'data', needs: [] },
  { qid: 'features', type: 'data', needs: ['simulate'] },
  { qid: 'classification.train', type: 'data', needs: ['features'] },
  { qid: 'classification.accuracy_by_very_long_descriptive_name', type: 'metric', needs: ['classification.train'] },
]);

export function sweepEvents(): RunEvent[] {
  const t0 = NOW - 150_000;
  const ev: RunEvent[] = [
    {
      type: 'plan_ready',
      t: t0,
      runId: 'run-1',
      executor: 'dask',
      dryRun: false,
      upToDate: 0,
      tasks: SWEEP.tasks.map((t) => ({ id: t.id, reasons: [{ kind: 'recipe', detail: 'never ran' }] })),
    },
  ];
  const res = { cpus: 1, gpus: 0 };
  // simulate: all done; features: 150 done, 6 running; later outputs queued.
  SWEEP_U.forEach((u, i) => {
    const host = `nid00${i % 4}`;
    ev.push({
      type: 'task_started',
      t: t0 + i * 100,
      id: `${u}/simulate`,
      attempt: 1,
      host,
      executor: 'dask',
      resources: res,
      logPath: `/scratch/.lightcone/logs/ab12/${u}/simulate/1.log`,
    });
    ev.push({
      type: 'task_succeeded',
      t: t0 + i * 100 + 300,
      id: `${u}/simulate`,
      durationS: 0.3,
      dataVersion: 'sha256:x',
      warnings: [],
    });
  });
  SWEEP_U.slice(0, 156).forEach((u, i) => {
    const host = `nid00${i % 4}`;
    ev.push({
      type: 'task_started',
      t: t0 + 60_000 + i * 500,
      id: `${u}/features`,
      attempt: 1,
      host,
      executor: 'dask',
      resources: res,
      logPath: `/scratch/.lightcone/logs/ab12/${u}/features/1.log`,
    });
    if (i < 150)
      ev.push({
        type: 'task_succeeded',
        t: t0 + 61_000 + i * 500,
        id: `${u}/features`,
        durationS: 1,
        dataVersion: 'sha256:y',
        warnings: [],
      });
  });
  ev.push({ type: 'progress', t: NOW, done: 350, running: 6, pending: 444, failed: 0, elapsedS: 150, etaS: 190 });
  return ev;
}

export const SWEEP_NODES: NodeUtilisation[] = [0, 1, 2, 3].map((i) => ({
  host: `nid00${i}`,
  cpuPercent: [96, 71, 45, 12][i] ?? 0,
  memoryUsedBytes: [180, 92, 60, 20][i]! * GB,
  memoryTotalBytes: 256 * GB,
  gpuPercent: i < 2 ? [88, 64] : [],
  runningTasks:
    i === 0
      ? ['seed-150/features', 'seed-154/features']
      : i === 1
        ? ['seed-151/features', 'seed-155/features']
        : i === 2
          ? ['seed-152/features']
          : ['seed-153/features'],
  cpusInUse: i < 2 ? 2 : 1,
  cpusTotal: 64,
  gpusInUse: i < 2 ? 1 : 0,
  gpusTotal: i < 2 ? 2 : 0,
}));

export const sweepScene = (size: { cols: number; rows: number }): ViewState =>
  scene(
    [
      { type: 'project', shape: SWEEP },
      { type: 'status', statuses: SWEEP.tasks.map((t) => status(t.id, 'missing')) },
      { type: 'executor', executor: 'dask' },
      {
        type: 'scheduler',
        scheduler: {
          state: 'running',
          address: 'tcp://10.1.2.3:8786',
          workers: 4,
          startedAt: NOW - 720_000,
          idleDeadline: NOW + 1_080_000,
          external: false,
        },
      },
      { type: 'run_events', events: sweepEvents() },
      { type: 'utilisation', nodes: SWEEP_NODES },
      { type: 'select_output', qid: 'features' },
    ],
    size,
  );

/** The universe picker of the 200-universe sweep, searching for "12" while typing, two picked. */
export const universeSearchScene = (size: { cols: number; rows: number }): ViewState =>
  reduceAll(sweepScene(size), [
    { type: 'overlay', overlay: { kind: 'universes', cursor: 0, picked: [] } },
    { type: 'universe_query', text: '12', typing: true },
    { type: 'universe_cursor', delta: 2 },
    { type: 'universe_toggle' },
    { type: 'universe_cursor', delta: 1 },
    { type: 'universe_toggle' },
  ]);

export const FAILED_TAIL = [
  'reading data/points.csv',
  'cleaned 48 points',
  'fitting median of pairwise slopes',
  'awk: division by zero',
  ' input record number 48, file data/points.csv',
  ' source line number 9',
];

export const failedScene = (size: { cols: number; rows: number }): ViewState =>
  scene(
    [
      { type: 'project', shape: LINE_FIT },
      { type: 'status', statuses: MIXED_STATUS },
      { type: 'utilisation', nodes: [LOCAL_NODE] },
      {
        type: 'run_events',
        events: [
          {
            type: 'plan_ready',
            t: NOW - 5000,
            runId: 'r2',
            executor: 'local',
            dryRun: false,
            upToDate: 12,
            tasks: [{ id: 'raw-median/fit', reasons: [] }],
          },
          {
            type: 'task_started',
            t: NOW - 4000,
            id: 'raw-median/fit',
            attempt: 1,
            host: 'node01',
            executor: 'local',
            resources: { cpus: 1, gpus: 0 },
            logPath: '/tmp/.lightcone/logs/5f3a9c0d1e2b/raw-median/fit/1.log',
          },
          {
            type: 'task_failed',
            t: NOW - 3000,
            id: 'raw-median/fit',
            durationS: 1.0,
            exitCode: 2,
            signal: null,
            reason: 'exit',
            logPath: '/tmp/.lightcone/logs/5f3a9c0d1e2b/raw-median/fit/1.log',
            tail: FAILED_TAIL,
          },
          { type: 'task_blocked', t: NOW - 3000, id: 'raw-median/residuals', blockedBy: 'raw-median/fit' },
          {
            type: 'run_finished',
            t: NOW - 2900,
            runId: 'r2',
            succeeded: 0,
            failed: 1,
            blocked: 1,
            cancelled: 0,
            skipped: 0,
            wallS: 2.1,
            cpuS: 1,
          },
        ],
      },
      { type: 'select_output', qid: 'fit' },
      { type: 'focus', pane: 'details' },
    ],
    size,
  );

export const helpScene = (size: { cols: number; rows: number }): ViewState =>
  scene([...mixedActions(), { type: 'overlay', overlay: { kind: 'help' } }], size);

export const stopConfirmScene = (size: { cols: number; rows: number }): ViewState =>
  scene(
    [
      ...mixedActions(),
      { type: 'executor', executor: 'dask' },
      {
        type: 'scheduler',
        scheduler: {
          state: 'running',
          address: 'tcp://127.0.0.1:8786',
          workers: 1,
          startedAt: NOW - 300_000,
          idleDeadline: NOW + 1_500_000,
          external: false,
        },
      },
      {
        type: 'confirm',
        confirm: { kind: 'stop_scheduler', question: 'Stop the session scheduler at tcp://127.0.0.1:8786 (1 worker)?' },
      },
    ],
    size,
  );

function mixedActions(): MonitorAction[] {
  return [
    { type: 'project', shape: LINE_FIT },
    { type: 'status', statuses: MIXED_STATUS },
    { type: 'utilisation', nodes: [LOCAL_NODE] },
    { type: 'select_output', qid: 'fit' },
  ];
}

/** Four failed tasks with two causes: three fits end the same way but for a number, one clean another. */
export const failuresScene = (size: { cols: number; rows: number }): ViewState => {
  const failed = (id: string, t: number, tail: string[]): RunEvent => ({
    type: 'task_failed',
    t,
    id,
    durationS: 1,
    exitCode: 2,
    signal: null,
    reason: 'exit',
    logPath: `/tmp/.lightcone/logs/5f3a9c0d1e2b/${id}/1.log`,
    tail,
  });
  return scene(
    [
      { type: 'project', shape: LINE_FIT },
      { type: 'status', statuses: MIXED_STATUS },
      {
        type: 'run_events',
        events: [
          { type: 'plan_ready', t: NOW - 5000, runId: 'r3', executor: 'local', dryRun: false, upToDate: 0, tasks: [] },
          failed('raw-median/fit', NOW - 4000, ['fitting', 'median: not enough points (3 < 5)']),
          failed('clipped-ols/cleaned', NOW - 3900, ['awk: division by zero']),
          failed('robust/fit', NOW - 3800, ['fitting', 'median: not enough points (2 < 5)', '']),
          failed('baseline/fit', NOW - 3700, ['median: not enough points (4 < 5)']),
          {
            type: 'run_finished',
            t: NOW - 3000,
            runId: 'r3',
            succeeded: 0,
            failed: 4,
            blocked: 0,
            cancelled: 0,
            skipped: 0,
            wallS: 2,
            cpuS: 1,
          },
        ],
      },
    ],
    size,
  );
};

/** The multiverse map of the 200-universe sweep, stuck universes first, the cursor moved in. */
export const mapScene = (size: { cols: number; rows: number }): ViewState =>
  reduceAll(sweepScene(size), [{ type: 'overlay', overlay: { kind: 'map', row: 1, col: 3, sort: 'progress' } }]);

/** The failures of failuresScene grouped by cause. */
export const failureGroupsScene = (size: { cols: number; rows: number }): ViewState =>
  reduceAll(failuresScene(size), [{ type: 'overlay', overlay: { kind: 'failures', cursor: 0 } }]);

/** The full log viewer on lines of wide characters (CJK, emoji) and a combining mark. */
export const wideLogScene = (size: { cols: number; rows: number }): ViewState =>
  reduceAll(failedScene(size), [
    {
      type: 'log',
      log: {
        taskId: 'raw-median/fit',
        path: '/tmp/.lightcone/logs/5f3a9c0d1e2b/raw-median/fit/1.log',
        lines: ['读取数据 data/points.csv', '数'.repeat(52), 'résumé ✅ 完成 (e\u0301)', 'awk: division by zero'],
        truncatedLines: 0,
        scroll: null,
      },
    },
    { type: 'overlay', overlay: { kind: 'log' } },
  ]);

/** The results view of `fit` (a metric) across the four universes, one of them stale, the cursor on the second value. */
export const resultsScene = (size: { cols: number; rows: number }): ViewState => {
  const v = (universe: string, slope: number, estimator: string, cut: string) => ({
    task: `${universe}/fit`,
    universe,
    values: { slope, n: 11 },
    problem: null,
    dataVersion: `sha256:${universe.padEnd(12, '0')}`,
    finishedAt: new Date(NOW - 3_600_000).toISOString(),
    host: 'node01',
    choices: { estimator, outlier_cut: cut },
  });
  return reduceAll(mixedScene(size), [
    {
      type: 'results',
      results: {
        output: 'fit',
        values: [
          v('baseline', -0.0973, 'ols', 'none'),
          v('clipped-ols', 2.0047, 'ols', 'clip'),
          v('raw-median', 1.5, 'median', 'none'),
          v('robust', 2, 'median', 'clip'),
        ],
      },
    },
    { type: 'overlay', overlay: { kind: 'results', cursor: 1, metric: 'slope' } },
  ]);
};
