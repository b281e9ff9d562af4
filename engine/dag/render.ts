/**
 * Recipe rendering: a parsed command template plus one task's values -> the shell command.
 *
 * Every substituted value is shell-quoted when it needs it (paths with spaces, odd option ids),
 * so a value can never split into two words or inject shell syntax. Literal text (including
 * `{{`/`}}` already turned into braces by the parser) is the author's shell code and is kept.
 */
import { shellQuote, type TemplatePart } from '../spec/template.js';

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
