/**
 * Target selection: what the user names on the command line -> tasks.
 *
 *   output            that output in every (selected) universe; a bare id that is not a root
 *                     output may name a sub-analysis output when exactly one matches
 *   sub.output        a qualified output (re-exports name their producer)
 *   universe/output   one task
 */
import { editDistance } from '../edit-distance.js';
import { err, LcError, ok, type Result } from '../errors.js';
import type { Dag, Task } from './task.js';

/** Names close to `name`: small edit distance, or sharing the last segment, or a substring. */
export function closeNames(name: string, names: Iterable<string>, limit = 5): string[] {
  const last = (s: string) => s.slice(s.lastIndexOf('.') + 1);
  const scored: { n: string; d: number }[] = [];
  for (const n of names) {
    const d = Math.min(editDistance(name, n, 3), editDistance(last(name), last(n), 2) + 1);
    if (d <= 3 || n.includes(name) || name.includes(n)) scored.push({ n, d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, limit)
    .map((s) => s.n);
}

/** All names a target may use for an output: real ones, re-exports, and recipe-less ones. */
function knownNames(dag: Dag): string[] {
  return [...dag.outputs, ...(dag.reexports?.keys() ?? []), ...(dag.withoutRecipe ?? [])];
}

/** Resolve an output reference (no universe part) to the qid of an output with tasks. */
export function resolveOutputName(dag: Dag, name: string): Result<string> {
  const outputs = new Set(dag.outputs);
  if (outputs.has(name)) return ok(name);
  const producer = dag.reexports?.get(name);
  if (producer !== undefined) {
    if (outputs.has(producer)) return ok(producer);
    return err(new LcError('NO_RECIPE', `output '${name}' re-exports '${producer}', which has no recipe, so there is nothing to run`));
  }
  if (dag.withoutRecipe?.has(name)) {
    return err(
      new LcError('NO_RECIPE', `output '${name}' has no recipe (it is declared, not computed), so it has no tasks`, {
        hint: 'add a `recipe:` with a `command:` to compute it',
      }),
    );
  }
  if (!name.includes('.')) {
    const matches = dag.outputs.filter((q) => q.endsWith(`.${name}`));
    if (matches.length === 1) return ok(matches[0] as string);
    if (matches.length > 1) {
      return err(
        new LcError('AMBIGUOUS_TARGET', `'${name}' matches outputs in several sub-analyses: ${matches.join(', ')}`, {
          hint: `name one of them in full, e.g. ${matches[0]}`,
          context: { target: name, candidates: matches },
        }),
      );
    }
  }
  const close = closeNames(name, knownNames(dag));
  const all = dag.outputs;
  const list = close.length > 0 ? `did you mean: ${close.join(', ')}?` : `outputs: ${all.slice(0, 12).join(', ')}${all.length > 12 ? ', ...' : ''}`;
  return err(
    new LcError('UNKNOWN_TARGET', `no output '${name}' in the spec; ${list}`, { context: { target: name, candidates: close } }),
  );
}

/** The error for a universe id that is not one of `available`: close names, then the list. */
export function unknownUniverseError(available: readonly string[], id: string): LcError {
  const close = closeNames(id, available, 3);
  const shown = available.slice(0, 20).join(', ') + (available.length > 20 ? `, ... (${available.length} in all)` : '');
  return new LcError('UNKNOWN_UNIVERSE', `no universe '${id}'${close.length ? `; did you mean: ${close.join(', ')}?` : ''}`, {
    hint: `universes: ${shown || '(none)'}`,
    context: { universe: id, candidates: close },
  });
}

/**
 * The tasks the targets name, restricted to `universes` when given, in topological order.
 * No targets means every task (of the selected universes). Upstream tasks are not added:
 * callers that need them use upstreamClosure.
 */
export function selectTasks(dag: Dag, targets: string[], universes?: string[]): Result<Task[]> {
  const universeSet = new Set(dag.universes);
  let keepUniverse: Set<string> | undefined;
  if (universes !== undefined && universes.length > 0) {
    for (const u of universes) if (!universeSet.has(u)) return err(unknownUniverseError(dag.universes, u));
    keepUniverse = new Set(universes);
  }
  const inUniverse = (t: Task) => keepUniverse === undefined || keepUniverse.has(t.universe);
  if (targets.length === 0) return ok(dag.tasks.filter(inUniverse));

  const wantedOutputs = new Set<string>();
  const wantedTasks = new Set<string>();
  for (const target of targets) {
    const slash = target.indexOf('/');
    if (slash >= 0) {
      const u = target.slice(0, slash);
      if (!universeSet.has(u)) return err(unknownUniverseError(dag.universes, u));
      const name = resolveOutputName(dag, target.slice(slash + 1));
      if (!name.ok) return name;
      const id = `${u}/${name.value}`;
      if (!dag.byId.has(id)) {
        return err(new LcError('NO_TASK', `output '${name.value}' is not active in universe '${u}' (its \`when\` does not hold there)`));
      }
      if (keepUniverse && !keepUniverse.has(u)) {
        return err(new LcError('NO_TASK', `target '${target}' names universe '${u}', which -u does not select`));
      }
      wantedTasks.add(id);
      continue;
    }
    const name = resolveOutputName(dag, target);
    if (!name.ok) return name;
    const qid = name.value;
    if (!dag.tasks.some((t) => t.output === qid && inUniverse(t))) {
      return err(new LcError('NO_TASK', `output '${qid}' is not active in any selected universe`));
    }
    wantedOutputs.add(qid);
  }
  return ok(dag.tasks.filter((t) => wantedTasks.has(t.id) || (wantedOutputs.has(t.output) && inUniverse(t))));
}

/** The given task ids plus everything upstream of them. */
export function upstreamClosure(dag: Dag, ids: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const id of ids) {
    if (!seen.has(id)) {
      seen.add(id);
      stack.push(id);
    }
  }
  while (stack.length > 0) {
    const t = dag.byId.get(stack.pop() as string);
    if (!t) continue;
    for (const d of t.deps) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}
