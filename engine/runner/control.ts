/**
 * How a caller stops a run: the CLI maps Ctrl-C/SIGTERM onto it (signals.ts), the TUI maps its
 * stop key. First cancel: stop scheduling and ask running tasks to end (SIGTERM, grace, SIGKILL).
 * A forced cancel (the second Ctrl-C): kill running tasks at once.
 */
export type CancelReason = 'signal' | 'user';

export interface CancelRequest {
  force: boolean;
  reason: CancelReason;
}

export interface RunControl {
  cancel(opts?: { force?: boolean; reason?: CancelReason }): void;
  readonly cancelled: boolean;
  /** Register a handler; it also fires at once for a cancel that already happened. Returns an unsubscribe. */
  onCancel(cb: (req: CancelRequest) => void): () => void;
}

export function createRunControl(): RunControl {
  const listeners = new Set<(req: CancelRequest) => void>();
  let last: CancelRequest | null = null;
  return {
    cancel(opts = {}) {
      last = { force: opts.force === true || last !== null, reason: opts.reason ?? 'user' };
      for (const l of [...listeners]) l(last);
    },
    get cancelled() {
      return last !== null;
    },
    onCancel(cb) {
      listeners.add(cb);
      if (last) cb(last);
      return () => listeners.delete(cb);
    },
  };
}
