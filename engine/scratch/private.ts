/**
 * The scratch directory lc keeps its state in (`<root>/.lightcone`) must belong to the user and
 * be closed to everyone else (mode 0700): logs name paths and commands, the run lock must not be
 * taken by another user, and a directory another user created cannot be written anyway. It is
 * created that way on first use and checked on every later one; one that is not private stops
 * the command with what to do about it.
 */
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage, LcError } from '../errors.js';
import type { ScratchPaths } from './paths.js';

export function ensurePrivateScratch(s: ScratchPaths): void {
  const st = lstatSync(s.base, { throwIfNoEntry: false });
  if (!st) return create(s);
  const uid = process.getuid?.();
  if (!st.isDirectory()) throw notPrivate(s, `${s.base} is not a directory`);
  if (uid !== undefined && st.uid !== uid) throw notPrivate(s, `${s.base} belongs to uid ${st.uid}, not to you (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw notPrivate(s, `${s.base} is open to other users (mode ${mode})`, `chmod 700 ${s.base}`);
  }
}

function create(s: ScratchPaths): void {
  try {
    if (s.source === 'project') {
      mkdirSync(dirname(s.scratchRoot), { recursive: true });
      mkdirSync(s.scratchRoot, { recursive: true, mode: 0o700 });
      // Ignored by git, with everything below it, wherever the project is committed from.
      writeFileSync(`${s.scratchRoot}/.gitignore`, '*\n');
    } else {
      mkdirSync(s.scratchRoot, { recursive: true });
    }
    mkdirSync(s.base, { mode: 0o700 });
  } catch (e) {
    // Another lc of ours made it a moment ago: check what is there.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return ensurePrivateScratch(s);
    throw new LcError('SCRATCH_UNUSABLE', `cannot create the scratch directory ${s.base}: ${errorMessage(e)}`, {
      context: { path: s.base, source: s.source },
      hint: 'set LIGHTCONE_SCRATCH to a directory of your own that every node running lc can see',
    });
  }
}

function notPrivate(s: ScratchPaths, why: string, fix?: string): LcError {
  const other = 'or set LIGHTCONE_SCRATCH to a directory of your own that every node running lc can see';
  return new LcError('SCRATCH_NOT_PRIVATE', `the scratch directory is not private: ${why}`, {
    context: { path: s.base, source: s.source },
    hint: fix ? `${fix} (it is yours), ${other}` : other.replace(/^or /, ''),
  });
}
