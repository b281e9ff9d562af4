/**
 * Open a bridge to a session: the warm one over its unix socket when it runs on this host,
 * else a private `python lc_dask_bridge.py stdio` (external scheduler, or another node).
 */
import { join } from 'node:path';
import { BridgeClient } from '../executors/dask/bridge.js';
import { findDaskPython, pythonDir } from '../executors/dask/python.js';
import { readSchedulerSettings } from './config.js';
import type { SessionHandle } from './ensure.js';

export async function connectBridge(
  session: SessionHandle,
  projectRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BridgeClient> {
  if (session.socket) {
    try {
      return await BridgeClient.overSocket(session.socket);
    } catch {
      // a bridge that just died: fall back to a private one
    }
  }
  const settings = readSchedulerSettings(projectRoot, env);
  const python =
    session.meta?.python ?? (await findDaskPython({ python: settings.python, source: settings.pythonSource })).python;
  const script = join(pythonDir(), 'lc_dask_bridge.py');
  const args =
    session.mode === 'external' || !session.files || !session.tls
      ? [script, 'stdio', '--address', session.address]
      : [script, 'stdio', '--scheduler-file', session.files.schedulerFile, '--tls-dir', session.tls.dir];
  return BridgeClient.overStdio(python, args, env);
}
