/**
 * The tasks of the view state as a persistent table: a fixed id -> slot index (built once per
 * project) over chunks of 256 views. An update copies only the chunks it touches, so a batch of
 * runner events on a 5,000-task sweep allocates a few kilobytes instead of a new 5,000-entry
 * map (which V8 puts in large-object space, where it lingers until a full collection and the
 * resident set grows). The read side is Map-like: get, has, values, size.
 */
import type { TaskView } from './types.js';

const CHUNK = 256;

export class TaskTable {
  private constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly chunks: readonly (readonly TaskView[])[],
  ) {}

  static from(views: readonly TaskView[]): TaskTable {
    const index = new Map<string, number>();
    const chunks: TaskView[][] = [];
    views.forEach((v, i) => {
      index.set(v.id, i);
      const c = Math.floor(i / CHUNK);
      (chunks[c] ??= []).push(v);
    });
    return new TaskTable(index, chunks);
  }

  static empty(): TaskTable {
    return TaskTable.from([]);
  }

  get size(): number {
    return this.index.size;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  get(id: string): TaskView | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.chunks[Math.floor(i / CHUNK)]?.[i % CHUNK];
  }

  *values(): IterableIterator<TaskView> {
    for (const c of this.chunks) yield* c;
  }

  /** A copy-on-write editor: `set` copies a chunk the first time it touches it. */
  edit(): TaskTableEditor {
    return new TaskTableEditor(this.index, this.chunks, (index, chunks) => new TaskTable(index, chunks));
  }
}

export class TaskTableEditor {
  private readonly chunks: (readonly TaskView[])[];
  private readonly copied = new Set<number>();

  constructor(
    private readonly index: ReadonlyMap<string, number>,
    chunks: readonly (readonly TaskView[])[],
    private readonly make: (index: ReadonlyMap<string, number>, chunks: readonly (readonly TaskView[])[]) => TaskTable,
  ) {
    this.chunks = [...chunks];
  }

  get(id: string): TaskView | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.chunks[Math.floor(i / CHUNK)]?.[i % CHUNK];
  }

  /** Replace the view of a known task (unknown ids are ignored: the task set is fixed per project). */
  set(view: TaskView): void {
    const i = this.index.get(view.id);
    if (i === undefined) return;
    const c = Math.floor(i / CHUNK);
    if (!this.copied.has(c)) {
      this.chunks[c] = [...(this.chunks[c] ?? [])];
      this.copied.add(c);
    }
    (this.chunks[c] as TaskView[])[i % CHUNK] = view;
  }

  *values(): IterableIterator<TaskView> {
    for (const c of this.chunks) yield* c;
  }

  commit(): TaskTable {
    return this.make(this.index, this.chunks);
  }
}
