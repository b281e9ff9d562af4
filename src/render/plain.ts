/**
 * The plain run renderer: one line per event, each starting with the local date and time (ISO
 * 8601 with its offset: a multi-day sbatch log stays readable) and the task id, for sbatch logs,
 * CI and `tail -f | grep`. A finished task's line ends with how many of the run's tasks are
 * finished (`12/800`). No cursor movement ever; colour only when the caller's Paint allows it.
 * Lines are batched into few writes (a 10,000-task run prints 20,000 lines) and flushed at once
 * for failures and at the end. Quiet: failures, warnings and the end only.
 */
import { hostname } from 'node:os';
import { assertNever } from '../../engine/errors.js';
import type { RunEvent } from '../../engine/events.js';
import type { Resources } from '../../engine/astra/model.js';
import { groupFailures } from '../../engine/status/failure-groups.js';
import { formatDuration, formatSpecBytes } from '../../engine/units.js';
import type { Paint } from '../color.js';

export interface PlainRendererOptions {
  out: NodeJS.WritableStream;
  paint: Paint;
  /** Print task output lines too (off by default: the log file has them). */
  showOutput?: boolean;
  /** Only what needs attention: failures, warnings, a stop, the end (`lc run -q`). */
  quiet?: boolean;
  /** Time formatter; default the local time in ISO 8601 with its offset. */
  clock?: (t: number) => string;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
export function hms(t: number): string {
  const d = new Date(t);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local time as ISO 8601 with its offset: `2026-12-07T14:03:09+01:00` (`Z` at UTC). */
export function isoLocal(t: number): string {
  const d = new Date(t);
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad2(Math.floor(Math.abs(off) / 60))}:${pad2(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${hms(t)}${zone}`;
}

export function resourceTag(executor: string, r: Resources, host?: string): string {
  const parts = [executor];
  if (host) parts.push(`on ${host}`);
  parts.push(`cpus=${r.cpus}`);
  if (r.memoryBytes !== undefined) parts.push(`mem=${formatSpecBytes(r.memoryBytes)}`);
  if (r.gpus > 0) parts.push(`gpus=${r.gpus}`);
  return `[${parts.join(' ')}]`;
}

function failureWhat(e: Extract<RunEvent, { type: 'task_failed' }>): string {
  switch (e.reason) {
    case 'exit':
      return `exit ${e.exitCode}`;
    case 'signal':
      return `killed by ${e.signal}`;
    case 'time_limit':
      return 'time limit';
    case 'cancelled':
      return 'cancelled';
    case 'does_not_fit':
      return 'does not fit';
    default:
      return e.reason.replace(/_/g, ' ');
  }
}

export class PlainRunRenderer {
  private readonly out: NodeJS.WritableStream;
  private readonly p: Paint;
  private readonly showOutput: boolean;
  private readonly quiet: boolean;
  private readonly clock: (t: number) => string;
  /** Tasks of the run that finished (ok, failed, blocked). */
  private finished = 0;
  private buf: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private planned = 0;
  private readonly failed: { id: string; what: string; logPath: string; tail: readonly string[] }[] = [];
  private readonly blockedBy = new Map<string, number>();
  private deduplicated = 0;
  private warnings = 0;
  /** Set when the session scheduler was stopped under the run: said again in the epilog. */
  private schedulerStopped: string | undefined;
  /** Set when the session scheduler failed under the run (it could not go on): said again in the epilog. */
  private schedulerFailed: string | undefined;
  private hostname: string | undefined;

  constructor(opts: PlainRendererOptions) {
    this.out = opts.out;
    this.p = opts.paint;
    this.showOutput = opts.showOutput === true;
    this.quiet = opts.quiet === true;
    this.clock = opts.clock ?? isoLocal;
  }

  /** Subscribe this to runTasks. */
  readonly handle = (e: RunEvent): void => {
    const time = this.p.dim(this.clock(e.t));
    const line = (tag: string, rest: string) => this.buf.push(`${time} ${tag} ${rest}`);
    // quiet: what needs attention only
    const routine = (tag: string, rest: string) => {
      if (!this.quiet) line(tag, rest);
    };
    const count = () => this.p.dim(`  ${++this.finished}/${this.planned}`);
    switch (e.type) {
      case 'plan_ready': {
        this.planned = e.tasks.length;
        const dedup = e.tasks.filter((t) => t.dedupFrom !== undefined).length;
        const what = e.tasks.length === 0 ? 'nothing to run' : `${e.tasks.length} to run${dedup ? ` (${dedup} by deduplication)` : ''}`;
        routine(this.p.bold('plan  '), `${what}, ${e.upToDate} up to date, executor ${e.executor}`);
        break;
      }
      case 'image_preparing':
        routine(this.p.bold('image '), `${e.work === 'build' ? 'building' : 'pulling'} ${e.container} -> ${e.image} (${e.runtime})`);
        this.flush();
        break;
      case 'image_output':
        // the build's steps are its progress; the rest of its output with -v
        if (this.showOutput || /^STEP \d+\/\d+/.test(e.line)) routine(this.p.dim('image '), this.p.dim(e.line));
        break;
      case 'image_ready':
        routine(this.p.tone('ok', 'image '), `${e.action} ${e.image} in ${formatDuration(e.durationS)}${e.imageId ? this.p.dim(` ${e.imageId.slice(0, 19)}`) : ''}`);
        this.flush();
        break;
      case 'task_started':
        routine(this.p.tone('running', 'start '), `${e.id}  ${this.p.dim(resourceTag(e.executor, e.resources, this.remoteHost(e.host)))}`);
        break;
      case 'task_restarted':
        line(this.p.tone('running', 'again '), `${e.id}  ${this.p.dim(`on ${this.remoteHost(e.host)} (${e.why})`)}`);
        break;
      case 'task_output':
        if (this.showOutput) line(this.p.dim('out   '), `${e.id}  ${e.line}`);
        break;
      case 'task_succeeded': {
        if (e.dedupFrom !== undefined) this.deduplicated++;
        const from = e.dedupFrom !== undefined ? `  ${this.p.dim(`linked from ${e.dedupFrom}`)}` : '';
        const n = count();
        routine(this.p.tone('ok', 'ok    '), `${e.id}  ${formatDuration(e.durationS)}${from}${n}`);
        for (const w of e.warnings) {
          this.warnings++;
          line(this.p.yellow('warn  '), `${e.id}  ${w}`);
        }
        break;
      }
      case 'task_failed': {
        const what = failureWhat(e);
        if (e.reason !== 'cancelled') this.failed.push({ id: e.id, what, logPath: e.logPath, tail: e.tail });
        const log = e.logPath ? `  log: ${e.logPath}` : '';
        // the count before the log path, which stays last (easy to copy)
        line(this.p.tone('failed', 'FAIL  '), `${e.id}  ${what}${e.reason === 'cancelled' ? '' : count()}${log}`);
        for (const l of e.tail) this.buf.push(`    ${l}`);
        this.flush();
        break;
      }
      case 'task_blocked':
        this.blockedBy.set(e.blockedBy, (this.blockedBy.get(e.blockedBy) ?? 0) + 1);
        line(this.p.tone('blocked', 'block '), `${e.id}  ${this.p.dim(`(${e.blockedBy} failed)`)}${count()}`);
        break;
      case 'progress': {
        const total = this.planned;
        const eta = e.etaS === null ? '?' : formatDuration(e.etaS);
        routine(
          this.p.bold('progress'),
          `done ${e.done}/${total}  running ${e.running}  pending ${e.pending}  failed ${e.failed}  elapsed ${formatDuration(e.elapsedS)}  ETA ${eta}`,
        );
        break;
      }
      case 'run_cancelling': {
        line(this.p.yellow('stop  '), this.cancellingLine(e));
        this.flush();
        break;
      }
      case 'run_finished':
        if (this.planned > 0) this.epilog(e, time);
        this.flush();
        break;
      case 'task_queued':
      case 'task_skipped':
        break;
      default:
        assertNever(e);
    }
    if (this.buf.length > 0 && !this.timer) {
      this.timer = setTimeout(() => this.flush(), 100);
      this.timer.unref();
    }
  };

  /** What a run that stops scheduling says, and what its epilog will repeat. */
  private cancellingLine(e: Extract<RunEvent, { type: 'run_cancelling' }>): string {
    switch (e.reason) {
      case 'failure':
        return 'a task failed: running tasks finish, nothing new starts (--keep-going to continue)';
      case 'scheduler':
        this.schedulerStopped = e.detail ?? 'the session scheduler was stopped';
        return `${this.schedulerStopped}: its tasks are cancelled, no manifest is written for them`;
      case 'scheduler_failed':
        this.schedulerFailed = e.detail ?? 'the session scheduler failed';
        return `${this.schedulerFailed}: its tasks are cancelled, no manifest is written for them`;
      default:
        return 'stopping: running tasks get SIGTERM, no manifest is written for them (again to kill at once)';
    }
  }

  private remoteHost(host: string): string | undefined {
    if (this.hostname === undefined) this.hostname = hostname();
    return host && host !== this.hostname ? host : undefined;
  }

  private epilog(e: Extract<RunEvent, { type: 'run_finished' }>, time: string): void {
    const p = this.p;
    const parts = [p.tone('ok', `${e.succeeded} ok`)];
    if (this.deduplicated) parts[0] += p.dim(` (${this.deduplicated} linked)`);
    if (e.failed) parts.push(p.tone('failed', `${e.failed} failed`));
    if (e.blocked) parts.push(p.tone('blocked', `${e.blocked} blocked`));
    if (e.cancelled) parts.push(p.yellow(`${e.cancelled} cancelled`));
    if (e.skipped) parts.push(p.yellow(`${e.skipped} not started`));
    if (this.warnings) parts.push(p.yellow(`${this.warnings} warnings`));
    this.buf.push(`${time} ${p.bold('done  ')} ${parts.join(', ')}  wall ${formatDuration(e.wallS)}  cpu ${formatDuration(e.cpuS)}`);
    if (this.schedulerStopped !== undefined) {
      this.buf.push(p.yellow(`cancelled: ${this.schedulerStopped}; lc run again to finish (it starts a new scheduler)`));
    }
    // no "run again" hint: a failure's cause (a queue sbatch refuses) may need fixing first
    if (this.schedulerFailed !== undefined) this.buf.push(p.red(`failed: ${this.schedulerFailed}`));
    if (this.failed.length) {
      this.buf.push(p.red('failed:'));
      for (const f of this.failed) {
        const blocked = this.blockedBy.get(f.id);
        const b = blocked ? p.dim(`  (${blocked} blocked)`) : '';
        this.buf.push(`  ${f.id}  ${f.what}${f.logPath ? `  log: ${f.logPath}` : ''}${b}`);
      }
      this.causes();
    }
  }

  /**
   * Failures that end alike, grouped (engine/status/failure-groups.ts): said when any two share
   * a cause. In task order, not the order they failed in: the same failures give the same epilog.
   */
  private causes(): void {
    const byId = [...this.failed].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    const groups = groupFailures(byId.map((f) => ({ id: f.id, universe: f.id.slice(0, f.id.indexOf('/')), tail: f.tail, fallback: f.what })));
    if (groups.length === this.failed.length) return;
    this.buf.push(this.p.red('failed, by cause:'));
    for (const g of groups) {
      const n = g.tasks.length;
      this.buf.push(`  ${n} task${n === 1 ? '' : 's'}: ${g.message}`);
      this.buf.push(this.p.dim(`    ${g.tasks.length <= 6 ? g.tasks.join(', ') : `${g.tasks.slice(0, 5).join(', ')} and ${n - 5} more`}`));
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buf.length === 0) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.out.write(text);
  }
}
