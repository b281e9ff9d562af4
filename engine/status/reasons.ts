/**
 * Why a task is stale: compare what its manifest recorded with what the spec and the project
 * say now, and say which part moved in words a scientist understands. Every function here is
 * pure; compute.ts feeds it what was read from disk.
 */
import type { Task } from '../dag/task.js';
import { codeVersion, type TaskDefinition } from '../manifest/definition.js';
import type { StatEntry } from '../manifest/schema.js';
import type { ManifestView } from './view.js';
import type { FileEntry } from '../hash/walk.js';
import type { StaleReason } from './types.js';

/** Reasons from the task's own definition: recipe, container, decisions, scripts, resources. */
export function definitionReasons(task: Task, m: ManifestView, def: TaskDefinition): StaleReason[] {
  if (m.schema_version === 1) return v1Reasons(task, m, def);
  // Compare the recorded parts of code_version with today's directly: equal parts mean an
  // equal code_version, and unequal ones say what changed, without hashing per task.
  const reasons: StaleReason[] = [];
  if (m.recipe !== task.template) reasons.push(...recipeReason(task, m.recipe ?? ''));
  if (m.resolved_image !== def.container.resolved)
    reasons.push(containerReason(m.container_image, m.resolved_image, def, m.container_files));
  if (!sameRecord(m.decisions, task.decisions)) reasons.push(...decisionReasons(m.decisions, task.decisions));
  const scripts = m.scripts ?? {};
  if (!sameRecord(scripts, def.scripts)) reasons.push(...scriptReasons(scripts, def.scripts));
  if (m.gpus !== task.resources.gpus) reasons.push(...resourceReasons(m, task));
  if (m.qualified_output !== task.output || m.universe_id !== task.universe) reasons.push(...identityReasons(m, task));
  return reasons;
}

/**
 * Lightcone (schema 1) manifests: compare with Lightcone's own formula (no scripts). They never
 * recorded script hashes, so a recipe that calls scripts cannot be proven current: it is stale
 * once, naming each script, and the next run records them.
 */
function v1Reasons(task: Task, m: ManifestView, def: TaskDefinition): StaleReason[] {
  const reasons: StaleReason[] = [];
  const lightconeCv = codeVersion({
    recipe: task.template,
    container: def.container.resolved,
    decisions: task.decisions,
    scripts: {},
  });
  if (lightconeCv !== m.code_version) {
    if (m.recipe != null) reasons.push(...recipeReason(task, m.recipe));
    const rawNow = def.container.raw;
    if (m.container_image !== rawNow) reasons.push(containerReason(m.container_image, undefined, def));
    reasons.push(...decisionReasons(m.decisions, task.decisions));
    if (reasons.length === 0) {
      reasons.push({
        kind: 'container',
        detail: 'code_version differs from the one lightcone-cli recorded (its container tag is computed differently)',
      });
    }
  }
  for (const path of Object.keys(def.scripts).sort()) {
    reasons.push({
      kind: 'script',
      subject: path,
      detail: `script ${path} not recorded (manifest written by an older tool, lightcone-cli schema 1)`,
    });
  }
  return reasons;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

function recipeReason(task: Task, recorded: string): StaleReason[] {
  return recorded === task.template ? [] : [{ kind: 'recipe', detail: `recipe changed: was \`${recorded}\`` }];
}

function containerReason(
  rawBefore: string | null,
  resolvedBefore: string | null | undefined,
  def: TaskDefinition,
  filesBefore: Record<string, string> | null = null,
): StaleReason {
  const rawNow = def.container.raw;
  const moved = filesBefore && def.container.files ? firstChange(filesBefore, def.container.files) : null;
  if (rawBefore === rawNow && rawNow !== null && moved !== null) {
    return { kind: 'container', subject: rawNow, detail: `container ${rawNow}: ${moved}` };
  }
  if (rawBefore === rawNow && rawNow !== null) {
    return {
      kind: 'container',
      subject: rawNow,
      detail: `container ${rawNow} changed (${short(resolvedBefore)} -> ${short(def.container.resolved)})`,
    };
  }
  return {
    kind: 'container',
    subject: rawNow ?? undefined,
    detail: `container ${rawBefore ?? 'none'} -> ${rawNow ?? 'none'}`,
  };
}

/** The first file (in path order) that differs between two identities: `src/fit.py changed`. */
function firstChange(before: Record<string, string>, now: Record<string, string>): string | null {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  for (const p of paths) {
    if (before[p] === now[p]) continue;
    return `${p} ${before[p] === undefined ? 'added' : now[p] === undefined ? 'removed' : 'changed'}`;
  }
  return null;
}

function short(v: string | null | undefined): string {
  if (v == null) return 'none';
  const at = v.lastIndexOf('sha256:');
  return at >= 0 ? v.slice(0, at) + v.slice(at, at + 19) : v;
}

export function decisionReasons(before: Record<string, string>, now: Record<string, string>): StaleReason[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const out: StaleReason[] = [];
  for (const k of keys) {
    const a = before[k];
    const b = now[k];
    if (a === b) continue;
    const detail =
      a === undefined
        ? `decision ${k} added (${b})`
        : b === undefined
          ? `decision ${k} no longer used (was ${a})`
          : `decision ${k}: ${a} -> ${b}`;
    out.push({ kind: 'decisions', subject: k, detail });
  }
  return out;
}

export function scriptReasons(before: Record<string, string>, now: Record<string, string>): StaleReason[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const out: StaleReason[] = [];
  for (const p of keys) {
    const a = before[p];
    const b = now[p];
    if (a === b) continue;
    const detail =
      a === undefined
        ? `recipe now calls script ${p}`
        : b === undefined
          ? `script ${p} is gone or no longer called`
          : `script ${p} changed`;
    out.push({ kind: 'script', subject: p, detail });
  }
  return out;
}

/** Only result-affecting resources count (the DAG's task key uses gpus alone; see engine/dag/key.ts). */
function resourceReasons(m: ManifestView, task: Task): StaleReason[] {
  const before = m.gpus ?? 0;
  const now = task.resources.gpus;
  return before === now ? [] : [{ kind: 'resources', subject: 'gpus', detail: `gpus ${before} -> ${now}` }];
}

/** A manifest copied in from another task's directory does not describe this one. */
function identityReasons(m: ManifestView, task: Task): StaleReason[] {
  if (m.qualified_output === task.output && m.universe_id === task.universe) return [];
  return [
    { kind: 'recipe', detail: `manifest describes ${m.universe_id}/${m.qualified_output}, not this task (copied?)` },
  ];
}

/** Explain a stat-fingerprint mismatch, naming files when the manifest kept per-file entries. */
export function modifiedReasons(recorded: readonly StatEntry[] | undefined, now: readonly FileEntry[]): StaleReason[] {
  if (!recorded) return [{ kind: 'modified', detail: 'output files changed since the manifest was written' }];
  const before = new Map(recorded.map((e) => [e[0], e]));
  const changed: string[] = [];
  const added: string[] = [];
  for (const e of now) {
    const r = before.get(e.rel);
    if (!r) added.push(e.rel);
    else if (r[1] !== Number(e.size) || r[2] !== String(e.mtimeNs)) changed.push(e.rel);
    before.delete(e.rel);
  }
  const removed = [...before.keys()];
  const out: StaleReason[] = [];
  const say = (what: string, files: string[]) => {
    if (files.length === 0) return;
    const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
    out.push({ kind: 'modified', subject: files[0], detail: `${what}: ${shown}` });
  };
  say('changed', changed);
  say('added', added);
  say('removed', removed);
  if (out.length === 0) out.push({ kind: 'modified', detail: 'output files changed since the manifest was written' });
  return out;
}
