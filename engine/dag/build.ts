/**
 * buildDag: the project model -> one task per (universe, active output with a recipe).
 *
 * Work that does not depend on the universe (template parsing, output-dir patterns, input
 * plans, external paths) is done once per output; the per-task loop only fills in universe
 * values, renders, and hashes. That keeps 100,000 tasks well under a second.
 */
import type { Diagnostic, SourceRef } from '../errors.js';
import { diagnosticAt } from '../errors.js';
import type { Project, Recipe, ResolvedOutput, Universe } from '../astra/model.js';
import { parseTemplate, shellQuote } from '../astra/template.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Key, TASK_KEY_VERSION, type KeyInput } from './key.js';
import { orderOutputs } from './order.js';
import { outdirPattern, toProjectPath, type OutdirPattern } from './outdir.js';
import { compileTemplate, isShellSafe, renderSegments, type Segment } from './render.js';
import type { Dag, Task, TaskInput } from './task.js';

export interface BuildDagOptions {
  /** Only these universes (ids); all when omitted. */
  universes?: string[];
}

/**
 * How one input entry is filled per universe. `keyPrefix`/`keyJson` are its canonical JSON in
 * the key document: for task and manual inputs the universe-specific value is appended.
 */
type InputPlan =
  | { kind: 'task'; localId: string; producer: string; outdir: OutdirPattern; safe: boolean; index: number; keyPrefix: string }
  | { kind: 'manual'; localId: string; producer: string; outdir: OutdirPattern; safe: boolean; index: number; keyPrefix: string }
  | { kind: 'external'; localId: string; index: number; input: TaskInput & { kind: 'external' }; quoted: string; keyJson: string };

/** Whether every `prefix + universe + suffix` needs no quoting, given a universe id that needs none. */
const patternSafe = (p: OutdirPattern): boolean => isShellSafe(`${p.prefix}u${p.suffix}`);

interface OutputPlan {
  out: ResolvedOutput;
  qid: string;
  recipe: Recipe;
  segments: Segment[];
  outdir: OutdirPattern;
  outdirSafe: boolean;
  inputs: InputPlan[];
  inputIndex: Map<string, number>;
  /**
   * Pieces of the canonical key document that do not depend on the universe (keyFragments).
   * `decisions` lists Output.decisions sorted by local id, with the qualified id universes key
   * their choices by.
   */
  key: { head: string; decisions: { local: string; qualified: string; prefix: string }[]; mid: string; tail: string };
}

/** Problems found per task, reported once per (output, cause) with the universes affected. */
class ProblemLog {
  private readonly byKey = new Map<string, { ref: SourceRef | undefined; code: string; message: string; hint: string; universes: string[] }>();

  add(key: string, ref: SourceRef | undefined, code: string, message: string, hint: string, universe: string): void {
    const e = this.byKey.get(key);
    if (e) e.universes.push(universe);
    else this.byKey.set(key, { ref, code, message, hint, universes: [universe] });
  }

  diagnostics(): Diagnostic[] {
    return [...this.byKey.values()].map((e) => {
      const shown = e.universes.slice(0, 5).join(', ');
      const more = e.universes.length > 5 ? ` and ${e.universes.length - 5} more` : '';
      const where = `${e.universes.length === 1 ? 'universe' : 'universes'} ${shown}${more}`;
      return diagnosticAt(e.ref, e.code, `${e.message} (in ${where})`, { hint: e.hint });
    });
  }
}

function inputRef(out: ResolvedOutput, i: number): SourceRef {
  const given = out.decl.inputRefs?.[i];
  if (given) return given;
  const r = out.decl.ref;
  return { ...r, path: `${r.path}.inputs[${i}]` };
}

function planOutput(project: Project, out: ResolvedOutput, recipe: Recipe, diagnostics: Diagnostic[]): OutputPlan {
  const qid = out.decl.qid;
  const parsed = parseTemplate(recipe.command);
  for (const e of parsed.errors) {
    // The spec validator reports these with a column; repeated here so a hand-built Project
    // (or a loader gap) can never yield a task whose command silently lost a placeholder.
    diagnostics.push(diagnosticAt(recipe.ref, 'INVALID_COMMAND_TEMPLATE', `recipe of '${qid}': ${e.message}`));
  }
  const inputs: InputPlan[] = [];
  const inputIndex = new Map<string, number>();
  out.inputs.forEach((b, index) => {
    inputIndex.set(b.localId, index);
    if (b.kind === 'output') {
      const producer = project.outputs.get(b.producer);
      if (!producer) {
        diagnostics.push(
          diagnosticAt(inputRef(out, index), 'INVALID_OUTPUT_INPUT', `input '${b.localId}' of '${qid}' names output '${b.producer}', which does not exist`),
        );
        return;
      }
      const outdir = outdirPattern(project, b.producer);
      const id = JSON.stringify(b.localId);
      const safe = patternSafe(outdir);
      if (producer.decl.recipe) {
        inputs.push({ kind: 'task', localId: b.localId, producer: b.producer, outdir, safe, index, keyPrefix: `{"id":${id},"task":` });
      } else {
        const keyPrefix = `{"id":${id},"output":${JSON.stringify(b.producer)},"path":`;
        inputs.push({ kind: 'manual', localId: b.localId, producer: b.producer, outdir, safe, index, keyPrefix });
      }
      return;
    }
    // External: a path inside the project renders project-relative; anything else (a URI, a
    // loader name, a missing file) renders as the locator written in the spec.
    let path: string | undefined;
    if (b.path !== undefined) {
      const rel = toProjectPath(project.root, b.path);
      if (rel !== '' && !rel.startsWith('../') && rel !== '..' && !rel.startsWith('/')) path = rel;
      else if (rel === '') path = '.';
    }
    const input: TaskInput & { kind: 'external' } = { kind: 'external', localId: b.localId, inputQid: b.inputQid };
    if (b.source !== undefined) input.source = b.source;
    if (path !== undefined) input.path = path;
    const keyEntry: KeyInput = { id: b.localId, input: b.inputQid };
    if (b.source !== undefined) keyEntry.source = b.source;
    if (b.analysisRef !== undefined) keyEntry.ref = b.analysisRef;
    const rendered = path ?? b.source ?? b.analysisRef ?? '';
    inputs.push({ kind: 'external', localId: b.localId, index, input, quoted: shellQuote(rendered), keyJson: canonicalJson(keyEntry) });
  });
  const nodeQid = out.node.qid;
  const decisions = out.decl.decisions.map((local) => ({ local, qualified: nodeQid ? `${nodeQid}.${local}` : local }));
  const outdir = outdirPattern(project, qid);
  return {
    out,
    qid,
    recipe,
    segments: compileTemplate(parsed.parts, inputIndex, out.inputs.length).segments,
    outdir,
    outdirSafe: patternSafe(outdir),
    inputs,
    inputIndex,
    key: keyFragments(qid, recipe, decisions),
  };
}

/**
 * The key document is `taskKey`'s canonical JSON, written here by hand from fragments so the
 * per-task cost is string concatenation plus one hash, not building and sorting objects.
 * Keys in canonical (sorted) order: container, decisions, inputs, output, recipe, resources, v.
 * test/dag/build.test.ts checks that both give the same key.
 */
function keyFragments(qid: string, recipe: Recipe, decisions: { local: string; qualified: string }[]): OutputPlan['key'] {
  const sorted = [...decisions]
    .filter((d, i, all) => all.findIndex((x) => x.local === d.local) === i)
    .sort((a, b) => (a.local < b.local ? -1 : a.local > b.local ? 1 : 0))
    .map((d) => ({ ...d, prefix: `${JSON.stringify(d.local)}:` }));
  return {
    head: `{"container":${JSON.stringify(recipe.container ?? null)},"decisions":{`,
    decisions: sorted,
    mid: '},"inputs":[',
    tail: `],"output":${JSON.stringify(qid)},"recipe":${JSON.stringify(recipe.command)},"resources":{"gpus":${JSON.stringify(recipe.resources.gpus)}},"v":${TASK_KEY_VERSION}}`,
  };
}

function checkTemplateRefs(plan: OutputPlan, diagnostics: Diagnostic[]): void {
  const declared = new Set(plan.out.decl.decisions);
  for (const p of parseTemplate(plan.recipe.command).parts) {
    if (p.kind === 'input' && !plan.inputIndex.has(p.id)) {
      diagnostics.push(
        diagnosticAt(plan.recipe.ref, 'UNDECLARED_TEMPLATE_REF', `recipe of '${plan.qid}' uses ${p.raw}, but '${p.id}' is not in its inputs`),
      );
    }
    if (p.kind === 'decision' && !declared.has(p.id)) {
      diagnostics.push(
        diagnosticAt(plan.recipe.ref, 'UNDECLARED_TEMPLATE_REF', `recipe of '${plan.qid}' uses ${p.raw}, but '${p.id}' is not in its decisions`),
      );
    }
  }
}

function selectUniverses(project: Project, wanted: string[] | undefined, diagnostics: Diagnostic[]): Universe[] {
  if (wanted === undefined) return project.universes;
  const known = new Set(project.universes.map((u) => u.id));
  for (const id of wanted) {
    if (!known.has(id)) {
      diagnostics.push({
        code: 'UNKNOWN_UNIVERSE',
        severity: 'error',
        message: `no universe '${id}'; the project has: ${[...known].join(', ') || '(none)'}`,
      });
    }
  }
  const keep = new Set(wanted);
  return project.universes.filter((u) => keep.has(u.id));
}

export function buildDag(project: Project, opts: BuildDagOptions = {}): { dag: Dag | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const universes = selectUniverses(project, opts.universes, diagnostics);
  const order = orderOutputs(project);
  diagnostics.push(...order.diagnostics);
  if (order.diagnostics.length > 0) return { dag: undefined, diagnostics };

  const plans: OutputPlan[] = [];
  const withoutRecipe = new Set<string>();
  for (const qid of order.ordered) {
    const out = project.outputs.get(qid) as ResolvedOutput;
    if (!out.decl.recipe) {
      withoutRecipe.add(qid);
      continue;
    }
    const plan = planOutput(project, out, out.decl.recipe, diagnostics);
    checkTemplateRefs(plan, diagnostics);
    plans.push(plan);
  }
  const reexports = new Map<string, string>();
  for (const [qid, out] of project.outputs) if (out.producer !== qid) reexports.set(qid, out.producer);

  const problems = new ProblemLog();
  const tasks: Task[] = [];
  const byId = new Map<string, Task>();
  // Per output, its task slots indexed by universe position: dependency lookups are array
  // reads, not Map lookups on freshly built id strings (the hot spot at 100k tasks).
  const rows = new Map<string, (Slot | undefined)[]>();
  const missing: string[] = [];
  // Universe ids are validated ([a-z][a-z0-9_-]*), so they never need quoting; checked anyway,
  // once per universe, so a path is quoted per task only when it really needs it.
  const universeSafe = universes.map((u) => isShellSafe(u.id));
  for (const plan of plans) {
    const row: (Slot | undefined)[] = new Array<Slot | undefined>(universes.length);
    rows.set(plan.qid, row);
    const inputRows = plan.inputs.map((ip) => (ip.kind === 'task' ? rows.get(ip.producer) : undefined));
    // Groups never span outputs (the key covers the output id): one small map per output.
    const groupByKey = new Map<string, string>();
    for (let ui = 0; ui < universes.length; ui++) {
      const u = universes[ui] as Universe;
      if (!u.activeOutputs.has(plan.qid)) continue;
      // A fresh array per task: resetting one with `length = 0` takes a slow runtime path in V8.
      const depSlots: Slot[] = [];
      const task = makeTask(plan, u, ui, universeSafe[ui] as boolean, inputRows, depSlots, problems, missing);
      if (!task) continue;
      const leader = groupByKey.get(task.key);
      if (leader === undefined) groupByKey.set(task.key, task.id);
      else task.group = leader;
      const slot: Slot = { task, dependents: [] };
      row[ui] = slot;
      for (const d of depSlots) d.dependents.push(task.id);
      tasks.push(task);
      byId.set(task.id, task);
    }
  }
  diagnostics.push(...problems.diagnostics());

  const dependents = new Map<string, string[]>();
  for (const row of rows.values()) for (const slot of row) if (slot) dependents.set(slot.task.id, slot.dependents);

  const dag: Dag = {
    root: project.root,
    tasks,
    byId,
    dependents,
    universes: universes.map((u) => u.id),
    outputs: plans.map((p) => p.qid),
    layer: new Map(plans.map((p) => [p.qid, order.layer.get(p.qid) ?? 0])),
    reexports,
    withoutRecipe,
  };
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { dag: failed ? undefined : dag, diagnostics };
}

/** A built task and the ids of its dependents, filled as later outputs are built. */
interface Slot {
  task: Task;
  dependents: string[];
}

/**
 * One task, or undefined when an input is missing in this universe (reported to `problems`).
 * `inputRows[i]` holds the producer's slots for task inputs; the slots of the upstream tasks
 * used are appended to `depSlots`.
 */
function makeTask(
  plan: OutputPlan,
  u: Universe,
  ui: number,
  uSafe: boolean,
  inputRows: readonly ((Slot | undefined)[] | undefined)[],
  depSlots: Slot[],
  problems: ProblemLog,
  missing: string[],
): Task | undefined {
  const universe = u.id;
  const outdir = plan.outdir.prefix + universe + plan.outdir.suffix;
  /** Shell-quoted input paths by input index, for the command. */
  const quoted: string[] = [];
  const inputs: TaskInput[] = [];
  let keyInputs = '';
  const deps: string[] = [];
  let broken = false;
  for (let n = 0; n < plan.inputs.length; n++) {
    const ip = plan.inputs[n] as InputPlan;
    if (ip.kind === 'external') {
      quoted[ip.index] = ip.quoted;
      inputs.push(ip.input);
      keyInputs += (keyInputs ? ',' : '') + ip.keyJson;
      continue;
    }
    const path = ip.outdir.prefix + universe + ip.outdir.suffix;
    quoted[ip.index] = uSafe && ip.safe ? path : shellQuote(path);
    if (!u.activeOutputs.has(ip.producer)) {
      problems.add(
        `inactive\0${plan.qid}\0${ip.index}`,
        inputRef(plan.out, ip.index),
        'INACTIVE_INPUT',
        `output '${plan.qid}' is active but its input '${ip.localId}' (output '${ip.producer}') is not: its \`when\` does not hold`,
        `add the same \`when\` conditions to '${plan.qid}', or change the universe's choices`,
        universe,
      );
      broken = true;
      continue;
    }
    if (ip.kind === 'manual') {
      inputs.push({ kind: 'external', localId: ip.localId, inputQid: ip.producer, path });
      keyInputs += `${keyInputs ? ',' : ''}${ip.keyPrefix}${JSON.stringify(path)}}`;
      continue;
    }
    const slot = inputRows[n]?.[ui];
    if (!slot) {
      // The producer is active here but has no task: only when its own inputs were broken,
      // which is already reported. Skip this task rather than emit a dangling edge.
      broken = true;
      continue;
    }
    const dep = slot.task;
    inputs.push({ kind: 'task', localId: ip.localId, task: dep.id, path });
    keyInputs += `${keyInputs ? ',' : ''}${ip.keyPrefix}"${dep.key}"}`;
    if (!deps.includes(dep.id)) {
      deps.push(dep.id);
      depSlots.push(slot);
    }
  }
  if (broken) return undefined;

  const decisions: Record<string, string> = {};
  const k = plan.key;
  let keyDoc = k.head;
  let firstDecision = true;
  for (const d of k.decisions) {
    const v = u.choices.get(d.qualified);
    if (v === undefined) continue;
    decisions[d.local] = v;
    keyDoc += (firstDecision ? '' : ',') + d.prefix + JSON.stringify(v);
    firstDecision = false;
  }
  keyDoc += k.mid + keyInputs + k.tail;
  if (missing.length !== 0) missing.length = 0;
  const command = renderSegments(plan.segments, uSafe && plan.outdirSafe ? outdir : shellQuote(outdir), quoted, decisions, missing);
  for (const id of missing) {
    // Undeclared ids were reported once per output by checkTemplateRefs.
    if (!plan.out.decl.decisions.includes(id)) continue;
    const raw = `{decisions.${id}}`;
    problems.add(
      `nodecision\0${plan.qid}\0${id}`,
      plan.recipe.ref,
      'DECISION_WITHOUT_VALUE',
      `recipe of '${plan.qid}' uses ${raw}, but decision '${id}' is inactive (its \`when\` does not hold), so it has no value`,
      `add the decision's \`when\` conditions to '${plan.qid}', or stop using ${raw} in its command`,
      universe,
    );
  }
  const key = sha256Key(keyDoc);
  const id = `${universe}/${plan.qid}`;
  const task: Task = {
    id,
    universe,
    output: plan.qid,
    type: plan.out.type,
    key,
    group: id,
    deps,
    command,
    template: plan.recipe.command,
    outdir,
    resources: plan.recipe.resources,
    decisions,
    inputs,
  };
  if (plan.recipe.container !== undefined) task.container = plan.recipe.container;
  return task;
}
