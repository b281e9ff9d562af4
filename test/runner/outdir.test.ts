/** Output dirs: emptied by unlinking (hardlinked siblings survive), group members linked. */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MANIFEST_NAME } from '../../engine/manifest/index.js';
import { emptyOutdir, linkTree } from '../../engine/runner/outdir.js';
import { tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('lc-outdir-')));
afterEach(() => cleanup());

describe('emptyOutdir', () => {
  test('creates a missing dir', () => {
    emptyOutdir(join(dir, 'a', 'b'));
    expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
  });

  test('removes files, subdirs and the manifest, leaving hardlinked siblings intact', () => {
    const leader = join(dir, 'leader');
    const member = join(dir, 'member');
    mkdirSync(join(leader, 'sub'), { recursive: true });
    writeFileSync(join(leader, 'data.csv'), 'x,y\n1,2\n');
    writeFileSync(join(leader, 'sub', 'deep.txt'), 'deep');
    writeFileSync(join(leader, MANIFEST_NAME), '{}');
    linkTree(leader, member);
    writeFileSync(join(member, MANIFEST_NAME), '{}');

    emptyOutdir(member);
    expect(existsSync(member)).toBe(true);
    expect(existsSync(join(member, MANIFEST_NAME))).toBe(false);
    expect(existsSync(join(member, 'data.csv'))).toBe(false);
    expect(existsSync(join(member, 'sub'))).toBe(false);
    // The leader's bytes are untouched: unlink, not truncate.
    expect(readFileSync(join(leader, 'data.csv'), 'utf8')).toBe('x,y\n1,2\n');
    expect(readFileSync(join(leader, 'sub', 'deep.txt'), 'utf8')).toBe('deep');
  });

  test('replaces a file standing where the dir should be', () => {
    writeFileSync(join(dir, 'out'), 'not a dir');
    emptyOutdir(join(dir, 'out'));
    expect(statSync(join(dir, 'out')).isDirectory()).toBe(true);
  });
});

describe('linkTree', () => {
  test('hardlinks every file except manifests, recursively', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'nested'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'a');
    writeFileSync(join(src, 'nested', 'b.txt'), 'b');
    writeFileSync(join(src, MANIFEST_NAME), '{}');
    writeFileSync(join(src, 'nested', MANIFEST_NAME), '{}');
    const stats = linkTree(src, join(dir, 'dst'));
    expect(stats).toEqual({ linked: 2, copied: 0 });
    expect(statSync(join(dir, 'dst', 'a.txt')).ino).toBe(statSync(join(src, 'a.txt')).ino);
    expect(readFileSync(join(dir, 'dst', 'nested', 'b.txt'), 'utf8')).toBe('b');
    expect(existsSync(join(dir, 'dst', MANIFEST_NAME))).toBe(false);
    expect(existsSync(join(dir, 'dst', 'nested', MANIFEST_NAME))).toBe(false);
  });

  test('copies when a hardlink is impossible (another file system: EXDEV)', () => {
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'data');
    // /dev/shm is a tmpfs, the temp dir is not: link() across them fails with EXDEV.
    expect(statSync('/dev/shm').dev).not.toBe(statSync(dir).dev);
    const other = join('/dev/shm', `lc-linktree-${process.pid}`);
    try {
      const stats = linkTree(src, other);
      expect(stats).toEqual({ linked: 0, copied: 1 });
      expect(readFileSync(join(other, 'f'), 'utf8')).toBe('data');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
