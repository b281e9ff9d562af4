/**
 * Helpers for the HPC suite: the test cluster's environment, allocations, processes.
 */
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { LC } from '../helpers/lc.js';

export const CLUSTER_DIR = process.env.LC_CLUSTER_DIR ?? '/tmp/lc-cluster';
/**
 * The lane's interpreter: LC_PYTHON (scripts/with-debian13.sh points it into the Debian 13 root),
 * else Debian's, the one that sees python3-distributed (PATH may hold a pyenv one).
 */
export const PY = process.env.LC_PYTHON ?? '/usr/bin/python3';

/** SLURM_CONF etc. of the running test cluster (written by scripts/cluster-up.sh). */
export function clusterEnv(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(`${CLUSTER_DIR}/env`, 'utf8');
  } catch {
    throw new Error(
      `no test cluster env in ${CLUSTER_DIR}/env: run the hpc project (its global setup starts the cluster) or scripts/cluster-up.sh`,
    );
  }
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_]+)=(.*)$/gm))
    env[m[1] as string] = (m[2] as string).replace(/^'|'$/g, '');
  env.PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  return env;
}

/** Node i's address on the test cluster's network: its own in netns mode, loopback in uts mode. */
export function nodeAddress(env: Record<string, string>, i: number): string {
  return env.LC_CLUSTER_NET === 'netns' ? `${env.LC_CLUSTER_SUBNET}.${10 + i}` : '127.0.0.1';
}

export interface Allocation {
  jobId: string;
  /** What `lc` sees inside the allocation. */
  env: Record<string, string>;
  release(): Promise<void>;
}

/** `salloc --no-shell`: an allocation that any process can use with its SLURM_JOB_ID. */
export async function allocate(nodes = 2, extra: string[] = ['--exclusive']): Promise<Allocation> {
  const env = clusterEnv();
  const r = await execa('salloc', [`-N${nodes}`, ...extra, '--no-shell'], { env, reject: false, timeout: 60_000 });
  const m = /Granted job allocation (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`salloc failed: ${r.stderr}`);
  const jobId = m[1] as string;
  return {
    jobId,
    env: { ...env, SLURM_JOB_ID: jobId, SLURM_JOB_NUM_NODES: String(nodes), SLURM_NNODES: String(nodes) },
    release: async () => {
      await execa('scancel', [jobId], { env, reject: false });
    },
  };
}

/** Live processes whose command line contains `text` (our temp dirs appear in every argv). */
export function processesMatching(text: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(text)) out.push({ pid: Number(name), cmd });
    } catch {
      // gone
    }
  }
  return out;
}

/** Alive and not a zombie (a killed orphan may linger as a zombie until its reaper runs). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Kill what a failed test left behind (only processes naming our temp dir). */
export function killMatching(text: string): void {
  for (const p of processesMatching(text)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 200,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * `lc run --plain ARGS...` started in `root` and left running: the process, and what it printed
 * so far (stdout and stderr together). `timeoutMs` undefined: no time limit.
 */
export function startLcRun(
  root: string,
  env: Record<string, string>,
  args: string[],
  timeoutMs: number | undefined = 170_000,
): { run: ReturnType<typeof execa>; out: () => string } {
  const run = execa(process.execPath, [LC, 'run', '--plain', ...args], {
    cwd: root,
    env,
    reject: false,
    all: true,
    ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
  });
  let out = '';
  run.all?.on('data', (d: Buffer) => (out += d.toString()));
  return { run, out: () => out };
}

/**
 * A sweep of n universes r0..r{n-1} over one decision `rep`: its astra.yaml (`outputs`: the
 * YAML list under `outputs:`) and its universe files.
 */
export function replicaSweep(id: string, title: string, n: number, outputs: string): Record<string, string> {
  return {
    'astra.yaml': `id: ${id}
version: "0.0.12"
name: ${title}
inputs: []
decisions:
  rep:
    label: Replicate
    options:
${Array.from({ length: n }, (_, i) => `      r${i}: {label: Replicate ${i}}`).join('\n')}
outputs:
${outputs}`,
    ...Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`universes/r${i}.yaml`, `id: r${i}\ndecisions: {rep: r${i}}\n`]),
    ),
  };
}

/** A project whose every task records `host start end` and needs `cpus` cpus. */
export function probeProject(universes: number, cpus: number, sleepS: number): Record<string, string> {
  const files: Record<string, string> = {
    'astra.yaml': `id: probe
version: "0.0.12"
name: Probe
inputs: []
decisions:
  rep:
    label: Replicate
    options:
${Array.from({ length: universes }, (_, i) => `      r${i}: {label: Replicate ${i}}`).join('\n')}
outputs:
  - id: probe
    type: data
    label: Where and when it ran
    decisions: [rep]
    recipe:
      command: sh scripts/probe.sh {output} {decisions.rep}
      resources: {cpus: ${cpus}}
`,
    'scripts/probe.sh': `#!/bin/sh
set -eu
mkdir -p "$1"
s=$(date +%s%3N)
sleep ${sleepS}
e=$(date +%s%3N)
echo "$(hostname) $s $e" > "$1/probe.txt"
echo "probe $2 ran on $(hostname)"
`,
  };
  for (let i = 0; i < universes; i++) files[`universes/u${i}.yaml`] = `id: u${i}\ndecisions:\n  rep: r${i}\n`;
  return files;
}

/** lc's pilot jobs in squeue (named `lc-pilot-<queue>`), pending and running. */
export async function pilotJobs(env: Record<string, string>): Promise<{ id: string; state: string; name: string }[]> {
  const r = await execa('squeue', ['-h', '-o', '%i|%T|%j'], { env, reject: false });
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((f) => f.length === 3 && (f[2] as string).startsWith('lc-pilot-'))
    .map(([id, state, name]) => ({ id: id as string, state: state as string, name: name as string }));
}

/** Nothing queued and every node idle: a job of the previous test may still be completing. */
export async function waitClusterIdle(env: Record<string, string>, timeoutMs = 120_000): Promise<boolean> {
  const idle = async () => {
    const q = await execa('squeue', ['-h', '-o', '%i'], { env, reject: false });
    const n = await execa('sinfo', ['-h', '-N', '-o', '%T'], { env, reject: false });
    return (
      String(q.stdout).trim() === '' &&
      String(n.stdout)
        .split('\n')
        .every((st) => st.trim() === 'idle')
    );
  };
  return waitFor(idle, timeoutMs, 500);
}

/**
 * The end of a pilots test file: the next file's allocations must find every node free again,
 * even after a failed test, so pilots still queued after a minute are cancelled.
 */
export async function drainPilots(env: Record<string, string>): Promise<void> {
  const empty = async () =>
    String((await execa('squeue', ['-h', '-o', '%i'], { env, reject: false })).stdout).trim() === '';
  if (await waitFor(empty, 60_000, 500)) return;
  await execa(
    'scancel',
    (await pilotJobs(env)).map((p) => p.id),
    { env, reject: false },
  );
  await waitFor(empty, 60_000, 500);
}
