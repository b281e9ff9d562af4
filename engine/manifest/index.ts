/**
 * Manifests: the per-output provenance record, and everything that goes into one.
 * The runner calls snapshotInputs before a task starts and recordSuccess after it succeeded.
 */
export {
  MANIFEST_NAME,
  MANIFEST_SCHEMA_VERSION,
  ManifestSchema,
  ManifestV1Schema,
  ManifestV2Schema,
  isV2,
} from './schema.js';
export type { Manifest, ManifestV1, ManifestV2, InputRecord, StatEntry } from './schema.js';
export { readManifest, readManifestSync, parseManifestText, manifestPath, type ReadManifestResult } from './read.js';
export {
  snapshotInputs,
  fingerprintExternal,
  upstreamVersion,
  type InputSnapshot,
  type SnapshotOptions,
  type FingerprintMode,
} from './inputs.js';
export { recordSuccess, type RunRecord } from './record.js';
export { codeVersion, DefinitionScan, type TaskDefinition } from './definition.js';
export { writeManifestAtomic, serializeManifest } from './write.js';
export { validateOutput } from './validate-output.js';
export { hashDir, hashListing, type DirHash } from '../hash/sha256-dir.js';
