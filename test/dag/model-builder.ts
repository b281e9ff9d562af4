/**
 * Build engine/astra/model.ts Projects directly, so DAG unit tests state exactly the model they
 * exercise (the YAML path is covered by the CLI tests on real projects).
 */
import type { AnalysisNode, InputBinding, OutputType, Project, ResolvedOutput, Universe } from '../../engine/astra/model.js';

export interface OutSpec {
  /** Qualified id; the part before the last dot names the node (created on demand). */
  qid: string;
  type?: OutputType;
  /** `out:<qid>` for an output, `ext:<inputQid>` for an external input; optional `=localId`. */
  inputs?: string[];
  decisions?: string[];
  /** Recipe command; omit for an output without recipe. */
  command?: string;
  container?: string;
  gpus?: number;
  cpus?: number;
  /** Re-export of another output (qid). */
  from?: string;
}

export interface ExtSpec {
  qid: string;
  source?: string;
  /** Absolute path when the source exists. */
  path?: string;
}

export interface NodeSpec {
  qid: string;
  /** Directory (absolute) of a path-rooted sub-analysis. */
  pathRootedDir?: string;
}

export interface UniSpec {
  id: string;
  choices?: Record<string, string>;
  /** Outputs NOT active in this universe (everything else is). */
  inactive?: string[];
}

const ref = (file: string, path: string) => ({ file, line: 1, col: 1, path });

export function buildProject(spec: {
  root?: string;
  nodes?: NodeSpec[];
  externals?: ExtSpec[];
  outputs: OutSpec[];
  universes: UniSpec[];
}): Project {
  const root = spec.root ?? '/proj';
  const specFile = `${root}/astra.yaml`;
  const nodes = new Map<string, AnalysisNode>();
  const mkNode = (qid: string): AnalysisNode => {
    const existing = nodes.get(qid);
    if (existing) return existing;
    const parentQid = qid.includes('.') ? qid.slice(0, qid.lastIndexOf('.')) : '';
    const parent = qid === '' ? undefined : mkNode(parentQid);
    const ns = spec.nodes?.find((n) => n.qid === qid);
    const pathRooted = ns?.pathRootedDir !== undefined;
    const node: AnalysisNode = {
      id: qid === '' ? 'root' : qid.slice(qid.lastIndexOf('.') + 1),
      qid,
      file: pathRooted ? `${ns?.pathRootedDir}/astra.yaml` : (parent?.file ?? specFile),
      ref: ref(specFile, qid),
      pathRooted,
      resultsBase: pathRooted ? (ns?.pathRootedDir as string) : (parent?.resultsBase ?? root),
      namespaceQid: pathRooted ? qid : (parent?.namespaceQid ?? ''),
      inputs: [],
      outputs: [],
      decisions: new Map(),
      children: new Map(),
    };
    if (parent) {
      node.parent = parent;
      parent.children.set(node.id, node);
    }
    nodes.set(qid, node);
    return node;
  };
  mkNode('');
  for (const n of spec.nodes ?? []) mkNode(n.qid);

  const nodeOf = (qid: string) => (qid.includes('.') ? qid.slice(0, qid.lastIndexOf('.')) : '');
  const localOf = (qid: string) => qid.slice(qid.lastIndexOf('.') + 1);
  const outputs = new Map<string, ResolvedOutput>();
  for (const o of spec.outputs) {
    const node = mkNode(nodeOf(o.qid));
    const bindings: InputBinding[] = (o.inputs ?? []).map((entry) => {
      const [target, local] = entry.split('=') as [string, string | undefined];
      const [kind, qid] = target.split(':') as ['out' | 'ext', string];
      if (kind === 'out') return { kind: 'output', localId: local ?? localOf(qid), producer: qid };
      const ext = spec.externals?.find((e) => e.qid === qid);
      const b: InputBinding = { kind: 'external', localId: local ?? localOf(qid), inputQid: qid, type: 'data' };
      if (ext?.source !== undefined) b.source = ext.source;
      if (ext?.path !== undefined) b.path = ext.path;
      return b;
    });
    const decl: ResolvedOutput['decl'] = {
      id: localOf(o.qid),
      qid: o.qid,
      ref: ref(node.file, `outputs[${node.outputs.length}]`),
      type: o.type ?? 'data',
      inputs: bindings.map((b) => b.localId),
      decisions: o.decisions ?? [],
      when: [],
    };
    if (o.command !== undefined) {
      decl.recipe = {
        command: o.command,
        resources: { cpus: o.cpus ?? 1, gpus: o.gpus ?? 0 },
        ref: ref(node.file, `outputs[${node.outputs.length}].recipe`),
      };
      if (o.container !== undefined) decl.recipe.container = o.container;
    }
    if (o.from !== undefined) {
      delete decl.type;
      decl.from = o.from;
    }
    node.outputs.push(decl);
    outputs.set(o.qid, {
      decl,
      node,
      producer: o.from ?? o.qid,
      type: o.type ?? 'data',
      inputs: o.from ? [] : bindings,
    });
  }
  const universes: Universe[] = spec.universes
    .map((u) => ({
      id: u.id,
      file: `${root}/universes/${u.id}.yaml`,
      choices: new Map(Object.entries(u.choices ?? {})),
      activeOutputs: new Set([...outputs.keys()].filter((q) => !(u.inactive ?? []).includes(q))),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return {
    root,
    specFile,
    name: 'test project',
    tree: nodes.get('') as AnalysisNode,
    nodes,
    outputs,
    decisions: new Map(),
    universes,
  };
}

/** The line-fit example's model: 4 universes, `cleaned` depends only on outlier_cut. */
export function lineFit(root = '/proj'): Project {
  return buildProject({
    root,
    externals: [{ qid: 'points', source: 'data/points.csv', path: `${root}/data/points.csv` }],
    outputs: [
      { qid: 'cleaned', inputs: ['ext:points'], decisions: ['outlier_cut'], command: 'sh scripts/clean.sh {inputs.points} {decisions.outlier_cut} {output}' },
      { qid: 'fit', type: 'metric', inputs: ['out:cleaned'], decisions: ['estimator'], command: 'sh scripts/fit.sh {inputs.cleaned} {decisions.estimator} {output}' },
      { qid: 'residuals', type: 'table', inputs: ['out:cleaned', 'out:fit'], command: 'sh scripts/residuals.sh {inputs.cleaned} {inputs.fit} {output}' },
      { qid: 'summary', type: 'report', inputs: ['out:fit', 'out:residuals'], command: 'sh scripts/summary.sh {inputs} {output}' },
    ],
    universes: [
      { id: 'baseline', choices: { outlier_cut: 'none', estimator: 'ols' } },
      { id: 'clipped-ols', choices: { outlier_cut: 'clip', estimator: 'ols' } },
      { id: 'raw-median', choices: { outlier_cut: 'none', estimator: 'median' } },
      { id: 'robust', choices: { outlier_cut: 'clip', estimator: 'median' } },
    ],
  });
}
