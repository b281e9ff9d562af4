/**
 * Required-by-tooling fields and duplicates (astra-spec §9.2):
 *   MISSING_ROOT_FIELD  root without version, name or outputs (errors, as in astra-tools);
 *                       root without `inputs` is only a warning here: a root that generates its
 *                       own data has nothing to declare, and lc's own benchmark specs omit it.
 *                       A root without `id` is a warning (the JSON Schema wants one; lc uses "root").
 *   MISSING_SUB_FIELD   sub-analysis with missing or empty inputs/outputs
 *   DUPLICATE_INPUT / DUPLICATE_OUTPUT   the same id twice in one node
 */
import type { NodeSource } from '../build.js';
import { allNodes, type Findings, refIn } from './context.js';

export function checkFields(root: NodeSource, f: Findings): void {
  const r = root.raw;
  for (const field of ['version', 'name', 'outputs'] as const) {
    if (r[field] === undefined || r[field] === null) {
      f.add(refIn(root, []), 'MISSING_ROOT_FIELD', `the root analysis has no \`${field}\``, {
        hint: field === 'version' ? 'version: "0.0.12"' : field === 'name' ? 'name: A short human-readable title' : 'declare what the analysis produces under outputs:',
      });
    }
  }
  if (r.inputs === undefined || r.inputs === null) {
    f.warn(refIn(root, []), 'MISSING_ROOT_FIELD', 'the root analysis has no `inputs` (astra validate requires the key)', 'write inputs: [] when the analysis reads nothing external');
  }
  if (r.id === undefined || r.id === null) {
    f.warn(refIn(root, []), 'MISSING_ROOT_FIELD', 'the root analysis has no `id` (the ASTRA JSON Schema requires one)', 'add id: <snake_case_name>');
  }
  for (const src of allNodes(root)) {
    if (src !== root) {
      for (const field of ['inputs', 'outputs'] as const) {
        const v = src.raw[field];
        if (!v || v.length === 0) {
          f.add(src.node.ref, 'MISSING_SUB_FIELD', `sub-analysis \`${src.node.qid}\` has no ${field}; every sub-analysis must declare at least one`, {
            hint: field === 'inputs' ? 'take what it reads from the parent with an alias, e.g. inputs: [{id: data, from: ../data}]' : 'declare what it produces under outputs:',
          });
        }
      }
    }
    duplicates(src, 'inputs', f);
    duplicates(src, 'outputs', f);
  }
}

function duplicates(src: NodeSource, field: 'inputs' | 'outputs', f: Findings): void {
  const first = new Map<string, number>();
  const list = src.node[field];
  list.forEach((x, i) => {
    const j = first.get(x.id);
    if (j === undefined) {
      first.set(x.id, i);
      return;
    }
    const what = field === 'inputs' ? 'input' : 'output';
    f.add(refIn(src, [field, i, 'id']), field === 'inputs' ? 'DUPLICATE_INPUT' : 'DUPLICATE_OUTPUT', `${what} id \`${x.id}\` is declared twice in ${src.node.qid ? `sub-analysis \`${src.node.qid}\`` : 'the root analysis'} (also ${field}[${j}])`, {
      hint: `rename one of them`,
    });
  });
}
