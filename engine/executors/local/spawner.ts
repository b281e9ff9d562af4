/**
 * How the local executor starts a task's shell. Two ways, same contract:
 *
 * - direct: Node's child_process.spawn. Always available. But Node forks its whole process
 *   to do it: page tables of a 100-200 MB heap are copied, the event loop blocks until the
 *   child has exec'd, and every page lc writes afterwards takes a copy-on-write fault. At
 *   thousands of millisecond-long tasks that is most of lc's cost.
 * - launcher: a small python3 process (os.posix_spawn, i.e. vfork: nothing copied) or, without
 *   python3, a perl one (forks from a few MB; perl-base is part of every Debian/Ubuntu system)
 *   started once per run; lc sends it requests over a pipe and it reports pid, exit status,
 *   CPU time and log size back. LIGHTCONE_SPAWNER=python|perl|direct forces one.
 *
 * Either way the task runs `<shell> -c <command>` in its own session and process group, with
 * stdin from /dev/null and stdout+stderr appended to its log file.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { createLauncherSpawner } from './launcher.js';
import { errorMessage } from '../../errors.js';

export interface SpawnSpec {
  command: string;
  /** `/bin/sh` or bash. */
  shell: string;
  cwd: string;
  /** Variables on top of the spawner's base environment. */
  env: Record<string, string>;
  /** Log file: stdout and stderr go to it. */
  logPath: string;
  /** Direct spawner: an open descriptor of the log file, header written, handed to the child (-1: open it). */
  logFd: number;
  /** Launcher: lines the child writes at the top of the log file it creates. */
  header: string;
}

export interface SpawnHandlers {
  /** The shell runs; `pid` is also its process group id. */
  started(pid: number): void;
  /**
   * It ended. `cpuS`: CPU seconds of the task's processes, `logBytes`: size of its log file at
   * that moment, when the spawner knows them (a log no bigger than its header needs no read).
   */
  exited(exitCode: number | null, signal: NodeJS.Signals | null, cpuS?: number, logBytes?: number): void;
  /** It could not be started (bad working directory, fork failure, ...). */
  failed(message: string): void;
}

export interface Spawner {
  readonly kind: 'direct' | 'python' | 'perl';
  spawn(spec: SpawnSpec, h: SpawnHandlers): void;
  /** Stop accepting work; resolves once the spawner's helper (if any) has exited. */
  close(): Promise<void>;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n as number, name as NodeJS.Signals]),
);
export const signalName = (n: number): NodeJS.Signals | null => SIGNAL_NAMES.get(n) ?? null;

export function createDirectSpawner(baseEnv: NodeJS.ProcessEnv): Spawner {
  return {
    kind: 'direct',
    spawn(spec, h) {
      // Normally the executor opened the log; as a launcher's fallback we open it ourselves.
      let fd = spec.logFd;
      if (fd < 0) {
        try {
          fd = openSync(spec.logPath, 'w');
          writeSync(fd, spec.header);
        } catch (e) {
          h.failed(`cannot open log ${spec.logPath}: ${errorMessage(e)}`);
          return;
        }
      }
      let child;
      try {
        child = spawn(spec.shell, ['-c', spec.command], {
          cwd: spec.cwd,
          env: { ...baseEnv, ...spec.env },
          detached: true,
          stdio: ['ignore', fd, fd],
        });
      } catch (e) {
        h.failed(errorMessage(e));
        return;
      } finally {
        if (fd !== spec.logFd) closeSync(fd);
      }
      let over = false;
      child.on('error', (e) => {
        if (over) return;
        over = true;
        h.failed(e.message);
      });
      child.on('exit', (code, signal) => {
        if (over) return;
        over = true;
        h.exited(code, signal);
      });
      if (child.pid !== undefined) h.started(child.pid);
    },
    async close() {
      // nothing to release
    },
  };
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * python3's launcher, else perl's, else direct spawning. Each launcher falls back to the next
 * choice if it cannot start. LIGHTCONE_SPAWNER=python|perl|direct picks one.
 */
export function createSpawner(baseEnv: NodeJS.ProcessEnv): Spawner {
  const want = baseEnv.LIGHTCONE_SPAWNER ?? process.env.LIGHTCONE_SPAWNER;
  const direct = () => createDirectSpawner(baseEnv);
  if (want === 'direct') return direct();
  const perl = want === 'python' ? null : onPath('perl', baseEnv);
  const viaPerl = () => (perl ? createLauncherSpawner({ kind: 'perl', path: perl }, baseEnv, direct) : direct());
  if (want === 'perl') return viaPerl();
  const python = onPath('python3', baseEnv);
  return python ? createLauncherSpawner({ kind: 'python', path: python }, baseEnv, viaPerl) : viaPerl();
}
