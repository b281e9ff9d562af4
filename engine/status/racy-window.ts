/**
 * How old a timestamp must be before status may cache "these stat numbers mean unchanged"
 * (git's racy-clean problem): a file written again within the same timestamp tick as our stat
 * keeps its mtime, so a stat taken too soon after a write proves nothing.
 *
 * The window must exceed the file system's timestamp granularity plus any skew between our
 * clock and the one stamping the files:
 *   - local file systems (ext4, xfs, btrfs, tmpfs, zfs, ...) stamp with this machine's clock at
 *     kernel-tick granularity (1-10 ms): 100 ms is ten ticks and more;
 *   - anything else (NFS, Lustre, GPFS, BeeGFS, CIFS, FUSE, unknown) may be stamped by a server
 *     whose clock differs from ours, or keep coarser times: 2 s, as before.
 * Why it matters: every output recorded in a run's last window is left out of the cache, so
 * the first status after a 10,000-task run re-read ~1,300 manifests with a 2 s window.
 */
import { statfsSync } from 'node:fs';

export const LOCAL_RACY_WINDOW_MS = 100;
export const DEFAULT_RACY_WINDOW_MS = 2000;

/** statfs f_type magic numbers of file systems stamped by this machine's own clock. */
const LOCAL_FS_TYPES: ReadonlySet<number> = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x794c7630, // overlayfs (container root file systems)
  0x858458f6, // ramfs
]);

/** The racy window for a statfs f_type (exported for tests). */
export function racyWindowForType(fsType: number): number {
  return LOCAL_FS_TYPES.has(fsType) ? LOCAL_RACY_WINDOW_MS : DEFAULT_RACY_WINDOW_MS;
}

const byPath = new Map<string, number>();

/** The racy window for the file system holding `absPath` (the project root); 2 s when unknown. */
export function racyWindowMs(absPath: string): number {
  let w = byPath.get(absPath);
  if (w === undefined) {
    try {
      w = racyWindowForType(statfsSync(absPath).type);
    } catch {
      w = DEFAULT_RACY_WINDOW_MS;
    }
    byPath.set(absPath, w);
  }
  return w;
}
