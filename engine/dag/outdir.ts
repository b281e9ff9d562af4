/**
 * Where an output's bytes live: THE one place that decides it.
 *
 *   root and inline sub-analyses:  results/<universe>/<qualified output>
 *   path-rooted sub-analyses:      <subpath>/results/<universe>/<qid relative to that namespace>
 *
 * A path-rooted sub-analysis is a project of its own (its own astra.yaml and universes/), so it
 * keeps its results next to its own spec, as the ASTRA TS SDK and lightcone-cli do. Re-exports
 * never produce bytes: they resolve to their producer's directory. Paths are project-relative
 * POSIX paths because commands run with the project root as working directory.
 */
import { relative, sep } from 'node:path';
import { LcError } from '../errors.js';
import type { Project } from '../astra/model.js';

/** `prefix + universe + suffix` is the output dir; precomputed once per output for hot loops. */
export interface OutdirPattern {
  prefix: string;
  suffix: string;
}

/** Project-relative POSIX form of an absolute path; '' for the root itself. */
export function toProjectPath(root: string, abs: string): string {
  const rel = relative(root, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export function outdirPattern(project: Project, outputQid: string): OutdirPattern {
  const out = project.outputs.get(outputQid);
  if (!out) {
    throw new LcError('UNKNOWN_OUTPUT', `no output '${outputQid}' in the spec`, { context: { output: outputQid } });
  }
  // A re-export's bytes are its producer's.
  const producer = out.producer === outputQid ? out : project.outputs.get(out.producer);
  if (!producer) {
    throw new LcError('UNKNOWN_OUTPUT', `output '${outputQid}' re-exports '${out.producer}', which does not exist`);
  }
  const node = producer.node;
  const ns = node.namespaceQid;
  const qid = producer.decl.qid;
  const local = ns === '' ? qid : qid.slice(ns.length + 1);
  const base = toProjectPath(project.root, node.resultsBase);
  return { prefix: `${base ? `${base}/` : ''}results/`, suffix: `/${local}` };
}

/** The output directory of `outputQid` in `universe`, relative to the project root. */
export function outputDir(project: Project, outputQid: string, universe: string): string {
  const p = outdirPattern(project, outputQid);
  return p.prefix + universe + p.suffix;
}
