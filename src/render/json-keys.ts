/**
 * One key style for every `--json` document and event line: snake_case, as manifests and
 * Lightcone use. The engine's own types are camelCase; they are turned at the edge, here.
 * Keys only: values (task ids, paths, messages) are never touched.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[snakeCase(k)] = snakeKeys(v);
  return out;
}

export const snakeCase = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
