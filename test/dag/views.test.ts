import { describe, expect, it } from 'vitest';
import { buildDag, selectTasks, upstreamClosure } from '../../engine/dag/index.js';
import type { Dag } from '../../engine/dag/task.js';
import { paint } from '../../src/color.js';
import { renderDagDot, renderTaskDot } from '../../src/render/dag-dot.js';
import { outputGraph } from '../../src/render/dag-graph.js';
import { writeDagJson } from '../../src/render/dag-json.js';
import { snakeKeys } from '../../src/render/json-keys.js';
import { renderDagMermaid, renderTaskMermaid } from '../../src/render/dag-mermaid.js';
import { renderDagText } from '../../src/render/dag-text.js';
import { lineFit } from './model-builder.js';

const project = lineFit();
const dag = buildDag(project).dag as Dag;

describe('text view', () => {
  it('prints layers, inputs, per-output counts and the dedup footer', () => {
    const text = renderDagText(outputGraph(project, dag, dag.tasks, true), {
      paint: paint(false),
      name: 'Noisy line fit',
    });
    expect(text).toBe(
      [
        'Noisy line fit · 4 outputs in 4 layers',
        'layer 0',
        '└─ cleaned  4 universes, 2 groups',
        '   └─ ◂ points  data/points.csv',
        'layer 1',
        '└─ fit  4 universes',
        '   └─ ◂ cleaned',
        'layer 2',
        '└─ residuals  4 universes',
        '   ├─ ◂ cleaned',
        '   └─ ◂ fit',
        'layer 3',
        '└─ summary  4 universes',
        '   ├─ ◂ fit',
        '   └─ ◂ residuals',
        '',
        '16 tasks · 4 universes · 14 execution groups (2 tasks saved by dedup)',
        '',
      ].join('\n'),
    );
  });

  it('counts only the selection, in ASCII when asked', () => {
    const sel = selectTasks(dag, ['fit'], ['robust']);
    if (!sel.ok) throw sel.error;
    const keep = upstreamClosure(
      dag,
      sel.value.map((t) => t.id),
    );
    const tasks = dag.tasks.filter((t) => keep.has(t.id));
    const text = renderDagText(outputGraph(project, dag, tasks, false), {
      paint: paint(false),
      name: 'p',
      ascii: true,
    });
    expect(text).toContain('`- cleaned  1 of 4 universes');
    expect(text).not.toContain('residuals');
    expect(text).toMatch(/2 tasks, 1 universe, 2 execution groups\n$/);
  });
});

describe('graph views', () => {
  const g = outputGraph(project, dag, dag.tasks, true);
  it('DOT has one node per output, the external input and every edge', () => {
    const dot = renderDagDot(g, 'Noisy line fit');
    expect(dot.startsWith('digraph "Noisy line fit" {')).toBe(true);
    expect(dot).toContain(String.raw`"cleaned" [label="cleaned\n4 tasks, 2 groups"];`);
    expect(dot).toContain('"input:points" [label="data/points.csv", shape=ellipse];');
    for (const e of [
      '"input:points" -> "cleaned"',
      '"cleaned" -> "fit"',
      '"cleaned" -> "residuals"',
      '"fit" -> "residuals"',
      '"fit" -> "summary"',
      '"residuals" -> "summary"',
    ]) {
      expect(dot).toContain(`  ${e};`);
    }
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(renderTaskDot(dag.tasks, 'x')).toContain('"robust/cleaned" -> "robust/fit";');
  });

  it('Mermaid uses safe ids and quoted labels', () => {
    const m = renderDagMermaid(g);
    expect(m.split('\n')[0]).toBe('flowchart LR');
    expect(m).toContain('n0["cleaned<br/>4 tasks, 2 groups"]');
    expect(m).toContain('n4(["data/points.csv"])');
    expect(m).toContain('n4 --> n0');
    expect(m).toContain('n0 --> n1');
    const t = renderTaskMermaid(dag.tasks);
    expect(t).toContain('t0["baseline/cleaned"]');
    expect(t).toContain('t0 --> t4');
  });
});

describe('JSON view', () => {
  it('writes schema 1 with exactly the documented task fields, in order, in chunks', () => {
    const chunks: string[] = [];
    writeDagJson(dag.tasks, (s) => chunks.push(s));
    const doc = JSON.parse(chunks.join('')) as { schema: number; tasks: Record<string, unknown>[] };
    expect(doc.schema).toBe(1);
    expect(doc.tasks.map((t) => t.id)).toEqual(dag.tasks.map((t) => t.id));
    expect(Object.keys(doc.tasks[0] as object)).toEqual([
      'id',
      'universe',
      'output',
      'key',
      'group',
      'deps',
      'command',
      'outdir',
      'resources',
    ]);
    expect(doc.tasks[4]).toMatchObject({
      id: 'baseline/fit',
      deps: ['baseline/cleaned'],
      outdir: 'results/baseline/fit',
      resources: { cpus: 1, gpus: 0 },
    });
  });

  it('writes each task exactly as JSON.stringify writes its object, odd characters and all resources included', () => {
    const odd = dag.tasks.map((t, i) => ({
      ...t,
      id: i === 0 ? 'u/"quoted"\\ \u2028 é\n' : t.id,
      command: `${t.command} && printf '%s\t"\\n'`,
      resources: i === 1 ? { cpus: 2, gpus: 1, memoryBytes: 1024, timeLimitS: 60, diskBytes: 10 } : t.resources,
    }));
    const chunks: string[] = [];
    writeDagJson(odd, (s) => chunks.push(s));
    const expected = odd.map((t) =>
      JSON.stringify({
        id: t.id,
        universe: t.universe,
        output: t.output,
        key: t.key,
        group: t.group,
        deps: t.deps,
        command: t.command,
        outdir: t.outdir,
        resources: snakeKeys(t.resources),
      }),
    );
    expect(chunks.join('')).toBe(`{"schema":1,"tasks":[${expected.join(',')}]}\n`);
  });
});
