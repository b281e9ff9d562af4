/**
 * A build context staged to a temporary directory holding exactly the files the image identity
 * covers (context.ts), so the build sees what the tag names and nothing else, and never reads
 * the project's filesystem itself: buildah calls llistxattr on every COPY source, which Cray DVS
 * home directories do not implement. Symbolic links are copied as the files they point to,
 * which is what was hashed.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BuildInputs } from './context.js';

export interface StagedBuild {
  /** The staged Containerfile (outside the context, as `-f` allows). */
  containerfile: string;
  /** The staged context directory. */
  context: string;
  remove(): void;
}

export function stageBuild(b: BuildInputs, base = tmpdir()): StagedBuild {
  const dir = mkdtempSync(join(base, 'lc-build-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const context = join(dir, 'context');
    mkdirSync(context);
    for (const d of b.dirs) mkdirSync(join(context, d), { recursive: true });
    for (const f of b.files) {
      mkdirSync(dirname(join(context, f)), { recursive: true });
      copyFileSync(join(b.context, f), join(context, f));
    }
    const containerfile = join(dir, 'Containerfile');
    copyFileSync(b.containerfile, containerfile);
    return { containerfile, context, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
