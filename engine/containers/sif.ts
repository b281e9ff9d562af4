/**
 * Apptainer and Singularity run SIF files, not images in a runtime's storage. lc keeps one SIF
 * per image under `<scratch>/.lightcone/images/` (scratch is where every node sees the same
 * files), named by what identifies the image, so a SIF is made once and found again:
 *   - a reference: `apptainer pull` of `docker://<ref>` (or the URI as written) to
 *     `<name>-<12 hex of the reference>.sif`; `lc build --force` pulls it again;
 *   - a Containerfile: built by an OCI builder on PATH (podman, else docker) under its
 *     content-addressed tag, archived, and turned into `<tag>.sif`;
 *   - a path to a SIF: used as it is.
 * The image id a manifest records is the SIF's sha256, computed once when lc makes the SIF and
 * kept beside it (`<sif>.sha256`). Every file appears under its final name by a rename.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ContainerIdentity } from '../manifest/container.js';
import { buildImage, runStreaming } from './oci.js';

export type SifRuntime = 'apptainer' | 'singularity';

export interface SifSteps {
  force: boolean;
  make: boolean;
  /** A pull or build begins (not told when the SIF is there). */
  begin: (work: 'build' | 'pull', image: string) => void;
  line: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface SifImage {
  image: string;
  id: string | null;
  action: 'present' | 'built' | 'pulled' | 'as-is';
}

/** Where the SIF of an image lives; null for a SIF path given as it is. */
export function sifPath(dir: string, identity: ContainerIdentity): string | null {
  const raw = identity.raw as string;
  if (identity.tag !== undefined) return join(dir, `${identity.tag}.sif`);
  if (raw.endsWith('.sif') && !raw.includes('://')) return null;
  const name = raw.replace(/^[a-z]+:\/\//, '').replace(/@sha256:.*$/, '').split('/').pop() ?? 'image';
  const safe = name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'image';
  return join(dir, `${safe}-${createHash('sha256').update(raw).digest('hex').slice(0, 12)}.sif`);
}

/** The URI apptainer pulls a reference from. */
export const pullSource = (raw: string): string => (/^[a-z]+:\/\//.test(raw) ? raw : `docker://${raw}`);

export async function ensureSif(bin: SifRuntime, dir: string, identity: ContainerIdentity, root: string, s: SifSteps): Promise<SifImage> {
  const raw = identity.raw as string;
  const sif = sifPath(dir, identity);
  if (sif === null) {
    const given = isAbsolute(raw) ? raw : resolve(root, raw);
    if (!existsSync(given)) throw new Error(`the SIF ${given} does not exist`);
    return { image: given, id: null, action: 'as-is' };
  }
  if (!s.force && existsSync(sif)) return { image: sif, id: await sifId(sif), action: 'present' };
  if (!s.make) throw new Error(`${sif} is not made yet (lc build makes it)`);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.lc-sif-'));
  try {
    const tmp = join(work, basename(sif));
    if (identity.tag !== undefined && identity.build !== undefined) {
      s.begin('build', sif);
      const builder = ociBuilder(s.env);
      const image = `localhost/${identity.tag}`;
      await buildImage(builder, image, root, identity.build, s.line);
      const archive = join(work, 'image.tar');
      await runStreaming(builder, ['save', ...(builder === 'docker' ? [] : ['--format', 'oci-archive']), '-o', archive, image], s.line);
      await runStreaming(bin, ['build', tmp, `${builder === 'docker' ? 'docker-archive' : 'oci-archive'}://${archive}`], s.line);
    } else {
      s.begin('pull', sif);
      await runStreaming(bin, ['pull', tmp, pullSource(raw)], s.line);
    }
    const id = await hashFile(tmp);
    writeFileSync(`${tmp}.sha256`, id + '\n');
    renameSync(`${tmp}.sha256`, `${sif}.sha256`);
    renameSync(tmp, sif);
    return { image: sif, id, action: identity.tag !== undefined ? 'built' : 'pulled' };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Apptainer cannot build a Containerfile: the first OCI builder on PATH does, and the SIF is made from its image. */
function ociBuilder(env: NodeJS.ProcessEnv): 'podman' | 'docker' {
  for (const b of ['podman', 'docker'] as const)
    for (const d of (env.PATH ?? '').split(':')) if (d && existsSync(join(d, b))) return b;
  throw new Error('apptainer cannot build a Containerfile by itself and neither podman nor docker is on PATH: install one, or build the SIF and name it in container:');
}

/** The SIF's sha256, from its sidecar (written when lc made it), else computed and kept. */
async function sifId(sif: string): Promise<string> {
  try {
    const kept = readFileSync(`${sif}.sha256`, 'utf8').trim();
    if (/^sha256:[0-9a-f]{64}$/.test(kept)) return kept;
  } catch {
    // made by an older lc or by hand
  }
  const id = await hashFile(sif);
  try {
    const tmp = join(dirname(sif), `.${basename(sif)}.sha256.${process.pid}`);
    writeFileSync(tmp, id + '\n');
    renameSync(tmp, `${sif}.sha256`);
  } catch {
    // a read-only images dir: computed again next time
  }
  return id;
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolveHash, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolveHash(`sha256:${h.digest('hex')}`));
  });
}
