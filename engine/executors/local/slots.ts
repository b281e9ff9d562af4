/**
 * Bin-packing of one node: cpus (in thousandths, because ASTRA allows fractional cpus and
 * floating-point sums drift), memory bytes, whole GPUs by id, and an optional cap on the number
 * of concurrent tasks (-j). A task is placed only when all four fit: never oversubscribe.
 */
import type { Resources } from '../../astra/model.js';
import { formatBytes } from '../../units.js';

export interface SlotCapacity {
  cpus: number;
  memoryBytes: number;
  gpuIds: string[];
  /** Max concurrent tasks; Infinity when uncapped. */
  maxTasks: number;
}

export interface Allocation {
  milliCpus: number;
  memoryBytes: number;
  gpuIds: string[];
}

const milli = (cpus: number): number => Math.max(0, Math.round(cpus * 1000));

export function describeRequest(r: Resources): string {
  const parts = [`cpus=${r.cpus}`];
  if (r.memoryBytes !== undefined) parts.push(`memory=${formatBytes(r.memoryBytes)}`);
  if (r.gpus > 0) parts.push(`gpus=${r.gpus}`);
  return parts.join(' ');
}

export class SlotPool {
  readonly total: SlotCapacity;
  private freeMilli: number;
  private freeMem: number;
  private freeGpus: string[];
  private running = 0;

  constructor(cap: SlotCapacity) {
    this.total = cap;
    this.freeMilli = milli(cap.cpus);
    this.freeMem = cap.memoryBytes;
    this.freeGpus = [...cap.gpuIds];
  }

  /** Why `r` can never run on this node, or null when it can (once enough is free). */
  neverFits(r: Resources): string | null {
    const short: string[] = [];
    if (milli(r.cpus) > milli(this.total.cpus)) short.push(`cpus ${r.cpus} > ${this.total.cpus}`);
    if ((r.memoryBytes ?? 0) > this.total.memoryBytes) {
      short.push(`memory ${formatBytes(r.memoryBytes ?? 0)} > ${formatBytes(this.total.memoryBytes)}`);
    }
    if (r.gpus > this.total.gpuIds.length) short.push(`gpus ${r.gpus} > ${this.total.gpuIds.length}`);
    return short.length ? short.join(', ') : null;
  }

  fits(r: Resources): boolean {
    return (
      this.running < this.total.maxTasks &&
      milli(r.cpus) <= this.freeMilli &&
      (r.memoryBytes ?? 0) <= this.freeMem &&
      r.gpus <= this.freeGpus.length
    );
  }

  /** Reserve `r`; call only after fits(r). */
  take(r: Resources): Allocation {
    const a: Allocation = {
      milliCpus: milli(r.cpus),
      memoryBytes: r.memoryBytes ?? 0,
      gpuIds: this.freeGpus.splice(0, r.gpus),
    };
    this.freeMilli -= a.milliCpus;
    this.freeMem -= a.memoryBytes;
    this.running++;
    return a;
  }

  give(a: Allocation): void {
    this.freeMilli += a.milliCpus;
    this.freeMem += a.memoryBytes;
    this.freeGpus.push(...a.gpuIds);
    // Keep ids in a stable order so the next GPU task gets the lowest free device.
    this.freeGpus.sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
    this.running--;
  }

  get runningTasks(): number {
    return this.running;
  }
  get cpusInUse(): number {
    return (milli(this.total.cpus) - this.freeMilli) / 1000;
  }
  get gpusInUse(): number {
    return this.total.gpuIds.length - this.freeGpus.length;
  }
  get memoryInUse(): number {
    return this.total.memoryBytes - this.freeMem;
  }
}
