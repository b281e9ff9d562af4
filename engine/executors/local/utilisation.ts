/**
 * Node utilisation for the TUI's workers pane, cheap enough to call every second:
 * systeminformation's currentLoad() measures since its previous call (only the very first call
 * samples for about half a second), memory is one /proc read, and GPU load needs
 * nvidia-smi, which is slow, so it is refreshed in the background at most every 5 s.
 * On Linux the CPU load comes from /proc/stat directly (proc-stat.ts): currentLoad() spawns a
 * shell per call.
 */
import { cpuPercentBetween, readCpuTimes, type CpuTimes } from './proc-stat.js';

type SI = typeof import('systeminformation');

export interface UtilisationSample {
  cpuPercent: number;
  memoryUsedBytes: number;
  gpuPercent: number[];
}

const GPU_REFRESH_MS = 5_000;
/** The first /proc/stat sample has no baseline: measure over this long, as currentLoad() does. */
const FIRST_SAMPLE_MS = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createUtilisationSampler(hasGpus: boolean): { sample(): Promise<UtilisationSample> } {
  let si: SI | null = null;
  const load = async (): Promise<SI> => {
    if (!si) si = (await import('systeminformation')).default as unknown as SI;
    return si;
  };
  let gpu: number[] = [];
  let gpuAt = 0;
  let gpuBusy = false;
  let warmed: Promise<unknown> | null = null;

  const refreshGpus = (s: SI) => {
    if (!hasGpus || gpuBusy || Date.now() - gpuAt < GPU_REFRESH_MS) return;
    gpuBusy = true;
    s.graphics()
      .then((g) => {
        gpu = g.controllers
          .filter((c) => /nvidia/i.test(c.vendor ?? '') || /nvidia/i.test(c.model ?? ''))
          .map((c) => c.utilizationGpu ?? 0);
      })
      .catch(() => undefined)
      .finally(() => {
        gpuAt = Date.now();
        gpuBusy = false;
      });
  };

  /** Busy % since the previous call: /proc/stat when readable, else systeminformation. */
  let last: CpuTimes | undefined;
  let procStat = true;
  const cpuLoad = async (s: SI): Promise<number> => {
    if (procStat) {
      let now = await readCpuTimes();
      if (now && !last) {
        last = now;
        await sleep(FIRST_SAMPLE_MS);
        now = await readCpuTimes();
      }
      if (now && last) {
        const pct = cpuPercentBetween(last, now);
        last = now;
        return pct;
      }
      procStat = false;
    }
    // The first currentLoad() sleeps to get a baseline; later calls measure since the last.
    if (!warmed) warmed = s.currentLoad().catch(() => undefined);
    await warmed;
    return (await s.currentLoad().catch(() => null))?.currentLoad ?? 0;
  };

  return {
    async sample() {
      const s = await load();
      const [cpuPercent, mem] = await Promise.all([cpuLoad(s), s.mem().catch(() => null)]);
      refreshGpus(s);
      return {
        cpuPercent,
        memoryUsedBytes: mem ? mem.active : 0,
        gpuPercent: gpu,
      };
    },
  };
}
