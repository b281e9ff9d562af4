/**
 * Reading the analysis tree from disk: the root astra.yaml, inline sub-analyses, and
 * `path:`-rooted sub-analyses with their own astra.yaml (recursively). Each file is checked
 * structurally on its own; the tree is only assembled when every file is structurally valid,
 * because semantic checks on a half-read tree would report errors that are not there.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { diagnosticAt, errorMessage } from '../errors.js';
import { DeclBuilder, newNode, type NodeSource } from './build.js';
import type { SpecDeps } from './deps.js';
import { checkDocumentText } from './document.js';
import type { RawAnalysis } from './schema.js';
import type { DocPath, Locator } from './yaml-source.js';

export const SPEC_FILE = 'astra.yaml';

const SMALL = Buffer.allocUnsafe(64 * 1024);

/**
 * Read a (usually small) text file through one reused buffer: no stat, no buffer per file.
 * Universe files are a few dozen bytes and there may be 20,000 of them.
 */
function readSmallText(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, SMALL, 0, SMALL.length, 0);
    if (n < SMALL.length) return SMALL.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
  return readFileSync(file, 'utf8');
}

/** Read a text file, or a READ_FAILED diagnostic pointing at whoever referenced it. */
export function readText(file: string, refBy?: { loc: Locator; path: DocPath }, deps?: SpecDeps): { text?: string; diagnostic?: Diagnostic } {
  deps?.read(file); // an unreadable file is a dependency too: the load failed because of it
  try {
    return { text: readSmallText(file) };
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${errorMessage(e)})`;
    const ref = refBy ? refBy.loc.at(refBy.path) : undefined;
    const d = diagnosticAt(ref, 'READ_FAILED', `${file} ${reason}`);
    if (!ref) {
      d.file = file;
    }
    return { diagnostic: d };
  }
}

export interface LoadedTree {
  /** Undefined when some file was unreadable or structurally invalid. */
  tree: NodeSource | undefined;
  diagnostics: Diagnostic[];
}

interface Frame {
  raw: RawAnalysis;
  loc: Locator;
  base: DocPath;
  dir: string;
}

class TreeLoader {
  readonly diagnostics: Diagnostic[] = [];
  private complete = true;

  constructor(
    private readonly root: string,
    private readonly deps?: SpecDeps,
  ) {}

  async load(): Promise<LoadedTree> {
    const file = join(this.root, SPEC_FILE);
    const read = readText(file, undefined, this.deps);
    if (read.text === undefined) return { tree: undefined, diagnostics: [read.diagnostic as Diagnostic] };
    const doc = await checkDocumentText('analysis', read.text, file);
    this.diagnostics.push(...doc.diagnostics);
    if (!doc.value) return { tree: undefined, diagnostics: this.diagnostics };
    const raw = doc.value as RawAnalysis;
    const tree = await this.node(
      { raw, loc: doc.loc, base: [], dir: this.root },
      { id: raw.id ?? 'root', qid: '', ref: doc.loc.at([]), pathRooted: true, resultsBase: this.root, namespaceQid: '' },
      undefined,
      [resolve(this.root)],
    );
    return { tree: this.complete ? tree : undefined, diagnostics: this.diagnostics };
  }

  private async node(
    f: Frame,
    meta: { id: string; qid: string; ref: ReturnType<Locator['at']>; pathRooted: boolean; resultsBase: string; namespaceQid: string },
    parent: NodeSource | undefined,
    stack: string[],
  ): Promise<NodeSource> {
    const opts: Parameters<typeof newNode>[0] = { ...meta, file: f.loc.file, raw: f.raw };
    if (parent) opts.parent = parent.node;
    const node = newNode(opts);
    const src: NodeSource = { node, raw: f.raw, loc: f.loc, base: f.base, dir: f.dir, children: [] };
    if (parent) src.parent = parent;
    const b = new DeclBuilder(src, node);
    b.fill(f.raw);
    this.diagnostics.push(...b.diagnostics);

    for (const [key, entry] of Object.entries(f.raw.analyses ?? {})) {
      const entryPath = [...f.base, 'analyses', key];
      const childQid = meta.qid ? `${meta.qid}.${key}` : key;
      const ref = f.loc.at(entryPath, { key: true });
      const sub = entry ?? {};
      let child: NodeSource | undefined;
      if (typeof sub.path === 'string') {
        const others = Object.keys(sub).filter((k) => k !== 'path' && (sub as Record<string, unknown>)[k] !== undefined);
        if (others.length > 0) {
          this.diagnostics.push(
            diagnosticAt(f.loc.at([...entryPath, others[0] as string], { key: true }), 'PATH_FIELD_CONFLICT', `sub-analysis \`${key}\` has \`path:\` and also ${others.map((o) => `\`${o}\``).join(', ')}; with path: its content comes only from ${sub.path}/astra.yaml`, {
              hint: `move ${others.join(', ')} into ${sub.path}/astra.yaml`,
            }),
          );
          this.complete = false;
        }
        const frame = await this.pathFrame(key, sub.path, f, entryPath, stack);
        if (frame) {
          child = await this.node(
            frame,
            { id: key, qid: childQid, ref, pathRooted: true, resultsBase: frame.dir, namespaceQid: childQid },
            src,
            [...stack, frame.dir],
          );
        }
      } else {
        child = await this.node(
          { raw: sub, loc: f.loc, base: entryPath, dir: f.dir },
          { id: key, qid: childQid, ref, pathRooted: false, resultsBase: meta.resultsBase, namespaceQid: meta.namespaceQid },
          src,
          stack,
        );
      }
      if (child) {
        src.children.push(child);
        node.children.set(key, child.node);
      }
    }
    return src;
  }

  /** Load `<dir>/<path>/astra.yaml` for a path-rooted sub-analysis. */
  private async pathFrame(key: string, path: string, f: Frame, entryPath: DocPath, stack: string[]): Promise<Frame | undefined> {
    const at = f.loc.at([...entryPath, 'path']);
    const dir = resolve(f.dir, path);
    const rel = relative(this.root, dir);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      this.fail(diagnosticAt(at, 'PROJECT_PATH_ESCAPE', `sub-analysis \`${key}\`: path ${path} leads outside the project (${dir})`, { hint: 'keep sub-analyses inside the project directory' }));
      return undefined;
    }
    if (stack.includes(dir)) {
      const chain = [...stack.slice(stack.indexOf(dir)), dir].map((d) => relative(this.root, d) || '.').join(' -> ');
      this.fail(diagnosticAt(at, 'ANALYSIS_PATH_CYCLE', `sub-analysis \`${key}\`: path ${path} loads a spec that is already being loaded (${chain})`));
      return undefined;
    }
    const file = join(dir, SPEC_FILE);
    const read = readText(file, { loc: f.loc, path: [...entryPath, 'path'] }, this.deps);
    if (read.text === undefined) {
      const d = read.diagnostic as Diagnostic;
      d.message = `sub-analysis \`${key}\`: ${d.message}`;
      d.hint = `create ${relative(this.root, file)} or fix path:`;
      this.fail(d);
      return undefined;
    }
    const doc = await checkDocumentText('analysis', read.text, file);
    this.diagnostics.push(...doc.diagnostics);
    if (!doc.value) {
      this.complete = false;
      return undefined;
    }
    const raw = doc.value as RawAnalysis;
    if (typeof raw.id === 'string' && raw.id !== key) {
      this.fail(
        diagnosticAt(doc.loc.at(['id']), 'MAP_KEY_ID_MISMATCH', `this file is sub-analysis \`${key}\` of ${relative(this.root, f.loc.file) || f.loc.file}, but says \`id: ${raw.id}\``, {
          hint: `write id: ${key}, or rename the key in the parent`,
        }),
      );
    }
    return { raw, loc: doc.loc, base: [], dir };
  }

  private fail(d: Diagnostic): void {
    this.diagnostics.push(d);
    this.complete = false;
  }
}

export function loadTree(root: string, deps?: SpecDeps): Promise<LoadedTree> {
  return new TreeLoader(resolve(root), deps).load();
}
