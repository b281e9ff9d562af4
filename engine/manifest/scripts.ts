/**
 * Scripts a recipe calls, so that editing one makes its outputs stale (Lightcone #153).
 *
 * Which tokens: the literal words of the recipe TEMPLATE (not the rendered command). The
 * rendered command also holds the paths of inputs and outputs, which are data and are tracked
 * through input_versions; a placeholder-free word of the template is something the author typed,
 * e.g. `python src/fit.py`, `Rscript analysis/x.R`, `bash run.sh`, `./run.sh`, or a value like
 * `--config=conf/a.yaml`. A word counts when it names an existing regular file inside the
 * project (relative to the project root, where recipes run), outside any `results/` tree, not
 * a declared input of the task, and at most 16 MiB (bigger files are data: declare them as
 * inputs). Files those scripts import are not followed.
 *
 * Hashes are cached per process by stat identity, and a `ScriptScan` stats each file once per
 * scan, so a status of 10,000 tasks calling the same script hashes it once.
 */
import { isAbsolute, join, normalize, sep } from 'node:path';
import { parseTemplate } from '../astra/template.js';
import { cachedFileHash } from '../hash/file-hash.js';

export const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;

const HOLE = '\u0000';
const candidateCache = new Map<string, string[]>();

/** Project-relative candidate paths named by the literal words of a template (no fs access). */
export function scriptCandidates(template: string): string[] {
  const hit = candidateCache.get(template);
  if (hit) return hit;
  const parsed = parseTemplate(template);
  const text = parsed.parts.map((p) => (p.kind === 'text' ? p.text : HOLE)).join('');
  const out: string[] = [];
  for (const word of shellWords(text)) {
    if (word.includes(HOLE)) continue;
    const value = valueOf(word);
    if (value === undefined) continue;
    const rel = projectRelative(value);
    if (rel !== undefined && !out.includes(rel)) out.push(rel);
  }
  candidateCache.set(template, out);
  return out;
}

/** Programs whose first non-option argument is a script file. */
const INTERPRETERS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'python', 'python3', 'Rscript', 'julia', 'perl', 'ruby', 'node', 'lua', 'tclsh']);

/**
 * Project-relative scripts a template runs: the first plain argument of an interpreter
 * (`python src/fit.py`, `sh scripts/x.sh`) or a command word starting with `./`. Whether they
 * exist is not asked here; a run checks that before it starts (runner/preflight.ts).
 */
export function calledScripts(template: string): string[] {
  const parsed = parseTemplate(template);
  const text = parsed.parts.map((p) => (p.kind === 'text' ? p.text : HOLE)).join('');
  const out: string[] = [];
  const words = shellWords(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const base = w.slice(w.lastIndexOf('/') + 1);
    let script: string | undefined;
    if (w.startsWith('./')) script = w;
    else if (INTERPRETERS.has(base) || /^python3?\.\d+$/.test(base)) {
      let j = i + 1;
      while (j < words.length && (words[j] as string).startsWith('-')) {
        // `python -m pkg` and `sh -c '...'` run no file of the project
        if (['-m', '-c', '-e'].includes(words[j] as string)) j = words.length;
        j++;
      }
      script = words[j];
      i = j;
    }
    if (script === undefined || script.includes(HOLE)) continue;
    const rel = projectRelative(script);
    if (rel !== undefined && !out.includes(rel)) out.push(rel);
  }
  return out;
}

/** Split on blanks and shell operators, dropping quotes. Good enough for naming files. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let has = false;
  const push = () => {
    if (has) words.push(cur);
    cur = '';
    has = false;
  };
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c) || ';&|()<>`'.includes(c)) {
      push();
    } else {
      cur += c;
      has = true;
    }
  }
  push();
  return words;
}

/** `--config=conf/a.yaml` and `VAR=path` name their value; other flags name nothing. */
function valueOf(word: string): string | undefined {
  const eq = word.indexOf('=');
  if (word.startsWith('-')) return eq > 0 ? word.slice(eq + 1) : undefined;
  if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) return word.slice(eq + 1);
  return word;
}

function projectRelative(value: string): string | undefined {
  if (value === '' || isAbsolute(value) || value.includes('$') || value.includes('*')) return undefined;
  const norm = normalize(value).split(sep).join('/');
  if (norm === '.' || norm.startsWith('../') || norm === '..') return undefined;
  if (norm.split('/').includes('results')) return undefined;
  return norm;
}

const NO_SCRIPTS: Readonly<Record<string, string>> = Object.freeze({});

/** One pass over many tasks: each file is stat'ed once, hashed only when new or changed. */
export class ScriptScan {
  private readonly root: string;
  private readonly seen = new Map<string, string | null>();
  private readonly byTemplate = new Map<string, [string, string][]>();
  private readonly recordByTemplate = new Map<string, Readonly<Record<string, string>>>();

  constructor(root: string) {
    this.root = root;
  }

  /** `{path: sha256}` of the scripts a template calls, minus the task's own input paths. */
  scripts(template: string, inputs: readonly { path?: string }[] = []): Readonly<Record<string, string>> {
    const found = this.existing(template);
    if (found.length === 0) return NO_SCRIPTS;
    if (!found.some(([rel]) => inputs.some((i) => i.path === rel))) return this.allOf(template, found);
    const out: Record<string, string> = {};
    for (const [rel, h] of found) if (!inputs.some((i) => i.path === rel)) out[rel] = h;
    return Object.freeze(out);
  }

  /**
   * One shared (frozen) object per template when no input is excluded, the common case: status
   * memoises per-output work on the identity of this object across thousands of tasks.
   */
  private allOf(template: string, found: [string, string][]): Readonly<Record<string, string>> {
    let all = this.recordByTemplate.get(template);
    if (!all) {
      all = Object.freeze(Object.fromEntries(found));
      this.recordByTemplate.set(template, all);
    }
    return all;
  }

  /** Candidates of `template` that are script files, with their hashes (once per template per scan). */
  private existing(template: string): [string, string][] {
    let found = this.byTemplate.get(template);
    if (!found) {
      found = [];
      for (const rel of scriptCandidates(template)) {
        const h = this.hashOf(rel);
        if (h !== null) found.push([rel, h]);
      }
      this.byTemplate.set(template, found);
    }
    return found;
  }

  private hashOf(rel: string): string | null {
    const memo = this.seen.get(rel);
    if (memo !== undefined) return memo;
    const result = cachedFileHash(join(this.root, rel), MAX_SCRIPT_BYTES);
    this.seen.set(rel, result);
    return result;
  }
}
