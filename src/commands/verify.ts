/**
 * `lc verify [-u U]... [TARGET...] [--json] [--jobs N] [--no-cache] [--refresh]`: re-hash each
 * materialised output and walk its provenance chain. Exit 1 on any integrity failure.
 * `--refresh` also records new timestamps of outputs that verified; it rewrites manifests, so
 * it holds the project run lock (no `lc run` meanwhile). Plain verify only reads.
 */
import { availableParallelism } from 'node:os';
import { selectTasks } from '../../engine/dag/index.js';
import { LcError } from '../../engine/errors.js';
import { acquireRunLock } from '../../engine/lock/run-lock.js';
import { readLiveRun } from '../../engine/runner/live-run.js';
import { verifyTasks } from '../../engine/verify/index.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { formatDiagnostic } from '../diagnostics.js';
import { openProject } from '../project-context.js';
import { verifyJson } from '../render/verify-json.js';
import { renderVerifyText } from '../render/verify-text.js';
import type { Command } from './command.js';

/** How a refresh names itself in the run lock's holder file (what a refused `lc run` prints). */
const REFRESH_COMMAND = 'lc verify --refresh';

const USAGE = `Usage: lc verify [-u UNIVERSE]... [TARGET...] [--json] [--jobs N] [--no-cache] [--refresh]

Prove each materialised output is what its manifest records: re-hash its files
(tampered_data), require a readable manifest (missing_manifest, unreadable), check every
declared input against input_versions and the upstream manifests (broken_chain), and
re-fingerprint external inputs (input_changed). Outputs never materialised are skipped, and
so are the tasks an lc run holding the project has not finished (the output names the run).

Targets: output, sub.output or universe/output (default: every task).

Options:
  -u, --universe U  only these universes (repeatable)
  -j, --jobs N      hashing threads (default: ${availableParallelism()}, the available cores)
  --no-cache        hash every byte, ignoring the stat cache of unchanged directories
  --refresh         for outputs whose bytes still match their manifest (and whose chain
                    and inputs check out), record the files' new timestamps in the
                    manifest, so a copied (cp -r) or touched project stops showing as
                    'modified' in lc status. Nothing else in the manifest changes; failed
                    outputs are never refreshed. Holds the project run lock: fails at
                    once while an lc run holds it, and refuses an lc run meanwhile.
  --json            machine-readable: {"schema":1,"results":[...],"summary":{...}}
                    (with --refresh: "refreshed" per result and in the summary)
  --no-color        no ANSI colour

Examples:
  lc verify                       re-hash every output and check its provenance
  lc verify summary --jobs 8      one output, hashed with 8 threads
  lc verify --refresh             after cp -r or touch: record new timestamps of intact outputs
`;

export const command: Command = {
  name: 'verify',
  summary: 're-hash outputs and check the provenance chain',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('verify', args, {
      ...SELECT_OPTIONS,
      json: { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      'no-cache': { type: 'boolean' },
      refresh: { type: 'boolean' },
    });
    const jobs = parseJobs(values.jobs);
    const universes = values.universe ?? [];
    const ctx = await openProject(g, universes.length > 0 ? { universes } : {});
    const p = paint(g.color);
    for (const w of ctx.warnings) process.stderr.write(formatDiagnostic(w, g.cwd, p) + '\n');
    const selected = selectTasks(ctx.dag, positionals, universes);
    if (!selected.ok) throw selected.error;
    const refresh = Boolean(values.refresh);
    // Taken before the first manifest is read, held to the end: a run must not rewrite a
    // manifest between our read and our write. Refused at once (RUN_LOCKED) while one holds it.
    const lock = refresh
      ? await acquireRunLock(ctx.scratch, { projectRoot: ctx.root, command: REFRESH_COMMAND })
      : null;
    try {
      // A run holding the project rewrites what it has not finished: those are not checked
      // (their outputs and manifests may change under us), and the output says so.
      const live = refresh ? null : await readLiveRun(ctx.scratch);
      const inRun = live?.held ? live.unfinished : new Set<string>();
      const tasks = selected.value.filter((t) => !inRun.has(t.id));
      const skipped = { live, count: selected.value.length - tasks.length };
      const progress = !values.json && Boolean(process.stderr.isTTY);
      const t0 = performance.now();
      const results = await verifyTasks(ctx, tasks, {
        jobs,
        noCache: Boolean(values['no-cache']),
        refresh,
        ...(progress
          ? { onResult: (_r, done, total) => process.stderr.write(`\rverifying ${done}/${total}\u001b[K`) }
          : {}),
      });
      if (progress) process.stderr.write('\r\u001b[K');
      const wallS = (performance.now() - t0) / 1000;
      process.stdout.write(
        values.json ? verifyJson(results, { refresh, inRun: skipped }) : renderVerifyText(results, p, { wallS }, { refresh, inRun: skipped }),
      );
      return results.some((r) => r.status === 'failed') ? 1 : 0;
    } finally {
      await lock?.release();
    }
  },
};

function parseJobs(raw: string | undefined): number {
  if (raw === undefined) return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new LcError('USAGE', `lc verify: --jobs needs a whole number >= 1, not '${raw}'`);
  return n;
}
