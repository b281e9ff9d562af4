/**
 * `lc dag` through the built CLI on real projects in temp dirs: the YAML -> loader -> DAG ->
 * renderer path end to end.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, lc, tempDir, writeProject } from '../helpers/lc.js';

interface JsonTask {
  id: string;
  universe: string;
  output: string;
  key: string;
  group: string;
  deps: string[];
  command: string;
  outdir: string;
  resources: Record<string, number>;
}

async function dagJson(args: string[], cwd: string, stderr = ''): Promise<JsonTask[]> {
  const r = await lc(['dag', '--json', ...args], { cwd });
  if (stderr) expect(r.stderr).toContain(stderr);
  else expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const doc = JSON.parse(r.stdout) as { schema: number; tasks: JsonTask[] };
  expect(doc.schema).toBe(1);
  return doc.tasks;
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('lc-dag-');
});
afterAll(() => tmp.cleanup());

describe('lc dag on examples/line-fit', () => {
  let root: string;
  beforeAll(() => {
    root = copyExample('line-fit', tmp.dir);
  });

  it('--json lists 16 tasks in topological order, `cleaned` in 2 execution groups', async () => {
    const tasks = await dagJson([], root);
    expect(tasks).toHaveLength(16);
    const cleaned = tasks.filter((t) => t.output === 'cleaned');
    expect(new Set(cleaned.map((t) => t.group))).toEqual(new Set(['baseline/cleaned', 'clipped-ols/cleaned']));
    expect(new Set(tasks.map((t) => t.group)).size).toBe(14);
    const pos = new Map(tasks.map((t, i) => [t.id, i]));
    for (const t of tasks) for (const d of t.deps) expect(pos.get(d)).toBeLessThan(pos.get(t.id) as number);
    const fit = tasks.find((t) => t.id === 'robust/fit');
    expect(fit).toMatchObject({
      universe: 'robust',
      output: 'fit',
      deps: ['robust/cleaned'],
      command: 'sh scripts/fit.sh results/robust/cleaned median results/robust/fit',
      outdir: 'results/robust/fit',
      resources: { cpus: 1, gpus: 0, memory_bytes: 100_000_000, time_limit_s: 300 },
    });
    expect(tasks.find((t) => t.id === 'baseline/cleaned')?.command).toBe(
      'sh scripts/clean.sh data/points.csv none results/baseline/cleaned',
    );
  });

  it('gives the same keys from any directory inside the project and with -C', async () => {
    mkdirSync(join(root, 'scripts', 'deep'), { recursive: true });
    const fromSub = await dagJson([], join(root, 'scripts', 'deep'));
    const withC = await dagJson(['-C', root], tmp.dir);
    expect(fromSub.map((t) => t.key)).toEqual(withC.map((t) => t.key));
  });

  it('restricts to targets plus their upstream closure, and to -u universes', async () => {
    expect((await dagJson(['robust/summary'], root)).map((t) => t.id)).toEqual([
      'robust/cleaned',
      'robust/fit',
      'robust/residuals',
      'robust/summary',
    ]);
    const fits = await dagJson(['fit', '-u', 'baseline', '-u', 'robust'], root);
    expect(fits.map((t) => t.id)).toEqual(['baseline/cleaned', 'robust/cleaned', 'baseline/fit', 'robust/fit']);
    // -u filters a view of the whole DAG: execution groups stay what they are.
    expect(fits.find((t) => t.id === 'robust/cleaned')?.group).toBe('clipped-ols/cleaned');
  });

  it('prints a layered tree with counts and a dedup footer', async () => {
    const r = await lc(['dag'], { cwd: root });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Noisy line fit');
    expect(r.stdout).toContain('└─ cleaned  4 universes, 2 groups');
    expect(r.stdout).toContain('◂ points  data/points.csv');
    expect(r.stdout).toContain('layer 3');
    expect(r.stdout.trimEnd().split('\n').pop()).toBe(
      '16 tasks · 4 universes · 14 execution groups (2 tasks saved by dedup)',
    );
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('writes DOT and Mermaid graphs (output- and task-level)', async () => {
    const dot = await lc(['dag', '--dot'], { cwd: root });
    expect(dot.stdout).toContain('"cleaned" -> "fit";');
    const tdot = await lc(['dag', '--dot', '--tasks', '-u', 'robust'], { cwd: root });
    expect(tdot.stdout).toContain('"robust/fit" -> "robust/residuals";');
    expect(tdot.stdout).not.toContain('baseline');
    const mm = await lc(['dag', '--mermaid'], { cwd: root });
    expect(mm.stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(mm.stdout).toContain('-->');
  });

  it('explains bad targets, universes and flags', async () => {
    const unknown = await lc(['dag', 'fitt'], { cwd: root });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("no output 'fitt'");
    expect(unknown.stderr).toContain('did you mean: fit');
    const badU = await lc(['dag', '-u', 'robus'], { cwd: root });
    expect(badU.exitCode).toBe(1);
    expect(badU.stderr).toContain("no universe 'robus'");
    expect(badU.stderr).toContain('baseline, clipped-ols, raw-median, robust');
    const both = await lc(['dag', '--json', '--dot'], { cwd: root });
    expect(both.exitCode).toBe(2);
    expect(both.stdout).toContain('choose one of');
    const tasksAlone = await lc(['dag', '--tasks'], { cwd: root });
    expect(tasksAlone.exitCode).toBe(2);
    expect(tasksAlone.stderr).toContain('--tasks goes with --dot or --mermaid');
  });
});

describe('lc dag on generated projects', () => {
  it('fails outside a project with a clear error', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const r = await lc(['dag'], { cwd: empty });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no astra.yaml');
  });

  it('handles sub-analyses: qualified ids, path-rooted results dirs, ambiguous names', async () => {
    const root = writeProject(join(tmp.dir, 'subs'), {
      'astra.yaml': `id: subs
version: "0.0.12"
name: Subs
inputs:
  - id: raw
    type: data
    source: data/raw file.csv
outputs:
  - id: lmodel
    from: left.model
  - id: report
    type: report
    inputs: [lmodel, right.model]
    recipe:
      command: "cat {inputs} > {output}/r.txt && echo '{{done}}' >> {output}/r.txt"
analyses:
  left:
    id: left
    inputs:
      - id: raw
        from: ../raw
    outputs:
      - id: model
        type: data
        inputs: [raw]
        recipe:
          command: cp {inputs.raw} {output}/m.csv
  right:
    id: right
    inputs:
      - id: raw
        from: ../raw
    outputs:
      - id: model
        type: data
        inputs: [raw]
        recipe:
          command: cp {inputs.raw} {output}/m.csv
  stage:
    path: stages/one
`,
      'data/raw file.csv': 'x\n1\n',
      'stages/one/astra.yaml': `id: stage
version: "0.0.12"
name: Stage one
inputs:
  - id: local
    type: data
    source: in.txt
outputs:
  - id: prepared
    type: data
    inputs: [local]
    recipe:
      command: cp {inputs.local} {output}/
`,
      'stages/one/in.txt': 'hello\n',
      'universes/only.yaml': 'id: only\n',
    });
    // right.model is taken straight from the child (an astra-tools extension): a warning, printed.
    const tasks = await dagJson([], root, 'warning CHILD_OUTPUT_INPUT');
    const byId = new Map(tasks.map((t) => [t.id, t]));
    expect(byId.get('only/left.model')?.command).toBe("cp 'data/raw file.csv' results/only/left.model/m.csv");
    expect(byId.get('only/report')?.deps).toEqual(['only/left.model', 'only/right.model']);
    expect(byId.get('only/report')?.command).toBe(
      "cat results/only/left.model results/only/right.model > results/only/report/r.txt && echo '{done}' >> results/only/report/r.txt",
    );
    expect(byId.get('only/stage.prepared')?.outdir).toBe('stages/one/results/only/prepared');
    expect(byId.get('only/stage.prepared')?.command).toBe('cp stages/one/in.txt stages/one/results/only/prepared/');

    const amb = await lc(['dag', 'model'], { cwd: root });
    expect(amb.exitCode).toBe(1);
    expect(amb.stderr).toContain('left.model, right.model');
    expect((await dagJson(['prepared'], root, 'warning')).map((t) => t.id)).toEqual(['only/stage.prepared']);
    // A re-export names its producer's tasks.
    expect((await dagJson(['only/lmodel'], root, 'warning')).map((t) => t.id)).toEqual(['only/left.model']);
  });

  it('rejects an active output that consumes an output inactive in some universe, naming file and line', async () => {
    const root = writeProject(join(tmp.dir, 'gated'), {
      'astra.yaml': `id: gated
version: "0.0.12"
name: Gated
inputs: []
decisions:
  method:
    label: Method
    options:
      plain: {label: Plain}
      fancy: {label: Fancy}
outputs:
  - id: extra
    type: data
    when: [method.fancy]
    recipe:
      command: touch {output}/x
  - id: final
    type: data
    inputs: [extra]
    recipe:
      command: cp -r {inputs.extra} {output}/
`,
      'universes/a.yaml': 'id: a\ndecisions:\n  method: plain\n',
      'universes/b.yaml': 'id: b\ndecisions:\n  method: fancy\n',
    });
    const r = await lc(['dag'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/astra\.yaml:\d+:\d+ INACTIVE_INPUT .*'final'.*'extra'.*universe a/);
    expect(r.stderr).toContain('SPEC_INVALID');
    // asked for JSON, the same error comes as JSON on stdout, where the script reads
    const j = await lc(['dag', '--json'], { cwd: root });
    expect(j.exitCode).toBe(1);
    expect(j.stderr).toBe('');
    const doc = JSON.parse(j.stdout) as { error: { code: string; file: string; diagnostics: { code: string }[] } };
    expect(doc.error).toMatchObject({ code: 'SPEC_INVALID', file: 'astra.yaml' });
    expect(doc.error.diagnostics.map((d) => d.code)).toContain('INACTIVE_INPUT');
  });

  it('rejects a dependency cycle and prints its path', async () => {
    const root = writeProject(join(tmp.dir, 'cycle'), {
      'astra.yaml': `id: cyc
version: "0.0.12"
name: Cycle
inputs: []
outputs:
  - id: a
    type: data
    inputs: [c]
    recipe: {command: "a {output}"}
  - id: b
    type: data
    inputs: [a]
    recipe: {command: "b {output}"}
  - id: c
    type: data
    inputs: [b]
    recipe: {command: "c {output}"}
`,
      'universes/u.yaml': 'id: u\n',
    });
    const r = await lc(['dag'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('OUTPUT_CYCLE');
    // The loader and the DAG print a cycle the same way: data-flow order from the first output
    // in the spec (a feeds b, b feeds c, c feeds a).
    expect(r.stderr).toContain('depend on each other in a cycle (arrows run from input to consumer): a -> b -> c -> a');
  });
});
