/**
 * The project snapshot (engine/dag/snapshot.ts) on real projects in temp dirs: what it gives
 * back is exactly what a fresh load and buildDag give, and any change to what the load read,
 * listed or probed makes it refuse, so a changed spec is never hidden behind an old DAG.
 */
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildDag } from '../../engine/dag/index.js';
import { snapshotSchema } from '../../engine/dag/snapshot-format.js';
import { readSnapshot, snapshotPath, writeSnapshot, type OpenedProject } from '../../engine/dag/snapshot.js';
import type { SpecDeps } from '../../engine/astra/deps.js';
import { loadProject } from '../../engine/astra/index.js';
import { projectInfo } from '../../engine/astra/info.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { EXAMPLES, lc, REPO, tempDir, writeProject } from '../helpers/lc.js';

const { dir, cleanup } = tempDir('lc-snapshot-');
afterAll(cleanup);

const CODE = 'test-code-1';
let n = 0;

/** A copy of `src` in a fresh dir, old enough (past the racy window) to be snapshotted. */
async function copyOf(src: string): Promise<{ root: string; cache: string }> {
  const root = join(dir, `p${++n}`);
  cpSync(src, root, { recursive: true });
  await settle();
  return { root, cache: join(root, '.cache') };
}

/** Wait out the racy window (100 ms on local file systems) after writing files. */
const settle = () => new Promise((r) => setTimeout(r, 250));

async function fresh(root: string): Promise<{ opened: OpenedProject; deps: SpecDeps }> {
  const loaded = await loadProject(root);
  if (!loaded.project) throw new Error(JSON.stringify(loaded.diagnostics));
  const built = buildDag(loaded.project);
  if (!built.dag) throw new Error(JSON.stringify(built.diagnostics));
  const warnings = [...loaded.diagnostics, ...built.diagnostics].filter((d) => d.severity === 'warning');
  return { opened: { info: projectInfo(loaded.project), dag: built.dag, warnings }, deps: loaded.deps };
}

/** Load, write the snapshot, and return what a fresh load gave. */
async function snapshotted(root: string, cache: string): Promise<OpenedProject> {
  const started = Date.now();
  const { opened, deps } = await fresh(root);
  expect(writeSnapshot(cache, CODE, opened, deps, started)).toBe(true);
  return opened;
}

/** The sweep project, aged past the racy window, with its snapshot written. */
async function snapshottedSweep(): Promise<{ root: string; cache: string }> {
  const root = writeProject(join(dir, `p${++n}`), sweepWithSharedPrep());
  await settle();
  const cache = join(root, '.cache');
  await snapshotted(root, cache);
  return { root, cache };
}

/** Everything a command sees, with Map and Set contents in their order. */
function plain(o: OpenedProject): unknown {
  const d = o.dag;
  return {
    info: { ...o.info, outputSpecDirs: [...o.info.outputSpecDirs] },
    warnings: o.warnings,
    dag: {
      ...d,
      byId: [...d.byId.keys()],
      dependents: [...d.dependents],
      layer: [...(d.layer ?? [])],
      reexports: [...(d.reexports ?? [])],
      withoutRecipe: [...(d.withoutRecipe ?? [])],
    },
  };
}

function sweepWithSharedPrep(): Record<string, string> {
  const files: Record<string, string> = {
    'astra.yaml': `id: sweep
version: "0.0.12"
name: Sweep
inputs:
  - {id: seed, type: data, source: data/seed.txt}
  - {id: later, type: data, source: data/later.txt}
decisions:
  prep_kind:
    label: Prep
    options: {a: {label: A}, b: {label: B}}
  variant:
    label: Variant
    options: {v0: {label: V0}, v1: {label: V1}, v2: {label: V2}}
outputs:
  - id: prep
    type: data
    inputs: [seed, later]
    decisions: [prep_kind]
    recipe:
      command: cp {inputs.seed} {output}/prep.txt
      container: Containerfile
  - id: fit
    type: metric
    inputs: [prep]
    decisions: [variant]
    recipe:
      command: cat {inputs.prep}/prep.txt > {output}/fit.txt && echo {decisions.variant} >> {output}/fit.txt
      resources: {cpus: 2, memory: 1GiB, time_limit: "10m"}
  - id: by_hand
    type: table
`,
    'data/seed.txt': '1\n',
    Containerfile: 'FROM debian\n',
  };
  let i = 0;
  for (const p of ['a', 'b'])
    for (const v of ['v0', 'v1', 'v2'])
      files[`universes/u${i++}.yaml`] = `id: u${i - 1}\ndecisions:\n  prep_kind: ${p}\n  variant: ${v}\n`;
  return files;
}

describe('what a snapshot gives back', () => {
  const projects: [string, () => Promise<{ root: string; cache: string }>][] = [
    ['the line-fit example', () => copyOf(join(EXAMPLES, 'line-fit'))],
    [
      'nested sub-analyses, re-exports, named sub-universes',
      () => copyOf(join(REPO, 'test', 'fixtures', 'spec', 'nested')),
    ],
    [
      'a sweep with execution groups, a container, resources, a recipe-less output and a missing input',
      async () => {
        const root = writeProject(join(dir, `p${++n}`), sweepWithSharedPrep());
        await settle();
        return { root, cache: join(root, '.cache') };
      },
    ],
  ];
  for (const [name, make] of projects) {
    test(`${name}: equal to a fresh load and build, Map orders included; the file matches its schema`, async () => {
      const { root, cache } = await make();
      const opened = await snapshotted(root, cache);
      const back = readSnapshot(cache, root, CODE);
      expect(back).toBeDefined();
      expect(plain(back as OpenedProject)).toEqual(plain(opened));
      const file: unknown = JSON.parse(readFileSync(snapshotPath(cache), 'utf8'));
      expect(snapshotSchema().safeParse(file).success).toBe(true);
    });
  }

  test('execution groups survive: tasks sharing a key keep their leader', async () => {
    const { root, cache } = await snapshottedSweep();
    const back = readSnapshot(cache, root, CODE) as OpenedProject;
    const groups = back.dag.tasks.filter((t) => t.output === 'prep').map((t) => t.group);
    expect(groups).toEqual(['u0/prep', 'u0/prep', 'u0/prep', 'u3/prep', 'u3/prep', 'u3/prep']);
  });
});

test('no snapshot is kept for a project over the task limit, and an earlier one is removed', async () => {
  const { root, cache } = await snapshottedSweep();
  expect(readSnapshot(cache, root, CODE)).toBeDefined();
  const started = Date.now();
  const { opened, deps } = await fresh(root);
  const count = opened.dag.tasks.length;
  expect(writeSnapshot(cache, CODE, opened, deps, started, count - 1)).toBe(false);
  expect(readSnapshot(cache, root, CODE)).toBeUndefined();
  expect(writeSnapshot(cache, CODE, opened, deps, started, count)).toBe(true);
  expect(readSnapshot(cache, root, CODE)).toBeDefined();
});

describe('a snapshot is refused when anything the load depended on changed', () => {
  /** Each change, applied after the snapshot was written. */
  const changes: [string, (root: string) => void][] = [
    [
      'a universe file edited in place, same size',
      (root) => writeFileSync(join(root, 'universes/u1.yaml'), 'id: u1\ndecisions:\n  prep_kind: b\n  variant: v1\n'),
    ],
    [
      'the same edit with its mtime put back (touch -d): ctime still moves',
      (root) => {
        const f = join(root, 'universes/u1.yaml');
        const st = statSync(f);
        writeFileSync(f, 'id: u1\ndecisions:\n  prep_kind: b\n  variant: v1\n');
        utimesSync(f, st.atime, st.mtime);
      },
    ],
    [
      'a universe file added',
      (root) => writeFileSync(join(root, 'universes/u9.yaml'), 'id: u9\ndecisions:\n  prep_kind: a\n  variant: v0\n'),
    ],
    ['a universe file removed', (root) => rmSync(join(root, 'universes/u5.yaml'))],
    [
      'astra.yaml rewritten by rename (new inode), same text',
      (root) => {
        const f = join(root, 'astra.yaml');
        const text = readFileSync(f, 'utf8');
        writeFileSync(`${f}.new`, text);
        renameSync(`${f}.new`, f);
      },
    ],
    ['an input that was missing now exists', (root) => writeFileSync(join(root, 'data/later.txt'), 'x\n')],
    ['an input that existed is gone', (root) => rmSync(join(root, 'data/seed.txt'))],
  ];
  for (const [name, change] of changes) {
    test(name, async () => {
      const { root, cache } = await snapshottedSweep();
      expect(readSnapshot(cache, root, CODE)).toBeDefined();
      change(root);
      expect(readSnapshot(cache, root, CODE)).toBeUndefined();
    });
  }

  test('a file that is not a universe file may come and go', async () => {
    const { root, cache } = await snapshottedSweep();
    writeFileSync(join(root, 'universes/notes.txt'), 'hello\n');
    mkdirSync(join(root, 'results'));
    expect(readSnapshot(cache, root, CODE)).toBeDefined();
  });

  test('another lc build, another root, a damaged file: refused, never thrown', async () => {
    const { root, cache } = await snapshottedSweep();
    expect(readSnapshot(cache, root, 'another-build')).toBeUndefined();
    expect(readSnapshot(cache, `${root}-moved`, CODE)).toBeUndefined();
    const path = snapshotPath(cache);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length / 2));
    expect(readSnapshot(cache, root, CODE)).toBeUndefined();
    const file = JSON.parse(text) as { dag: { tasks: unknown[][] } };
    (file.dag.tasks[0] as unknown[])[2] = 99; // an output row that does not exist
    writeFileSync(path, JSON.stringify(file));
    expect(readSnapshot(cache, root, CODE)).toBeUndefined();
    expect(snapshotSchema().safeParse(file).success).toBe(true); // zod cannot see that one; the reader does
  });

  test('a spec file changed within the racy window of the load is not snapshotted', async () => {
    const root = writeProject(join(dir, `p${++n}`), sweepWithSharedPrep());
    const cache = join(root, '.cache');
    const started = Date.now();
    const { opened, deps } = await fresh(root); // the files are younger than the window
    expect(writeSnapshot(cache, CODE, opened, deps, started)).toBe(false);
    expect(() => statSync(snapshotPath(cache))).toThrow();
  });
});

describe('lc with snapshots (built CLI, real processes)', () => {
  test('the next command takes the DAG from the snapshot; a recipe edit right after is still seen', async () => {
    const root = writeProject(join(dir, `p${++n}`), sweepWithSharedPrep());
    writeFileSync(join(root, 'data/later.txt'), 'x\n');
    await settle();
    // its recipes run on the host (the Containerfile names no image that exists here)
    const env = { LIGHTCONE_SCRATCH: join(root, '.scratch'), NO_COLOR: '1', LC_CONTAINER_RUNTIME: 'none' };
    const first = await lc(['run', '--plain', '-j2'], { cwd: root, env });
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/done\s+12 ok \(4 linked\)/);

    // mark the snapshot the first run wrote: a command that shows the mark read it
    const path = snapshotPath(scratchPaths(root, env).cache);
    const file = JSON.parse(readFileSync(path, 'utf8')) as { dag: { tasks: unknown[][] } };
    const marked = `sha256:${'f'.repeat(64)}`;
    (file.dag.tasks[0] as unknown[])[3] = marked;
    writeFileSync(path, JSON.stringify(file));
    const keyOfFirstTask = async () => {
      const r = await lc(['status', '--json'], { cwd: root, env });
      return (JSON.parse(r.stdout) as { tasks: { key: string }[] }).tasks[0]?.key;
    };
    expect(await keyOfFirstTask()).toBe(marked);

    // edited at once, within a second of the snapshot: astra.yaml's identity no longer matches
    const spec = join(root, 'astra.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('>> {output}/fit.txt', '>> {output}/fit.txt; true'));
    expect(await keyOfFirstTask()).not.toBe(marked);
    const dry = await lc(['run', '--dry-run'], { cwd: root, env });
    expect(dry.stdout).toMatch(/Would run 6 tasks/);
  });
});
