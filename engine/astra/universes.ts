/**
 * Universe files (astra-spec §10): `universes/*.yaml` and `*.yml`, sorted; each one is read,
 * checked structurally and resolved against the analysis tree. In every node a universe must
 * choose each active, locally defined decision and nothing else; aliases take the ancestor's
 * choice; nothing is filled in from defaults. Every file is validated, not just one.
 *
 * A path-rooted sub-analysis may be given `universe: <name>` instead of inline choices: its
 * choices then come from `<sub>/universes/<name>.yaml`. Those files are structurally checked
 * whether used or not, and resolved (in context) by each universe that names them.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { diagnosticAt } from '../errors.js';
import { compile, Evaluation, type CNode, type Compiled, type COutput } from './choices.js';
import { defaultChoicesOf, universeDocOf } from './defaults.js';
import type { SpecDeps } from './deps.js';
import { checkDocumentText } from './document.js';
import { readText } from './load.js';
import type { AnalysisNode, Universe } from './model.js';
import type { RawSelection, RawUniverse, RawUniverseNode } from './schema.js';
import { quickUniverse } from './universe-quick.js';
import { scanFlatUniverse } from './universe-scan.js';
import { parseFast } from './yaml-fast.js';
import { Locator, type DocPath } from './yaml-source.js';
import { universeFiles } from './universe-files.js';

export { universeFiles };

export const UNIVERSES_DIR = 'universes';

/** The one universe of a project without universe files (Lightcone's name for it). */
export const DEFAULT_UNIVERSE = 'default';
/** Clean files go straight from the tree to a RawUniverse; the rest through zod and the structure checks. */
async function readUniverse(text: string, file: string): Promise<{ value: RawUniverse | undefined; loc: Locator; diagnostics: Diagnostic[] }> {
  const flat = scanFlatUniverse(text);
  if (flat) return { value: flat, loc: new Locator(file, () => parseFast(text)), diagnostics: [] };
  const tree = parseFast(text);
  const quick = tree ? quickUniverse(tree) : undefined;
  if (quick) return { value: quick, loc: new Locator(file, tree), diagnostics: [] };
  const doc = await checkDocumentText('universe', text, file);
  return { value: doc.value as RawUniverse | undefined, loc: doc.loc, diagnostics: doc.diagnostics };
}

const stem = (file: string) => {
  const name = file.slice(file.lastIndexOf('/') + 1);
  return name.slice(0, name.lastIndexOf('.'));
};

interface UNode {
  raw: RawUniverseNode | RawUniverse;
  loc: Locator;
  path: DocPath;
}

interface SubUniverse {
  doc: RawUniverse | undefined;
  loc: Locator | undefined;
}

/** What the loader needs back: resolved universes and all findings. */
export interface UniverseResult {
  universes: Universe[];
  diagnostics: Diagnostic[];
}

/** One diagnostic per (output, decision) for decisions an active output needs but that are inactive. */
interface InactiveUse {
  ref: Diagnostic;
  universes: string[];
}

export class UniverseResolver {
  private readonly compiled: Compiled;
  readonly diagnostics: Diagnostic[] = [];
  private readonly subCache = new Map<string, SubUniverse>();
  private readonly inactiveUses = new Map<string, InactiveUse>();

  constructor(
    private readonly root: string,
    tree: AnalysisNode,
    private readonly deps?: SpecDeps,
  ) {
    this.compiled = compile(tree);
  }

  /**
   * Read, check and resolve every universe file of the project root. With none, a project runs
   * as one universe `default` choosing each decision's declared default (as Lightcone runs
   * `default`), said in a warning; when a decision has no default there is nothing to run.
   */
  async resolveAll(): Promise<Universe[]> {
    const files = universeFiles(join(this.root, UNIVERSES_DIR), this.deps);
    if (files.length === 0) {
      await this.checkSubUniverseDirs(this.compiled.root);
      return this.defaultUniverse();
    }
    await this.checkSubUniverseDirs(this.compiled.root);
    const byId = new Map<string, string>();
    const out: Universe[] = [];
    for (const file of files) {
      const u = await this.resolveFile(file, byId);
      if (u) out.push(u);
    }
    this.flushInactiveUses();
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
  }

  private async defaultUniverse(): Promise<Universe[]> {
    const where = { code: 'NO_UNIVERSES', severity: 'warning' as const, file: join(this.root, UNIVERSES_DIR) };
    const { choices, withoutDefault } = defaultChoicesOf(this.compiled);
    if (withoutDefault.length > 0) {
      this.diagnostics.push({
        ...where,
        message: `no universe files in ${UNIVERSES_DIR}/, and ${withoutDefault.join(', ')} ${withoutDefault.length === 1 ? 'has' : 'have'} no default, so there is nothing to run`,
        hint: 'create universes/baseline.yaml with one choice per decision (lc validate --explain prints the defaults)',
      });
      return [];
    }
    const said = [...choices].map(([d, o]) => `${d}=${o}`).join(', ');
    this.diagnostics.push({
      ...where,
      message: `no universe files in ${UNIVERSES_DIR}/: running one universe \`${DEFAULT_UNIVERSE}\`${said ? ` with each decision's default (${said})` : ''}`,
      hint: 'to choose otherwise, create universes/<name>.yaml (lc validate --explain prints one of the defaults)',
    });
    const { stringify } = await import('yaml');
    const doc = { id: DEFAULT_UNIVERSE, ...universeDocOf(this.compiled.root, choices) };
    const file = join(this.root, UNIVERSES_DIR, `${DEFAULT_UNIVERSE}.yaml`);
    const read = await readUniverse(stringify(doc), file);
    if (!read.value) return [];
    const u = this.resolve(read.value, read.loc);
    this.flushInactiveUses();
    return [u];
  }

  private async resolveFile(file: string, byId: Map<string, string>): Promise<Universe | undefined> {
    const read = readText(file, undefined, this.deps);
    if (read.text === undefined) {
      this.diagnostics.push(read.diagnostic as Diagnostic);
      return undefined;
    }
    const doc = await readUniverse(read.text, file);
    this.diagnostics.push(...doc.diagnostics);
    const raw = doc.value;
    if (!raw) return undefined;
    const s = stem(file);
    if (raw.id !== s) {
      this.diagnostics.push(
        diagnosticAt(doc.loc.at(['id']), 'UNIVERSE_FILENAME_MISMATCH', `universe id \`${raw.id}\` differs from its file name (${s}); lc names results and tasks by the id`, {
          hint: `write id: ${s}, or rename the file to ${raw.id}.yaml`,
        }),
      );
    }
    const other = byId.get(raw.id);
    if (other !== undefined) {
      // The second definition is left out of the model: two universes with one id would share tasks.
      this.diagnostics.push(
        diagnosticAt(doc.loc.at(['id']), 'DUPLICATE_UNIVERSE_ID', `universe \`${raw.id}\` is defined twice (also in ${relative(this.root, other)})`, {
          hint: 'keep one of the two files',
        }),
      );
      return undefined;
    }
    byId.set(raw.id, file);
    return this.resolve(raw, doc.loc);
  }

  /** Resolve one structurally valid universe document against the tree. */
  resolve(raw: RawUniverse, loc: Locator): Universe {
    const ev = new Evaluation(this.compiled);
    const missing: string[] = [];
    const nsUniverse = new Map<string, string>();
    this.node(this.compiled.root, { raw, loc, path: [] }, ev, raw.id, missing, nsUniverse);
    const choices = new Map<string, string>();
    for (const d of this.compiled.decisions) {
      const v = ev.value(d);
      if (v !== undefined) choices.set(d.decl.qid, v);
    }
    const activeOutputs = new Set<string>();
    for (const o of this.compiled.outputs) {
      if (!ev.outputActive(o)) continue;
      activeOutputs.add(o.decl.qid);
      this.inactiveDecisionUses(o, ev, raw.id);
    }
    const u: Universe = { id: raw.id, file: loc.file, choices, activeOutputs };
    if (raw.description) u.description = raw.description;
    if (missing.length > 0) u.missing = missing;
    if (nsUniverse.size > 0) u.namespaceUniverse = nsUniverse;
    return u;
  }

  private node(c: CNode, un: UNode, ev: Evaluation, uid: string, missing: string[], ns: Map<string, string>): void {
    this.record(c, un, ev);
    this.judge(c, un, ev, uid, missing);
    const subs = un.raw.analyses ?? {};
    for (const key of Object.keys(subs)) {
      if (!c.children.has(key)) {
        const names = [...c.children.keys()];
        this.diagnostics.push(
          diagnosticAt(un.loc.at([...un.path, 'analyses', key], { key: true }), 'UNKNOWN_ANALYSIS', `universe \`${uid}\` gives choices for sub-analysis \`${key}\`, which ${c.node.qid ? `\`${c.node.qid}\`` : 'the root analysis'} does not have (${names.length ? `it has: ${names.join(', ')}` : 'it has none'})`),
        );
      }
    }
    for (const [key, child] of c.children) {
      const entry = subs[key];
      const path = [...un.path, 'analyses', key];
      let next: UNode = { raw: entry ?? {}, loc: un.loc, path };
      if (entry && typeof entry.universe === 'string') {
        const named = this.namedSubUniverse(child, entry, un.loc, path, uid);
        if (!named) continue;
        next = named;
        ns.set(child.node.qid, entry.universe);
      }
      this.node(child, next, ev, uid, missing, ns);
    }
  }

  /** `universe: <name>` on a universe node: the named file in the sub-analysis's own universes/. */
  private namedSubUniverse(child: CNode, entry: RawUniverseNode, loc: Locator, path: DocPath, uid: string): UNode | undefined {
    const name = entry.universe as string;
    const at = loc.at([...path, 'universe']);
    if (entry.decisions || entry.analyses) {
      this.diagnostics.push(
        diagnosticAt(at, 'UNIVERSE_REFERENCE_CONFLICT', `universe \`${uid}\`: sub-analysis \`${child.node.qid}\` has \`universe: ${name}\` and also its own decisions/analyses; use one or the other`),
      );
      return undefined;
    }
    if (!child.node.pathRooted) {
      this.diagnostics.push(
        diagnosticAt(at, 'UNSUPPORTED_INLINE_UNIVERSE_REFERENCE', `universe \`${uid}\`: \`universe: ${name}\` only works for a sub-analysis with its own directory (path:), and \`${child.node.qid}\` is inline`, {
          hint: 'write its choices under decisions: instead',
        }),
      );
      return undefined;
    }
    const dir = join(child.node.resultsBase, UNIVERSES_DIR);
    const file = [join(dir, `${name}.yaml`), join(dir, `${name}.yml`)].find((f) => this.exists(f));
    if (!file) {
      this.diagnostics.push(
        diagnosticAt(at, 'UNIVERSE_NOT_FOUND', `universe \`${uid}\`: sub-analysis \`${child.node.qid}\` has no universe \`${name}\` (looked for ${relative(this.root, join(dir, name))}.yaml)`, {
          hint: `known there: ${universeFiles(dir, this.deps).map(stem).join(', ') || '(none)'}`,
        }),
      );
      return undefined;
    }
    const sub = this.subCache.get(file);
    if (!sub?.doc || !sub.loc) return undefined; // its structural errors are reported once, by checkSubUniverseDirs
    return { raw: sub.doc, loc: sub.loc, path: [] };
  }

  /** Does `path` exist? Recorded: the snapshot must notice when the answer changes. */
  private exists(path: string): boolean {
    const yes = existsSync(path);
    this.deps?.probed(path, yes);
    return yes;
  }

  /** Structural check of every universe file of path-rooted sub-analyses (once each). */
  private async checkSubUniverseDirs(c: CNode): Promise<void> {
    if (c !== this.compiled.root && c.node.pathRooted) {
      for (const file of universeFiles(join(c.node.resultsBase, UNIVERSES_DIR), this.deps)) {
        const read = readText(file, undefined, this.deps);
        if (read.text === undefined) {
          this.diagnostics.push(read.diagnostic as Diagnostic);
          this.subCache.set(file, { doc: undefined, loc: undefined });
          continue;
        }
        const doc = await checkDocumentText('universe', read.text, file);
        this.diagnostics.push(...doc.diagnostics);
        this.subCache.set(file, { doc: doc.value as RawUniverse | undefined, loc: doc.loc });
      }
    }
    for (const child of c.children.values()) await this.checkSubUniverseDirs(child);
  }

  /** Record the choices a universe node makes for its analysis node; report bad ones. */
  private record(c: CNode, un: UNode, ev: Evaluation): void {
    const chosen = ev.chosen;
    const sel = un.raw.decisions ?? {};
    for (const key in sel) {
      const s = sel[key] as RawSelection;
      const opt = typeof s === 'string' ? s : s.option_id;
      const d = c.byId.get(key);
      if (d && d.decl.from === undefined && typeof s === 'string') {
        const option = d.decl.options.get(opt);
        if (option && !option.excluded) {
          // The common case, kept free of allocations: 20,000 universes pass through here.
          ev.choice[d.idx] = opt;
          chosen[d.idx] = true;
          continue;
        }
      }
      const path = [...un.path, 'decisions', key];
      if (!d) {
        const above = this.ancestorDeclaring(c, key);
        this.diagnostics.push(
          diagnosticAt(un.loc.at(path, { key: true }), 'UNKNOWN_DECISION', `${where(c)} has no decision \`${key}\` (${knownList(c.byId.keys(), 'decisions')})`, {
            hint: above ? `\`${key}\` belongs to ${above}; choose it there` : undefined,
          }),
        );
        continue;
      }
      if (d.decl.from !== undefined) {
        this.diagnostics.push(
          diagnosticAt(un.loc.at(path, { key: true }), 'FROM_DECISION_IN_UNIVERSE', `decision \`${d.decl.qid}\` is an alias (from: ${d.decl.from}); it takes the value chosen for \`${d.concrete.decl.qid}\`, so a universe cannot choose it`, {
            hint: `remove this line and choose \`${d.concrete.decl.id}\` where it is declared`,
          }),
        );
        continue;
      }
      if (typeof s !== 'string' && typeof s.decision_id === 'string' && s.decision_id !== key) {
        this.diagnostics.push(diagnosticAt(un.loc.at([...path, 'decision_id']), 'MAP_KEY_ID_MISMATCH', `choice for \`${key}\` says decision_id: ${s.decision_id}; the key is the decision`));
      }
      const option = d.decl.options.get(opt);
      if (!option) {
        this.diagnostics.push(
          diagnosticAt(un.loc.at(typeof s === 'string' ? path : [...path, 'option_id']), 'UNKNOWN_OPTION', `decision \`${d.decl.qid}\` has no option \`${opt}\` (${knownList(d.decl.options.keys(), 'options')})`),
        );
        chosen[d.idx] = true;
        continue;
      }
      if (option.excluded) {
        this.diagnostics.push(
          diagnosticAt(un.loc.at(path), 'EXCLUDED_OPTION_SELECTED', `option \`${opt}\` of decision \`${d.decl.qid}\` is excluded${option.excludedReason ? ` (${option.excludedReason})` : ''}; no universe may choose it`),
        );
      }
      ev.choice[d.idx] = opt;
      chosen[d.idx] = true;
    }
  }

  /** Activity, completeness and constraints of one node's decisions in one universe. */
  private judge(c: CNode, un: UNode, ev: Evaluation, uid: string, missing: string[]): void {
    const chosen = ev.chosen;
    for (const d of c.decisions) {
      if (d.decl.from !== undefined) continue;
      const active = ev.active(d);
      if (chosen[d.idx] && !active) {
        const path = [...un.path, 'decisions', d.decl.id];
        const terms = d.decl.when.map((t) => t.raw).join(', ');
        this.diagnostics.push(
          diagnosticAt(un.loc.at(path, { key: true }), 'INACTIVE_DECISION', `universe \`${uid}\` chooses decision \`${d.decl.qid}\`, which does not apply here (its when: ${terms} does not hold)`, {
            hint: 'remove this choice',
          }),
        );
        ev.choice[d.idx] = undefined;
      } else if (!chosen[d.idx] && active) {
        missing.push(d.decl.qid);
        const opts = [...d.decl.options.values()].filter((o) => !o.excluded).map((o) => o.id);
        this.diagnostics.push(
          diagnosticAt(un.loc.at([...un.path, 'decisions']), 'MISSING_DECISION', `universe \`${uid}\` makes no choice for decision \`${d.decl.qid}\` (${knownList(opts, 'options')}); lc never fills in defaults`, {
            hint: `add ${d.decl.id}: <option> under ${un.path.length ? `${pathText([...un.path, 'decisions'])}` : 'decisions'} (lc validate --explain shows the default)`,
          }),
        );
      }
    }
    for (const d of c.decisions) {
      if (d.decl.from !== undefined) continue;
      const v = ev.value(d);
      if (v === undefined) continue;
      const opt = d.decl.options.get(v);
      if (!opt) continue;
      const at = () => un.loc.at([...un.path, 'decisions', d.decl.id]);
      for (const r of opt.requires) {
        const [dec, o] = r.split('.') as [string, string];
        const target = c.byId.get(dec);
        if (target && ev.value(target) !== o) {
          const got = ev.value(target);
          this.diagnostics.push(
            diagnosticAt(at(), 'MISSING_REQUIRED_OPTION', `universe \`${uid}\`: \`${d.decl.id}: ${v}\` requires \`${dec}: ${o}\`, but ${got === undefined ? `\`${dec}\` has no choice here` : `\`${dec}\` is \`${got}\``}`),
          );
        }
      }
    }
    // Incompatibilities fire whichever side declares them; report each pair once.
    const seen = new Set<string>();
    for (const d of c.decisions) {
      if (d.decl.from !== undefined) continue; // an alias's options are checked where they are declared
      const v = ev.value(d);
      const opt = v === undefined ? undefined : d.decl.options.get(v);
      if (!opt) continue;
      for (const r of opt.incompatibleWith) {
        const [dec, o] = r.split('.') as [string, string];
        const target = c.byId.get(dec);
        if (!target || ev.value(target) !== o) continue;
        const pair = [`${d.decl.id}.${v}`, r].sort().join('|');
        if (seen.has(pair)) continue;
        seen.add(pair);
        this.diagnostics.push(
          diagnosticAt(un.loc.at([...un.path, 'decisions', d.decl.id]), 'INCOMPATIBLE_OPTIONS', `universe \`${uid}\` chooses \`${d.decl.id}: ${v}\` and \`${dec}: ${o}\`, which are declared incompatible`),
        );
      }
    }
  }

  private ancestorDeclaring(c: CNode, key: string): string | undefined {
    for (let n = c.node.parent; n; n = n.parent) if (n.decisions.has(key)) return n.qid ? `sub-analysis \`${n.qid}\`` : 'the root analysis';
    const below = (x: CNode): string | undefined => {
      for (const ch of x.children.values()) {
        if (ch.byId.has(key)) return `sub-analysis \`${ch.node.qid}\` (under analyses: ${ch.node.qid.split('.').join(' > ')})`;
        const deeper = below(ch);
        if (deeper) return deeper;
      }
      return undefined;
    };
    return below(c);
  }

  /** §9.4: an active output lists a decision that is inactive in this universe. */
  private inactiveDecisionUses(o: COutput, ev: Evaluation, uid: string): void {
    for (const d of o.decisions) {
      if (ev.active(d)) continue;
      const key = `${o.decl.qid}\0${d.decl.id}`;
      let use = this.inactiveUses.get(key);
      if (!use) {
        const rendered = o.rendered.has(d.decl.id);
        const k = o.decl.decisions.indexOf(d.decl.id);
        const ref = o.decl.decisionRefs?.[k] ?? { ...o.decl.ref, path: `${o.decl.ref.path}.decisions[${k}]` };
        const base = diagnosticAt(
          ref,
          'INACTIVE_OUTPUT_DECISION',
          rendered
            ? `output \`${o.decl.qid}\` is active but its decision \`${d.decl.id}\` is not, so {decisions.${d.decl.id}} in its command has no value`
            : `output \`${o.decl.qid}\` is active but lists decision \`${d.decl.id}\`, which does not apply`,
          { severity: rendered ? 'error' : 'warning', hint: `give the output the same when: conditions as \`${d.decl.id}\`, or drop it from the output's decisions` },
        );
        use = { ref: base, universes: [] };
        this.inactiveUses.set(key, use);
      }
      use.universes.push(uid);
    }
  }

  private flushInactiveUses(): void {
    for (const use of this.inactiveUses.values()) {
      const us = use.universes;
      const shown = us.slice(0, 5).join(', ') + (us.length > 5 ? ` and ${us.length - 5} more` : '');
      this.diagnostics.push({ ...use.ref, message: `${use.ref.message} (in ${us.length === 1 ? 'universe' : 'universes'} ${shown})` });
    }
    this.inactiveUses.clear();
  }
}

const where = (c: CNode) => (c.node.qid ? `sub-analysis \`${c.node.qid}\`` : 'the root analysis');

function knownList(ids: Iterable<string>, noun: string): string {
  const xs = [...ids];
  if (xs.length === 0) return `it has no ${noun}`;
  return `${noun}: ${xs.slice(0, 12).join(', ')}${xs.length > 12 ? `, ... (${xs.length} in all)` : ''}`;
}

function pathText(p: DocPath): string {
  return p.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.');
}
