/**
 * The lines every run of a task starts its log with, before the command's own output:
 * `# lc: <task> on <host> at <time>`, `# $ <command>`, and `# > <more of it>` per further
 * line of a multi-line command. The local executor writes them here; a Dask worker writes the
 * same ones (python/lc_dask_task.py). What lc shows of a log (live lines, failure tails)
 * leaves them out.
 */

export function logHeader(id: string, host: string, at: Date, command: string): string {
  return `# lc: ${id} on ${host} at ${at.toISOString()}\n# $ ${command.replace(/\n/g, '\n# > ')}\n`;
}

const HEADER_LINE = /^# (lc:|\$|>) /;

/** Whether a log line is one of the header's. */
export function isLogHeaderLine(line: string): boolean {
  return HEADER_LINE.test(line);
}
