/**
 * Which container runtime runs declared containers: `LC_CONTAINER_RUNTIME`, else
 * `container.runtime` in .lightcone/lightcone.yaml, else in the user's ~/.lightcone/config.yaml,
 * else `auto`: the first of podman-hpc,
 * apptainer, singularity, podman, docker found on PATH (the HPC ones first: on a Perlmutter
 * compute node `podman` may exist and not be what the site supports). `none` runs recipes on
 * the host, and every output says so (status and verify notes).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CONTAINER_RUNTIME_SETTINGS, readProjectConfig, readUserConfig } from '../config/project-config.js';
import { LcError } from '../errors.js';

export type RuntimeSetting = (typeof CONTAINER_RUNTIME_SETTINGS)[number];
export type Runtime = Exclude<RuntimeSetting, 'auto'>;

export interface RuntimeChoice {
  runtime: Runtime | null;
  /** In words, for messages: `LC_CONTAINER_RUNTIME=podman`, `found podman on PATH`, ... */
  why: string;
}

const AUTO_ORDER: readonly Exclude<Runtime, 'none'>[] = ['podman-hpc', 'apptainer', 'singularity', 'podman', 'docker'];

export function chooseRuntime(projectRoot: string, env: NodeJS.ProcessEnv = process.env): RuntimeChoice {
  const fromEnv = env.LC_CONTAINER_RUNTIME;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(CONTAINER_RUNTIME_SETTINGS as readonly string[]).includes(fromEnv))
      throw new LcError('USAGE', `LC_CONTAINER_RUNTIME must be one of ${CONTAINER_RUNTIME_SETTINGS.join(', ')}, not '${fromEnv}'`);
    if (fromEnv !== 'auto') return { runtime: fromEnv as Runtime, why: `LC_CONTAINER_RUNTIME=${fromEnv}` };
  }
  for (const config of [readProjectConfig(projectRoot), readUserConfig(env)]) {
    const configured = config.values.container?.runtime as RuntimeSetting | undefined;
    if (configured === undefined || configured === null) continue;
    // `auto` in the project's file means auto, whatever the user's file says
    if (configured === 'auto') break;
    return { runtime: configured, why: `container.runtime: ${configured} in ${config.file}` };
  }
  for (const r of AUTO_ORDER) if (onPath(r, env)) return { runtime: r, why: `found ${r} on PATH` };
  return { runtime: null, why: `none of ${AUTO_ORDER.join(', ')} is on PATH` };
}

function onPath(bin: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
