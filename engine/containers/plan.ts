/**
 * Before a run: the runtime that will run declared containers, and every image the plan needs,
 * built (a Containerfile, under its content-addressed tag) or found (a reference). What cannot
 * be had is a problem listed before any task starts, like a missing input.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { errorMessage } from '../errors.js';
import { resolveContainer, type ContainerIdentity } from '../manifest/container.js';
import { refOf, type PreflightProblem } from '../runner/preflight.js';
import { buildIdentity, type BuildInputs } from './context.js';
import { movable, recordKnownImages, type KnownImage } from './known-images.js';
import { chooseRuntime, type Runtime } from './runtime.js';
import { stageBuild } from './staging.js';

const run = promisify(execFile);

export interface ImageToRun {
  /** What the runtime is given: a reference, or `localhost/<tag>` of a built image. */
  image: string;
  /** The image id actually executed, for the manifest's image_id (null: not known, apptainer). */
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
  for (const t of boxed) {
    const raw = t.container as string;
    if (images.has(raw)) continue;
    const identity = resolveContainer(ctx, t);
    try {
      images.set(raw, await ensureImage(ctx.root, runtime, identity, { force: opts.force === true, make: opts.make !== false, onProgress: opts.onProgress }));
    } catch (e) {
      problems.push({
        code: 'CONTAINER_UNAVAILABLE',
        message: `container ${raw} cannot be had with ${runtime}: ${errorMessage(e)}`,
        ...refOf(ctx.project, `recipe:${t.output}`),
        tasks: boxed.filter((b) => b.container === raw).map((b) => b.id),
      });
    }
  }
  recordKnownImages(ctx.scratch.cache, resolvedReferences(images, runtime));
  return { plan: { runtime, why: choice.why, images }, problems };
}

/** The images of movable references, as found now (status compares outputs' image_id with them). */
function resolvedReferences(images: ReadonlyMap<string, ImageToRun>, runtime: Runtime): Map<string, KnownImage> {
  const seen_at = new Date().toISOString();
  const out = new Map<string, KnownImage>();
  for (const [raw, i] of images) if (i.id !== null && i.image === raw && movable(raw)) out.set(raw, { id: i.id, runtime, seen_at });
  return out;
}

interface EnsureOptions {
  force: boolean;
  make: boolean;
  onProgress: PrepareOptions['onProgress'];
}

/** A built image under its tag (built when missing), or a reference that is there (pulled when not). */
async function ensureImage(root: string, runtime: Exclude<Runtime, 'none'>, identity: ContainerIdentity, o: EnsureOptions): Promise<ImageToRun> {
  const raw = identity.raw as string;
  if (identity.missing !== undefined) throw new Error(`its Containerfile ${identity.missing} does not exist`);
  // a SIF path or a docker:// reference, given to apptainer as it is
  if (runtime === 'apptainer' || runtime === 'singularity') return { image: raw, id: null, action: 'as-is' };
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

/**
 * Builds from a staged copy of exactly the files the tag was made from. A file edited while it
 * was being copied would give the image a tag that does not describe it: the identity is taken
 * again after staging (cheap: hashes are cached by stat) and a difference fails the build.
 */
async function buildImage(bin: string, image: string, root: string, inputs: BuildInputs, onLine: (line: string) => void): Promise<void> {
  const staged = stageBuild(inputs);
  try {
    const again = buildIdentity(inputs.containerfile, root, inputs.options);
    if (again === null || `localhost/${again.tag}` !== image)
      throw new Error('the build context changed while it was staged; run again');
    const args = Object.entries(inputs.args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    await runStreaming(bin, ['build', '-t', image, '-f', staged.containerfile, ...args, staged.context], onLine);
  } finally {
    staged.remove();
  }
}

/** Runs a runtime command, each output line to `onLine`; a failure carries its last lines. */
function runStreaming(bin: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const take = (line: string) => {
      tail.push(line);
      if (tail.length > 12) tail.shift();
      onLine(line);
    };
    createInterface({ input: child.stdout }).on('line', take);
    createInterface({ input: child.stderr }).on('line', take);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${bin} ${args[0]} ${signal ? `was killed (${signal})` : `exited ${code}`}${tail.length ? `:\n${tail.join('\n')}` : ''}`));
    });
  });
}

/** The id of `image`, or null when the runtime does not have it. */
async function imageId(bin: string, image: string): Promise<string | null> {
  try {
    const { stdout } = await run(bin, ['image', 'inspect', '--format', '{{.Id}}', image]);
    const id = stdout.trim();
    return id ? (id.startsWith('sha256:') ? id : `sha256:${id}`) : null;
  } catch {
    return null;
  }
}
