/**
 * sha256_dir framing vectors. Expected values are computed here from the literal framed byte
 * stream (`path:<rel>\0data:<bytes>\0` per file, code-point order), never with our hasher.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashDir } from '../../engine/hash/sha256-dir.js';
import { HashPool } from '../../engine/hash/pool.js';
import { compareCodePoints } from '../../engine/hash/order.js';
import { tempRoot, writeFiles } from './fixture.js';

const sha = (parts: (string | Buffer)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return 'sha256:' + h.digest('hex');
};

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());
const dir = () => {
  const t = tempRoot('lc-hash-');
  cleanup = t.cleanup;
  return t.root;
};

describe('sha256_dir framing', () => {
  it('names that are not UTF-8 are framed with their bytes, in byte order, in a worker too', async () => {
    const d = dir();
    const name = (...b: number[]) => Buffer.from(b);
    const bad = Buffer.concat([Buffer.from('sub'), name(0xff)]);
    mkdirSync(Buffer.concat([Buffer.from(d + '/'), bad]));
    writeFileSync(Buffer.concat([Buffer.from(d + '/'), bad, Buffer.from('/x')]), 'one');
    writeFileSync(join(d, 'sub\u00e9'), 'two'); // 'sub' + C3 A9: sorts before 'sub' + FF
    writeFileSync(join(d, 'a'), Buffer.alloc(3 * 1024 * 1024, 1));
    const expected = sha([
      'path:a\0data:',
      Buffer.alloc(3 * 1024 * 1024, 1),
      '\0path:sub\u00e9\0data:two\0',
      'path:',
      Buffer.concat([bad, Buffer.from('/x')]),
      '\0data:one\0',
    ]);
    expect((await hashDir(d)).dataVersion).toBe(expected);
    const pool = new HashPool(1);
    try {
      expect((await hashDir(d, pool)).dataVersion).toBe(expected);
    } finally {
      await pool.close();
    }
  });

  it('empty dir hashes the empty string', async () => {
    const d = dir();
    mkdirSync(join(d, 'empty-sub'));
    const r = await hashDir(d);
    expect(r).toEqual({
      dataVersion: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      files: 0,
      bytes: 0,
    });
  });

  it('one file', async () => {
    const d = dir();
    writeFiles(d, { 'a.txt': 'hello' });
    expect((await hashDir(d)).dataVersion).toBe(sha(['path:a.txt\u0000data:hello\u0000']));
  });

  it('nested dirs sort by the whole relative path, not per directory', async () => {
    const d = dir();
    // '-' (0x2d) < '/' (0x2f): b-d.txt comes before b/c.txt; '.' (0x2e) too
    writeFiles(d, {
      'b/c.txt': 'C',
      'a.txt': 'A',
      'b-d.txt': 'D',
      'b.txt': 'B',
      'b/x/y.bin': Buffer.from([0, 1, 2, 255]),
    });
    const expected = sha([
      'path:a.txt\u0000data:A\u0000',
      'path:b-d.txt\u0000data:D\u0000',
      'path:b.txt\u0000data:B\u0000',
      'path:b/c.txt\u0000data:C\u0000',
      'path:b/x/y.bin\u0000data:',
      Buffer.from([0, 1, 2, 255]),
      '\u0000',
    ]);
    const r = await hashDir(d);
    expect(r.dataVersion).toBe(expected);
    expect(r.files).toBe(5);
    expect(r.bytes).toBe(8);
  });

  it('non-ASCII names: UTF-8 bytes, code-point order (not UTF-16 order)', async () => {
    const d = dir();
    // z (U+007A) < é (U+00E9) < ﬀ (U+FB00) < 😀 (U+1F600); UTF-16 order would put 😀 before ﬀ
    writeFiles(d, { '😀.txt': '4', 'ﬀ.txt': '3', 'é.txt': '2', 'z.txt': '1' });
    const expected = sha([
      'path:z.txt\u0000data:1\u0000',
      Buffer.concat([Buffer.from('path:'), Buffer.from([0xc3, 0xa9]), Buffer.from('.txt\u0000data:2\u0000')]),
      Buffer.concat([Buffer.from('path:'), Buffer.from([0xef, 0xac, 0x80]), Buffer.from('.txt\u0000data:3\u0000')]),
      Buffer.concat([
        Buffer.from('path:'),
        Buffer.from([0xf0, 0x9f, 0x98, 0x80]),
        Buffer.from('.txt\u0000data:4\u0000'),
      ]),
    ]);
    expect((await hashDir(d)).dataVersion).toBe(expected);
  });

  it('a symlink to a file counts with the target bytes; symlinked dirs and dangling links do not', async () => {
    const d = dir();
    writeFiles(d, { 'target.txt': 'T', 'sub/inner.txt': 'I' });
    symlinkSync('target.txt', join(d, 'link.txt'));
    symlinkSync('sub', join(d, 'linkdir'));
    symlinkSync('nowhere', join(d, 'dangling'));
    const expected = sha([
      'path:link.txt\u0000data:T\u0000',
      'path:sub/inner.txt\u0000data:I\u0000',
      'path:target.txt\u0000data:T\u0000',
    ]);
    expect((await hashDir(d)).dataVersion).toBe(expected);
  });

  it('excludes the manifest and .snakemake_timestamp at any depth; a rename changes the hash', async () => {
    const d = dir();
    writeFiles(d, {
      'x.txt': 'X',
      '.lightcone-manifest.json': '{}',
      '.snakemake_timestamp': '',
      'deep/.lightcone-manifest.json': 'zz',
    });
    const before = await hashDir(d);
    expect(before.dataVersion).toBe(sha(['path:x.txt\u0000data:X\u0000']));
    writeFiles(d, { 'y.txt': 'X' });
    const { rmSync } = await import('node:fs');
    rmSync(join(d, 'x.txt'));
    expect((await hashDir(d)).dataVersion).toBe(sha(['path:y.txt\u0000data:X\u0000']));
  });

  it('large files go through the worker pool and give the same framing', async () => {
    const d = dir();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    writeFileSync(join(d, 'big.bin'), big);
    writeFiles(d, { 'small.txt': 's' });
    const pool = new HashPool(2);
    try {
      const r = await hashDir(d, pool);
      expect(r.dataVersion).toBe(sha(['path:big.bin\u0000data:', big, '\u0000', 'path:small.txt\u0000data:s\u0000']));
      expect(r.bytes).toBe(big.length + 1);
    } finally {
      await pool.close();
    }
  });
});

describe('the hash worker from the compiled dist/', () => {
  it('hashes through worker threads exactly like the framing says', async () => {
    const { execFileSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const dist = join(__dirname, '..', '..', 'dist', 'engine', 'hash', 'pool.js');
    expect(existsSync(dist), 'run `npm run build` first').toBe(true);
    const d = dir();
    const big = Buffer.alloc(2 * 1024 * 1024 + 3, 0xab);
    writeFileSync(join(d, 'big.bin'), big);
    // --input-type=module on the parent must not leak into the worker (it did once).
    const script = `const { HashPool } = await import(${JSON.stringify(dist)});
      const pool = new HashPool(2);
      const r = await pool.hash([{ abs: process.argv[1] + '/big.bin', rel: 'big.bin' }]);
      await pool.close();
      console.log(JSON.stringify(r));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, d], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      dataVersion: sha(['path:big.bin\u0000data:', big, '\u0000']),
      bytes: big.length,
    });
  });
});

describe('compareCodePoints', () => {
  it('orders by code point', () => {
    const names = ['😀', 'ﬀ', 'é', 'z', 'a/b', 'a-b', 'a'];
    expect([...names].sort(compareCodePoints)).toEqual(['a', 'a-b', 'a/b', 'z', 'é', 'ﬀ', '😀']);
  });
});

describe("agrees with a Python sha256_dir written from Lightcone's description", () => {
  it('on a tree with nesting, non-ASCII names, symlinks and excluded files', async () => {
    const { execFileSync } = await import('node:child_process');
    const d = dir();
    writeFiles(d, {
      'a.txt': 'A',
      'b/c.txt': 'C',
      'b-d.txt': 'D',
      'ü/ß.csv': 'x,y\n1,2\n',
      '😀.txt': 'smile',
      'ﬀ.txt': 'ff',
      'deep/er/.snakemake_timestamp': '',
      'deep/er/.lightcone-manifest.json': '{}',
      'deep/er/f.bin': Buffer.from([0, 0, 0]),
    });
    symlinkSync('a.txt', join(d, 'link.txt'));
    const py = `
import hashlib, sys
from pathlib import Path
root = Path(sys.argv[1])
skip = {'.lightcone-manifest.json', '.snakemake_timestamp'}
files = sorted((p for p in root.rglob('*') if p.is_file() and p.name not in skip), key=lambda p: p.relative_to(root).as_posix())
h = hashlib.sha256()
for p in files:
    h.update(b'path:' + p.relative_to(root).as_posix().encode('utf-8') + b'\\0' + b'data:')
    h.update(p.read_bytes())
    h.update(b'\\0')
print('sha256:' + h.hexdigest())
`;
    const expected = execFileSync('python3', ['-c', py, d], { encoding: 'utf8' }).trim();
    expect((await hashDir(d)).dataVersion).toBe(expected);
  });
});
