/** recordSuccess and readManifest against real files. */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAsNobody } from '../helpers/lc.js';
import { codeVersion } from '../../engine/manifest/definition.js';
import { readManifest, readManifestSync } from '../../engine/manifest/read.js';
import { ManifestV2Schema, MANIFEST_NAME } from '../../engine/manifest/schema.js';
import { recordFailure, readFailure } from '../../engine/status/failures.js';
import { external, makeCtx, makeTask, materialise, tempRoot, upstream, writeFiles } from './fixture.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());
function project(files: Record<string, string> = {}) {
  const t = tempRoot();
  cleanup = t.cleanup;
  writeFiles(t.root, files);
  return t.root;
}

describe('recordSuccess', () => {
  it('writes a v2 manifest with every field, Lightcone-compatible code_version when no script is called', async () => {
    const root = project({ 'data/points.csv': 'x,y\n1,2\n' });
    const clean = makeTask({
      universe: 'baseline',
      output: 'cleaned',
      template: 'cp {inputs.points} {output}/clean.csv',
      decisions: { outlier_cut: 'none' },
      inputs: [external('points', 'data/points.csv')],
    });
    const ctx = makeCtx(root, [clean]);
    const { manifest, warnings } = await materialise(ctx, clean.id, { 'clean.csv': 'x,y\n1,2\n' });
    expect(warnings).toEqual([]);
    const onDisk = JSON.parse(readFileSync(join(root, clean.outdir, MANIFEST_NAME), 'utf8'));
    expect(ManifestV2Schema.parse(onDisk)).toEqual(manifest);
    // Lightcone's formula, by hand: compact sorted-key JSON of container_image, decisions, recipe.
    const lightcone =
      'sha256:' +
      createHash('sha256')
        .update(
          '{"container_image":null,"decisions":{"outlier_cut":"none"},"recipe":"cp {inputs.points} {output}/clean.csv"}',
        )
        .digest('hex');
    expect(manifest.code_version).toBe(lightcone);
    expect(manifest).toMatchObject({
      schema_version: 2,
      output_id: 'cleaned',
      qualified_output: 'cleaned',
      universe_id: 'baseline',
      task_key: clean.key,
      recipe: clean.template,
      command: clean.command,
      decisions: { outlier_cut: 'none' },
      scripts: {},
      container_image: null,
      resolved_image: null,
      runtime: 'none',
      executor: 'local',
      exit_code: 0,
      attempt: 1,
      host: 'testhost',
      tool: { name: 'lightcone-tui' },
      files: { count: 1, bytes: 8 },
      deduplicated_from: null,
      inputs: { points: { kind: 'external', path: 'data/points.csv', source: 'data/points.csv' } },
    });
    expect(manifest.input_versions.points).toMatch(/^mtime-size:\d+-8$/);
    expect(manifest.stat.entries?.[0]?.[0]).toBe('clean.csv');
    expect(manifest.duration_s).toBeGreaterThanOrEqual(0);
    // serialised with sorted keys and a trailing newline
    const text = readFileSync(join(root, clean.outdir, MANIFEST_NAME), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(onDisk)).toEqual([...Object.keys(onDisk)].sort());
  });

  it('records the scripts the template calls and folds them into code_version', async () => {
    const root = project({ 'scripts/fit.sh': 'echo fit\n', 'src/fit.py': 'print(1)\n', 'run.sh': 'true\n' });
    const t = makeTask({
      universe: 'u1',
      output: 'fit',
      template:
        'sh scripts/fit.sh {output} && python src/fit.py --cfg=src/fit.py && ./run.sh "{decisions.m}" results/x',
      decisions: { m: 'ols' },
    });
    const ctx = makeCtx(root, [t]);
    const { manifest } = await materialise(ctx, t.id, { 'fit.json': '{"slope": 1}' });
    const h = (s: string) => 'sha256:' + createHash('sha256').update(s).digest('hex');
    expect(manifest.scripts).toEqual({
      'scripts/fit.sh': h('echo fit\n'),
      'src/fit.py': h('print(1)\n'),
      'run.sh': h('true\n'),
    });
    expect(manifest.code_version).toBe(
      codeVersion({ recipe: t.template, container: null, decisions: { m: 'ols' }, scripts: manifest.scripts }),
    );
    expect(manifest.code_version).not.toBe(
      codeVersion({ recipe: t.template, container: null, decisions: { m: 'ols' }, scripts: {} }),
    );
  });

  it('records upstream data_versions as input_versions and the dedup source', async () => {
    const root = project();
    const a = makeTask({ universe: 'u1', output: 'a', template: 'echo a > {output}/a' });
    const b = makeTask({
      universe: 'u1',
      output: 'b',
      template: 'cat {inputs.a}/a > {output}/b',
      inputs: [upstream('a', 'u1', 'a')],
    });
    const ctx = makeCtx(root, [a, b]);
    const ma = await materialise(ctx, a.id, { a: 'a\n' });
    const mb = await materialise(ctx, b.id, { b: 'a\n' });
    expect(mb.manifest.input_versions).toEqual({ a: ma.manifest.data_version });
    expect(mb.manifest.inputs.a).toEqual({ kind: 'task', task: 'u1/a', path: 'results/u1/a' });
  });

  it('warns per output type, never counting the manifest itself', async () => {
    const root = project();
    const metric = makeTask({ universe: 'u', output: 'm', type: 'metric', template: 'true' });
    const empty = makeTask({ universe: 'u', output: 'e', type: 'data', template: 'true' });
    const fig = makeTask({ universe: 'u', output: 'f', type: 'figure', template: 'true' });
    const table = makeTask({ universe: 'u', output: 't', type: 'table', template: 'true' });
    const ctx = makeCtx(root, [metric, empty, fig, table]);
    expect((await materialise(ctx, metric.id, { 'notes.txt': 'x' })).warnings).toEqual([
      `Output 'm' (type: metric) produced no JSON files in results/u/m`,
    ]);
    expect((await materialise(ctx, empty.id, {})).warnings).toEqual([
      `Output directory is empty after successful run: results/u/e`,
    ]);
    expect((await materialise(ctx, fig.id, { 'a.PNG': '' })).warnings).toEqual([
      `Output 'f' figure file 'a.PNG' is empty (0 bytes)`,
    ]);
    expect((await materialise(ctx, table.id, { 't.csv': 'a,b,c\n1,nan,x\n2,,y\n' })).warnings).toEqual([
      `Output 't' table 't.csv' has all-NaN values in column(s): 'b'`,
    ]);
    const nulls = makeTask({ universe: 'u', output: 'n', type: 'metric', template: 'true' });
    const ctx2 = makeCtx(root, [nulls]);
    expect((await materialise(ctx2, nulls.id, { 'r.json': '{"a": null, "b": [null]}' })).warnings).toEqual([
      `Output 'n' metric file 'r.json' contains only null/NaN values`,
    ]);
  });

  it('clears the failure record of the task', async () => {
    const root = project();
    const t = makeTask({ universe: 'u', output: 'o', template: 'true' });
    const ctx = makeCtx(root, [t]);
    await recordFailure(ctx.scratch, t.id, {
      exitCode: 2,
      signal: null,
      at: new Date().toISOString(),
      logPath: '/x.log',
      reason: 'exit',
    });
    expect(await readFailure(ctx.scratch, t.id)).toBeDefined();
    await materialise(ctx, t.id, { x: '1' });
    expect(await readFailure(ctx.scratch, t.id)).toBeUndefined();
  });

  it('a deduplicated member with hardlinked files reuses the leader data_version', async () => {
    const root = project();
    const lead = makeTask({ universe: 'u1', output: 'o', template: 'true' });
    const member = makeTask({ universe: 'u2', output: 'o', template: 'true' });
    const ctx = makeCtx(root, [lead, member]);
    const ml = await materialise(ctx, lead.id, { 'x.bin': 'abc', 'sub/y': 'y' });
    const { linkSync } = await import('node:fs');
    const { recordSuccess } = await import('../../engine/manifest/record.js');
    const { snapshotInputs } = await import('../../engine/manifest/inputs.js');
    const md = join(root, member.outdir);
    mkdirSync(join(md, 'sub'), { recursive: true });
    linkSync(join(root, lead.outdir, 'x.bin'), join(md, 'x.bin'));
    linkSync(join(root, lead.outdir, 'sub/y'), join(md, 'sub/y'));
    const inputs = await snapshotInputs(ctx, member);
    const r = await recordSuccess(ctx, member, {
      startedAt: 1,
      finishedAt: 2,
      exitCode: 0,
      host: 'h',
      executor: 'local',
      attempt: 1,
      inputs,
      dedupFrom: lead.id,
    });
    expect(r.manifest.data_version).toBe(ml.manifest.data_version);
    expect(r.manifest.deduplicated_from).toBe(lead.id);
  });
});

describe('readManifest', () => {
  it('missing, ok, corrupt, empty, wrong schema and newer schema are told apart', async () => {
    const root = project();
    const d = join(root, 'out');
    mkdirSync(d);
    expect(await readManifest(d)).toEqual({ kind: 'missing' });
    expect(await readManifest(join(root, 'no-such-dir'))).toEqual({ kind: 'missing' });
    const put = (s: string) => writeFileSync(join(d, MANIFEST_NAME), s);
    put('{"schema_version": 2, "output_id": ');
    expect(await readManifest(d)).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringMatching(/^manifest is not valid JSON/),
    });
    put('');
    expect(readManifestSync(d)).toEqual({ kind: 'unreadable', reason: 'manifest is empty' });
    put('[1]');
    expect(readManifestSync(d)).toEqual({ kind: 'unreadable', reason: 'manifest is not a JSON object' });
    put(JSON.stringify({ schema_version: 2, output_id: 'o', universe_id: 'u', code_version: 'x', data_version: 5 }));
    expect(readManifestSync(d)).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringContaining("field 'data_version'"),
    });
    put(JSON.stringify({ schema_version: 7 }));
    expect(readManifestSync(d)).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringContaining('newer tool (schema_version 7'),
    });
  });

  it('reads Lightcone schema 1 manifests', async () => {
    const root = project();
    const d = join(root, 'out');
    mkdirSync(d);
    const v1 = {
      code_version: 'sha256:aa',
      container_image: null,
      data_version: 'sha256:bb',
      decisions: { estimator: 'ols' },
      finished_at: 1700000000.5,
      git_sha: null,
      host: 'nid001',
      input_versions: { cleaned: 'sha256:cc' },
      lc_version: '0.4.2',
      output_id: 'fit',
      recipe: 'python fit.py',
      schema_version: 1,
      slurm_job_id: null,
      universe_id: 'baseline',
    };
    writeFileSync(join(d, MANIFEST_NAME), JSON.stringify(v1, null, 2));
    const r = await readManifest(d);
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect(r.manifest).toMatchObject(v1);
  });

  it('a permission-denied manifest is unreadable, not missing (read by an unprivileged user)', async () => {
    const dist = join(__dirname, '..', '..', 'dist', 'engine', 'manifest', 'read.js');
    expect(existsSync(dist), 'run `npm run build` first: this test reads with dist/ as user nobody').toBe(true);
    const root = project();
    chmodSync(root, 0o755);
    const d = join(root, 'out');
    mkdirSync(d, { mode: 0o755 });
    writeFileSync(join(d, MANIFEST_NAME), '{"schema_version": 1}');
    chmodSync(join(d, MANIFEST_NAME), 0o000);
    const script = `import(${JSON.stringify(dist)}).then(async (m) => { console.log(JSON.stringify([await m.readManifest(process.argv[1]), m.readManifestSync(process.argv[1])])); })`;
    const out = runAsNobody(script, d);
    const expected = { kind: 'unreadable', reason: `permission denied reading ${MANIFEST_NAME}` };
    expect(JSON.parse(out)).toEqual([expected, expected]);
  });
});

describe('atomic writes', () => {
  it('a temp file left by a killed writer is removed before hashing, not hashed as output', async () => {
    const root = project();
    const t = makeTask({ universe: 'u', output: 'o', template: 'true' });
    const ctx = makeCtx(root, [t]);
    const clean = await materialise(ctx, t.id, { 'a.txt': 'a' });
    const stale = `${MANIFEST_NAME}.tmp-999-abc`;
    const withTemp = await materialise(ctx, t.id, { 'a.txt': 'a', [stale]: '{"half":' });
    expect(withTemp.manifest.data_version).toBe(clean.manifest.data_version);
    expect(readdirSync(join(root, t.outdir)).sort()).toEqual([MANIFEST_NAME, 'a.txt']);
  });

  it('a writer killed with SIGKILL never leaves a half-written manifest', async () => {
    const { spawn } = await import('node:child_process');
    const dist = join(__dirname, '..', '..', 'dist', 'engine', 'manifest', 'write.js');
    expect(existsSync(dist), 'run `npm run build` first').toBe(true);
    const root = project();
    const d = join(root, 'out');
    mkdirSync(d);
    // The child rewrites a large manifest as fast as it can; we kill it at varied moments.
    const script = `
      const { writeManifestAtomic } = await import(${JSON.stringify(dist)});
      const m = { schema_version: 2, pad: 'x'.repeat(200000) };
      let i = 0;
      process.stdout.write('go\\n');
      for (;;) { m.i = i++; await writeManifestAtomic(process.argv[1], m); }`;
    let seen = 0;
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, d], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((res) => child.stdout.once('data', () => res()));
      await new Promise((res) => setTimeout(res, 5 + round * 7));
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
      const p = join(d, MANIFEST_NAME);
      if (existsSync(p)) {
        const doc = JSON.parse(readFileSync(p, 'utf8'));
        expect(doc.pad.length).toBe(200000);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(0);
    // Each killed writer may leave a temp file; recordSuccess removes them before hashing.
    const { removeStaleTemps } = await import('../../engine/manifest/write.js');
    await removeStaleTemps(d);
    expect(readdirSync(d).filter((n) => n !== MANIFEST_NAME)).toEqual([]);
  });
});

describe('snapshotInputs', () => {
  it('sees a script edited between two snapshots of the same run (no stale memo)', async () => {
    const { snapshotInputs } = await import('../../engine/manifest/inputs.js');
    const { DefinitionScan } = await import('../../engine/manifest/definition.js');
    const root = project({ 'fit.sh': 'v1\n' });
    const t = makeTask({ universe: 'u', output: 'o', template: 'sh fit.sh {output}' });
    const ctx = makeCtx(root, [t]);
    const scan = new DefinitionScan(ctx);
    const a = await snapshotInputs(ctx, t, { scan });
    writeFileSync(join(root, 'fit.sh'), 'v2 longer\n');
    const b = await snapshotInputs(ctx, t, { scan });
    expect(a.scripts['fit.sh']).not.toBe(b.scripts['fit.sh']);
  });
});
