/**
 * Recipe rendering: a parsed command template plus one task's values -> the shell command.
 *
 * Every substituted value is shell-quoted when it needs it (paths with spaces, odd option ids),
 * so a value can never split into two words or inject shell syntax. Literal text (including
 * `{{`/`}}` already turned into braces by the parser) is the author's shell code and is kept.
 */
import { shellQuote, type TemplatePart } from '../astra/template.js';

/** The values one task fills in. */
export interface RenderValues {
  outdir: string;
  /** Paths of the inputs in `Output.inputs` order (already resolved for this universe). */
  inputPaths: readonly string[];
  /** Local input id -> index into inputPaths. */
  inputIndex: ReadonlyMap<string, number>;
  /** Local decision id -> chosen option id (absent when the decision has no value here). */
  decisions: Readonly<Record<string, string>>;
}

/** A placeholder that could not be filled; the caller turns it into a diagnostic. */
export interface RenderProblem {
  kind: 'undeclared-input' | 'no-decision-value';
  id: string;
  raw: string;
}

export function renderCommand(
  parts: readonly TemplatePart[],
  v: RenderValues,
  problems?: RenderProblem[],
): string {
  let out = '';
  for (const p of parts) {
    switch (p.kind) {
      case 'text':
        out += p.text;
        break;
      case 'output':
        out += shellQuote(v.outdir);
        break;
      case 'inputs':
        out += v.inputPaths.map(shellQuote).join(' ');
        break;
      case 'input': {
        const i = v.inputIndex.get(p.id);
        if (i === undefined) {
          problems?.push({ kind: 'undeclared-input', id: p.id, raw: p.raw });
          out += p.raw;
        } else {
          out += shellQuote(v.inputPaths[i] as string);
        }
        break;
      }
      case 'decision': {
        const val = v.decisions[p.id];
        if (val === undefined) {
          problems?.push({ kind: 'no-decision-value', id: p.id, raw: p.raw });
          out += p.raw;
        } else {
          out += shellQuote(val);
        }
        break;
      }
    }
  }
  return out;
}

/**
 * A template compiled for one output: literal text merged, `{inputs}` expanded to one segment
 * per input, input ids resolved to indexes. The DAG renders it once per universe with values
 * that are already quoted, so the per-task work is concatenation only.
 */
export type Segment =
  | { t: 'text'; s: string }
  | { t: 'outdir' }
  | { t: 'input'; i: number }
  | { t: 'decision'; id: string; raw: string };

export function compileTemplate(
  parts: readonly TemplatePart[],
  inputIndex: ReadonlyMap<string, number>,
  inputCount: number,
): { segments: Segment[]; undeclaredInputs: string[] } {
  const segments: Segment[] = [];
  const undeclaredInputs: string[] = [];
  const text = (s: string) => {
    const last = segments[segments.length - 1];
    if (last?.t === 'text') last.s += s;
    else segments.push({ t: 'text', s });
  };
  for (const p of parts) {
    if (p.kind === 'text') text(p.text);
    else if (p.kind === 'output') segments.push({ t: 'outdir' });
    else if (p.kind === 'inputs') {
      for (let i = 0; i < inputCount; i++) {
        if (i > 0) text(' ');
        segments.push({ t: 'input', i });
      }
    } else if (p.kind === 'input') {
      const i = inputIndex.get(p.id);
      if (i === undefined) {
        undeclaredInputs.push(p.id);
        text(p.raw);
      } else segments.push({ t: 'input', i });
    } else segments.push({ t: 'decision', id: p.id, raw: p.raw });
  }
  return { segments, undeclaredInputs };
}

/**
 * Render compiled segments. `outdir` and `inputs` are already shell-quoted; decision values are
 * quoted here. Decisions without a value are left as written; their ids go to `missing`.
 */
export function renderSegments(
  segments: readonly Segment[],
  outdir: string,
  inputs: readonly string[],
  decisions: Readonly<Record<string, string>>,
  missing?: string[],
): string {
  let out = '';
  for (const s of segments) {
    if (s.t === 'text') out += s.s;
    else if (s.t === 'outdir') out += outdir;
    else if (s.t === 'input') out += inputs[s.i] as string;
    else {
      const v = decisions[s.id];
      if (v === undefined) {
        missing?.push(s.id);
        out += s.raw;
      } else out += shellQuote(v);
    }
  }
  return out;
}

/** True when shellQuote would leave `value` as is (checked once per output, not per task). */
export const isShellSafe = (value: string): boolean => shellQuote(value) === value;
