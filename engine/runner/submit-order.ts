/**
 * Keeps submissions to the executor in dispatch order. Tasks prepare (input snapshot, log and
 * output dirs) concurrently and those steps finish in any order; without this gate the
 * executor's FIFO queue, and so the order tasks start in, would be random rather than the
 * DAG's (with -j1, a run would not proceed the way `lc dag` lists it).
 *
 * It also bounds how far ahead tasks prepare (`ahead`): a ticket may start preparing once
 * fewer than `ahead` earlier tickets are still in line, so the first task is not held up by
 * the file operations of hundreds behind it.
 */
export class SubmitOrder {
  private next = 0;
  private issued = 0;
  private readonly done = new Set<number>();
  private readonly waiting = new Map<number, () => void>();
  private readonly preparing = new Map<number, () => void>();

  constructor(private readonly ahead = Infinity) {}

  /** A place in line, taken when the task is dispatched. */
  ticket(): number {
    return this.issued++;
  }

  /** Resolves once every earlier ticket has been used or given up. */
  turn(ticket: number): Promise<void> {
    if (ticket === this.next) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(ticket, resolve));
  }

  /** Resolves once the ticket is fewer than `ahead` places from the front of the line. */
  mayPrepare(ticket: number): Promise<void> {
    if (ticket < this.next + this.ahead) return Promise.resolve();
    return new Promise((resolve) => this.preparing.set(ticket, resolve));
  }

  /** The ticket was used (submitted) or given up (skipped, failed before submitting). */
  leave(ticket: number): void {
    this.done.add(ticket);
    const before = this.next;
    while (this.done.has(this.next)) {
      this.done.delete(this.next);
      this.next++;
    }
    const wake = this.waiting.get(this.next);
    if (wake) {
      this.waiting.delete(this.next);
      wake();
    }
    // the line moved up by (next - before): that many more tickets may prepare
    for (let t = before + this.ahead; t < this.next + this.ahead; t++) {
      const go = this.preparing.get(t);
      if (go) {
        this.preparing.delete(t);
        go();
      }
    }
  }
}
