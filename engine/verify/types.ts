/** Results of `lc verify`: one per selected task. */

export type VerifyFailure = 'tampered_data' | 'missing_manifest' | 'unreadable' | 'broken_chain' | 'input_changed';

export const VERIFY_FAILURES: readonly VerifyFailure[] = [
  'tampered_data',
  'missing_manifest',
  'unreadable',
  'broken_chain',
  'input_changed',
];

export interface VerifyProblem {
  failure: VerifyFailure;
  detail: string;
}

export interface VerifyResult {
  id: string;
  /** Set when the recipe declares a container and the manifest says it ran on the host (a note, not a failure). */
  onHost?: string;
  universe: string;
  output: string;
  /** Project-relative output dir. */
  outdir: string;
  /** `not_materialised`: no output dir, nothing to verify (not a failure). */
  status: 'passed' | 'failed' | 'not_materialised';
  passed: boolean;
  /** The first problem found (manifest, then data, then chain, then inputs), or null. */
  failure: VerifyFailure | null;
  detail: string | null;
  /** Every problem found, first one included. */
  problems: VerifyProblem[];
  /** data_version recomputed from the bytes (null when not hashed). */
  actual: string | null;
  files: number;
  bytes: number;
  /** True when the hash came from the stat cache instead of reading the bytes. */
  cached: boolean;
  /** With `refresh`, for every verified output: whether its manifest's stat block was rewritten. */
  refresh?: RefreshOutcome;
}

/**
 * `refreshed`: the manifest now records the files' current timestamps. Otherwise `reason` says
 * why a passing output was left alone (schema 1, files or manifest changed while verifying, the
 * write failed); it is null when there was nothing to do (timestamps already recorded) or the
 * output failed verification (failed outputs are never refreshed).
 */
export type RefreshOutcome =
  /** `adopted`: a Lightcone manifest replaced by ours, recording these scripts as they are now (adopt.ts). */
  | { refreshed: true; adopted?: { scripts: string[] } }
  | { refreshed: false; reason: string | null };

export interface VerifyOptions {
  /** Hashing threads (default: available cores). */
  jobs?: number;
  /** Ignore (and do not update) the stat cache: hash every byte. */
  noCache?: boolean;
  /**
   * Rewrite the `stat` block of each manifest whose output passed every check but whose files'
   * timestamps differ from those recorded (a copied or touched project). The caller holds the
   * project run lock: this writes manifests.
   */
  refresh?: boolean;
  /** Called after each task is verified (for progress display). */
  onResult?: (r: VerifyResult, done: number, total: number) => void;
}
