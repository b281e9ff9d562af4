/**
 * One entry point for reading a YAML file into a position-carrying tree: the fast parser when
 * the text is in its subset, the full `yaml` reader otherwise (loaded on first need).
 */
import { parseFast } from './yaml-fast.js';
import { checkTree, type ParsedYaml } from './yaml-source.js';

type FullModule = typeof import('./yaml-full.js');
let full: Promise<FullModule> | undefined;

/** The full reader, imported once. */
export function fullParser(): Promise<FullModule> {
  full ??= import('./yaml-full.js');
  return full;
}

export async function parseYaml(text: string, file: string): Promise<ParsedYaml> {
  const fast = parseFast(text);
  const parsed: ParsedYaml = fast ? { root: fast, diagnostics: [] } : (await fullParser()).parseFull(text, file);
  if (parsed.root) parsed.diagnostics.push(...checkTree(parsed.root, file));
  return parsed;
}
