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
}

export interface VerifyOptions {
  /** Hashing threads (default: available cores). */
  jobs?: number;
  /** Ignore (and do not update) the stat cache: hash every byte. */
  noCache?: boolean;
  /** Called after each task is verified (for progress display). */
  onResult?: (r: VerifyResult, done: number, total: number) => void;
}
