/**
 * Why a session scheduler did not start, told once and precisely: the supervisor writes
 * start-failure.json before it shuts down, and the `lc` waiting for it (ensure.ts) turns that
 * record into its error at once, instead of a generic "did not start" after a timeout.
 *
 * The commonest cause on a real cluster is a network one: workers whose connection to the
 * scheduler fails (python/lc_network.py leaves one record per node in unreachable/).
 */
import { existsSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  META_VERSION,
  readJsonFile,
  StartFailureSchema,
  UnreachableSchema,
  writeJsonFile,
  type StartFailure,
  type StateFiles,
  type Unreachable,
} from './meta.js';

/** The workers that reported they cannot reach the scheduler, by node name. */
export function readUnreachable(files: StateFiles): Unreachable[] {
  if (!existsSync(files.unreachable)) return [];
  const out: Unreachable[] = [];
  for (const name of readdirSync(files.unreachable)) {
    if (!name.endsWith('.json')) continue;
    const r = readJsonFile(join(files.unreachable, name), UnreachableSchema);
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}

/** The host part of a Dask address (tls://10.0.0.1:8786, tls://[::1]:8786). */
export function addressHost(address: string): string {
  const rest = address.replace(/^[a-z]+:\/\//, '');
  const host = rest.slice(0, rest.lastIndexOf(':'));
  return host.replace(/^\[|\]$/g, '');
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The likeliest cause, from the address and what the connections did. */
export function likelyCause(address: string, errors: string[]): string {
  const host = addressHost(address);
  const setting = 'scheduler.interface in .lightcone/lightcone.yaml (or LC_SCHEDULER_INTERFACE)';
  if (isLoopback(host))
    return `${host} is a loopback address, which only its own node can reach: unset ${setting}, or set it to the cluster network's interface (e.g. hsn0, ib0)`;
  if (errors.some((e) => /timed out/i.test(e)))
    return `the connections time out: a firewall drops them, or ${host} is on a network the nodes are not on; set ${setting} to the cluster network's interface`;
  return `the connections fail: a firewall rejects them, or the scheduler listens on an interface the nodes do not share; set ${setting} to the cluster network's interface`;
}

export function unreachableFailure(records: Unreachable[], log: string): StartFailure {
  const nodes = records.map((r) => r.node);
  const address = records[0]?.address ?? '';
  const errors = [...new Set(records.map((r) => r.error))];
  return {
    version: META_VERSION,
    code: 'SCHEDULER_UNREACHABLE',
    message: `the Dask workers on ${nodes.join(', ')} cannot reach the session scheduler at ${address} (${errors.join('; ')}); see ${log}`,
    hint: likelyCause(address, errors),
    nodes,
    address,
  };
}

export function writeStartFailure(files: StateFiles, f: StartFailure): void {
  writeJsonFile(files.startFailure, f);
}

export function readStartFailure(files: StateFiles): StartFailure | undefined {
  return readJsonFile(files.startFailure, StartFailureSchema);
}
