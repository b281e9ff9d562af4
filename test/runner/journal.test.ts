/** Run journals: versioned header, batched appends, read, follow while written, prune, torn lines. */
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { RunEvent } from '../../engine/events.js';
import { createJournal, followJournal, latestJournal, newRunId, readJournal } from '../../engine/runner/journal.js';
import { scratchPaths, type ScratchPaths } from '../../engine/scratch/paths.js';
import { tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let scratch: ScratchPaths;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-journal-'));
  scratch = scratchPaths(dir, { LIGHTCONE_SCRATCH: dir });
});
afterEach(() => cleanup());

const queued = (id: string, t = Date.now()): RunEvent => ({ type: 'task_queued', t, id });
const finished = (runId: string): RunEvent => ({
  type: 'run_finished',
  t: Date.now(),
  runId,
  succeeded: 1,
  failed: 0,
  blocked: 0,
  cancelled: 0,
  skipped: 0,
  wallS: 1,
  cpuS: 0.5,
});

describe('run journal', () => {
  test('header names the format, version, run and owner; events round-trip', async () => {
    const runId = newRunId();
    const j = createJournal(scratch, { runId, projectRoot: dir, argv: ['run', '-j2'] });
    j.append(queued('u/a'));
    j.append(finished(runId));
    j.close();
    const first = JSON.parse(readFileSync(j.path, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({ format: 'lightcone-run-journal', schema_version: 1, run_id: runId, pid: process.pid, host: hostname() });
    const r = await readJournal(j.path);
    expect(r.events.map((e) => e.type)).toEqual(['task_queued', 'run_finished']);
    expect(r.finished).toBe(true);
    expect(r.badLines).toBe(0);
  });

  test('appends are batched: nothing is written until a flush, a timer or an urgent event', () => {
    const j = createJournal(scratch, { runId: newRunId(), projectRoot: dir });
    const size0 = readFileSync(j.path).length;
    for (let i = 0; i < 100; i++) j.append(queued(`u/${i}`));
    expect(readFileSync(j.path).length).toBe(size0);
    j.flush();
    expect(readFileSync(j.path, 'utf8').trim().split('\n')).toHaveLength(101);
    j.close();
  });

  test('a torn last line (killed writer) is counted, not fatal; a foreign file is rejected', async () => {
    const j = createJournal(scratch, { runId: newRunId(), projectRoot: dir });
    j.append(queued('u/a'));
    j.close();
    appendFileSync(j.path, '{"type":"task_star');
    const r = await readJournal(j.path);
    expect(r.events).toHaveLength(1);
    expect(r.badLines).toBe(1);
    expect(r.finished).toBe(false);
    writeFileSync(`${dir}/other.jsonl`, '{"hello":1}\n');
    await expect(readJournal(`${dir}/other.jsonl`)).rejects.toMatchObject({ code: 'JOURNAL_INVALID' });
  });

  test('followJournal replays, then delivers new events until run_finished', async () => {
    const runId = newRunId();
    const j = createJournal(scratch, { runId, projectRoot: dir });
    j.append(queued('u/a'));
    j.flush();
    const seen: string[] = [];
    const f = followJournal(j.path, (e) => seen.push(e.type === 'task_queued' ? e.id : e.type), { intervalMs: 20 });
    expect(f.header.run_id).toBe(runId);
    await new Promise((r) => setTimeout(r, 60));
    j.append(queued('u/b'));
    j.flush();
    await new Promise((r) => setTimeout(r, 60));
    j.append(finished(runId));
    j.close();
    await expect(f.done).resolves.toEqual({ finished: true, ownerGone: false });
    expect(seen).toEqual(['u/a', 'u/b', 'run_finished']);
  });

  test('followJournal ends when the owner is gone without finishing', async () => {
    const j = createJournal(scratch, { runId: newRunId(), projectRoot: dir });
    j.close();
    // Rewrite the header as if a process that no longer exists owned it.
    const lines = readFileSync(j.path, 'utf8').split('\n');
    const h = JSON.parse(lines[0] as string) as Record<string, unknown>;
    writeFileSync(j.path, JSON.stringify({ ...h, pid: 2 ** 22 + 12345 }) + '\n');
    const f = followJournal(j.path, () => undefined, { intervalMs: 20 });
    await expect(f.done).resolves.toEqual({ finished: false, ownerGone: true });
  });

  test('latestJournal is the newest; creating a journal prunes to the newest 20', () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const id = `2026010${Math.floor(i / 10)}T0000${String(i % 10).padStart(2, '0')}000Z-1`;
      ids.push(id);
      createJournal(scratch, { runId: id, projectRoot: dir }).close();
    }
    const names = readdirSync(scratch.runs).sort();
    expect(names).toHaveLength(20);
    expect(names[0]).toBe(`${ids[5]}.jsonl`);
    expect(latestJournal(scratch)).toBe(`${scratch.runs}/${ids[24]}.jsonl`);
  });
});
