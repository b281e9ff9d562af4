/**
 * The supervisor's child processes (scheduler, worker step, bridge): start with the
 * supervisor's log as stdio, notice their exit, stop them politely then firmly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { procStartTime, waitGone } from './proc.js';

export interface Child {
  name: string;
  proc: ChildProcess;
  exited: boolean;
}

export function startChild(
  name: string,
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; log: (msg: string) => void },
): Child {
  // stdout/stderr inherited: the supervisor's own stdio is the session log
  const proc = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: opts.env, cwd: opts.cwd });
  const c: Child = { name, proc, exited: false };
  proc.on('exit', (code, sig) => {
    c.exited = true;
    opts.log(`${name} (pid ${proc.pid}) exited (${sig ?? code})`);
  });
  proc.on('error', (e) => {
    c.exited = true;
    opts.log(`${name} failed to start: ${e.message}`);
  });
  return c;
}

/** Wait up to `ms` for a child to exit on its own; true when it is gone. */
export async function awaitExit(c: Child | undefined, ms: number): Promise<boolean> {
  if (!c || c.exited || c.proc.pid === undefined) return true;
  return waitGone(c.proc.pid, procStartTime(c.proc.pid), ms);
}

/** SIGTERM (or `sig`), wait `graceMs`, then SIGKILL. */
export async function terminate(c: Child | undefined, graceMs: number, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!c || c.exited || c.proc.pid === undefined) return;
  const pid = c.proc.pid;
  const st = procStartTime(pid);
  try {
    c.proc.kill(sig);
  } catch {
    return;
  }
  if (await waitGone(pid, st, graceMs)) return;
  if (!c.exited) c.proc.kill('SIGKILL');
  await waitGone(pid, st, 2_000);
}
