/**
 * Task output under Dask: the WORKER writes stdout+stderr straight into the task's log file
 * (the project and scratch live on a shared filesystem, as on every HPC site lc targets), and
 * this side follows the file to emit live lines. Stream identity is not kept: the log is one
 * interleaved stream, like a terminal, so every line is reported as `stdout`.
 * If the file never shows up here (no shared filesystem), the result's tail is written instead.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isLogHeaderLine } from '../log-header.js';

const MAX_LINE = 16 * 1024;

export class LogFollower {
  private offset: number;
  private partial = '';

  constructor(
    readonly path: string,
    private readonly onLine: ((stream: 'stdout' | 'stderr', line: string) => void) | undefined,
  ) {
    this.offset = sizeOf(path) ?? 0;
  }

  /** Read what was appended since the last call; `final` flushes a last unterminated line. */
  poll(final = false): void {
    const size = sizeOf(this.path);
    if (size === undefined) return;
    if (size < this.offset) this.offset = 0; // truncated/replaced
    if (size > this.offset) {
      const fd = openSync(this.path, 'r');
      try {
        const buf = Buffer.alloc(Math.min(size - this.offset, 4 * 1024 * 1024));
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        this.offset += n;
        this.partial += buf.subarray(0, n).toString('utf8');
      } finally {
        closeSync(fd);
      }
      const lines = this.partial.split('\n');
      this.partial = lines.pop() ?? '';
      if (this.partial.length > MAX_LINE) {
        lines.push(this.partial);
        this.partial = '';
      }
      for (const l of lines) this.emit(l);
    }
    if (final && this.partial) {
      this.emit(this.partial);
      this.partial = '';
    }
  }

  /** True when the log file exists on this machine. */
  visible(): boolean {
    return sizeOf(this.path) !== undefined;
  }

  /** No shared filesystem: keep at least the result's tail in the log, and show it. */
  writeFallback(lines: string[], note: string): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, [`[lc] ${note}`, ...lines].join('\n') + '\n', { flag: 'a' });
    for (const l of lines) this.emit(l);
  }

  private emit(line: string): void {
    // the header the worker writes before each run: the log's, not the task's output
    if (isLogHeaderLine(line)) return;
    this.onLine?.('stdout', line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line.replace(/\r$/, ''));
  }
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
