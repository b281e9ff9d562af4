/**
 * What `container:` declares, and the one string lc keys it by. ASTRA's string form is an image
 * reference or a Containerfile path; its object form `{build, context, args}` names a
 * Containerfile, the directory the build sees (default: the Containerfile's) and build args.
 * Tasks, plans and manifests carry the declaration as one string, the "container key": the
 * string form as written, the object form as its canonical JSON (an image reference never
 * starts with `{`), so the manifest's `container_image` still says exactly what was declared.
 */
import { pythonCanonicalJson } from '../manifest/canonical-json.js';

export interface ContainerBuildSpec {
  /** The Containerfile, relative to the declaring astra.yaml. */
  build: string;
  /** The build context directory, relative to the declaring astra.yaml. */
  context?: string;
  /** Build args (`--build-arg K=V`); they enter the image identity. */
  args?: Record<string, string>;
}

export type ContainerSpec = string | ContainerBuildSpec;

/** A declaration as read from YAML (args may be numbers or booleans there). */
export interface RawContainerBuild {
  build: string;
  context?: string | null;
  args?: Record<string, string | number | boolean> | null;
}

/** The key of a declaration; undefined for none. */
export function containerKey(raw: string | RawContainerBuild | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') return raw;
  const doc: Record<string, unknown> = { build: raw.build };
  if (raw.context !== null && raw.context !== undefined) doc.context = raw.context;
  if (raw.args) doc.args = Object.fromEntries(Object.entries(raw.args).map(([k, v]) => [k, String(v)]));
  return pythonCanonicalJson(doc);
}

/** The declaration behind a key. */
export function parseContainerKey(key: string): ContainerSpec {
  if (!key.startsWith('{')) return key;
  return JSON.parse(key) as ContainerBuildSpec;
}
