/**
 * File names are bytes: a file whose name is not valid UTF-8 is hashed like any other, in an
 * output and in an external input directory, so rewriting it is caught by `lc verify` and
 * `lc status`. Through the built `lc`, on real files.
 */
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-byte-names-')));
afterAll(() => cleanup());

/** `<dir>/<prefix><byte><suffix>` as a path of bytes. */
const bytePath = (d: string, prefix: string, byte: number, suffix = '') =>
  Buffer.concat([Buffer.from(`${d}/${prefix}`), Buffer.from([byte]), Buffer.from(suffix)]);

/** Rewrite a file with other bytes of the same size, its mtime kept (what a careful tamperer does). */
function tamper(path: Buffer): void {
  const st = statSync(path);
  writeFileSync(path, 'Y'.repeat(st.size));
  utimesSync(path, st.atime, st.mtime);
}

async function project(name: string) {
  const root = writeProject(join(dir, name), {
    'astra.yaml': `id: t
version: "0.0.12"
name: byte names
inputs:
  - id: raw
    type: data
    source: data/raw
decisions: {}
outputs:
  - id: o
    type: data
    recipe:
      command: printf one > "{output}/$(printf 'bad\\377name')" && printf two > "{output}/$(printf 'bad\\376name')" && printf ok > "{output}/good.txt"
  - id: p
    type: data
    inputs: [raw]
    recipe: {command: "ls {inputs.raw} > {output}/listing.txt"}
`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
  });
  mkdirSync(join(root, 'data/raw'), { recursive: true });
  writeFileSync(bytePath(join(root, 'data/raw'), 'in', 0xff, '.dat'), 'XXXX');
  const env = { LIGHTCONE_SCRATCH: join(dir, `${name}-scratch`) };
  const run = await lc(['run', '--plain'], { cwd: root, env });
  expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  return { root, env };
}

const statusOf = async (root: string, env: Record<string, string>) => {
  const r = await lc(['status', '--json'], { cwd: root, env });
  const doc = JSON.parse(r.stdout) as { tasks: { id: string; state: string }[] };
  return Object.fromEntries(doc.tasks.map((t) => [t.id, t.state]));
};

describe('file names that are not UTF-8', () => {
  it('every file of an output is in its manifest, and rewriting one is caught by verify and status', async () => {
    const { root, env } = await project('output');
    const out = join(root, 'results/u/o');
    const manifest = JSON.parse(readFileSync(join(out, '.lightcone-manifest.json'), 'utf8')) as {
      files: { count: number };
    };
    expect(manifest.files.count).toBe(3);
    expect((await lc(['verify', '--no-cache'], { cwd: root, env })).exitCode).toBe(0);

    tamper(bytePath(out, 'bad', 0xff, 'name'));
    const v = await lc(['verify', '--no-cache', '--json'], { cwd: root, env });
    expect(v.exitCode).toBe(1);
    const doc = JSON.parse(v.stdout) as { results: { id: string; failure: string | null }[] };
    expect(doc.results.find((r) => r.id === 'u/o')?.failure).toBe('tampered_data');
    expect((await statusOf(root, env))['u/o']).toBe('modified');
  });

  it('a renamed byte name (another invalid byte, same text on screen) changes the hash', async () => {
    const { root, env } = await project('rename');
    const out = join(root, 'results/u/o');
    const from = bytePath(out, 'bad', 0xff, 'name');
    const st = statSync(from);
    writeFileSync(bytePath(out, 'bad', 0xfd, 'name'), readFileSync(from));
    utimesSync(bytePath(out, 'bad', 0xfd, 'name'), st.atime, st.mtime);
    rmSync(from);
    expect((await lc(['verify', '--no-cache'], { cwd: root, env })).exitCode).toBe(1);
  });

  it('an external input directory: rewriting a file with such a name makes its readers stale', async () => {
    const { root, env } = await project('input');
    expect(await statusOf(root, env)).toMatchObject({ 'u/o': 'ok', 'u/p': 'ok' });
    const f = bytePath(join(root, 'data/raw'), 'in', 0xff, '.dat');
    tamper(f);
    expect(await statusOf(root, env)).toMatchObject({ 'u/o': 'ok', 'u/p': 'stale' });
  });
});
