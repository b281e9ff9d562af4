/**
 * What lc asks of an OCI runtime (podman, podman-hpc, docker): an image's id, a build from a
 * staged context, a pull, an archive of an image; every command's output goes to the caller
 * line by line (live progress), and a failure carries its last lines.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { buildIdentity, type BuildInputs } from './context.js';
import { stageBuild } from './staging.js';

const run = promisify(execFile);

/**
 * Builds from a staged copy of exactly the files the tag was made from. A file edited while it
 * was being copied would give the image a tag that does not describe it: the identity is taken
 * again after staging (cheap: hashes are cached by stat) and a difference fails the build.
 */
export async function buildImage(bin: string, image: string, root: string, inputs: BuildInputs, onLine: (line: string) => void): Promise<void> {
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
export function runStreaming(bin: string, args: string[], onLine: (line: string) => void): Promise<void> {
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
export async function imageId(bin: string, image: string): Promise<string | null> {
  try {
    const { stdout } = await run(bin, ['image', 'inspect', '--format', '{{.Id}}', image]);
    const id = stdout.trim();
    return id ? (id.startsWith('sha256:') ? id : `sha256:${id}`) : null;
  } catch {
    return null;
  }
}
