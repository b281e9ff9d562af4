/**
 * The identity of an image built from a Containerfile: the Containerfile, its ignore file and
 * every context file its COPY/ADD sources name (directories recursively, wildcards expanded,
 * `.containerignore` / `.dockerignore` honoured), each by the sha256 of its bytes, plus the URLs
 * ADD fetches. Editing a copied source changes the identity; editing an ignored file or one no
 * COPY names does not (Lightcone hashed the whole context, so every edit re-ran everything).
 *
 * File hashes are cached per process by stat identity (file-hash.ts): one `lc status` of 10,000
 * tasks sharing a Containerfile reads its context once.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { cachedFileHash } from '../hash/file-hash.js';
import { pythonCanonicalJson } from '../manifest/canonical-json.js';
import { copySources } from './containerfile.js';
import { IgnoreRules } from './ignore.js';

export interface BuildIdentity {
  /** `sha256:<hex>` of the whole identity document. */
  digest: string;
  /** `lc-<name>-<12 hex>`: the image tag lc builds this under. */
  tag: string;
  /** Project-relative path -> sha256 of every file in the identity (the Containerfile included). */
  files: Record<string, string>;
  /** What a build needs, and exactly what it may see (staging.ts copies these, nothing else). */
  build: BuildInputs;
}

export interface BuildInputs {
  /** The Containerfile (absolute). */
  containerfile: string;
  /** The context directory (absolute). */
  context: string;
  /** Context-relative files the build sees: the COPY/ADD sources and the ignore file. */
  files: string[];
  /** Context-relative directories the sources name (an empty one must exist in the build too). */
  dirs: string[];
  args: Record<string, string>;
  /** The options the identity was made with (to take it again). */
  options: BuildOptions;
}

export interface BuildOptions {
  /** The context directory (absolute); default the Containerfile's. */
  context?: string;
  args?: Record<string, string>;
}

const IGNORE_FILES = ['.containerignore', '.dockerignore'];

/**
 * `abs`: the Containerfile; `root`: the project root (paths in `files` are relative to it).
 * Build args enter the identity only when given, so a Containerfile built without any keeps
 * the identity it always had.
 */
export function buildIdentity(abs: string, root: string, opts: BuildOptions = {}): BuildIdentity | null {
  const cfHash = cachedFileHash(abs, Number.MAX_SAFE_INTEGER);
  if (cfHash === null) return null;
  const context = opts.context ?? dirname(abs);
  const args = opts.args ?? {};
  const files: Record<string, string> = { [rel(root, abs)]: cfHash };
  const seen: string[] = [];
  let ignore = IgnoreRules.NONE;
  for (const name of IGNORE_FILES) {
    const p = join(context, name);
    const h = cachedFileHash(p, Number.MAX_SAFE_INTEGER);
    if (h === null) continue;
    files[rel(root, p)] = h;
    seen.push(name);
    ignore = IgnoreRules.parse(readFileSync(p, 'utf8'));
    break;
  }
  const { paths, urls } = copySources(readFileSync(abs, 'utf8'));
  const named = seenFiles(context, paths, ignore);
  for (const file of named.files) {
    const h = cachedFileHash(join(context, file), Number.MAX_SAFE_INTEGER);
    if (h === null) continue;
    files[rel(root, join(context, file))] = h;
    seen.push(file);
  }
  const doc: Record<string, unknown> = { files, urls: [...urls].sort() };
  if (Object.keys(args).length > 0) doc.args = args;
  if (opts.context !== undefined) doc.context = rel(root, context) || '.';
  const digest = 'sha256:' + createHash('sha256').update(pythonCanonicalJson(doc), 'utf8').digest('hex');
  return {
    digest,
    tag: `lc-${tagName(abs)}-${digest.slice(7, 19)}`,
    files,
    build: { containerfile: abs, context, files: [...new Set(seen)], dirs: named.dirs, args, options: opts },
  };
}

/**
 * Context-relative files the sources name, minus ignored ones, and the directories they name.
 * Only what a source names is walked (its directory, or the part of a wildcard before the first
 * wildcard segment): a Containerfile copying `env/` never lists the project's results.
 */
function seenFiles(context: string, sources: readonly string[], ignore: IgnoreRules): { files: string[]; dirs: string[] } {
  const out = new Set<string>();
  const dirs = new Set<string>();
  for (const raw of sources) {
    const src = raw.replace(/^\.\/+/, '').replace(/\/+$/, '');
    if (src === '' || src === '.') {
      for (const f of listUnder(context, '', ignore)) out.add(f);
      continue;
    }
    if (!/[*?[]/.test(src)) {
      const st = statSync(join(context, src), { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        dirs.add(src);
        for (const f of listUnder(context, src, ignore)) out.add(f);
      } else if (st?.isFile() && !ignore.ignored(src)) out.add(src);
      continue;
    }
    const segs = src.split('/');
    const fixed = segs.slice(0, segs.findIndex((x) => /[*?[]/.test(x))).join('/');
    const re = globRegExp(src);
    for (const f of listUnder(context, fixed, ignore)) if (re.test(f) || matchesDirOf(re, f)) out.add(f);
  }
  return { files: [...out].sort(), dirs: [...dirs].sort() };
}

function matchesDirOf(re: RegExp, f: string): boolean {
  const parts = f.split('/');
  for (let i = parts.length - 1; i >= 1; i--) if (re.test(parts.slice(0, i).join('/'))) return true;
  return false;
}

/** Regular files below `context/prefix` that the ignore rules leave in, as context-relative paths. */
function listUnder(context: string, prefix: string, ignore: IgnoreRules): string[] {
  const out: string[] = [];
  const walk = (dir: string, at: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a source that is not there: the build will say so
    }
    for (const d of entries) {
      const r = at ? `${at}/${d.name}` : d.name;
      if (ignore.ignored(r)) continue;
      if (d.isDirectory()) walk(join(dir, d.name), r);
      else if (d.isFile() || (d.isSymbolicLink() && statSync(join(dir, d.name), { throwIfNoEntry: false })?.isFile())) out.push(r);
    }
  };
  walk(prefix ? join(context, prefix) : context, prefix);
  return out;
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

const rel = (root: string, abs: string) => relative(root, abs).split(sep).join('/');

/** A tag-safe name: the Containerfile's directory, or its own name when it is not the default. */
function tagName(abs: string): string {
  const file = basename(abs);
  const base = /^(Container|Docker)file$/i.test(file) ? basename(dirname(abs)) : file.replace(/\.(Containerfile|Dockerfile)$/i, '');
  return base.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'image';
}
