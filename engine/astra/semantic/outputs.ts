/**
 * Output-level rules (astra-spec §5, §7.4, §9.2): what `inputs` and `decisions` entries may
 * name, recipe command templates, and cycles among the outputs of one node.
 *
 * `inputs` entries: a local input (aliases included), a sibling output, or `child.out` (an
 * output of a direct child). The last is an astra-tools extension that the TS SDK's resolver
 * rejects, so lc accepts it with a warning (CHILD_OUTPUT_INPUT) that shows the portable form
 * (re-export it, then list the re-export).
 */
import type { NodeSource } from '../build.js';
import type { InputDecl, OutputDecl } from '../model.js';
import { parseTemplate } from '../template.js';
import { commandPositions } from './template-pos.js';
import { allNodes, childOf, type Findings, known, named, refIn } from './context.js';

/** What one entry of `Output.inputs` names, before aliases are followed. */
export type EntryTarget = { kind: 'input'; decl: InputDecl; src: NodeSource } | { kind: 'output'; decl: OutputDecl; src: NodeSource };

/** Targets of every `inputs` entry of every non-alias output (undefined entries did not resolve). */
export type EntryTable = Map<OutputDecl, (EntryTarget | undefined)[]>;

export function checkOutputs(root: NodeSource, f: Findings): EntryTable {
  const table: EntryTable = new Map();
  for (const src of allNodes(root)) {
    src.node.outputs.forEach((o, i) => {
      if (o.from !== undefined) return;
      table.set(o, entries(src, o, i, f));
      decisions(src, o, i, f);
      recipe(src, o, i, f);
    });
    cycles(src, table, f);
  }
  return table;
}

function entries(src: NodeSource, o: OutputDecl, i: number, f: Findings): (EntryTarget | undefined)[] {
  return o.inputs.map((entry, k) => {
    const ref = refIn(src, ['outputs', i, 'inputs', k]);
    const parts = entry.split('.');
    if (parts.length === 1) {
      const inp = src.node.inputs.find((x) => x.id === entry);
      const out = src.node.outputs.find((x) => x.id === entry);
      if (inp && out) {
        f.warn(ref, 'AMBIGUOUS_INPUT', `${named('output', o.qid)} lists \`${entry}\`, which is both an input and an output of this analysis; lc uses the input`, 'rename one of them');
      }
      if (inp) return { kind: 'input', decl: inp, src };
      if (out) return { kind: 'output', decl: out, src };
      f.add(ref, 'INVALID_OUTPUT_INPUT', `${named('output', o.qid)} lists input \`${entry}\`, which is neither an input nor an output of this analysis (${known([...src.node.inputs.map((x) => x.id), ...src.node.outputs.map((x) => x.id)], 'ids')})`, {
        hint: src.parent ? `to use something from a parent or sibling, declare an input with from: (e.g. from: ../${entry})` : undefined,
      });
      return undefined;
    }
    if (parts.length === 2 && /^[a-z][a-z0-9_]*$/.test(parts[0] as string) && /^[a-z][a-z0-9_]*$/.test(parts[1] as string)) {
      const child = childOf(src, parts[0] as string);
      const out = child?.node.outputs.find((x) => x.id === parts[1]);
      if (child && out) {
        f.warn(
          ref,
          'CHILD_OUTPUT_INPUT',
          `${named('output', o.qid)} takes \`${entry}\` straight from a sub-analysis; astra-tools allows this, the ASTRA TypeScript SDK does not`,
          `re-export it (outputs: [{id: ${parts[1]}, from: ${entry}}]) and list \`${parts[1]}\``,
        );
        return { kind: 'output', decl: out, src: child };
      }
      f.add(ref, 'INVALID_OUTPUT_INPUT', child ? `${named('output', o.qid)} lists \`${entry}\`, but sub-analysis \`${child.node.qid}\` has no output \`${parts[1]}\`` : `${named('output', o.qid)} lists \`${entry}\`, but there is no sub-analysis \`${parts[0]}\` (${known(src.node.children.keys(), 'sub-analyses')})`);
      return undefined;
    }
    f.add(ref, 'INVALID_OUTPUT_INPUT', `${named('output', o.qid)} lists \`${entry}\`; an entry must be a local input id, a sibling output id, or child.output`, {
      hint: entry.startsWith('../') ? `declare an input with from: ${entry} and list its id` : undefined,
    });
    return undefined;
  });
}

function decisions(src: NodeSource, o: OutputDecl, i: number, f: Findings): void {
  o.decisions.forEach((id, k) => {
    if (src.node.decisions.has(id)) return;
    const upstream = [...ancestors(src)].some((a) => a.node.decisions.has(id));
    f.add(refIn(src, ['outputs', i, 'decisions', k]), 'INVALID_OUTPUT_DECISION', `${named('output', o.qid)} lists decision \`${id}\`, which is not a decision of this analysis (${known(src.node.decisions.keys(), 'decisions')})`, {
      hint: upstream ? `alias the ancestor's decision here first: decisions: {${id}: {from: ../${id}}}` : undefined,
    });
  });
}

function* ancestors(src: NodeSource): Generator<NodeSource> {
  for (let a = src.parent; a; a = a.parent) yield a;
}

function recipe(src: NodeSource, o: OutputDecl, i: number, f: Findings): void {
  const r = o.recipe;
  if (!r) return;
  if (r.command.trim() === '') {
    f.add(refIn(src, ['outputs', i, 'recipe']), 'MISSING_COMMAND', `the recipe of ${named('output', o.qid)} has no command, so lc cannot run it`, {
      hint: 'add command: ..., or remove the recipe if the output is made by hand',
    });
    return;
  }
  const cmdPath = [...src.base, 'outputs', i, 'recipe', 'command'];
  const pos = commandPositions(src.loc, cmdPath);
  const at = (offset: number) => pos.at(offset);
  const parsed = parseTemplate(r.command);
  for (const e of parsed.errors) f.add(at(e.offset), 'INVALID_COMMAND_TEMPLATE', `recipe of ${named('output', o.qid)}: ${e.message}`);
  const inputs = new Set(o.inputs);
  const decs = new Set(o.decisions);
  for (const p of parsed.parts) {
    if (p.kind === 'text') continue;
    if (p.raw === '{output[0]}' || p.raw.startsWith('{input.')) {
      const astra = p.raw === '{output[0]}' ? '{output}' : `{inputs.${p.raw.slice(7, -1)}}`;
      f.warn(at(p.offset), 'LIGHTCONE_PLACEHOLDER', `recipe of ${named('output', o.qid)}: ${p.raw} is the Lightcone/Snakemake spelling; ASTRA tools only know ${astra}`, `write ${astra}`);
    }
    if (p.kind === 'input' && !inputs.has(p.id)) {
      f.add(at(p.offset), 'UNDECLARED_TEMPLATE_REF', `recipe of ${named('output', o.qid)} uses ${p.raw}, but \`${p.id}\` is not in its inputs (${known(o.inputs, 'inputs')})`, {
        hint: `add ${p.id} to the output's inputs: list`,
      });
    }
    if (p.kind === 'decision' && !decs.has(p.id)) {
      f.add(at(p.offset), 'UNDECLARED_TEMPLATE_REF', `recipe of ${named('output', o.qid)} uses ${p.raw}, but \`${p.id}\` is not in its decisions (${known(o.decisions, 'decisions')})`, {
        hint: `add ${p.id} to the output's decisions: list`,
      });
    }
  }
}

/**
 * A cycle found walking from consumers to their inputs, printed as the DAG builder prints its
 * cycles: in data-flow order (producer -> consumer), starting at the output that comes first in
 * the spec, so it reads the same whichever way the search entered it.
 */
function flowPath(needs: readonly OutputDecl[], order: ReadonlyMap<OutputDecl, number>): string {
  const flow = [...needs].reverse();
  const first = flow.reduce((a, b) => ((order.get(b) ?? 0) < (order.get(a) ?? 0) ? b : a));
  const at = flow.indexOf(first);
  const rotated = [...flow.slice(at), ...flow.slice(0, at)];
  return [...rotated, first].map((x) => x.id).join(' -> ');
}

/** Outputs of one node that need each other (sibling entries; a self-reference counts). */
function cycles(src: NodeSource, table: EntryTable, f: Findings): void {
  const local = new Map(src.node.outputs.map((o, i) => [o, i] as const));
  const state = new Map<OutputDecl, 1 | 2>();
  const stack: OutputDecl[] = [];
  const visit = (o: OutputDecl): void => {
    state.set(o, 1);
    stack.push(o);
    for (const t of table.get(o) ?? []) {
      if (!t || t.kind !== 'output' || t.src !== src) continue;
      const next = t.decl;
      if (state.get(next) === 1) {
        const i = local.get(o) as number;
        f.add(refIn(src, ['outputs', i, 'inputs']), 'OUTPUT_CYCLE', `outputs of ${src.node.qid ? `sub-analysis \`${src.node.qid}\`` : 'the root analysis'} depend on each other in a cycle (arrows run from input to consumer): ${flowPath(stack.slice(stack.indexOf(next)), local)}`, {
          hint: 'an output cannot (even indirectly) be an input of itself',
        });
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(o, 2);
  };
  for (const o of src.node.outputs) if (!state.has(o)) visit(o);
}
