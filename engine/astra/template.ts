/**
 * Recipe command templates. ASTRA uses Python str.format-style braces:
 *   {output} {inputs} {inputs.<id>} {decisions.<id>}   and {{ }} for literal braces.
 * We also accept the Lightcone/Snakemake spellings {output[0]} and {input.<id>}, which older
 * Lightcone projects use, and treat them as {output} and {inputs.<id>}.
 *
 * Parsing is separate from rendering: validation reports every bad placeholder with its
 * offset; the DAG renders the parsed parts with real paths and shell quoting.
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'output'; raw: string; offset: number }
  | { kind: 'inputs'; raw: string; offset: number }
  | { kind: 'input'; id: string; raw: string; offset: number }
  | { kind: 'decision'; id: string; raw: string; offset: number };

export interface TemplateError {
  /** 0-based offset into the command string. */
  offset: number;
  message: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  errors: TemplateError[];
}

const ID = /^[a-z][a-z0-9_]*$/;

function classify(name: string, offset: number): TemplatePart | TemplateError {
  const raw = `{${name}}`;
  if (name === '') return { offset, message: 'empty placeholder {}; write {output}, {inputs}, {inputs.<id>} or {decisions.<id>}' };
  if (/[!:]/.test(name)) {
    return { offset, message: `placeholder ${raw} has a format spec or conversion, which ASTRA does not allow` };
  }
  if (name === 'output' || name === 'output[0]') return { kind: 'output', raw, offset };
  if (name === 'inputs') return { kind: 'inputs', raw, offset };
  const dot = name.indexOf('.');
  if (dot > 0) {
    const ns = name.slice(0, dot);
    const id = name.slice(dot + 1);
    if ((ns === 'inputs' || ns === 'input') && ID.test(id)) return { kind: 'input', id, raw, offset };
    if (ns === 'decisions' && ID.test(id)) return { kind: 'decision', id, raw, offset };
    if (ns === 'inputs' || ns === 'input' || ns === 'decisions') {
      return {
        offset,
        message: `placeholder ${raw} must name one local id (${ns}.<id>); a qualified input reaches the command only through {inputs}`,
      };
    }
  }
  return {
    offset,
    message: `unknown placeholder ${raw}; allowed: {output}, {inputs}, {inputs.<id>}, {decisions.<id>} (and {{ }} for literal braces)`,
  };
}

export function parseTemplate(command: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: TemplateError[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < command.length) {
    const c = command[i] as string;
    const next = command[i + 1];
    if (c === '{' && next === '{') {
      text += '{';
      i += 2;
    } else if (c === '}' && next === '}') {
      text += '}';
      i += 2;
    } else if (c === '{') {
      const close = command.indexOf('}', i + 1);
      const open = command.indexOf('{', i + 1);
      if (close < 0 || (open >= 0 && open < close)) {
        errors.push({ offset: i, message: "unclosed '{' (write {{ for a literal brace)" });
        text += c;
        i += 1;
        continue;
      }
      const name = command.slice(i + 1, close);
      const p: TemplatePart | TemplateError = /\s/.test(name)
        ? { offset: i, message: `placeholder {${name}} contains white space` }
        : classify(name, i);
      if ('kind' in p) {
        flush();
        parts.push(p);
      } else {
        errors.push(p);
      }
      i = close + 1;
    } else if (c === '}') {
      errors.push({ offset: i, message: "single '}' (write }} for a literal brace)" });
      text += c;
      i += 1;
    } else {
      text += c;
      i += 1;
    }
  }
  flush();
  return { parts, errors };
}

/** Ids referenced by `{inputs.<id>}` / `{decisions.<id>}`, for UNDECLARED_TEMPLATE_REF checks. */
export function referencedIds(parts: readonly TemplatePart[]): { inputs: TemplatePart[]; decisions: TemplatePart[] } {
  return {
    inputs: parts.filter((p) => p.kind === 'input'),
    decisions: parts.filter((p) => p.kind === 'decision'),
  };
}

/** Quote a value for POSIX sh only when it needs it. */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
