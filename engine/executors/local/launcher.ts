/**
 * The task launcher: one small python3 (or perl) process per run that starts task shells for
 * lc (see spawner.ts for why; the programs are in launcher-scripts.ts). Protocol, over its
 * stdin/stdout pipes:
 *
 *   lc -> launcher   `<byte length>\n<NAME=value>[\0NAME=value]...`   once, first: the base environment
 *                    `<byte length>\n<token>\0<cwd>\0<log>\0<header>\0<shell>\0<command>[\0NAME=value]...`
 *   launcher -> lc   `READY`            once, at start
 *                    `S <token> <pid>`  the shell runs (pid = its process group)
 *                    `E <token> <exit code or -> <signal number or -> <cpu seconds> <log bytes>`
 *                    `X <token> <message>`   could not start it
 *
 * Length-prefixed frames carry any command (newlines included). The launcher exits when its
 * stdin closes and its last child has been reaped; if lc dies, that is when the tasks it
 * left are gone (the next run kills them, see runner/orphans.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { LAUNCHER_PL, LAUNCHER_PY } from './launcher-scripts.js';
import type { Spawner, SpawnHandlers, SpawnSpec } from './spawner.js';
import { signalName } from './spawner.js';

export interface LauncherProgram {
  kind: 'python' | 'perl';
  /** Absolute path of the interpreter. */
  path: string;
}


interface Pending {
  spec: SpawnSpec;
  h: SpawnHandlers;
}

/**
 * A spawner backed by a launcher process. If the launcher cannot start (an interpreter too old
 * or too broken to run it), everything goes to `fallback()` instead, transparently.
 */
export function createLauncherSpawner(program: LauncherProgram, baseEnv: NodeJS.ProcessEnv, fallback: () => Spawner): Spawner {
  let proc: ChildProcessWithoutNullStreams | null = null;
  let ready = false;
  let dead = false;
  let replacement: Spawner | null = null;
  let nextToken = 1;
  const waiting: Pending[] = []; // sent before READY
  const live = new Map<string, SpawnHandlers>();
  let out = '';
  let err = '';
  let exited: Promise<void> = Promise.resolve();

  const send = (tok: string, spec: SpawnSpec) => {
    const fields = [tok, spec.cwd, spec.logPath, spec.header, spec.shell, spec.command];
    for (const [k, v] of Object.entries(spec.env)) fields.push(`${k}=${v}`);
    const payload = fields.join('\0');
    (proc as ChildProcessWithoutNullStreams).stdin.write(`${Buffer.byteLength(payload)}\n${payload}`);
  };

  const dispatch = (p: Pending) => {
    if (replacement) return replacement.spawn(p.spec, p.h);
    const tok = String(nextToken++);
    live.set(tok, p.h);
    send(tok, p.spec);
  };

  const onLine = (line: string) => {
    if (line === 'READY') {
      ready = true;
      for (const p of waiting.splice(0)) dispatch(p);
      return;
    }
    const sp = line.indexOf(' ');
    const kind = line.slice(0, sp);
    const rest = line.slice(sp + 1);
    const sp2 = rest.indexOf(' ');
    const tok = rest.slice(0, sp2);
    const h = live.get(tok);
    if (!h) return;
    if (kind === 'S') {
      h.started(Number(rest.slice(sp2 + 1)));
    } else if (kind === 'E') {
      live.delete(tok);
      const [code, sig, cpu, bytes] = rest.slice(sp2 + 1).split(' ');
      h.exited(code === '-' ? null : Number(code), sig === '-' ? null : signalName(Number(sig)), Number(cpu), Number(bytes));
    } else if (kind === 'X') {
      live.delete(tok);
      h.failed(rest.slice(sp2 + 1));
    }
  };

  const startLauncher = () => {
    const args = program.kind === 'python' ? ['-I', '-S', '-c', LAUNCHER_PY] : ['-e', LAUNCHER_PL];
    const p = spawn(program.path, args, { stdio: ['pipe', 'pipe', 'pipe'], env: baseEnv, detached: true });
    proc = p;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        onLine(line);
      }
    });
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => {
      if (err.length < 4096) err += d;
    });
    p.stdin.on('error', () => undefined); // EPIPE if it died; handled on 'exit'
    // First frame: the environment tasks start from (see launcher-scripts.ts).
    const envFrame = Object.entries(baseEnv)
      .filter((e): e is [string, string] => e[1] !== undefined && !e[0].includes('='))
      .map(([k, v]) => `${k}=${v}`)
      .join('\0');
    p.stdin.write(`${Buffer.byteLength(envFrame)}\n${envFrame}`);
    exited = new Promise<void>((resolve) => {
      p.on('error', () => undefined);
      p.on('close', () => {
        dead = true;
        if (!ready) {
          // Never came up: do everything the direct way.
          replacement = fallback();
          for (const w of waiting.splice(0)) replacement.spawn(w.spec, w.h);
        }
        const why = `the task launcher exited unexpectedly${err ? `: ${err.trim().split('\n').pop()}` : ''}`;
        for (const h of live.values()) h.failed(why);
        live.clear();
        resolve();
      });
    });
  };

  return {
    kind: program.kind,
    spawn(spec, h) {
      if (replacement) return replacement.spawn(spec, h);
      if (dead) return h.failed('the task launcher is not running');
      if (!proc) startLauncher();
      if (!ready) waiting.push({ spec, h });
      else dispatch({ spec, h });
    },
    async close() {
      if (replacement) await replacement.close();
      if (!proc || dead) return;
      proc.stdin.end();
      await exited;
    },
  };
}
