/**
 * What this node can run at once. Inside a SLURM allocation the job's share of the node is the
 * limit (SLURM_CPUS_ON_NODE, SLURM_MEM_PER_NODE in MB, SLURM_GPUS_ON_NODE), not the machine:
 * using the whole machine would oversubscribe other jobs' cores. Outside SLURM it is the machine
 * as systeminformation sees it. GPUs are identified by the ids tasks must see in
 * CUDA_VISIBLE_DEVICES: the ones already visible to us when that is set, else 0..n-1.
 */
import { availableParallelism, hostname, totalmem } from 'node:os';
import type { NodeCapacity } from '../executor.js';

export interface LocalCapacity extends NodeCapacity {
  /** Device ids handed out through CUDA_VISIBLE_DEVICES, one per GPU. */
  gpuIds: string[];
  /** Where each figure came from, for `lc run` diagnostics. */
  source: { cpus: 'slurm' | 'machine'; memory: 'slurm' | 'machine'; gpus: 'slurm' | 'cuda_visible_devices' | 'machine' };
}

const MB = 1024 * 1024;

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  // SLURM_CPUS_ON_NODE can look like "4" and SLURM_GPUS_ON_NODE like "2"; take the leading integer.
  const m = /^\s*(\d+)/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** CUDA_VISIBLE_DEVICES entries, or undefined when unset. An empty value means "no GPUs". */
function visibleDevices(env: NodeJS.ProcessEnv): string[] | undefined {
  const v = env.CUDA_VISIBLE_DEVICES;
  if (v === undefined) return undefined;
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'NoDevFiles');
  return ids;
}

async function machineGpuCount(): Promise<number> {
  try {
    const si = (await import('systeminformation')).default;
    const g = await si.graphics();
    // Only CUDA devices can be handed out with CUDA_VISIBLE_DEVICES; integrated/VGA adapters do not count.
    return g.controllers.filter((c) => /nvidia/i.test(c.vendor ?? '') || /nvidia/i.test(c.model ?? '')).length;
  } catch {
    return 0;
  }
}

async function machineMemory(): Promise<number> {
  try {
    const si = (await import('systeminformation')).default;
    return (await si.mem()).total;
  } catch {
    return totalmem();
  }
}

export async function detectLocalCapacity(env: NodeJS.ProcessEnv = process.env): Promise<LocalCapacity> {
  const slurmCpus = positiveInt(env.SLURM_CPUS_ON_NODE);
  const cpus = slurmCpus ?? availableParallelism();

  let memoryBytes: number;
  let memSource: 'slurm' | 'machine' = 'machine';
  const memPerNode = positiveInt(env.SLURM_MEM_PER_NODE);
  const memPerCpu = positiveInt(env.SLURM_MEM_PER_CPU);
  if (memPerNode !== undefined) {
    memoryBytes = memPerNode * MB;
    memSource = 'slurm';
  } else if (memPerCpu !== undefined && slurmCpus !== undefined) {
    memoryBytes = memPerCpu * slurmCpus * MB;
    memSource = 'slurm';
  } else {
    memoryBytes = await machineMemory();
  }

  let gpuIds: string[];
  let gpuSource: LocalCapacity['source']['gpus'];
  const visible = visibleDevices(env);
  const slurmGpus = positiveInt(env.SLURM_GPUS_ON_NODE);
  if (slurmGpus !== undefined) {
    // SLURM sets CUDA_VISIBLE_DEVICES to the allocated devices; trust it when it agrees.
    gpuIds = visible && visible.length === slurmGpus ? visible : Array.from({ length: slurmGpus }, (_, i) => String(i));
    gpuSource = 'slurm';
  } else if (visible !== undefined) {
    gpuIds = visible;
    gpuSource = 'cuda_visible_devices';
  } else {
    const n = await machineGpuCount();
    gpuIds = Array.from({ length: n }, (_, i) => String(i));
    gpuSource = 'machine';
  }

  return {
    host: hostname(),
    cpus,
    memoryBytes,
    gpus: gpuIds.length,
    gpuIds,
    source: { cpus: slurmCpus !== undefined ? 'slurm' : 'machine', memory: memSource, gpus: gpuSource },
  };
}
