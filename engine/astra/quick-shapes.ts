/**
 * Hand-written acceptance checks that answer "would the zod schema (schema.ts) accept this
 * value unchanged?" for the common, clean documents, without loading zod (~50 ms of start-up
 * on every lc command). They only ever say yes to a subset of what the schema accepts; any
 * doubt (insights, unusual nulls, object-form choices...) says no, and the caller runs the
 * zod schema, which also produces the error messages. test/astra/quick-shapes.test.ts checks
 * the subset property against zod on fixtures and mutated documents.
 */
import { DECISION_FROM_RE, INPUT_FROM_RE, OUTPUT_FROM_RE, VERSION_RE } from './patterns.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const none = (v: unknown) => v === undefined || v === null;
const strN = (v: unknown) => none(v) || typeof v === 'string';
const strListN = (v: unknown) => none(v) || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const matchN = (v: unknown, re: RegExp) => none(v) || (typeof v === 'string' && re.test(v));
const numN = (v: unknown, min: number) => none(v) || (typeof v === 'number' && Number.isFinite(v) && v >= min);
const intN = (v: unknown, min: number) => none(v) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= min);

function keysIn(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

const set = (...xs: string[]) => new Set(xs);
const RESOURCES = set('cpus', 'memory', 'time_limit', 'disk', 'gpus', 'cpus_per_task', 'mem_mb', 'gpus_per_task');
const RECIPE = set('command', 'container', 'resources');
const INPUT = set('id', 'type', 'label', 'description', 'source', 'ref', 'ref_version', 'use_outputs', 'from');
const OUTPUT = set('id', 'type', 'label', 'description', 'inputs', 'decisions', 'recipe', 'when', 'from');
const OPTION = set('id', 'label', 'description', 'insights', 'requires', 'incompatible_with', 'excluded', 'excluded_reason');
const DECISION = set('id', 'label', 'options', 'default', 'rationale', 'tags', 'when', 'from');
const ANALYSIS = set('id', 'version', 'name', 'description', 'tags', 'container', 'path', 'inputs', 'outputs', 'decisions', 'prior_insights', 'findings', 'analyses');
const UNIVERSE = set('id', 'description', 'decisions', 'analyses');
const UNODE = set('id', 'decisions', 'analyses', 'universe');

function resources(v: unknown): boolean {
  if (none(v)) return true;
  if (!isObj(v) || !keysIn(v, RESOURCES)) return false;
  return (
    numN(v.cpus, 0) && numN(v.cpus_per_task, 0) && numN(v.mem_mb, 0) && intN(v.gpus, 1) && intN(v.gpus_per_task, 0) &&
    strN(v.memory) && strN(v.time_limit) && strN(v.disk)
  );
}

function recipe(v: unknown): boolean {
  if (none(v)) return true;
  return isObj(v) && keysIn(v, RECIPE) && strN(v.command) && strN(v.container) && resources(v.resources);
}

function input(v: unknown): boolean {
  if (!isObj(v) || !keysIn(v, INPUT) || typeof v.id !== 'string') return false;
  if (v.type !== undefined && v.type !== 'data' && v.type !== 'analysis') return false;
  return strN(v.label) && strN(v.description) && strN(v.source) && strN(v.ref) && strN(v.ref_version) && strListN(v.use_outputs) && matchN(v.from, INPUT_FROM_RE);
}

const OUTPUT_TYPE = set('metric', 'figure', 'table', 'data', 'report');

function output(v: unknown): boolean {
  if (!isObj(v) || !keysIn(v, OUTPUT) || typeof v.id !== 'string') return false;
  if (v.type !== undefined && !(typeof v.type === 'string' && OUTPUT_TYPE.has(v.type))) return false;
  return strN(v.label) && strN(v.description) && strListN(v.inputs) && strListN(v.decisions) && strListN(v.when) && recipe(v.recipe) && matchN(v.from, OUTPUT_FROM_RE);
}

function option(v: unknown): boolean {
  if (typeof v === 'string') return true;
  if (!isObj(v) || !keysIn(v, OPTION) || typeof v.label !== 'string') return false;
  return (
    strN(v.id) && strN(v.description) && strN(v.excluded_reason) && strListN(v.insights) && strListN(v.requires) && strListN(v.incompatible_with) &&
    (none(v.excluded) || typeof v.excluded === 'boolean')
  );
}

function decision(v: unknown): boolean {
  if (v === null) return true;
  if (!isObj(v) || !keysIn(v, DECISION)) return false;
  if (!(strN(v.id) && strN(v.label) && strN(v.default) && strN(v.rationale) && strListN(v.tags) && strListN(v.when) && matchN(v.from, DECISION_FROM_RE))) return false;
  if (none(v.options)) return true;
  if (!isObj(v.options)) return false;
  for (const k in v.options) if (!option(v.options[k])) return false;
  return true;
}

function list(v: unknown, item: (x: unknown) => boolean): boolean {
  return none(v) || (Array.isArray(v) && v.every(item));
}

function map(v: unknown, entry: (x: unknown) => boolean): boolean {
  if (none(v)) return true;
  if (!isObj(v)) return false;
  for (const k in v) if (!entry(v[k])) return false;
  return true;
}

function analysisFields(v: Obj): boolean {
  return (
    strN(v.id) && matchN(v.version, VERSION_RE) && strN(v.name) && strN(v.description) && strListN(v.tags) && strN(v.container) && strN(v.path) &&
    list(v.inputs, input) && list(v.outputs, output) && map(v.decisions, decision) &&
    // Insights are rare and have more rules (dates, DOIs): the schema handles them.
    none(v.prior_insights) && none(v.findings) &&
    map(v.analyses, (a) => a === null || (isObj(a) && keysIn(a, ANALYSIS) && analysisFields(a)))
  );
}

/** True when RootAnalysisSchema would accept `v` as it is. */
export function quickAnalysisOk(v: unknown): boolean {
  return isObj(v) && analysisFields(v);
}

function universeNode(v: unknown): boolean {
  if (v === null) return true;
  if (!isObj(v) || !keysIn(v, UNODE)) return false;
  return strN(v.id) && strN(v.universe) && map(v.decisions, (c) => typeof c === 'string') && map(v.analyses, universeNode);
}

/** True when UniverseDocSchema would accept `v` as it is. */
export function quickUniverseOk(v: unknown): boolean {
  if (!isObj(v) || !keysIn(v, UNIVERSE) || typeof v.id !== 'string') return false;
  return strN(v.description) && map(v.decisions, (c) => typeof c === 'string') && map(v.analyses, universeNode);
}
