/**
 * Node end of the Python bridge: a warm one over the session's unix socket, or a fresh
 * `python lc_dask_bridge.py stdio` child. Both speak the protocol in protocol.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { LcError, toErrorCode } from '../../errors.js';
import {
  bridgeMessageSchema,
  type BridgeRequest,
  type QueryOp,
  type ReadyMessage,
  type ResultMessage,
} from './protocol.js';
import { INSTALL_HINT } from './python.js';

type StartedMessage = { id: string; host: string; startedAt: number; again?: boolean };

export class BridgeClient {
  ready: ReadyMessage | undefined;
  private rid = 0;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private startedCbs: ((m: StartedMessage) => void)[] = [];
  private resultCbs: ((m: ResultMessage) => void)[] = [];
  private stoppingCbs: (() => void)[] = [];
  private closeCbs: ((e: LcError | undefined) => void)[] = [];
  private stderrTail: string[] = [];
  private isClosed = false;
  private closing = false;
  private readyWait: { resolve: (m: ReadyMessage) => void; reject: (e: Error) => void } | undefined;

  private constructor(
    private readonly out: NodeJS.WritableStream,
    readonly transport: 'socket' | 'stdio',
    private readonly child?: ChildProcess,
    private readonly socket?: Socket,
  ) {}

  /** Attach to the warm bridge of a session scheduler. */
  static overSocket(path: string, timeoutMs = 5_000): Promise<BridgeClient> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      const client = new BridgeClient(sock, 'socket', undefined, sock);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new LcError('DASK_BRIDGE', `the scheduler's bridge at ${path} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(
          new LcError('DASK_BRIDGE', `cannot reach the scheduler's bridge at ${path}: ${e.message}`, { cause: e }),
        );
      });
      client.wire(sock);
      client.waitReady().then(
        (r) => {
          clearTimeout(timer);
          sock.removeAllListeners('error');
          sock.on('error', () => undefined); // reported through 'close'
          resolve(client);
          return r;
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** Start a private bridge process (no warm bridge reachable, or an external scheduler). */
  static overStdio(python: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<BridgeClient> {
    const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, PYTHONUNBUFFERED: '1' } });
    const client = new BridgeClient(child.stdin, 'stdio', child);
    child.stderr.setEncoding('utf8');
    createInterface({ input: child.stderr }).on('line', (l) => {
      client.stderrTail.push(l);
      if (client.stderrTail.length > 40) client.stderrTail.shift();
    });
    child.on('error', (e) =>
      client.fail(new LcError('DASK_MISSING', `cannot start ${python}: ${e.message}`, { hint: INSTALL_HINT })),
    );
    child.stdin.on('error', () => undefined);
    client.wire(child.stdout);
    const timer = setTimeout(() => {
      client.fail(new LcError('DASK_BRIDGE', `the Dask bridge did not connect within ${timeoutMs / 1000} s`));
      child.kill('SIGKILL');
    }, timeoutMs);
    return client
      .waitReady()
      .finally(() => clearTimeout(timer))
      .then(() => client);
  }

  private waitReady(): Promise<ReadyMessage> {
    return new Promise((resolve, reject) => {
      this.readyWait = { resolve, reject };
    });
  }

  private wire(input: NodeJS.ReadableStream): void {
    createInterface({ input }).on('line', (line) => this.onLine(line));
    input.on('close', () => this.onEnd());
    input.on('end', () => this.onEnd());
    this.child?.on('exit', () => setTimeout(() => this.onEnd(), 20));
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.stderrTail.push(line);
      return;
    }
    const r = bridgeMessageSchema().safeParse(parsed);
    if (!r.success) {
      this.fail(new LcError('DASK_BRIDGE', `unexpected message from the Dask bridge: ${line.slice(0, 200)}`));
      return;
    }
    const m = r.data;
    switch (m.type) {
      case 'ready':
        this.ready = m;
        this.readyWait?.resolve(m);
        this.readyWait = undefined;
        break;
      case 'started':
        for (const cb of this.startedCbs) cb(m);
        break;
      case 'result':
        for (const cb of this.resultCbs) cb(m);
        break;
      case 'stopping':
        for (const cb of this.stoppingCbs) cb();
        break;
      case 'reply': {
        const p = m.rid === null ? undefined : this.pending.get(m.rid);
        if (!p || m.rid === null) break;
        this.pending.delete(m.rid);
        if (m.ok) p.resolve(m.data);
        else
          p.reject(new LcError(toErrorCode(m.error?.code, 'DASK_ERROR'), m.error?.message ?? 'Dask bridge request failed'));
        break;
      }
      case 'fatal':
        this.fail(new LcError(toErrorCode(m.code, 'DASK_BRIDGE'), m.message, m.hint ? { hint: m.hint } : {}));
        break;
    }
  }

  private onEnd(): void {
    if (this.isClosed) return;
    const why = this.closing
      ? undefined
      : new LcError(
          'DASK_BRIDGE_LOST',
          `the Dask bridge went away${this.stderrTail.length ? `: ${this.stderrTail.slice(-5).join(' | ')}` : ''}`,
        );
    this.fail(why);
  }

  private fail(e: LcError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const err = e ?? new LcError('DASK_BRIDGE_CLOSED', 'the Dask bridge is closed');
    this.readyWait?.reject(err);
    this.readyWait = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const cb of this.closeCbs) cb(e);
    this.socket?.destroy();
    if (this.child && this.child.exitCode === null) this.child.kill('SIGTERM');
  }

  get closed(): boolean {
    return this.isClosed;
  }

  onStarted(cb: (m: StartedMessage) => void): void {
    this.startedCbs.push(cb);
  }
  onResult(cb: (m: ResultMessage) => void): void {
    this.resultCbs.push(cb);
  }
  /** The session scheduler is being stopped: the results of our tasks follow, then the end. */
  onStopping(cb: () => void): void {
    this.stoppingCbs.push(cb);
  }
  /** Called once when the bridge ends; with an error unless we closed it ourselves. */
  onClose(cb: (e: LcError | undefined) => void): void {
    this.closeCbs.push(cb);
  }

  send(req: BridgeRequest): void {
    if (this.isClosed) throw new LcError('DASK_BRIDGE_CLOSED', 'the Dask bridge is closed');
    this.out.write(JSON.stringify(req) + '\n');
  }

  query<T>(op: QueryOp, schema: z.ZodType<T>, timeoutMs = 30_000): Promise<T> {
    const rid = ++this.rid;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new LcError('DASK_TIMEOUT', `the Dask bridge did not answer '${op}' within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(rid, {
        resolve: (v) => {
          clearTimeout(timer);
          const r = schema.safeParse(v);
          if (r.success) resolve(r.data);
          else reject(new LcError('DASK_BRIDGE', `malformed '${op}' reply from the Dask bridge`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      try {
        this.send({ op, rid });
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(rid);
        reject(e as Error);
      }
    });
  }

  /** Close our session (the bridge cancels whatever of ours still runs) and wait briefly. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.closing = true;
    const done = new Promise<void>((r) => this.onClose(() => r()));
    try {
      this.send({ op: 'close' });
    } catch {
      // already gone
    }
    this.out.end();
    const t = setTimeout(() => this.fail(undefined), 5_000);
    await done;
    clearTimeout(t);
  }
}
