/**
 * Tasks left running by an `lc run` that was killed outright (SIGKILL, OOM killer, lost node):
 * they run in their own process groups, so nothing stops them, and they would keep writing into
 * output dirs the next run is about to fill. When the next run recovers the dead run's lock on
 * the same host, it kills them. A process is recognised by LIGHTCONE_RUN_ID=<run id> in its
 * environment (every task gets it), never by pid alone, so a recycled pid is never hit.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Kill the process groups of live processes started by run `runId`. Returns the pgids killed. */
export function killOrphans(runId: string): number[] {
  if (process.platform !== 'linux') return [];
  const marker = `LIGHTCONE_RUN_ID=${runId}\0`;
  const groups = new Set<number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const own = ownGroup();
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours
    }
    if (!env.includes(marker)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgid > 1 && pgid !== own) groups.add(pgid);
    } catch {
      // exited meanwhile
    }
  }
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return [...groups];
}

function ownGroup(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return -1;
  }
}
