/**
 * The command line that runs a recipe inside its container with a given runtime. The project is
 * bind-mounted at its own path and is the working directory, so every path in the rendered
 * command means the same inside; the scratch directory is mounted too (logs); the task's
 * variables pass through by name; GPUs the task was given are handed to the container; files
 * are written as the user; the network is the node's. Never `--pull`: images are made sure of
 * before the run.
 */
import { shellQuote } from '../astra/template.js';
import type { Runtime } from './runtime.js';

export interface WrapOptions {
  runtime: Exclude<Runtime, 'none'>;
  image: string;
  command: string;
  /** The project root: mounted at its own path, the working directory. */
  root: string;
  /** Further directories mounted at their own path (scratch). */
  mounts: readonly string[];
  /** Variables passed through by name (their values come from the client's environment). */
  env: readonly string[];
  /**
   * The task uses GPUs: the container gets the node's GPUs and the task's CUDA_VISIBLE_DEVICES
   * (passed through), which selects the ones it was given (ids are known only at placement).
   */
  gpus: boolean;
  /** Container name (podman, docker): what a stop removes. */
  name: string;
  /** The user lc runs as. */
  uid: number;
  gid: number;
}

export function wrapArgv(o: WrapOptions): string[] {
  if (o.runtime === 'apptainer' || o.runtime === 'singularity') {
    const binds = [o.root, ...o.mounts].flatMap((d) => ['--bind', d]);
    // the host environment passes through by default (CUDA_VISIBLE_DEVICES included, which --nv honours)
    return [o.runtime, 'exec', ...binds, '--pwd', o.root, ...(o.gpus ? ['--nv'] : []), o.image, 'sh', '-c', o.command];
  }
  const mounts = [o.root, ...o.mounts].flatMap((d) => ['-v', `${d}:${d}`]);
  // rootless podman maps the user to itself; rootful runtimes run as the user's ids
  const user = o.runtime === 'docker' || o.uid === 0 ? ['--user', `${o.uid}:${o.gid}`] : ['--userns=keep-id'];
  const gpus = !o.gpus ? [] : o.runtime === 'docker' ? ['--gpus', 'all'] : ['--device', 'nvidia.com/gpu=all'];
  // the node's network, as under apptainer: a recipe reaches what the node reaches (MPI, licence
  // servers, a Dask client), and no network is set up per task
  return [o.runtime, 'run', '--rm', '--name', o.name, '--network=host', ...user, ...mounts, '-w', o.root, ...envFlags('-e', o.env), ...gpus, o.image, 'sh', '-c', o.command];
}

/**
 * As one shell command line (what the executors run). Where a daemon keeps the container
 * (podman, docker), stopping the client does not stop it: the line removes the container when
 * it is told to stop (SIGTERM, SIGINT, SIGHUP: how both executors stop a task before they
 * SIGKILL it), with the client in the background so the trap runs at once.
 */
export function wrapCommand(o: WrapOptions): string {
  const run = wrapArgv(o).map(shellQuote).join(' ');
  const rm = removeArgv(o.runtime, o.name);
  if (rm === null) return run;
  const stop = `${rm.map(shellQuote).join(' ')} >/dev/null 2>&1; exit 143`;
  return `trap ${shellQuote(stop)} TERM INT HUP; ${run} & wait $!`;
}

/** The command that removes a container left by a stopped client (podman, docker); null for the others. */
export function removeArgv(runtime: Exclude<Runtime, 'none'>, name: string): string[] | null {
  if (runtime === 'apptainer' || runtime === 'singularity') return null; // no daemon: the process is the container
  return runtime === 'docker' ? ['docker', 'rm', '-f', name] : [runtime, 'rm', '-f', '-t', '0', '--ignore', name];
}

function envFlags(flag: string, names: readonly string[]): string[] {
  return names.flatMap((n) => [flag, n]);
}


/** What a task needs of a container plan to run in its image. */
export interface BoxTask {
  command: string;
  container?: string;
  gpus: number;
}

/**
 * A task's command inside its container, under `name`, and how to remove that container; null
 * when it runs on the host (no container declared, or the runtime is `none`).
 */
export function boxCommand(
  task: BoxTask,
  plan: { runtime: Runtime | null; images: ReadonlyMap<string, { image: string }> },
  o: { root: string; mounts: readonly string[]; variables: readonly string[]; name: string },
): { command: string; remove: string[] | null } | null {
  const image = task.container !== undefined ? plan.images.get(task.container) : undefined;
  if (!image || plan.runtime === null || plan.runtime === 'none') return null;
  const command = wrapCommand({
    runtime: plan.runtime,
    image: image.image,
    command: task.command,
    root: o.root,
    mounts: o.mounts,
    env: [...o.variables, ...(task.gpus > 0 ? ['CUDA_VISIBLE_DEVICES'] : [])],
    gpus: task.gpus > 0,
    name: o.name,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  });
  return { command, remove: removeArgv(plan.runtime, o.name) };
}
