/**
 * Task keys: what a task computes, as a content hash. Two tasks with the same key (in different
 * universes) are the same computation, so a run computes it once and reuses the bytes.
 *
 * The key covers exactly what can change the bytes an output holds:
 *  - the qualified output id (two outputs with identical recipes are still different artifacts);
 *  - the recipe template BEFORE substitution: substituted paths contain the universe id, which
 *    would make every universe differ and defeat deduplication;
 *  - the raw container spec;
 *  - the scoped decisions (only the ids in `Output.decisions`: the ASTRA provenance contract says
 *    a decision not listed there must not change the output);
 *  - upstream task keys in input order (so a change upstream changes every key downstream), and
 *    the locators of external inputs (their bytes are fingerprinted at run time, not here);
 *  - result-affecting resources: only `gpus`. A GPU changes which code path runs (CUDA kernels,
 *    non-deterministic reductions), so results differ at the bit level. `cpus`, memory, disk and
 *    time limits change whether and how fast a task finishes, not what it writes; including them
 *    would re-run everything whenever someone gives a task more memory.
 */
import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Bump when the key material changes shape, so old keys never collide with new ones. */
export const TASK_KEY_VERSION = 1;

/** One entry of the key's input list, in `Output.inputs` order. */
export type KeyInput =
  | { id: string; task: string }
  | { id: string; output: string; path: string }
  | { id: string; input: string; source?: string; ref?: string };

export interface KeyMaterial {
  output: string;
  recipe: string;
  container: string | undefined;
  decisions: Record<string, string>;
  inputs: KeyInput[];
  gpus: number;
}

type OneShotHash = (algorithm: string, data: string, encoding: 'hex') => string;
/** crypto.hash (Node >= 20.12) is ~3x faster than createHash for small inputs; keys are hot. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** `sha256:<hex>` of a UTF-8 string. */
export const sha256Key: (text: string) => string = oneShot
  ? (text) => 'sha256:' + oneShot('sha256', text, 'hex')
  : (text) => 'sha256:' + crypto.createHash('sha256').update(text).digest('hex');

export function taskKey(m: KeyMaterial): string {
  const doc = {
    v: TASK_KEY_VERSION,
    output: m.output,
    recipe: m.recipe,
    container: m.container ?? null,
    decisions: m.decisions,
    inputs: m.inputs,
    resources: { gpus: m.gpus },
  };
  return sha256Key(canonicalJson(doc));
}
