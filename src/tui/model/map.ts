/**
 * The multiverse map's data: the universes in the order the map shows them and each cell's
 * task. Sorting by progress puts the universes that are stuck (a failed or blocked task, then
 * the fewest ok outputs) first, so a sweep's trouble is on the first screen. An order is kept
 * while nothing changes, and by progress for two seconds while a run changes tasks: frames in
 * between cost only the visible cells, and cells do not jump about under the user's eyes.
 */
import { displayState } from './selectors.js';
import type { MapSort, TaskView, ViewState } from './types.js';

let cache: { tasks: unknown; universes: readonly string[]; at: number; filter: readonly string[]; sort: MapSort; order: string[] } | undefined;

/** How long an order by progress stands while tasks change under it: cells do not jump about. */
const RESORT_MS = 2_000;

export function mapUniverses(state: ViewState, sort: MapSort): string[] {
  const c = cache;
  if (c && c.universes === state.universes && c.filter === state.universeFilter && c.sort === sort && (c.tasks === state.tasks || (sort === 'progress' && state.now - c.at < RESORT_MS))) return c.order;
  const shown = state.universeFilter.length > 0 ? state.universeFilter.filter((u) => state.universes.includes(u)) : state.universes;
  const order = sort === 'name' ? [...shown] : byProgress(state, shown);
  cache = { tasks: state.tasks, universes: state.universes, at: state.now, filter: state.universeFilter, sort, order };
  return order;
}

/** The task of one cell; undefined where the output is not active in that universe. */
export const mapCell = (state: ViewState, universe: string, output: string): TaskView | undefined => state.tasks.get(`${universe}/${output}`);

/** Trouble (a failed or blocked task) first, then the fewest ok outputs, then by id. */
function byProgress(state: ViewState, universes: readonly string[]): string[] {
  const score = new Map<string, number>();
  for (const u of universes) score.set(u, 0);
  for (const t of state.tasks.values()) {
    const s = score.get(t.universe);
    if (s === undefined) continue;
    const d = displayState(t);
    score.set(t.universe, s + (d === 'failed' || d === 'blocked' ? -10_000 : d === 'ok' ? 1 : 0));
  }
  return [...universes].sort((a, b) => (score.get(a) as number) - (score.get(b) as number) || (a < b ? -1 : a > b ? 1 : 0));
}
