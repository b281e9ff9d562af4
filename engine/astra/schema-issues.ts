/**
 * Turns zod issues into diagnostics a scientist can act on: which element, which field, what
 * was found, what is allowed, and (for non-text scalars) how to quote. Raw zod text never
 * reaches the user.
 */
import type { z } from 'zod';
import type { Diagnostic } from '../errors.js';
import { diagnosticAt } from '../errors.js';
import { closest, describeOwner, fieldName, valueAt } from './describe.js';
import type { DocKind } from './ids.js';
import { nodeAt, type DocPath, type Locator } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/** Allowed fields per object kind, for "unknown field" messages. */
const FIELDS: Record<string, readonly string[]> = {
  analysis: ['id', 'version', 'name', 'description', 'tags', 'container', 'path', 'inputs', 'outputs', 'decisions', 'prior_insights', 'findings', 'analyses'],
  input: ['id', 'type', 'label', 'description', 'source', 'ref', 'ref_version', 'use_outputs', 'from'],
  output: ['id', 'type', 'label', 'description', 'inputs', 'decisions', 'recipe', 'when', 'from'],
  recipe: ['command', 'container', 'resources'],
  resources: ['cpus', 'memory', 'gpus', 'time_limit', 'disk', 'cpus_per_task', 'mem_mb', 'gpus_per_task'],
  decision: ['label', 'options', 'default', 'rationale', 'tags', 'when', 'from', 'id'],
  option: ['label', 'description', 'insights', 'requires', 'incompatible_with', 'excluded', 'excluded_reason', 'id'],
  insight: ['id', 'claim', 'created_at', 'evidence', 'label', 'derived', 'scope', 'tags', 'notes'],
  evidence: ['id', 'doi', 'artifact', 'version', 'snapshot', 'source_commit', 'quote', 'location'],
  quote: ['exact', 'prefix', 'suffix'],
  location: ['value', 'page'],
  universe: ['id', 'description', 'decisions', 'analyses'],
  universe_node: ['id', 'decisions', 'analyses', 'universe'],
  selection: ['option_id', 'decision_id'],
};

/** Fields people carry over from older ASTRA versions or other tools, with what to do instead. */
const LEGACY_HINTS: Record<string, string> = {
  narrative: '`narrative` was removed in ASTRA 0.0.11; put the prose in `description`',
  authors: '`authors` was removed in ASTRA 0.0.11; remove it (or mention authors in `description`)',
  from_ref: '`from_ref` was renamed `from` in ASTRA 0.0.7',
  notes: 'options have no `notes` in the ASTRA schema; use `description`',
  format: '`format` is not part of ASTRA 0.0.12 (only the TS SDK knows it); remove it',
  target: '`target` is a proposal (astra-spec PR 58), not part of ASTRA 0.0.12; remove it',
  workflow_target: '`workflow_target` is a proposal, not part of ASTRA 0.0.12; remove it',
  threads: 'ASTRA calls the CPU count `cpus`',
  runtime: 'ASTRA calls the wall-time limit `time_limit` (e.g. "2h")',
};

/** Which kind of object sits at `path` in a document of `kind`. */
export function objectKind(kind: DocKind, path: DocPath): string {
  if (kind === 'insight') {
    const last = path[path.length - 1];
    if (path.length === 0) return 'insight';
    if (typeof last === 'number') return 'evidence';
    return last === 'quote' || last === 'location' ? last : 'insight';
  }
  if (kind === 'universe') {
    if (path.length === 0) return 'universe';
    return path[path.length - 2] === 'decisions' ? 'selection' : 'universe_node';
  }
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 0) return 'analysis';
  if (typeof last === 'number') {
    if (parent === 'inputs') return 'input';
    if (parent === 'outputs') return 'output';
    if (parent === 'evidence') return 'evidence';
  }
  if (last === 'recipe' || last === 'resources' || last === 'quote' || last === 'location') return last;
  if (parent === 'decisions') return 'decision';
  if (parent === 'options') return 'option';
  if (parent === 'analyses') return 'analysis';
  if (parent === 'prior_insights' || parent === 'findings') return 'insight';
  return 'object';
}

const NOUN: Record<string, string> = {
  object: 'text',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  record: 'a mapping',
};

function typeName(v: unknown): string {
  if (v === null) return 'empty (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return 'a boolean';
  return `a ${typeof v}`;
}

/** Converts the issues of one document. `doc` is the raw value that was validated. */
export class IssueConverter {
  constructor(
    private readonly kind: DocKind,
    private readonly doc: unknown,
    private readonly loc: Locator,
  ) {}

  convert(issues: readonly Issue[], base: DocPath = []): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const i of issues) out.push(...this.one(i, [...base, ...(i.path as (string | number)[])]));
    return out;
  }

  private where(path: DocPath): string {
    return describeOwner(this.doc, path, this.kind);
  }

  private one(issue: Issue, path: DocPath): Diagnostic[] {
    const field = fieldName(path) ?? 'value';
    const value = valueAt(this.doc, path);
    const owner = this.where(path.slice(0, -1));
    switch (issue.code) {
      case 'invalid_union':
        return this.union(issue, path);
      case 'unrecognized_keys':
        return issue.keys.map((k) => this.unknownKey(path, k));
      case 'invalid_type':
        return [this.invalidType(issue.expected, path, value, field, owner)];
      case 'invalid_value': {
        const allowed = issue.values.map(String).join(', ');
        return [
          diagnosticAt(this.loc.at(path), 'SCHEMA_ENUM', `${owner}: \`${field}\` must be one of ${allowed}, not \`${String(value)}\``, {
            hint: closest(String(value), issue.values.map(String)) ? `did you mean \`${closest(String(value), issue.values.map(String))}\`?` : `use one of: ${allowed}`,
          }),
        ];
      }
      case 'too_small': {
        const min = String(issue.minimum);
        const hint = field === 'gpus' ? 'leave `gpus` out when the recipe needs no GPU' : undefined;
        return [diagnosticAt(this.loc.at(path), 'SCHEMA_MINIMUM', `${owner}: \`${field}\` must be at least ${min}, not ${String(value)}`, hint ? { hint } : {})];
      }
      case 'invalid_format':
        return [this.pattern(path, value, field, owner)];
      default:
        return [diagnosticAt(this.loc.at(path), `SCHEMA_${issue.code.toUpperCase()}`, `${owner}: \`${field}\` is not valid here`)];
    }
  }

  /** Report the branch of a union that got furthest (the mapping branch for a mapping, ...). */
  private union(issue: Issue & { code: 'invalid_union' }, path: DocPath): Diagnostic[] {
    const branches = issue.errors;
    const atRoot = (b: readonly Issue[]) => b.some((i) => i.code === 'invalid_type' && i.path.length === 0);
    const progressed = branches.find((b) => !atRoot(b));
    if (progressed) return this.convert(progressed, path);
    const value = valueAt(this.doc, path);
    const field = fieldName(path) ?? 'value';
    const owner = this.where(path.slice(0, -1));
    // Every branch refused the value's type: text is what every ASTRA union wants first.
    return [this.invalidType('string', path, value, field, owner, branches.length > 1)];
  }

  private invalidType(expected: string, path: DocPath, value: unknown, field: string, owner: string, orMapping = false): Diagnostic {
    const ref = this.loc.at(path);
    const want = NOUN[expected] ?? expected;
    if (value === undefined) {
      return diagnosticAt(this.loc.at(path.slice(0, -1)), 'SCHEMA_REQUIRED', `${owner}: the required field \`${field}\` is missing`, {
        hint: `add \`${field}:\``,
      });
    }
    if (value === null) {
      return diagnosticAt(ref, 'SCHEMA_REQUIRED', `${owner}: \`${field}\` is empty; it must be ${want}`);
    }
    if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
      const n = nodeAt(this.loc.root as never, path);
      const raw = n && n.kind === 'scalar' ? n.raw : String(value);
      const key = typeof path[path.length - 1] === 'string' ? `${field}: ` : '- ';
      const resourceUnit = field === 'memory' || field === 'disk' || field === 'time_limit';
      const what = this.kind === 'universe' && path[path.length - 2] === 'decisions' ? `the choice for \`${field}\` (an option id)` : `\`${field}\``;
      return diagnosticAt(ref, 'NON_STRING_VALUE', `${owner}: ${what} must be text, but YAML reads \`${raw}\` as ${typeName(value)}`, {
        hint: resourceUnit
          ? `write it as text with a unit, e.g. ${field}: "${field === 'time_limit' ? '2h' : '16GB'}"`
          : `quote it: ${key}"${raw}"`,
      });
    }
    const also = orMapping ? ' (or a mapping)' : '';
    const hint =
      expected === 'array' && typeof value === 'string'
        ? `write it as a list: ${field}: [${value}]`
        : expected === 'boolean' && typeof value === 'string'
          ? `write ${field}: true or ${field}: false`
          : undefined;
    return diagnosticAt(ref, 'SCHEMA_TYPE', `${owner}: \`${field}\` must be ${want}${also}, not ${typeName(value)}`, hint ? { hint } : {});
  }

  private pattern(path: DocPath, value: unknown, field: string, owner: string): Diagnostic {
    const ref = this.loc.at(path);
    const v = String(value);
    const objKind = objectKind(this.kind, path.slice(0, -1));
    if (field === 'version') {
      return diagnosticAt(ref, 'INVALID_VERSION', `${owner}: version \`${v}\` must look like 1.0 or 0.0.12 (digits separated by dots)`, {
        hint: 'version: "0.0.12"',
      });
    }
    if (field === 'doi') return diagnosticAt(ref, 'INVALID_DOI', `${owner}: \`${v}\` is not a DOI (it must start with 10.<4+ digits>/)`);
    if (field === 'created_at') {
      return diagnosticAt(ref, 'INVALID_DATETIME', `${owner}: created_at \`${v}\` must be a date and time with a zone`, {
        hint: 'created_at: "2025-06-15T10:30:00Z"',
      });
    }
    if (field === 'from' && objKind === 'input') {
      return diagnosticAt(ref, 'INVALID_FROM', `${owner}: \`from: ${v}\` must go up: \`../id\` names an ancestor's input, \`../sub.output\` a sibling sub-analysis's output`, {
        hint: `from: ../${v.replace(/^(\.\.\/)*/, '')}`,
      });
    }
    if (field === 'from' && objKind === 'output') {
      return diagnosticAt(ref, 'INVALID_OUTPUT_FROM', `${owner}: \`from: ${v}\` must name a descendant's output as \`child.output\` (no ../)`);
    }
    if (field === 'from' && objKind === 'decision') {
      return diagnosticAt(ref, 'INVALID_DECISION_FROM', `${owner}: \`from: ${v}\` must name an ancestor's decision as \`../id\``, {
        hint: `from: ../${v.replace(/^(\.\.\/)*/, '').split('.').pop() ?? v}`,
      });
    }
    return diagnosticAt(ref, 'SCHEMA_PATTERN', `${owner}: \`${field}\` has the wrong form: \`${v}\``);
  }

  private unknownKey(objPath: DocPath, key: string): Diagnostic {
    const kind = objectKind(this.kind, objPath);
    const allowed = FIELDS[kind] ?? [];
    const owner = this.where(objPath);
    const guess = closest(key, allowed);
    const legacy = LEGACY_HINTS[key];
    const hint = legacy ?? (guess ? `did you mean \`${guess}\`?` : allowed.length ? `allowed here: ${allowed.join(', ')}` : undefined);
    return diagnosticAt(this.loc.at([...objPath, key], { key: true }), 'UNKNOWN_FIELD', `${owner}: unknown field \`${key}\``, hint ? { hint } : {});
  }
}
