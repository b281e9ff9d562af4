/**
 * Run journals: every run appends its events to `<scratch>/.lightcone/runs/<project-hash>/<runId>.jsonl`
 * so another process (the TUI in another tmux pane, a script) can read or follow a run it did
 * not start. Writes are batched: the hot path only pushes a string; a timer flushes with one
 * write. Events that matter to a follower right away (failures, the end) flush at once.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorMessage, LcError } from '../errors.js';
import type { RunEvent } from '../events.js';
import type { ScratchPaths } from '../scratch/paths.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION, JournalHeaderSchema, RunEventSchema, type JournalHeader } from './journal-schema.js';

export { JOURNAL_FORMAT, JOURNAL_VERSION, type JournalHeader } from './journal-schema.js';

/** Journals kept per project; older ones are removed when a new run starts. */
export const JOURNALS_KEPT = 20;
const FLUSH_MS = 200;

/** Sortable, unique run id: UTC time to the millisecond plus the pid. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${iso}-${process.pid}`;
}

export const journalPath = (scratch: ScratchPaths, runId: string): string => join(scratch.runs, `${runId}.jsonl`);

export interface JournalWriter {
  readonly path: string;
  readonly header: JournalHeader;
  append(event: RunEvent): void;
  /** Write what is buffered now (synchronously). */
  flush(): void;
  /** Flush and close. Further appends are ignored. */
  close(): void;
}

/** Remove all but the newest `keep` journals (by name, which sorts by start time). */
export function pruneJournals(scratch: ScratchPaths, keep = JOURNALS_KEPT): void {
  let names: string[];
  try {
    names = readdirSync(scratch.runs).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return;
  }
  names.sort();
  for (const n of names.slice(0, Math.max(0, names.length - keep))) {
    try {
      unlinkSync(join(scratch.runs, n));
    } catch {
      // Another run pruned it first.
    }
  }
}

export function createJournal(
  scratch: ScratchPaths,
  info: { runId: string; projectRoot: string; argv?: string[] },
  opts: { keep?: number } = {},
): JournalWriter {
  mkdirSync(scratch.runs, { recursive: true });
  // Prune before creating ours, keeping room for it.
  pruneJournals(scratch, Math.max(0, (opts.keep ?? JOURNALS_KEPT) - 1));
  const path = journalPath(scratch, info.runId);
  const header: JournalHeader = {
    format: JOURNAL_FORMAT,
    schema_version: JOURNAL_VERSION,
    run_id: info.runId,
    pid: process.pid,
    host: hostname(),
    started_at: Date.now(),
    project_root: info.projectRoot,
    ...(info.argv ? { argv: info.argv } : {}),
  };
  let fd: number | null = openSync(path, 'a');
  writeSync(fd, JSON.stringify(header) + '\n');
  let buf: string[] = [];
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (fd === null || buf.length === 0) return;
    const chunk = buf.join('');
    buf = [];
    try {
      writeSync(fd, chunk);
    } catch {
      // A full or vanished scratch dir must not kill the run; the journal is a mirror of events.
    }
  };
  return {
    path,
    header,
    append(event) {
      if (fd === null) return;
      buf.push(JSON.stringify(event) + '\n');
      const urgent = event.type === 'task_failed' || event.type === 'run_finished' || event.type === 'plan_ready';
      if (urgent) flush();
      else if (!timer) {
        timer = setTimeout(flush, FLUSH_MS);
        timer.unref();
      }
    },
    flush,
    close() {
      flush();
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

export interface JournalContents {
  header: JournalHeader;
  events: RunEvent[];
  /** True when the last event is run_finished. */
  finished: boolean;
  /** Lines that did not parse (a torn last line from a killed writer counts here). */
  badLines: number;
}

function parseHeader(line: string, path: string): JournalHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new LcError('JOURNAL_INVALID', `${path}: the first line is not JSON: ${errorMessage(e)}`);
  }
  const r = JournalHeaderSchema.safeParse(raw);
  if (!r.success) {
    throw new LcError('JOURNAL_INVALID', `${path}: not a run journal header (${r.error.issues[0]?.message ?? 'invalid'})`, {
      hint: `expected format ${JOURNAL_FORMAT} version ${JOURNAL_VERSION}`,
    });
  }
  return r.data;
}

function parseEvent(line: string): RunEvent | null {
  try {
    const r = RunEventSchema.safeParse(JSON.parse(line));
    return r.success ? (r.data as RunEvent) : null;
  } catch {
    return null;
  }
}

/** Read a whole journal. Throws LcError('JOURNAL_INVALID') when it is not one. */
export async function readJournal(path: string): Promise<JournalContents> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const first = lines.shift();
  if (first === undefined || first === '') throw new LcError('JOURNAL_INVALID', `${path}: empty run journal`);
  const header = parseHeader(first, path);
  const events: RunEvent[] = [];
  let badLines = 0;
  for (const l of lines) {
    if (!l) continue;
    const e = parseEvent(l);
    if (e) events.push(e);
    else badLines++;
  }
  return { header, events, finished: events.at(-1)?.type === 'run_finished', badLines };
}

/** Path of the newest journal of this project, or null when there is none. */
export function latestJournal(scratch: ScratchPaths): string | null {
  let names: string[];
  try {
    names = readdirSync(scratch.runs).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  names.sort();
  return join(scratch.runs, names[names.length - 1] as string);
}

/** True while the journal's owner may still be running (always true for another host). */
export function journalOwnerAlive(header: JournalHeader): boolean {
  if (header.host !== hostname()) return true;
  try {
    process.kill(header.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ask the owner of a run to stop, as Ctrl-C would (SIGINT; `force` sends a second one, which
 * makes the owner kill its tasks at once). Only possible on the owner's host.
 */
export function requestCancel(header: JournalHeader, opts: { force?: boolean } = {}): { ok: boolean; reason?: string } {
  if (header.host !== hostname()) return { ok: false, reason: `the run is owned by ${header.host}, not this host` };
  try {
    process.kill(header.pid, 'SIGINT');
    if (opts.force) setTimeout(() => process.kill(header.pid, 'SIGINT'), 50).unref();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: errorMessage(e) };
  }
}

export interface JournalFollower {
  header: JournalHeader;
  /** Resolves when the run finished, the owner died without finishing, or stop() was called. */
  done: Promise<{ finished: boolean; ownerGone: boolean }>;
  stop(): void;
}

/**
 * Follow a journal as it grows: replays what is there, then calls onEvent for every new event
 * until run_finished (or until the owner is gone without finishing, checked on this host).
 * Polls (fs.watch is unreliable on network file systems, where scratch dirs live).
 */
export function followJournal(
  path: string,
  onEvent: (event: RunEvent) => void,
  opts: { intervalMs?: number } = {},
): JournalFollower {
  const fd = openSync(path, 'r');
  let offset = 0;
  let partial = '';
  let header: JournalHeader | null = null;
  const chunk = Buffer.allocUnsafe(256 * 1024);
  let finished = false;
  let stopped = false;
  let resolveDone!: (v: { finished: boolean; ownerGone: boolean }) => void;
  const done = new Promise<{ finished: boolean; ownerGone: boolean }>((r) => (resolveDone = r));

  const readNew = () => {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, offset);
      if (n <= 0) break;
      offset += n;
      const text = partial + chunk.toString('utf8', 0, n);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (!l) continue;
        if (header === null) {
          header = parseHeader(l, path);
          continue;
        }
        const e = parseEvent(l);
        if (!e) continue;
        onEvent(e);
        if (e.type === 'run_finished') finished = true;
      }
    }
  };

  const end = (ownerGone: boolean) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    closeSync(fd);
    resolveDone({ finished, ownerGone });
  };

  // The header must be there before anyone follows: read it synchronously.
  readNew();
  if (header === null) {
    closeSync(fd);
    throw new LcError('JOURNAL_INVALID', `${path}: no run journal header`);
  }
  const h: JournalHeader = header;
  const timer = setInterval(() => {
    try {
      readNew();
    } catch {
      // Pruned under us: treat as ended.
      end(true);
      return;
    }
    if (finished) end(false);
    else if (!journalOwnerAlive(h)) {
      // Read once more: the owner may have written its last lines just before exiting.
      readNew();
      end(!finished);
    }
  }, opts.intervalMs ?? 250);
  if (finished) setImmediate(() => end(false));
  return { header: h, done, stop: () => end(false) };
}

/** Size of the journal file so far (cheap progress for a follower). */
export function journalSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
