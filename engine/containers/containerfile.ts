/**
 * What a Containerfile/Dockerfile copies from its build context: the sources of every COPY and
 * ADD that does not copy from another stage or image (`--from=`), line continuations and JSON
 * array forms included. URLs that ADD fetches are returned apart: they are not context files.
 * Good enough for naming files, not a full parser: heredocs and ARG expansion in paths are not
 * followed (such a source is taken literally).
 */

export interface CopySources {
  /** Context-relative sources as written (may hold wildcards). */
  paths: string[];
  /** `ADD https://...` sources. */
  urls: string[];
}

export function copySources(text: string): CopySources {
  const paths: string[] = [];
  const urls: string[] = [];
  for (const line of logicalLines(text)) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const args = splitArgs(m[2] as string);
    if (args.some((a) => /^--from=/i.test(a))) continue;
    const operands = args.filter((a) => !a.startsWith('--'));
    for (const src of operands.slice(0, -1)) (/^[a-z]+:\/\//i.test(src) ? urls : paths).push(src);
  }
  return { paths, urls };
}

/** Lines with `\` continuations joined and comments dropped. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.split(/\r?\n/)) {
    if (cur === '' && /^\s*#/.test(raw)) continue;
    if (raw.endsWith('\\')) {
      cur += raw.slice(0, -1) + ' ';
      continue;
    }
    out.push(cur + raw);
    cur = '';
  }
  if (cur) out.push(cur);
  return out;
}

/** `["a", "b", "dest"]` or `--chown=x a b dest`. */
function splitArgs(rest: string): string[] {
  const s = rest.trim();
  const flags: string[] = [];
  let body = s;
  while (body.startsWith('--')) {
    const sp = body.search(/\s/);
    if (sp < 0) return [body];
    flags.push(body.slice(0, sp));
    body = body.slice(sp).trimStart();
  }
  if (body.startsWith('[')) {
    try {
      const arr = JSON.parse(body) as unknown;
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return [...flags, ...(arr as string[])];
    } catch {
      // not JSON: the shell form below
    }
  }
  return [...flags, ...body.split(/\s+/).filter(Boolean)];
}
