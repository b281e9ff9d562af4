/**
 * Helpers for the runner's CLI tests: tiny ASTRA projects, a long-running `lc run` we can
 * signal, and the facts tests assert on (task log timestamps, manifests, status JSON).
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectHash } from '../../engine/scratch/paths.js';
import { copyExample, LC, lc, writeProject } from '../helpers/lc.js';

export const MANIFEST = '.lightcone-manifest.json';

/**
 * A project with one decision `u` (one option per universe) and the given outputs block
 * (YAML, indented by two spaces under `outputs:`). `decisions` adds more decisions (YAML under
 * `decisions:`), `choose` adds lines to each universe's `decisions:`.
 */
export function sweepProject(
  root: string,
  universes: string[],
  outputs: string,
  opts: { decisions?: string; choose?: (u: string, i: number) => string; files?: Record<string, string> } = {},
): string {
  const options = universes.map((u) => `      ${u}: {label: "${u}"}`).join('\n');
  const files: Record<string, string> = {
    'astra.yaml': `id: t
version: "0.0.12"
name: runner test
inputs: []
decisions:
  u:
    label: U
    options:
${options}
${opts.decisions ?? ''}outputs:
${outputs}`,
    ...(opts.files ?? {}),
  };
  universes.forEach((u, i) => {
    files[`universes/${u}.yaml`] = `id: ${u}\ndecisions:\n  u: ${u}\n${opts.choose?.(u, i) ?? ''}`;
  });
  return writeProject(root, files);
}

export interface RunEnv {
  scratch: string;
}

export const envFor = (scratch: string, more: Record<string, string> = {}) => ({ LIGHTCONE_SCRATCH: scratch, ...more });

export function runLc(args: string[], root: string, scratch: string, more: Record<string, string> = {}) {
  return lc(['-C', root, ...args], { env: envFor(scratch, more) });
}

/** The task log of attempt `attempt`. */
export function taskLog(scratch: string, root: string, universe: string, output: string, attempt = 1): string {
  return join(scratch, '.lightcone', 'logs', projectHash(root), universe, `${output}.${attempt}.log`);
}

/** [start, end] ms read from `start <ms>` / `end <ms>` lines a task echoed into its log. */
export function logInterval(path: string): [number, number] {
  const text = readFileSync(path, 'utf8');
  const start = /^start (\d+)$/m.exec(text);
  const end = /^end (\d+)$/m.exec(text);
  if (!start || !end) throw new Error(`no start/end timestamps in ${path}:\n${text}`);
  return [Number(start[1]), Number(end[1])];
}

/** Highest total weight of intervals overlapping at one instant. */
export function peakOverlap(intervals: { span: [number, number]; weight?: number }[]): number {
  const points: [number, number][] = [];
  for (const { span, weight = 1 } of intervals) points.push([span[0], weight], [span[1], -weight]);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

export const hasManifest = (root: string, universe: string, output: string): boolean =>
  existsSync(join(root, 'results', universe, output, MANIFEST));

export function readManifestJson(root: string, universe: string, output: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, 'results', universe, output, MANIFEST), 'utf8')) as Record<string, unknown>;
}

export async function statusJson(root: string, scratch: string): Promise<Map<string, { state: string; reasons: { kind: string; detail: string }[] }>> {
  const r = await runLc(['status', '--json'], root, scratch);
  const doc = JSON.parse(r.stdout) as { tasks: { id: string; state: string; reasons: { kind: string; detail: string }[] }[] };
  return new Map(doc.tasks.map((t) => [t.id, t]));
}

/** A background `lc run` whose output we can watch and which we can signal. */
export class LiveRun {
  readonly proc: ResultPromise;
  private out = '';

  constructor(args: string[], root: string, scratch: string, more: Record<string, string> = {}) {
    this.proc = execa(process.execPath, [LC, '-C', root, 'run', ...args], {
      reject: false,
      env: { NO_COLOR: '1', CI: '1', ...envFor(scratch, more) },
    });
    this.proc.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    this.proc.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
  }

  get output(): string {
    return this.out;
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.out)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${re} in:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async exit(): Promise<{ exitCode: number | undefined; signal: string | undefined; output: string }> {
    const r = await this.proc;
    return { exitCode: r.exitCode, signal: r.signal, output: this.out };
  }
}

/** Process group ids of the tasks a run journaled as started. */
export function startedPids(scratch: string, root: string): number[] {
  const dir = join(scratch, '.lightcone', 'runs', projectHash(root));
  const pids: number[] = [];
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line.includes('"task_started"')) continue;
      const e = JSON.parse(line) as { pid?: number };
      if (e.pid) pids.push(e.pid);
    }
  }
  return pids;
}

/** True for a live process; a zombie (dead, waiting for a parent that may never reap it) is not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A copy of a bundled example (copyExample already leaves out run state). */
export const freshExample = copyExample;
