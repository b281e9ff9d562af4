/**
 * Keeps submissions to the executor in dispatch order. Tasks prepare (input snapshot, log and
 * output dirs) concurrently and those steps finish in any order; without this gate the
 * executor's FIFO queue, and so the order tasks start in, would be random rather than the
 * DAG's (with -j1, a run would not proceed the way `lc dag` lists it).
 *
 * It also bounds how far ahead of the executor tasks prepare (`ahead`): at most `ahead`
 * tickets are between "may prepare" and "started" (or given up), granted in ticket order.
 * Preparation is synchronous file work; unbounded, the 2,000 root tasks of a sweep would all
 * prepare in one go before the event loop could even hear that the executor is ready (the
 * first task started 2.8 s late), and the executor's queue would hold them all.
 */
export class SubmitOrder {
  private next = 0;
  private issued = 0;
  private readonly done = new Set<number>();
  private readonly waiting = new Map<number, () => void>();
  /** Tickets allowed to prepare that have not started yet. */
  private readonly lead = new Set<number>();
  /** Waiting to prepare, in ticket order (tickets ask in the order they were issued). */
  private toPrepare: { ticket: number; go: () => void }[] = [];
  private toPrepareHead = 0;

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

  /** Resolves once fewer than `ahead` earlier tickets are prepared (or preparing) and not started. */
  mayPrepare(ticket: number): Promise<void> {
    if (this.toPrepareHead === this.toPrepare.length && this.lead.size < this.ahead) {
      this.lead.add(ticket);
      return Promise.resolve();
    }
    return new Promise((go) => this.toPrepare.push({ ticket, go }));
  }

  /** The ticket's task started, or never will (skipped, failed, cancelled): one more may prepare. */
  started(ticket: number): void {
    if (!this.lead.delete(ticket)) return; // counted already
    while (this.lead.size < this.ahead && this.toPrepareHead < this.toPrepare.length) {
      const w = this.toPrepare[this.toPrepareHead++] as { ticket: number; go: () => void };
      this.lead.add(w.ticket);
      w.go();
    }
    if (this.toPrepareHead === this.toPrepare.length) {
      this.toPrepare = [];
      this.toPrepareHead = 0;
    }
  }

  /** The ticket was used (submitted) or given up (skipped, failed before submitting). */
  leave(ticket: number): void {
    this.done.add(ticket);
    while (this.done.has(this.next)) {
      this.done.delete(this.next);
      this.next++;
    }
    const wake = this.waiting.get(this.next);
    if (wake) {
      this.waiting.delete(this.next);
      wake();
    }
  }
}
