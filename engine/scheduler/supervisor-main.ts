/**
 * Entry point of the detached session supervisor: `node supervisor-main.js <state-dir>`.
 * Spawned by ensureScheduler; never run by hand.
 */
import { runSupervisor } from './supervisor.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: supervisor-main.js <state-dir>\n');
  process.exit(2);
}
runSupervisor(dir).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lc-supervisor: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
