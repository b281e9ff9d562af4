/**
 * The part of a manifest that status needs, in one flat shape for both schema versions. Status
 * keeps only this (not the whole parsed manifest) per task, and the observation cache stores
 * exactly this, so both stay small.
 */
import { sha256Of } from '../hash/fast-hash.js';
import type { Manifest, StatEntry } from '../manifest/schema.js';

export interface ManifestView {
  schema_version: 1 | 2;
  data_version: string;
  code_version: string;
  finished_at: number | null;
  duration_s: number | null;
  host: string | null;
  deduplicated_from: string | null;
  recipe: string | null;
  container_image: string | null;
  /** null for schema 1 (Lightcone recorded the raw spec only). */
  resolved_image: string | null;
  decisions: Record<string, string>;
  /** null for schema 1 (no script hashes recorded). */
  scripts: Record<string, string> | null;
  /** null for schema 1. */
  gpus: number | null;
  /** null for schema 1. */
  qualified_output: string | null;
  universe_id: string;
  input_versions: Record<string, string>;
  /** null for schema 1 (no stat fingerprint: `modified` cannot be told cheaply). */
  stat: { fingerprint: string; entries?: StatEntry[] } | null;
  /** The container runtime the task ran under (`none`: on the host); null when not recorded. */
  runtime: string | null;
  /** For a built image, the files its identity covered (not in the slim view: read when stale). */
  container_files: Record<string, string> | null;
  /** The image id the task ran in; null when not recorded (on the host, apptainer, schema 1). */
  image_id: string | null;
}

export function toView(m: Manifest): ManifestView {
  if (m.schema_version === 2) {
    return {
      schema_version: 2,
      data_version: m.data_version,
      code_version: m.code_version,
      finished_at: m.finished_at,
      duration_s: m.duration_s,
      host: m.host,
      deduplicated_from: m.deduplicated_from,
      recipe: m.recipe,
      container_image: m.container_image ?? null,
      resolved_image: m.resolved_image,
      decisions: m.decisions,
      scripts: m.scripts,
      gpus: m.resources.gpus,
      qualified_output: m.qualified_output,
      universe_id: m.universe_id,
      input_versions: m.input_versions,
      stat: m.stat.entries
        ? { fingerprint: m.stat.fingerprint, entries: m.stat.entries }
        : { fingerprint: m.stat.fingerprint },
      runtime: m.runtime,
      container_files: m.container_files ?? null,
      image_id: m.image_id ?? null,
    };
  }
  const decisions: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.decisions ?? {})) decisions[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    schema_version: 1,
    data_version: m.data_version,
    code_version: m.code_version,
    finished_at: m.finished_at ?? null,
    duration_s: null,
    host: m.host ?? null,
    deduplicated_from: null,
    recipe: m.recipe ?? null,
    container_image: m.container_image ?? null,
    resolved_image: null,
    decisions,
    scripts: null,
    gpus: null,
    qualified_output: null,
    universe_id: m.universe_id,
    input_versions: m.input_versions ?? {},
    stat: null,
    runtime: null,
    container_files: null,
    image_id: null,
  };
}

/**
 * What the observation cache keeps per manifest, positionally (small on disk and in memory):
 * [schema_version, data_version, finished_at, duration_s, host, deduplicated_from,
 *  definition key (null for schema 1), input_versions, stat fingerprint (null for schema 1),
 *  container runtime (null when not recorded), image id (null when not recorded)].
 * The definition key digests the recorded recipe, resolved container, decisions, scripts,
 * gpus, output and universe: when it equals today's key the definition is unchanged; when it
 * differs, status reads the manifest again to say what changed.
 */
export type SlimView = [
  1 | 2,
  string,
  number | null,
  number | null,
  string | null,
  string | null,
  string | null,
  Record<string, string>,
  string | null,
  string | null,
  string | null,
];

export interface DefinitionParts {
  recipe: string;
  resolved: string | null;
  decisions: Record<string, string>;
  scripts: Record<string, string>;
  gpus: number;
  output: string;
  universe: string;
}

/**
 * The definition key: a digest of the parts every universe of an output shares (recipe,
 * container, scripts, gpus, output), then the universe and its decisions in clear. Status
 * computes it for every task, so the shared digest is memoised per output (`base`) and the
 * per-task part costs string concatenation, not a hash.
 */
export function definitionKey(p: DefinitionParts, base = definitionBase(p)): string {
  return base + '\u0001' + p.universe + '\u0001' + pairs(p.decisions);
}

export function definitionBase(p: Omit<DefinitionParts, 'decisions' | 'universe'>): string {
  const s = [p.recipe, p.resolved ?? '\u0004', pairs(p.scripts), String(p.gpus), p.output].join('\u0001');
  return sha256Of(s, 'base64url').slice(0, 22);
}

/** `k\u0002v` joined by `\u0003`, keys in code-point order (usually already in order: no sort then). */
function pairs(r: Record<string, string>): string {
  let keys = Object.keys(r);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      break;
    }
  }
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += (i === 0 ? '' : '\u0003') + k + '\u0002' + r[k];
  }
  return out;
}

export function slimOf(v: ManifestView): SlimView {
  const key =
    v.schema_version === 2
      ? definitionKey({
          recipe: v.recipe ?? '',
          resolved: v.resolved_image,
          decisions: v.decisions,
          scripts: v.scripts ?? {},
          gpus: v.gpus ?? 0,
          output: v.qualified_output ?? '',
          universe: v.universe_id,
        })
      : null;
  return [
    v.schema_version,
    v.data_version,
    v.finished_at,
    v.duration_s,
    v.host,
    v.deduplicated_from,
    key,
    v.input_versions,
    v.stat?.fingerprint ?? null,
    v.runtime,
    v.image_id,
  ];
}

/** Cheap structural check for slim views read back from the cache file (ours, but could be damaged). */
export function looksLikeSlim(v: unknown): v is SlimView {
  return (
    Array.isArray(v) &&
    v.length === 11 &&
    (v[0] === 1 || v[0] === 2) &&
    typeof v[1] === 'string' &&
    typeof v[7] === 'object' &&
    v[7] !== null
  );
}
