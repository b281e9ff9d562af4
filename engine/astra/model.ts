/**
 * The typed model of an ASTRA project after loading and validation. Everything downstream
 * (DAG, status, runner, TUI) consumes only these types, never raw YAML.
 *
 * Naming: a *local id* is what the YAML says (`features`); a *qualified id* (qid) joins the
 * scope path with dots (`feature_extraction.features`; root elements have no prefix).
 */
import type { SourceRef } from '../errors.js';

export type OutputType = 'metric' | 'figure' | 'table' | 'data' | 'report';
export type InputType = 'data' | 'analysis';

/** Resources in one normalised form, whichever names the spec used (ASTRA or Lightcone). */
export interface Resources {
  /** CPU cores; fractions allowed by ASTRA. Default 1. */
  cpus: number;
  /** Bytes, or undefined when not declared. */
  memoryBytes?: number;
  /** Whole GPUs; 0 when not declared. */
  gpus: number;
  /** Seconds, or undefined when not declared. */
  timeLimitS?: number;
  /** Bytes, or undefined when not declared. */
  diskBytes?: number;
}

export interface Recipe {
  /** The command template exactly as written (before placeholders are substituted). */
  command: string;
  /**
   * Effective container declaration, the recipe's own else its node's, as its key
   * (engine/containers/spec.ts: the string form as written, the object form as canonical JSON).
   */
  container?: string;
  resources: Resources;
  ref: SourceRef;
  /** Where `command:` is written (template errors point here). Set by the loader. */
  commandRef?: SourceRef;
}

/** One `when` term: `dec.opt` (negate=false) or `~dec.opt` (negate=true), local ids. */
export interface Condition {
  negate: boolean;
  decision: string;
  option: string;
  raw: string;
}

export interface InputDecl {
  id: string;
  qid: string;
  ref: SourceRef;
  /** Set for non-alias inputs. */
  type?: InputType;
  label?: string;
  description?: string;
  /** Locator of an external input (path relative to the declaring analysis dir, URI, loader name). */
  source?: string;
  /** For `type: analysis`: reference to another ASTRA analysis. */
  analysisRef?: string;
  /** Alias path as written (`../x`, `../sib.out`). */
  from?: string;
}

export interface OutputDecl {
  id: string;
  qid: string;
  ref: SourceRef;
  /** Undefined only for re-exports (`from:`); re-exports inherit their target's type. */
  type?: OutputType;
  label?: string;
  description?: string;
  /** Entries as written: local input ids, sibling output ids, or `child.out`. */
  inputs: string[];
  /**
   * Source location of each `inputs` entry (parallel to `inputs`). Optional: the DAG points its
   * errors (e.g. an active output consuming an output inactive in a universe) at the entry when
   * the loader sets it, else at the output. (Added by the DAG engineer; loader: please fill it.)
   */
  inputRefs?: SourceRef[];
  /** Local decision ids (local aliases included) that parameterise this output. */
  decisions: string[];
  /** Source location of each `decisions` entry (parallel to `decisions`). Set by the loader. */
  decisionRefs?: SourceRef[];
  recipe?: Recipe;
  when: Condition[];
  /** Re-export path as written (`child.out`). */
  from?: string;
}

export interface OptionDecl {
  id: string;
  label: string;
  description?: string;
  excluded: boolean;
  excludedReason?: string;
  /** `dec.opt` references, local to the node. */
  requires: string[];
  incompatibleWith: string[];
  ref: SourceRef;
}

export interface DecisionDecl {
  id: string;
  qid: string;
  ref: SourceRef;
  label?: string;
  /** Empty for aliases (they inherit the target's options). */
  options: Map<string, OptionDecl>;
  default?: string;
  rationale?: string;
  when: Condition[];
  /** Alias path as written (`../x`). */
  from?: string;
}

export interface AnalysisNode {
  /** Local id (map key); the root uses its `id:` or `root`. */
  id: string;
  /** '' for the root, else `a`, `a.b`, ... */
  qid: string;
  parent?: AnalysisNode;
  /** The file this node's content was read from (astra.yaml of the root or of a `path:` sub). */
  file: string;
  ref: SourceRef;
  /** True when the node's content came from `path:` (its own astra.yaml and universes/). */
  pathRooted: boolean;
  /**
   * Directory under which `results/<universe>/...` lives for this node's outputs: the project
   * root, or the directory of the nearest path-rooted ancestor (itself included).
   */
  resultsBase: string;
  /** Qid of the nearest path-rooted ancestor (itself included), '' for the root namespace. */
  namespaceQid: string;
  name?: string;
  version?: string;
  description?: string;
  container?: string;
  inputs: InputDecl[];
  outputs: OutputDecl[];
  decisions: Map<string, DecisionDecl>;
  children: Map<string, AnalysisNode>;
}

/** How one entry of `Output.inputs` resolves, after following aliases and re-exports. */
export type InputBinding =
  | {
      kind: 'output';
      /** The entry as written in `Output.inputs`. */
      localId: string;
      /** Qid of the output that actually produces bytes (re-export chains followed). */
      producer: string;
    }
  | {
      kind: 'external';
      localId: string;
      /** Qid of the concrete input declaration (alias chains followed). */
      inputQid: string;
      type?: InputType;
      source?: string;
      analysisRef?: string;
      /** Absolute path when `source` names an existing file or directory in the project; else undefined. */
      path?: string;
    };

/** Output after resolution: what the DAG needs. */
export interface ResolvedOutput {
  decl: OutputDecl;
  node: AnalysisNode;
  /** For re-exports: the qid of the producing output; for real outputs: its own qid. */
  producer: string;
  /** Effective type (a re-export's is its target's). */
  type: OutputType;
  /** Input bindings in declaration order (empty for re-exports). */
  inputs: InputBinding[];
}

/** One universe file, resolved against the tree. */
export interface Universe {
  id: string;
  file: string;
  description?: string;
  /**
   * Effective choices keyed by qualified decision id (aliases included, holding the value of
   * the decision they resolve to), e.g. `random_seed`, `classification.split`.
   */
  choices: Map<string, string>;
  /** Qids of outputs active in this universe (their `when` holds and, for re-exports, the target's too). */
  activeOutputs: Set<string>;
  /**
   * Qids of active, locally defined decisions this universe makes no choice for (each is a
   * MISSING_DECISION error; `lc validate --explain` shows their defaults). Set by the loader.
   */
  missing?: string[];
  /**
   * For path-rooted sub-analyses whose universe node says `universe: <name>` (a file in the
   * sub's own universes/): namespace qid -> that universe id. Their results live under
   * `<sub>/results/<name>/` (astra-spec §12, TS SDK convention). Absent entries: this universe's id.
   */
  namespaceUniverse?: Map<string, string>;
}

export interface Project {
  /** Absolute project root (directory of the root astra.yaml). */
  root: string;
  specFile: string;
  /** Display name (`name:` or the root id or the directory name). */
  name: string;
  tree: AnalysisNode;
  /** All nodes by qid ('' = root). */
  nodes: Map<string, AnalysisNode>;
  /** All outputs (re-exports included) by qid. */
  outputs: Map<string, ResolvedOutput>;
  /** Decisions by qid. */
  decisions: Map<string, DecisionDecl>;
  /** Universes sorted by id. */
  universes: Universe[];
}
