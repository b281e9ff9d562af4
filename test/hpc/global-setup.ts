/**
 * Brings up lc's private 2-node SLURM test cluster for test/hpc (scripts/cluster-up.sh) and
 * takes it down afterwards, but only if this run started it. Without root or packages the
 * script explains how to provision, and the suite FAILS with that message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = process.env.LC_CLUSTER_DIR ?? '/tmp/lc-cluster';

const startedPids = (): string => (existsSync(join(DIR, 'started')) ? readFileSync(join(DIR, 'started'), 'utf8') : '');

export default function setup(): () => void {
  const before = startedPids();
  const r = spawnSync('bash', [join(REPO, 'scripts', 'cluster-up.sh')], {
    encoding: 'utf8',
    env: { ...process.env, LC_CLUSTER_DIR: DIR },
  });
  if (r.status !== 0) {
    throw new Error(
      `test/hpc needs lc's private SLURM test cluster, and it could not start:\n${r.stderr.trim()}\n` +
        'Provision as root with: sudo bash scripts/provision.sh && sudo bash scripts/cluster-up.sh',
    );
  }
  const ours = startedPids() !== before;
  return () => {
    if (ours)
      spawnSync('bash', [join(REPO, 'scripts', 'cluster-down.sh')], {
        stdio: 'inherit',
        env: { ...process.env, LC_CLUSTER_DIR: DIR },
      });
  };
}
