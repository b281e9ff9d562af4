/**
 * Outputs resolved for the DAG: each output's producer (re-export chains followed to the
 * output that has the recipe), its effective type, and one InputBinding per `inputs` entry
 * (input alias chains followed up to a concrete input or to another sub-analysis's output).
 *
 * External inputs get an absolute `path` when `source` names an existing file or directory,
 * resolved from the directory of the astra.yaml that declares the concrete input (the
 * project root for the root and inline sub-analyses, the sub's directory for `path:` ones).
 * URIs and loader names (`s3://...`, `sklearn.datasets.load_iris`) have no path.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { NodeSource } from './build.js';
import type { SpecDeps } from './deps.js';
import type { InputBinding, OutputType, ResolvedOutput } from './model.js';
import type { AliasTable } from './semantic/aliases.js';
import { allNodes } from './semantic/context.js';
import type { EntryTable } from './semantic/outputs.js';

const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

function existingPath(source: string | undefined, dir: string, cache: Map<string, boolean>, deps?: SpecDeps): string | undefined {
  if (source === undefined || source === '' || URI.test(source)) return undefined;
  const abs = isAbsolute(source) ? source : resolve(dir, source);
  let exists = cache.get(abs);
  if (exists === undefined) {
    try {
      statSync(abs);
      exists = true;
    } catch {
      exists = false;
    }
    cache.set(abs, exists);
    deps?.probed(abs, exists);
  }
  return exists ? abs : undefined;
}

/** All outputs by qid, in tree order (a node's own outputs, then its children's). */
export function resolveOutputs(root: NodeSource, t: AliasTable, entries: EntryTable, deps?: SpecDeps): Map<string, ResolvedOutput> {
  const out = new Map<string, ResolvedOutput>();
  const stats = new Map<string, boolean>();
  for (const src of allNodes(root)) {
    for (const decl of src.node.outputs) {
      if (decl.from !== undefined) {
        const p = t.producer({ decl, src });
        if (!p) continue;
        out.set(decl.qid, { decl, node: src.node, producer: p.decl.qid, type: p.decl.type as OutputType, inputs: [] });
        continue;
      }
      const inputs: InputBinding[] = [];
      (entries.get(decl) ?? []).forEach((e, k) => {
        if (!e) return;
        const localId = decl.inputs[k] as string;
        if (e.kind === 'output') {
          const p = t.producer(e);
          if (p) inputs.push({ kind: 'output', localId, producer: p.decl.qid });
          return;
        }
        const c = t.concreteInput(e);
        if (!c) return;
        if (c.kind === 'output') {
          inputs.push({ kind: 'output', localId, producer: c.decl.qid });
          return;
        }
        const b: InputBinding = { kind: 'external', localId, inputQid: c.decl.qid };
        if (c.decl.type) b.type = c.decl.type;
        if (c.decl.source !== undefined) b.source = c.decl.source;
        if (c.decl.analysisRef !== undefined) b.analysisRef = c.decl.analysisRef;
        const path = existingPath(c.decl.source, c.src.dir, stats, deps);
        if (path !== undefined) b.path = path;
        inputs.push(b);
      });
      out.set(decl.qid, { decl, node: src.node, producer: decl.qid, type: decl.type as OutputType, inputs });
    }
  }
  return out;
}
