import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LcError } from '../engine/errors.js';

/**
 * The project root: -C/--project when given (must hold astra.yaml), else the first directory
 * walking up from cwd that holds an astra.yaml file.
 */
export function findProjectRoot(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const dir = resolve(cwd, explicit);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new LcError('PROJECT_NOT_FOUND', `project directory ${dir} does not exist`);
    }
    if (!isFile(join(dir, 'astra.yaml'))) {
      throw new LcError('PROJECT_NOT_FOUND', `no astra.yaml in ${dir}`, {
        hint: 'point -C/--project at the directory that holds astra.yaml',
      });
    }
    return dir;
  }
  let dir = resolve(cwd);
  for (;;) {
    if (isFile(join(dir, 'astra.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new LcError('PROJECT_NOT_FOUND', `no astra.yaml in ${resolve(cwd)} or any parent directory`, {
    hint: 'run lc inside an ASTRA project, pass -C/--project DIR, or start one: lc init (lc init --example line-fit copies an example)',
  });
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
