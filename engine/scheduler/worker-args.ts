/** The command line of a session worker (python/lc_dask_launch.py), before its placement flags. */
import { join } from 'node:path';
import type { StateFiles } from './meta.js';

export function workerArgs(pythonDir: string, files: StateFiles): string[] {
  return [join(pythonDir, 'lc_dask_launch.py'), 'worker', '--scheduler-file', files.schedulerFile, '--tls-dir', files.tls, '--local-directory', files.work];
}
