/**
 * The project run lock: at most one `lc run` per project at a time, on any host that shares the
 * scratch dir. proper-lockfile's mkdir strategy works on Lustre/NFS where flock does not.
 *
 * Who holds the lock is written to a small JSON file next to the lock directory (proper-lockfile
 * removes the directory with rmdir, so nothing may live inside it). A second `lc run` fails at
 * once naming the holder. A lock left behind by a killed process is recovered without anyone
 * deleting files by hand: proper-lockfile treats a lock whose mtime stopped moving as stale, and
 * on the same host we also check the holder's pid so recovery takes seconds, not the stale time.
 *
 * Not only `lc run` takes it: `lc verify --refresh` rewrites manifests too, and holds it for its
 * whole duration. The holder file names the command so a refusal says who is busy.
 */
import { mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { errorMessage, LcError } from '../errors.js';
import { deferred, once, zod } from '../lazy-zod.js';
import type { ScratchPaths } from '../scratch/paths.js';

export const RUN_LOCK_HOLDER_VERSION = 1;

function buildHolderSchema() {
  const z = zod();
  return z.object({
    schema_version: z.literal(RUN_LOCK_HOLDER_VERSION),
    pid: z.number().int(),
    host: z.string(),
    /** ISO time the lock was taken. */
    started_at: z.string(),
    /** Run id of the run holding it (names the run journal), when known. */
    run_id: z.string().optional(),
    project_root: z.string().optional(),
    /**
     * The command holding it (`lc verify --refresh`); absent means `lc run`. Optional within
     * schema_version 1 on purpose: older lc versions parse the file as before (zod drops the
     * unknown key), so they still recover a dead holder's lock; they only call every holder
     * "lc run". A version bump would make them treat the file as unreadable instead.
     */
    command: z.string().optional(),
  });
}

/** Built on first use (see lazy-zod.ts). */
export const RunLockHolderSchema: ReturnType<typeof buildHolderSchema> = deferred(once(buildHolderSchema));
export type RunLockHolderFile = z.infer<typeof RunLockHolderSchema>;

export interface RunLockHolder {
  pid: number;
  host: string;
  /** ISO time. */
  startedAt: string;
  runId?: string;
  projectRoot?: string;
  /** The command holding the lock; undefined means `lc run` (which does not say). */
  command?: string;
}

export interface RunLock {
  /** Holder info as written. */
  holder: RunLockHolder;
  /** The dead same-host holder whose lock was broken to take this one, if any (its tasks may be orphans). */
  recovered: RunLockHolder | null;
  /** Record the run id once known (the journal is created after the lock). */
  setRunId(runId: string): void;
  release(): Promise<void>;
}

/**
 * Timing: the lock's mtime is refreshed every UPDATE_MS; a lock older than STALE_MS is stale for
 * anyone. A same-host holder whose pid is gone is treated as stale once the lock dir is older
 * than DEAD_HOLDER_MS: a lock someone took a moment ago still carries the previous holder's
 * file for the few milliseconds until the new one writes its own, and must not be broken.
 */
const UPDATE_MS = 2_000;
const STALE_MS = 20_000;
const DEAD_HOLDER_MS = 1_500;

export const lockDirOf = (scratch: ScratchPaths): string => `${scratch.runLock}.lock`;
export const holderFileOf = (scratch: ScratchPaths): string => `${scratch.runLock}.holder.json`;

function readHolderFile(path: string): RunLockHolder | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = RunLockHolderSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return null;
    const h = parsed.data;
    return {
      pid: h.pid,
      host: h.host,
      startedAt: h.started_at,
      ...(h.run_id !== undefined ? { runId: h.run_id } : {}),
      ...(h.project_root !== undefined ? { projectRoot: h.project_root } : {}),
      ...(h.command !== undefined ? { command: h.command } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * Whether the holder file still names `h` (so releasing may delete it). Checked by hand, not
 * with the zod schema: every run releases its lock, and loading zod for this one comparison
 * cost a no-op `lc run` ~55 ms of its 0.5 s budget.
 */
function holderFileNames(path: string, h: RunLockHolder): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
  if (typeof doc !== 'object' || doc === null) return false;
  const f = doc as Partial<Record<keyof RunLockHolderFile, unknown>>;
  return f.schema_version === RUN_LOCK_HOLDER_VERSION && f.pid === h.pid && f.host === h.host;
}

function writeHolderFile(path: string, h: RunLockHolder): void {
  const doc: RunLockHolderFile = {
    schema_version: RUN_LOCK_HOLDER_VERSION,
    pid: h.pid,
    host: h.host,
    started_at: h.startedAt,
    ...(h.runId !== undefined ? { run_id: h.runId } : {}),
    ...(h.projectRoot !== undefined ? { project_root: h.projectRoot } : {}),
    ...(h.command !== undefined ? { command: h.command } : {}),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc) + '\n');
  renameSync(tmp, path);
}

/** True when `pid` is a live process on this host (EPERM means alive but not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockMtimeAgeMs(lockDir: string): number | null {
  try {
    return Date.now() - statSync(lockDir).mtimeMs;
  } catch {
    return null;
  }
}

/** The run lock as found on disk. */
export interface RunLockState {
  /** Who took it (`pid 0, host unknown` when its holder file is unreadable). */
  holder: RunLockHolder;
  /**
   * False when the lock was left behind: not refreshed for STALE_MS (its holder, on any host,
   * is gone) or held by a process of this host that no longer exists. The next run breaks it.
   */
  held: boolean;
}

/** The run lock, held or left behind; null when there is none. */
export function inspectRunLock(scratch: ScratchPaths): RunLockState | null {
  const age = lockMtimeAgeMs(lockDirOf(scratch));
  if (age === null) return null;
  const file = readHolderFile(holderFileOf(scratch));
  const holder = file ?? { pid: 0, host: 'unknown', startedAt: new Date(Date.now() - age).toISOString() };
  const deadHere = file !== null && file.host === hostname() && !pidAlive(file.pid);
  return { holder, held: age <= STALE_MS && !deadHere };
}

/**
 * Who holds the run lock right now, or null when nobody does (no lock, or a stale one left by a
 * process that is gone). For the TUI and for error messages.
 */
export async function readRunLockHolder(scratch: ScratchPaths): Promise<RunLockHolder | null> {
  const lock = inspectRunLock(scratch);
  return lock?.held ? lock.holder : null;
}

/** The command a holder runs: `lc run` unless it said otherwise. */
export const holderCommand = (h: RunLockHolder): string => h.command ?? 'lc run';

function describeHolder(h: RunLockHolder | null): string {
  if (!h) return 'another lc run (holder unknown)';
  return `${holderCommand(h)} pid ${h.pid} on ${h.host}, started ${h.startedAt}`;
}

/** "already being run" only when a run holds it; any other holder just keeps the project busy. */
function lockedMessage(h: RunLockHolder | null): string {
  const busy = h && holderCommand(h) !== 'lc run' ? 'this project is busy' : 'this project is already being run';
  return `${busy}: ${describeHolder(h)}`;
}

/** Break a lock whose same-host holder is dead. Returns that holder when it removed the lock dir. */
function breakDeadLock(scratch: ScratchPaths): RunLockHolder | null {
  const lockDir = lockDirOf(scratch);
  const holder = readHolderFile(holderFileOf(scratch));
  if (!holder || holder.host !== hostname() || pidAlive(holder.pid)) return null;
  const age = lockMtimeAgeMs(lockDir);
  if (age === null) return holder; // already gone
  if (age < DEAD_HOLDER_MS) return null;
  try {
    rmdirSync(lockDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return null;
  }
  return holder;
}

/**
 * proper-lockfile on first use: it loads graceful-fs, retry and signal-exit (~28 ms), and an
 * `lc run` with nothing to do, or a TUI that only reads the holder, never takes the lock.
 */
type ProperLockfile = typeof import('proper-lockfile');
let lockfileModule: Promise<ProperLockfile> | undefined;
function properLockfile(): Promise<ProperLockfile> {
  // A CommonJS module: its exports arrive as `default`.
  return (lockfileModule ??= import('proper-lockfile').then((m) => (m as unknown as { default: ProperLockfile }).default));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AcquireOptions {
  projectRoot?: string;
  runId?: string;
  /** Recorded in the holder file when the holder is not `lc run`, e.g. `lc verify --refresh`. */
  command?: string;
  /**
   * Called if the lock is lost while held (its mtime could not be refreshed, or someone else
   * broke it). The default ignores it: the run continues, the next run will see the fresh holder.
   */
  onCompromised?: (err: Error) => void;
}

/**
 * Take the project run lock or fail at once with LcError('RUN_LOCKED') naming the holder.
 * A lock whose same-host holder died is recovered (waiting up to a few seconds for its mtime to
 * age); a lock from another host is recovered once stale.
 */
export async function acquireRunLock(scratch: ScratchPaths, opts: AcquireOptions = {}): Promise<RunLock> {
  mkdirSync(dirname(scratch.runLock), { recursive: true });
  const lockDir = lockDirOf(scratch);
  const holderPath = holderFileOf(scratch);
  const deadline = Date.now() + DEAD_HOLDER_MS + 1_000;
  let recovered: RunLockHolder | null = null;
  for (;;) {
    try {
      const release = await (await properLockfile()).lock(scratch.runLock, {
        realpath: false,
        lockfilePath: lockDir,
        stale: STALE_MS,
        update: UPDATE_MS,
        retries: 0,
        onCompromised: opts.onCompromised ?? (() => undefined),
      });
      const holder: RunLockHolder = {
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        ...(opts.runId !== undefined ? { runId: opts.runId } : {}),
        ...(opts.projectRoot !== undefined ? { projectRoot: opts.projectRoot } : {}),
        ...(opts.command !== undefined ? { command: opts.command } : {}),
      };
      // A stale lock proper-lockfile broke by itself may also have been left by a dead local run.
      const previous: RunLockHolder | null = recovered ?? readHolderFile(holderPath);
      if (
        !recovered &&
        previous &&
        previous.host === hostname() &&
        previous.pid !== process.pid &&
        !pidAlive(previous.pid)
      ) {
        recovered = previous;
      }
      writeHolderFile(holderPath, holder);
      return {
        holder,
        recovered,
        setRunId(runId: string) {
          holder.runId = runId;
          writeHolderFile(holderPath, holder);
        },
        async release() {
          try {
            if (holderFileNames(holderPath, holder)) unlinkSync(holderPath);
          } catch {
            // The holder file is advisory; a missing one must not fail the release.
          }
          try {
            await release();
          } catch {
            // Already released or compromised: nothing left to undo.
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new LcError('RUN_LOCK_ERROR', `cannot take the run lock ${lockDir}: ${errorMessage(e)}`, {
          context: { lockDir },
          cause: e,
        });
      }
      const holder = readHolderFile(holderPath);
      const deadHere = holder !== null && holder.host === hostname() && !pidAlive(holder.pid);
      if (deadHere && Date.now() < deadline) {
        const broken = breakDeadLock(scratch);
        if (broken) recovered = broken;
        else await sleep(250);
        continue;
      }
      throw new LcError('RUN_LOCKED', lockedMessage(holder), {
        context: { lockDir, holder },
        hint: holder
          ? `wait for it to finish, or stop it (kill -INT ${holder.pid} on ${holder.host})`
          : 'wait for the other run to finish',
      });
    }
  }
}
