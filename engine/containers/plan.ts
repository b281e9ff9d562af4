/**
 * Before a run: the runtime that will run declared containers, and every image the plan needs,
 * built (a Containerfile, under its content-addressed tag) or found (a reference). What cannot
 * be had is a problem listed before any task starts, like a missing input.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { errorMessage } from '../errors.js';
import { resolveContainer } from '../manifest/container.js';
import { refOf, type PreflightProblem } from '../runner/preflight.js';
import { chooseRuntime, type Runtime } from './runtime.js';

const run = promisify(execFile);

export interface ImageToRun {
  /** What the runtime is given: a reference, or `localhost/<tag>` of a built image. */
  image: string;
  /** The image id actually executed, for the manifest's image_id (null: not known, apptainer). */
  id: string | null;
  /** What making sure of it took. */
  action: 'present' | 'built' | 'pulled' | 'as-is';
}

export interface PrepareOptions {
  env?: NodeJS.ProcessEnv;
  /** Build or pull again even when the image is there (`lc build --force`). */
  force?: boolean;
  /** false: an image that is not there is a problem, not something to build or pull (`lc run --no-build`). */
  make?: boolean;
  /** Told before each image is made sure of (`lc build` prints it). */
  onImage?: (raw: string, runtime: Runtime) => void;
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
    opts.onImage?.(raw, runtime);
    try {
      images.set(raw, await ensureImage(ctx.root, runtime, raw, identity.tag, identity.resolved, { force: opts.force === true, make: opts.make !== false }));
    } catch (e) {
      problems.push({
        code: 'CONTAINER_UNAVAILABLE',
        message: `container ${raw} cannot be had with ${runtime}: ${errorMessage(e)}`,
        ...refOf(ctx.project, `recipe:${t.output}`),
        tasks: boxed.filter((b) => b.container === raw).map((b) => b.id),
      });
    }
  }
  return { plan: { runtime, why: choice.why, images }, problems };
}

/** A built image under its tag (built when missing), or a reference that is there (pulled when not). */
async function ensureImage(
  root: string,
  runtime: Exclude<Runtime, 'none'>,
  raw: string,
  tag: string | undefined,
  resolved: string | null,
  { force, make }: { force: boolean; make: boolean },
): Promise<ImageToRun> {
  // a SIF path or a docker:// reference, given to apptainer as it is
  if (runtime === 'apptainer' || runtime === 'singularity') return { image: raw, id: null, action: 'as-is' };
  const bin = runtime;
  if (tag !== undefined && resolved !== null) {
    const image = `localhost/${tag}`;
    const there = force ? null : await imageId(bin, image);
    if (there !== null) return { image, id: there, action: 'present' };
    if (!make) throw new Error(`${image} is not built (lc build builds it)`);
    const file = join(root, resolved.slice(0, resolved.lastIndexOf('@')));
    await run(bin, ['build', '-q', '-t', image, '-f', file, dirname(file)], { maxBuffer: 16 << 20 });
    if (runtime === 'podman-hpc') await run(bin, ['migrate', image]);
    return { image, id: await imageId(bin, image), action: 'built' };
  }
  const there = force ? null : await imageId(bin, raw);
  if (there !== null) return { image: raw, id: there, action: 'present' };
  if (!make) throw new Error(`${raw} is not there (lc build pulls it)`);
  await run(bin, ['pull', '-q', raw], { maxBuffer: 16 << 20 });
  return { image: raw, id: await imageId(bin, raw), action: 'pulled' };
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
