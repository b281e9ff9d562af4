/**
 * Before a run: the runtime that will run declared containers, and every image the plan needs,
 * built (a Containerfile, under its content-addressed tag) or found (a reference). What cannot
 * be had is a problem listed before any task starts, like a missing input.
 */
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { errorMessage } from '../errors.js';
import { resolveContainer, type ContainerIdentity } from '../manifest/container.js';
import { refOf, type PreflightProblem } from '../runner/preflight.js';
import { movable, recordKnownImages, type KnownImage } from './known-images.js';
import { chooseRuntime, type Runtime } from './runtime.js';
import { buildImage, imageId, runStreaming } from './oci.js';
import { ensureSif, type SifRuntime } from './sif.js';

export interface ImageToRun {
  /** What the runtime is given: a reference, `localhost/<tag>` of a built image, or a SIF path. */
  image: string;
  /** The image id actually executed, for the manifest's image_id (a SIF's sha256; null: a SIF given by path). */
  id: string | null;
  /** What making sure of it took. */
  action: 'present' | 'built' | 'pulled' | 'as-is';
}

/** What making sure of the images is doing, for live progress (lc build, lc run). */
export type ImageProgress =
  | { kind: 'start'; container: string; runtime: Runtime; work: 'build' | 'pull'; image: string }
  | { kind: 'line'; container: string; line: string }
  | { kind: 'done'; container: string; image: ImageToRun; ms: number };

export interface PrepareOptions {
  env?: NodeJS.ProcessEnv;
  /** Build or pull again even when the image is there (`lc build --force`). */
  force?: boolean;
  /** false: an image that is not there is a problem, not something to build or pull (`lc run --no-build`). */
  make?: boolean;
  /** Told when an image is built or pulled, of each line the runtime prints, and when it is done. */
  onProgress?: (p: ImageProgress) => void;
}

export interface ContainerPlan {
  /** null: no task of the plan declares a container. */
  runtime: Runtime | null;
  why: string;
  /** By the raw `container:` spec of the tasks. */
  images: ReadonlyMap<string, ImageToRun>;
}

export const NO_CONTAINERS: ContainerPlan = { runtime: null, why: 'no task declares a container', images: new Map() };

export async function prepareContainers(
  ctx: EngineContext,
  tasks: readonly Task[],
  opts: PrepareOptions = {},
): Promise<{ plan: ContainerPlan; problems: PreflightProblem[] }> {
  const boxed = tasks.filter((t) => t.container !== undefined);
  if (boxed.length === 0) return { plan: NO_CONTAINERS, problems: [] };
  const choice = chooseRuntime(ctx.root, opts.env ?? process.env);
  const ids = boxed.map((t) => t.id);
  if (choice.runtime === null) {
    const problem: PreflightProblem = {
      code: 'CONTAINER_RUNTIME_MISSING',
      message: `recipes declare containers and no container runtime is available (${choice.why}): install podman or apptainer, or set container.runtime: none in .lightcone/lightcone.yaml to run them on the host (lc then says so)`,
      tasks: ids,
    };
    return { plan: { ...NO_CONTAINERS, why: choice.why }, problems: [problem] };
  }
  const runtime = choice.runtime;
  if (runtime === 'none') return { plan: { runtime, why: choice.why, images: new Map() }, problems: [] };
  const images = new Map<string, ImageToRun>();
  const problems: PreflightProblem[] = [];
  /** What movable references name now (status compares outputs' image_id with it). */
  const learned = new Map<string, KnownImage>();
  const ensure: EnsureOptions = { force: opts.force === true, make: opts.make !== false, onProgress: opts.onProgress, env: opts.env ?? process.env };
  for (const t of boxed) {
    const raw = t.container as string;
    if (images.has(raw)) continue;
    const identity = resolveContainer(ctx, t);
    try {
      const image = await ensureImage(ctx, runtime, identity, ensure);
      images.set(raw, image);
      if (identity.reference && image.id !== null && movable(raw)) learned.set(raw, { id: image.id, runtime, seen_at: new Date().toISOString() });
    } catch (e) {
      problems.push({
        code: 'CONTAINER_UNAVAILABLE',
        message: `container ${raw} cannot be had with ${runtime}: ${errorMessage(e)}`,
        ...refOf(ctx.project, `recipe:${t.output}`),
        tasks: boxed.filter((b) => b.container === raw).map((b) => b.id),
      });
    }
  }
  recordKnownImages(ctx.scratch.cache, learned);
  return { plan: { runtime, why: choice.why, images }, problems };
}

interface EnsureOptions {
  force: boolean;
  make: boolean;
  onProgress: PrepareOptions['onProgress'];
  env: NodeJS.ProcessEnv;
}

/** An apptainer/singularity image: its SIF in the scratch's images directory (sif.ts). */
async function ensureSifImage(ctx: EngineContext, runtime: SifRuntime, identity: ContainerIdentity, o: EnsureOptions): Promise<ImageToRun> {
  const raw = identity.raw as string;
  const t0 = Date.now();
  let began = false;
  const made = await ensureSif(runtime, join(ctx.scratch.base, 'images'), identity, ctx.root, {
    force: o.force,
    make: o.make,
    env: o.env,
    begin: (work, image) => {
      began = true;
      o.onProgress?.({ kind: 'start', container: raw, runtime, work, image });
    },
    line: (line) => o.onProgress?.({ kind: 'line', container: raw, line }),
  });
  if (began) o.onProgress?.({ kind: 'done', container: raw, image: made, ms: Date.now() - t0 });
  return made;
}

/** A built image under its tag (built when missing), or a reference that is there (pulled when not). */
async function ensureImage(ctx: EngineContext, runtime: Exclude<Runtime, 'none'>, identity: ContainerIdentity, o: EnsureOptions): Promise<ImageToRun> {
  const raw = identity.raw as string;
  const root = ctx.root;
  if (identity.missing !== undefined) throw new Error(`its Containerfile ${identity.missing} does not exist`);
  if (runtime === 'apptainer' || runtime === 'singularity') return ensureSifImage(ctx, runtime, identity, o);
  const bin = runtime;
  const built = identity.tag !== undefined && identity.build !== undefined ? { tag: identity.tag, inputs: identity.build } : null;
  const image = built ? `localhost/${built.tag}` : raw;
  const there = o.force ? null : await imageId(bin, image);
  if (there !== null) return { image, id: there, action: 'present' };
  if (!o.make) throw new Error(built ? `${image} is not built (lc build builds it)` : `${raw} is not there (lc build pulls it)`);
  const t0 = Date.now();
  o.onProgress?.({ kind: 'start', container: raw, runtime, work: built ? 'build' : 'pull', image });
  const onLine = (line: string) => o.onProgress?.({ kind: 'line', container: raw, line });
  if (built) await buildImage(bin, image, root, built.inputs, onLine);
  else await runStreaming(bin, ['pull', raw], onLine);
  if (runtime === 'podman-hpc') await runStreaming(bin, ['migrate', image], onLine);
  const made: ImageToRun = { image, id: await imageId(bin, image), action: built ? 'built' : 'pulled' };
  o.onProgress?.({ kind: 'done', container: raw, image: made, ms: Date.now() - t0 });
  return made;
}

