/**
 * `lc status | head`: once the reader has gone, what lc still has to say goes nowhere, quietly
 * (no `write EPIPE` stack trace). The command itself finishes as it would have: a run whose log
 * reader went away still records its tasks.
 */
export function quietOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      // later writes are dropped rather than raising again
      stream.write = (() => true) as typeof stream.write;
    });
  }
}
