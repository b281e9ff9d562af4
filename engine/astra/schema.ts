/**
 * Structural schemas of the three ASTRA 0.0.12 document kinds, mirroring the published JSON
 * Schema (astra.schema.json, draft 2019-09): closed objects everywhere except the document
 * root, `null` accepted wherever the JSON Schema accepts it, the same enums, patterns and
 * bounds. Ids are checked separately (ids.ts) so map keys and `id:` fields get one message.
 * Conditional rules ("type unless from", "from forbids label") live in structure.ts, and the
 * Lightcone resource names are added to Resources (resources.ts explains).
 */
import { z } from 'zod';
import type { RawContainerBuild } from '../containers/spec.js';
import { DATETIME_RE, DECISION_FROM_RE, DOI_RE, INPUT_FROM_RE, INPUT_TYPES, OUTPUT_FROM_RE, OUTPUT_TYPES, VERSION_RE } from './patterns.js';

const str = z.string().nullish();
const strList = z.array(z.string()).nullish();

export const ResourcesSchema = z.strictObject({
  cpus: z.number().min(0).nullish(),
  memory: str,
  time_limit: str,
  disk: str,
  gpus: z.number().int().min(1).nullish(),
  // Lightcone spellings (not in ASTRA; accepted with a warning, see resources.ts).
  cpus_per_task: z.number().min(0).nullish(),
  mem_mb: z.number().min(0).nullish(),
  gpus_per_task: z.number().int().min(0).nullish(),
});

/**
 * `container:`: an image reference or Containerfile path, or the object form `{build, context,
 * args}` (engine/containers/spec.ts). The published JSON Schema of 0.0.12 has only the string;
 * the object form is ASTRA's for builds that need a context or args.
 */
const ContainerSchema = z
  .union([
    z.string(),
    z.strictObject({
      build: z.string().min(1),
      context: str,
      args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()])).nullish(),
    }),
  ])
  .nullish();

export const RecipeSchema = z.strictObject({
  command: str,
  container: ContainerSchema,
  resources: ResourcesSchema.nullish(),
});

export const InputSchema = z.strictObject({
  id: z.string(),
  type: z.enum(INPUT_TYPES).optional(),
  label: str,
  description: str,
  source: str,
  ref: str,
  ref_version: str,
  use_outputs: strList,
  from: z.string().regex(INPUT_FROM_RE).nullish(),
});

export const OutputSchema = z.strictObject({
  id: z.string(),
  type: z.enum(OUTPUT_TYPES).optional(),
  label: str,
  description: str,
  inputs: strList,
  decisions: strList,
  recipe: RecipeSchema.nullish(),
  when: strList,
  from: z.string().regex(OUTPUT_FROM_RE).nullish(),
});

export const OptionObjectSchema = z.strictObject({
  id: str,
  label: z.string(),
  description: str,
  insights: strList,
  requires: strList,
  incompatible_with: strList,
  excluded: z.boolean().nullish(),
  excluded_reason: str,
});

/** The JSON Schema also accepts a bare string as an option's label (warned about in structure.ts). */
export const OptionSchema = z.union([OptionObjectSchema, z.string()]);

export const DecisionSchema = z.strictObject({
  id: str,
  label: str,
  options: z.record(z.string(), OptionSchema).nullish(),
  default: str,
  rationale: str,
  tags: strList,
  when: strList,
  from: z.string().regex(DECISION_FROM_RE).nullish(),
});

const TextQuoteSchema = z.strictObject({ exact: z.string(), prefix: str, suffix: str });
const FragmentSchema = z.strictObject({ value: str, page: z.number().int().min(1).nullish() });

export const EvidenceSchema = z.strictObject({
  id: z.string(),
  doi: z.string().regex(DOI_RE).nullish(),
  artifact: str,
  version: z.number().int().min(1).nullish(),
  snapshot: str,
  source_commit: str,
  quote: TextQuoteSchema.nullish(),
  location: FragmentSchema.nullish(),
});

const insightShape = {
  claim: z.string(),
  created_at: z.string().regex(DATETIME_RE),
  evidence: z.array(EvidenceSchema),
  label: str,
  derived: z.boolean().nullish(),
  scope: str,
  tags: strList,
  notes: str,
};

/** An insight inside `prior_insights` / `findings` (the map key is its id). */
export const InsightEntrySchema = z.strictObject({ id: str, ...insightShape });
/** A standalone Insight document. */
export const InsightDocSchema = z.strictObject({ id: z.string(), ...insightShape });

const analysisShape = {
  id: str,
  version: z.string().regex(VERSION_RE).nullish(),
  name: str,
  description: str,
  tags: strList,
  container: ContainerSchema,
  path: str,
  inputs: z.array(InputSchema).nullish(),
  outputs: z.array(OutputSchema).nullish(),
  decisions: z.record(z.string(), DecisionSchema.nullable()).nullish(),
  prior_insights: z.record(z.string(), InsightEntrySchema).nullish(),
  findings: z.record(z.string(), InsightEntrySchema).nullish(),
};

export type RawInput = z.infer<typeof InputSchema>;
export type RawOutput = z.infer<typeof OutputSchema>;
export type RawRecipe = z.infer<typeof RecipeSchema>;
export type RawResources = z.infer<typeof ResourcesSchema>;
export type RawOption = z.infer<typeof OptionSchema>;
export type RawDecision = z.infer<typeof DecisionSchema>;
export type RawInsight = z.infer<typeof InsightEntrySchema>;

/** An Analysis as read from YAML (root or nested). `analyses` entries may be null. */
export interface RawAnalysis {
  id?: string | null;
  version?: string | null;
  name?: string | null;
  description?: string | null;
  tags?: string[] | null;
  container?: string | RawContainerBuild | null;
  path?: string | null;
  inputs?: RawInput[] | null;
  outputs?: RawOutput[] | null;
  decisions?: Record<string, RawDecision | null> | null;
  prior_insights?: Record<string, RawInsight> | null;
  findings?: Record<string, RawInsight> | null;
  analyses?: Record<string, RawAnalysis | null> | null;
}

export const SubAnalysisSchema: z.ZodType<RawAnalysis> = z.lazy(() =>
  z.strictObject({ ...analysisShape, analyses: z.record(z.string(), SubAnalysisSchema.nullable()).nullish() }),
);

/** The document root: the published schema leaves it open (unknown keys are warned about instead). */
export const RootAnalysisSchema = z.looseObject({
  ...analysisShape,
  analyses: z.record(z.string(), SubAnalysisSchema.nullable()).nullish(),
});

const SelectionSchema = z.union([z.string(), z.strictObject({ option_id: z.string(), decision_id: str })]);
export type RawSelection = z.infer<typeof SelectionSchema>;

export interface RawUniverseNode {
  id?: string | null;
  decisions?: Record<string, RawSelection> | null;
  analyses?: Record<string, RawUniverseNode | null> | null;
  universe?: string | null;
}

export const UniverseNodeSchema: z.ZodType<RawUniverseNode> = z.lazy(() =>
  z.strictObject({
    id: str,
    decisions: z.record(z.string(), SelectionSchema).nullish(),
    analyses: z.record(z.string(), UniverseNodeSchema.nullable()).nullish(),
    universe: str,
  }),
);

export const UniverseDocSchema = z.strictObject({
  id: z.string(),
  description: str,
  decisions: z.record(z.string(), SelectionSchema).nullish(),
  analyses: z.record(z.string(), UniverseNodeSchema.nullable()).nullish(),
});
export type RawUniverse = z.infer<typeof UniverseDocSchema>;
