// Session-scheduler benchmark (driven by bench/scheduler.sh inside a 2-node allocation of the
// test cluster). Measures, on ONE warm scheduler, in one run:
//   cold start     createDaskExecutor with no scheduler (supervisor, TLS, scheduler, 2 workers)
//   warm attach    createDaskExecutor again (meta + probe + warm bridge socket)
//   raw Dask       500 no-op Python tasks, and 500 `true` shell tasks with resources, in bulk,
//                  from a plain distributed Client using the session's certificates
//   lc executor    500 `true` tasks through the Dask executor (bridge, worker process group, log)
//   lc run         a 500-task project (warm): first task start after process spawn, wall time
//   CPU and memory over the executor batch: this process (lc's side), the session's scheduler
//   (its process on the first node, seen through /proc: the test cluster's nodes share this
//   host's process table) and the bridge (CPU and peak RSS)
// Prints a markdown table and writes bench/out/scheduler/results.md.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const { createDaskExecutor } = await import(join(ROOT, 'dist/engine/executors/dask/index.js'));
const { stopScheduler } = await import(join(ROOT, 'dist/engine/scheduler/index.js'));
const N = Number(process.env.SCHED_BENCH_TASKS ?? 500);
const OUT = join(ROOT, 'bench/out/scheduler');
const work = join(OUT, 'work');
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'logs'), { recursive: true });
const env = { ...process.env, LIGHTCONE_SCRATCH: join(work, 'scratch') };
const rows = [];
const row = (what, value, note = '') => {
  rows.push([what, value, note]);
  console.error(`${what}: ${value} ${note}`);
};

// a project of N universes x 1 output whose recipe does nothing
const proj = join(work, 'proj');
mkdirSync(join(proj, 'universes'), { recursive: true });
writeFileSync(
  join(proj, 'astra.yaml'),
  `id: noop\nversion: "0.0.12"\nname: No-op sweep\ninputs: []\ndecisions:\n  rep:\n    label: Replicate\n    options:\n` +
    Array.from({ length: N }, (_, i) => `      r${i}: {label: r${i}}`).join('\n') +
    `\noutputs:\n  - id: noop\n    type: data\n    label: Nothing\n    decisions: [rep]\n    recipe:\n      command: "true {decisions.rep}"\n      resources: {cpus: 1}\n`,
);
for (let i = 0; i < N; i++)
  writeFileSync(join(proj, 'universes', `u${i}.yaml`), `id: u${i}\ndecisions:\n  rep: r${i}\n`);

await stopScheduler({ projectRoot: proj, env }).catch(() => undefined);
let t = performance.now();
let ex = await createDaskExecutor({ projectRoot: proj, env });
const cold = performance.now() - t;
row(
  'cold start (scheduler + 2 workers + bridge)',
  `${(cold / 1000).toFixed(2)} s`,
  ex.session.reused ? '(was already running!)' : '',
);
await ex.close();
t = performance.now();
ex = await createDaskExecutor({ projectRoot: proj, env });
row(
  'warm attach (createDaskExecutor)',
  `${(performance.now() - t).toFixed(1)} ms`,
  ex.session.socket ? 'via warm bridge socket' : 'via a new stdio bridge',
);

// The raw Dask client: one bulk batch (noop or shell) per run, on the same scheduler and certificates
const raw = `
import sys, time, subprocess
from distributed import Client
from distributed.security import Security
tls, addr, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sec = Security(tls_ca_file=tls + '/ca.pem', tls_client_cert=tls + '/cert.pem', tls_client_key=tls + '/key.pem', require_encryption=True)
c = Client(addr, security=sec, timeout=30)
def noop(i): return i
def shell(i): return subprocess.run('true', shell=True).returncode
name = sys.argv[4]
fn, kw = {'noop': (noop, {}), 'shell': (shell, {'resources': {'cpus': 1}})}[name]
c.gather(c.map(fn, range(20), pure=False, **kw))  # warm-up: functions shipped
t = time.perf_counter()
c.gather(c.map(fn, range(n), key=[f'{name}-{i}' for i in range(n)], **kw))
print((time.perf_counter() - t) * 1000 / n)
c.close()
`;

/**
 * utime + stime of a process, in seconds, from /proc (undefined when it is not visible); with
 * `waited`, plus the CPU of the children it waited for (cutime + cstime: a worker's tasks).
 */
function procCpuS(pid, waited = false) {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14-17, in clock ticks (USER_HZ = 100)
    const ticks = Number(f[11]) + Number(f[12]) + (waited ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / 100;
  } catch {
    return undefined;
  }
}
const cpuDelta = (after, before) =>
  after === undefined || before === undefined ? '-' : `${(after - before).toFixed(2)} s`;
function procMem(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? `${(Number(m[1]) / 1024).toFixed(0)} MiB` : '-';
  } catch {
    return '-';
  }
}
/**
 * The session's own pythons running `lc_dask_launch.py ROLE` (scheduler, worker): the python
 * itself, not the srun that started it (same arguments).
 */
function sessionPythons(role, sessionDir) {
  if (!sessionDir) return [];
  try {
    const out = execFileSync('pgrep', ['-f', `lc_dask_launch.py ${role}`], { encoding: 'utf8' });
    return out
      .trim()
      .split('\n')
      .map(Number)
      .filter((pid) => {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return /python[\d.]*$/.test(argv[0] ?? '') && argv.some((a) => a.includes(sessionDir));
      });
  } catch {
    return []; // none visible
  }
}
/** CPU seconds of the workers and of the task processes they waited for. */
const workersCpuS = (pids) => pids.reduce((sum, pid) => sum + (procCpuS(pid, true) ?? 0), 0);
const schedulerPid = sessionPythons('scheduler', ex.session.files?.dir)[0];
const workerPids = sessionPythons('worker', ex.session.files?.dir);
/** CPU of the scheduler and the workers (with their tasks) while `work` runs. */
async function clusterCpu(work) {
  const before = { scheduler: procCpuS(schedulerPid), workers: workersCpuS(workerPids) };
  const value = await work();
  return {
    value,
    scheduler: cpuDelta(procCpuS(schedulerPid), before.scheduler),
    workers: `${(workersCpuS(workerPids) - before.workers).toFixed(2)} s`,
  };
}

// raw Dask on the same scheduler, same certificates (each run includes its client's connection
// and 20 warm-up tasks)
const rawRun = (mode) =>
  Number(
    execFileSync(ex.session.meta.python, ['-c', raw, ex.session.tls.dir, ex.session.address, String(N), mode], {
      encoding: 'utf8',
    }).trim(),
  );
const rawMs = { noop: rawRun('noop') };
const rawShell = await clusterCpu(async () => rawRun('shell'));
rawMs.shell = rawShell.value;
row(`raw Dask: ${N} no-op Python tasks, bulk`, `${rawMs.noop.toFixed(2)} ms/task`);
row(`raw Dask: ${N} \`true\` shell tasks (cpus=1), bulk`, `${rawMs.shell.toFixed(2)} ms/task`);
row(
  'CPU during the raw shell batch: scheduler / workers with their tasks',
  `${rawShell.scheduler} / ${rawShell.workers}`,
);

const submitAll = async (tag) => {
  const t0 = performance.now();
  const rs = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      ex.submit({
        id: `${tag}${i}`,
        command: 'true',
        cwd: work,
        env: {},
        resources: { cpus: 1, gpus: 0 },
        logPath: join(work, 'logs', `${tag}${i}.log`),
      }),
    ),
  );
  const bad = rs.filter((r) => r.reason !== 'exit' || r.exitCode !== 0).length;
  if (bad) throw new Error(`${bad} tasks failed`);
  return (performance.now() - t0) / N;
};
await submitAll('warm'); // warm-up
const bridgePid = ex.session.meta.bridgePid;
const before = { lc: process.cpuUsage(), bridge: procCpuS(bridgePid) };
const lcBatch = await clusterCpu(() => submitAll('t'));
const lcMs = lcBatch.value;
const lcCpu = process.cpuUsage(before.lc);
row(
  `lc Dask executor: ${N} \`true\` tasks, bulk`,
  `${lcMs.toFixed(2)} ms/task`,
  `${(1000 / lcMs).toFixed(0)} tasks/s (raw Dask: ${(1000 / rawMs.shell).toFixed(0)} tasks/s), ${(lcMs / rawMs.shell).toFixed(2)}x raw`,
);
row(
  'CPU during the batch: lc (this process) / scheduler / bridge',
  `${((lcCpu.user + lcCpu.system) / 1e6).toFixed(2)} s / ${lcBatch.scheduler} / ${cpuDelta(procCpuS(bridgePid), before.bridge)}`,
  `per task: ${((lcCpu.user + lcCpu.system) / 1e3 / N).toFixed(2)} ms in lc`,
);
row('CPU during the lc batch: workers with their tasks', lcBatch.workers, `raw shell batch: ${rawShell.workers}`);
row(
  'bridge memory: RSS now / peak',
  `${procMem(bridgePid, 'VmRSS')} / ${procMem(bridgePid, 'VmHWM')}`,
  `pid ${bridgePid ?? '?'}`,
);
const overhead = lcMs - rawMs.shell;
row(
  'executor overhead per task (lc - raw shell)',
  `${overhead.toFixed(2)} ms`,
  overhead <= 3 ? 'PASS (<= 3 ms)' : 'MISS (> 3 ms)',
);
await ex.close();

// full lc run, warm scheduler: first task start relative to process spawn
const lcRun = (args, cwd = proj) =>
  new Promise((res, rej) => {
    const t0 = Date.now();
    // the bundled command, as `npm install` puts it on PATH
    const p = spawn(process.execPath, [join(ROOT, 'dist/bin/lc.js'), 'run', '--json', ...args], {
      cwd,
      env: { ...env, NO_COLOR: '1' },
    });
    let buf = '';
    let first = null;
    let plan = null;
    let finished = null;
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const e = JSON.parse(line);
          if (e.type === 'task_started' && first === null) first = e.t - t0;
          if (e.type === 'plan_ready' && plan === null) plan = e.t - t0;
          if (e.type === 'run_finished') finished = e;
        } catch {
          /* not an event */
        }
      }
    });
    p.on('exit', (code) =>
      code === 0 ? res({ first, plan, wall: Date.now() - t0, finished }) : rej(new Error(`lc run exited ${code}`)),
    );
  });
// a 4-task project (the same recipe) isolates lc's start-up from planning 500 tasks
const small = join(work, 'small');
mkdirSync(join(small, 'universes'), { recursive: true });
writeFileSync(
  join(small, 'astra.yaml'),
  readFileSync(join(proj, 'astra.yaml'), 'utf8').replace(/^ {6}r([4-9]|\d\d+): .*\n/gm, ''),
);
for (let i = 0; i < 4; i++)
  writeFileSync(join(small, 'universes', `u${i}.yaml`), `id: u${i}\ndecisions:\n  rep: r${i}\n`);
const firstOf = async (cwd, label) => {
  const rs = [];
  for (let i = 0; i < 3; i++) rs.push(await lcRun(['--force'], cwd));
  const best = rs.sort((a, b) => a.first - b.first)[0];
  const median = rs[1];
  row(
    `lc run --force, ${label}, warm: first task started after`,
    `${(best.first / 1000).toFixed(3)} s`,
    `${best.first < 300 ? 'PASS (< 0.3 s)' : 'MISS (>= 0.3 s)'}; plan ready at ${(best.plan / 1000).toFixed(3)} s (best of 3; median ${(median.first / 1000).toFixed(3)} s, plan ${(median.plan / 1000).toFixed(3)} s)`,
  );
  return best;
};
await firstOf(small, '4-task project');
const best = await firstOf(proj, `${N}-task project`);
row(
  `lc run --force, ${N}-task project, warm: wall`,
  `${(best.wall / 1000).toFixed(2)} s`,
  `(${(best.wall / N).toFixed(2)} ms/task incl. status, manifests, journal)`,
);

const md = ['| measure | value | note |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
mkdirSync(OUT, { recursive: true });
writeFileSync(
  join(OUT, N === 500 ? 'results.md' : `results-${N}.md`),
  `# Session scheduler benchmark, ${N} tasks (${new Date().toISOString()})\n\n${md}\n`,
);
console.log(md);
await stopScheduler({ projectRoot: proj, env });
