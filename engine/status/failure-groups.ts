/**
 * Failures grouped by cause: in a sweep the same bug fails many universes with the same last
 * log line but for its numbers and paths (`median: not enough points (3 < 5)` in 12 universes).
 * A failure's cause is its last non-empty log line with numbers, hex ids, paths and its own
 * universe id made generic; failures with the same cause form one group, the largest first,
 * each with one representative task (the first, in the order given) whose log shows it.
 */

export interface FailureInput {
  id: string;
  universe: string;
  /** The last lines of its log. */
  tail: readonly string[];
  /** Why it ended, when the log says nothing (`exit 3`, `time limit`). */
  fallback: string;
}

export interface FailureGroup {
  /** The representative's own line, as written. */
  message: string;
  /** What the group's lines have in common (numbers as N, paths as PATH...). */
  cause: string;
  /** Task ids, in the order given; the first is the representative. */
  tasks: string[];
  universes: string[];
}

export function groupFailures(failures: readonly FailureInput[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const f of failures) {
    const message = lastLine(f.tail) ?? f.fallback;
    const cause = causeOf(message, f.universe);
    const g = groups.get(cause);
    if (g) {
      g.tasks.push(f.id);
      if (!g.universes.includes(f.universe)) g.universes.push(f.universe);
    } else groups.set(cause, { message, cause, tasks: [f.id], universes: [f.universe] });
  }
  // the largest first; equal ones in the order they were first seen
  return [...groups.values()].sort((a, b) => b.tasks.length - a.tasks.length);
}

function lastLine(tail: readonly string[]): string | undefined {
  for (let i = tail.length - 1; i >= 0; i--) {
    const l = (tail[i] as string).trim();
    if (l) return l;
  }
  return undefined;
}

/** A line with what varies between universes made generic. */
export function causeOf(line: string, universe: string): string {
  let s = line.replace(/(?:\.{0,2}\/)?(?:[\w.@+-]+\/)+[\w.@+-]*/g, 'PATH');
  // the universe's id as a word of its own (ids are letters, digits, _ and -)
  if (universe) s = s.replace(new RegExp(`(?<![\\w-])${universe.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'), '<universe>');
  return s
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b/gi, 'H')
    .replace(/[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}
