/**
 * Streams a task's log file as lines while the task writes it. The task writes straight into
 * the file (no pipes through Node: cheaper per task, and the log survives if lc dies); we read
 * what is new on a timer and when the task ends.
 *
 * Bounded by construction, so a chatty task cannot blow memory or flood the event stream: at
 * most MAX_READ bytes and MAX_LINES lines per poll, lines cut at MAX_LINE characters; anything
 * beyond is skipped with one marker line pointing at the log, which always has everything.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const MAX_LINE = 2_000;
const MAX_READ = 64 * 1024;
const MAX_LINES = 200;
/** One read buffer for every tail: polls are synchronous, so they never overlap. */
const BUF = Buffer.allocUnsafe(MAX_READ);

export type LineSink = (line: string) => void;

export class LogTail {
  private offset: number;
  private partial = '';
  private fd = -1;

  /**
   * `path` is opened read-only on first use (the task's launcher may create it a moment after
   * lc asked for the task); reading starts at `startOffset`, past lc's header lines.
   */
  constructor(
    private readonly path: string,
    startOffset: number,
    private readonly sink: LineSink,
  ) {
    this.offset = startOffset;
  }

  /**
   * Read what is new. `final`: the writer is done, so a last unterminated line is emitted too.
   * `knownSize`: the file's size when the caller already knows it (saves opening a silent log).
   */
  poll(final: boolean, knownSize?: number): void {
    if (knownSize !== undefined && knownSize <= this.offset) {
      if (final) this.flushPartial();
      return;
    }
    if (this.fd < 0) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return; // not created yet
      }
    }
    let size: number;
    try {
      size = fstatSync(this.fd).size;
    } catch {
      return;
    }
    if (size <= this.offset) {
      if (final) this.flushPartial();
      return;
    }
    let available = size - this.offset;
    if (available > MAX_READ) {
      // Too much since the last poll: keep the newest part, say what was skipped.
      const skip = available - MAX_READ;
      this.partial = '';
      this.sink(`[lc: ${skip} bytes of output not streamed; see the log file]`);
      this.offset += skip;
      available = MAX_READ;
    }
    const n = readSync(this.fd, BUF, 0, available, this.offset);
    this.offset += n;
    const text = this.partial + BUF.toString('utf8', 0, n);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) {
      this.sink(cut(this.partial));
      this.partial = '';
    }
    const shown = lines.length > MAX_LINES ? lines.slice(lines.length - MAX_LINES) : lines;
    if (shown.length < lines.length) this.sink(`[lc: ${lines.length - shown.length} lines not streamed; see the log file]`);
    for (const l of shown) this.sink(cut(l.endsWith('\r') ? l.slice(0, -1) : l));
    if (final) this.flushPartial();
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = -1;
  }

  private flushPartial(): void {
    if (this.partial) this.sink(cut(this.partial));
    this.partial = '';
  }
}

export function cut(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} [lc: line cut at ${MAX_LINE} characters]` : line;
}
