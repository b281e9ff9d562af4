// Steady-state frame cost of the TUI without a terminal or a runner: a 5,000-task sweep
// (1,000 universes x 5 outputs) folded through the real reducer, rendered by the real Ink root
// component into an in-memory 120x40 stream. Reports Ink's onRender renderTime and the time to
// build the frame model, per frame, while runner events stream in.
//
// usage: node --expose-gc bench/tui-render.mjs [frames=300] [--map]   (after npm run build)
// --map: 1,000 universes x 10 outputs with the multiverse map open (stuck universes first, the
// cursor moving one universe a frame), the map's own target: render p95 < 16 ms, RSS < 250 MB.
// With --expose-gc it also reports the heap retained after a full GC, before and after the
// frames: it must not grow with the number of frames (no per-frame cache in Ink or here).
import { EventEmitter } from 'node:events';

// As lc tui does (src/commands/tui.ts): React's production build, chosen before React loads.
process.env.NODE_ENV ??= 'production';
const { render } = await import('ink');
const { default: React } = await import('react');
const { App } = await import('../dist/components/App.js');
const { initialState, reduce } = await import('../dist/src/tui/model/reducer.js');
const { buildFrame } = await import('../dist/src/tui/model/frame/index.js');

const FRAMES = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 300);
const MAP = process.argv.includes('--map');
const U = 1000;
const K = MAP ? 10 : 5;
const universes = Array.from({ length: U }, (_, i) => `u${i}`);
const outputs = Array.from({ length: K }, (_, k) => ({ qid: `o${k}`, type: 'data', layer: k, needs: k ? [`o${k - 1}`] : [] }));
const tasks = outputs.flatMap((o) => universes.map((u) => ({ id: `${u}/${o.qid}`, universe: u, output: o.qid, type: 'data' })));
const node = (cpu) => ({ host: 'node01', cpuPercent: cpu, memoryUsedBytes: 3e9, memoryTotalBytes: 8e9, gpuPercent: [], runningTasks: [], cpusInUse: 2, cpusTotal: 2, gpusInUse: 0, gpusTotal: 0 });

let now = Date.now();
let state = initialState({ cols: 120, rows: 40, now });
state = reduce(state, { type: 'project', shape: { name: 'bench sweep', universes, outputs, tasks } });
state = reduce(state, {
  type: 'status',
  statuses: tasks.map((t) => ({ id: t.id, universe: t.universe, output: t.output, state: 'missing', reasons: [], key: 'k', dataVersion: null, finishedAt: null, durationS: null, host: null })),
});
state = reduce(state, { type: 'utilisation', nodes: [node(50)] });
state = reduce(state, { type: 'run_events', events: [{ type: 'plan_ready', t: now, runId: 'r', executor: 'local', dryRun: false, upToDate: 0, tasks: tasks.map((t) => ({ id: t.id, reasons: [] })) }] });
if (MAP) state = reduce(state, { type: 'overlay', overlay: { kind: 'map', row: 0, col: 0, sort: 'progress' } });

class Out extends EventEmitter {
  columns = 120;
  rows = 40;
  isTTY = false;
  write() {
    return true;
  }
}
class In extends EventEmitter {
  isTTY = false;
  setRawMode() {}
  setEncoding() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
  read() {
    return null;
  }
}
const renderMs = [];
const buildMs = [];
const cpuMs = [];
const ink = render(React.createElement(App, { state, ascii: false, color: true }), {
  stdout: new Out(),
  stdin: new In(),
  stderr: new Out(),
  debug: true,
  exitOnCtrlC: false,
  patchConsole: false,
  onRender: ({ renderTime }) => renderMs.push(renderTime),
});

global.gc?.();
const retainedBefore = process.memoryUsage().heapUsed;

// Each frame: 17 tasks finish and 17 start (a fast sweep on a big node), a progress event.
let next = 0;
const t0 = performance.now();
for (let f = 0; f < FRAMES; f++) {
  now += 100;
  const events = [];
  for (let i = 0; i < 17 && next < tasks.length; i++, next++) {
    const id = tasks[next].id;
    events.push({ type: 'task_started', t: now, id, attempt: 1, host: 'node01', executor: 'local', resources: { cpus: 1, gpus: 0 }, logPath: `/l/${id}.log` });
    if (next >= 2) events.push({ type: 'task_succeeded', t: now, id: tasks[next - 2].id, durationS: 0.1, dataVersion: 'd', warnings: [] });
  }
  events.push({ type: 'progress', t: now, done: next, running: 2, pending: tasks.length - next, failed: 0, elapsedS: f / 10, etaS: 60 });
  state = reduce(reduce(state, { type: 'run_events', events }), { type: 'tick', now });
  if (f % 10 === 0) state = reduce(state, { type: 'utilisation', nodes: [node(40 + (f % 50))] });
  if (MAP) state = reduce(state, { type: 'overlay', overlay: { kind: 'map', row: f % K, col: f % U, sort: 'progress' } });
  const b0 = performance.now();
  buildFrame(state, { ascii: false });
  buildMs.push(performance.now() - b0);
  const c0 = process.cpuUsage();
  ink.rerender(React.createElement(App, { state, ascii: false, color: true }));
  const c1 = process.cpuUsage(c0);
  cpuMs.push((c1.user + c1.system) / 1000);
}
const wall = performance.now() - t0;
ink.unmount();
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
const fmt = (a) => `p50 ${q(a, 0.5).toFixed(2)} ms, p95 ${q(a, 0.95).toFixed(2)} ms, max ${Math.max(...a).toFixed(2)} ms`;
console.log(`${MAP ? `multiverse map open, ${U} universes x ${K} outputs` : `main view, ${U} universes x ${K} outputs`}`);
console.log(`frames: ${renderMs.length}, ${(wall / FRAMES).toFixed(2)} ms per frame in total (reduce + React + Ink)`);
console.log(`Ink renderTime: ${fmt(renderMs.slice(1))}; frames over 16 ms: ${renderMs.slice(1).filter((x) => x > 16).length} of ${renderMs.length - 1}`);
console.log(`frame model:    ${fmt(buildMs)}`);
console.log(`CPU per frame (React + Ink, this process): ${fmt(cpuMs)}`);
console.log(`heap used: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`);
if (global.gc) {
  global.gc();
  const grown = (process.memoryUsage().heapUsed - retainedBefore) / 2 ** 20;
  console.log(`heap retained after a full GC grew by ${grown.toFixed(1)} MB over ${FRAMES} frames`);
}
