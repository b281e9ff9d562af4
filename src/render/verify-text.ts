/**
 * `lc verify` text: one line per verified output (failures always; passing ones while the list
 * is short), further problems of a failed output indented below it, and a closing line. With
 * --refresh: a `not refreshed` line for each passing output that could not be refreshed (with
 * why), and a last line counting the refreshed ones.
 */
import type { LiveRun } from '../../engine/runner/live-run.js';
import { liveRunLine } from './live-run.js';
import type { VerifyResult } from '../../engine/verify/types.js';
import type { Paint } from '../color.js';
import { formatBytes } from '../../engine/units.js';

/** Above this many verified outputs, passing ones are counted, not listed. */
export const LIST_PASSED_MAX = 50;

export interface VerifyStats {
  wallS: number;
}

export interface VerifyTextOptions {
  /** The run used --refresh: say what was refreshed. */
  refresh?: boolean;
  /** The run holding the project, and how many selected tasks it has not finished (not checked). */
  inRun?: InRun;
}

export interface InRun {
  live: LiveRun | null;
  count: number;
}

export function renderVerifyText(
  results: readonly VerifyResult[],
  p: Paint,
  stats?: VerifyStats,
  opts: VerifyTextOptions = {},
): string {
  const checked = results.filter((r) => r.status !== 'not_materialised');
  const skipped = results.length - checked.length;
  const failed = checked.filter((r) => !r.passed);
  const listPassed = checked.length <= LIST_PASSED_MAX;
  // One column wider than the longest failure kind so the id is always apart from it.
  const width = 1 + Math.max(16, ...failed.map((r) => (r.failure ?? '').length));
  const lines: string[] = [];
  for (const r of checked) {
    if (r.passed) {
      if (listPassed) lines.push(`${p.state('ok', 'ok'.padEnd(width))} ${r.id}`);
      // Listed even in long runs: each one is something the user may want to act on.
      const why = r.refresh?.refreshed === false ? r.refresh.reason : null;
      if (why !== null)
        lines.push(
          `${p.state('modified', 'not refreshed'.padEnd(width))} ${r.id}  ${p.dim(why)}`,
        );
      continue;
    }
    lines.push(
      `${p.state('failed', (r.failure ?? '').padEnd(width))} ${r.id}  ${p.dim(r.detail ?? '')}`,
    );
    for (const extra of r.problems.slice(1))
      lines.push(`${' '.repeat(width + (p.enabled ? 3 : 1))}${p.dim(`also ${extra.failure}: ${extra.detail}`)}`);
  }
  if (lines.length > 0) lines.push('');
  lines.push(closing(checked, failed.length, skipped, p, stats));
  if (opts.refresh && checked.length > 0) lines.push(refreshLine(checked, failed.length));
  const onHost = checked.filter((r) => r.onHost !== undefined);
  if (onHost.length > 0) {
    const n = onHost.length;
    lines.push(
      p.yellow(
        `Note: ${n} ${n === 1 ? 'output' : 'outputs'} ran on the host, not in ${n === 1 ? 'its' : 'their'} declared container (container runtime none): ${onHost
          .slice(0, 3)
          .map((r) => r.id)
          .join(', ')}${n > 3 ? ', ...' : ''}.`,
      ),
    );
  }
  const run = liveRunLine(opts.inRun?.live, p, Date.now());
  if (run !== null) lines.push(run);
  if (opts.inRun?.count) lines.push(`${opts.inRun.count} ${opts.inRun.count === 1 ? 'task' : 'tasks'} this run has not finished were not checked.`);
  return lines.join('\n') + '\n';
}

/** `Refreshed 12 outputs: recorded ... 1 could not be refreshed (listed above).` and why failed ones were not. */
function refreshLine(checked: readonly VerifyResult[], failures: number): string {
  let refreshed = 0;
  let refused = 0;
  const adopted: VerifyResult[] = [];
  for (const r of checked) {
    if (r.refresh?.refreshed && r.refresh.adopted) adopted.push(r);
    else if (r.refresh?.refreshed) refreshed++;
    else if (r.passed && r.refresh?.reason) refused++;
  }
  const parts: string[] = [];
  if (refreshed > 0)
    parts.push(`Refreshed ${refreshed} ${refreshed === 1 ? 'output' : 'outputs'}: recorded the new timestamps of files whose bytes match their manifest.`);
  if (adopted.length > 0) parts.push(adoptedNote(adopted));
  if (parts.length === 0)
    parts.push(refused > 0 ? 'Refreshed no output.' : 'Nothing to refresh: every output that verified already has its timestamps recorded.');
  if (refused > 0) parts.push(`${refused} could not be refreshed (listed above).`);
  if (failures > 0) parts.push('Outputs that failed are never refreshed.');
  return parts.join(' ');
}

/** What adopting Lightcone manifests did, and what it trusts. */
function adoptedNote(adopted: readonly VerifyResult[]): string {
  const scripts = [...new Set(adopted.flatMap((r) => (r.refresh?.refreshed ? (r.refresh.adopted?.scripts ?? []) : [])))];
  const n = adopted.length;
  const what = scripts.length > 0 ? `recorded the scripts their recipes run as they are now (${scripts.join(', ')})` : 'their recipes run no script';
  return (
    `Adopted ${n} Lightcone ${n === 1 ? 'manifest' : 'manifests'} (schema 1 -> 2): their bytes, chain and inputs verified and ${what}; ` +
    'lc trusts, without proof, that these scripts produced the outputs (Lightcone did not record them).'
  );
}

function closing(
  checked: readonly VerifyResult[],
  failures: number,
  skipped: number,
  p: Paint,
  stats?: VerifyStats,
): string {
  const n = checked.length;
  const skip = skipped > 0 ? ` ${skipped} not materialised (skipped).` : '';
  const head =
    n === 0
      ? 'Nothing to verify: no output is materialised.'
      : failures > 0
        ? p.red(
            `${failures} integrity ${failures === 1 ? 'failure' : 'failures'} in ${n} ${n === 1 ? 'output' : 'outputs'}.`,
          )
        : p.green(n === 1 ? 'The output verified.' : `All ${n} outputs verified.`);
  return head + skip + (stats && n > 0 ? p.dim(` ${hashSummary(checked, stats)}`) : '');
}

function hashSummary(checked: readonly VerifyResult[], stats: VerifyStats): string {
  let hashed = 0;
  let cached = 0;
  for (const r of checked) {
    if (r.cached) cached++;
    else hashed += r.bytes;
  }
  const rate = stats.wallS > 0 ? ` (${formatBytes(hashed / stats.wallS)}/s)` : '';
  return `[hashed ${formatBytes(hashed)} in ${stats.wallS.toFixed(2)}s${rate}${cached > 0 ? `, ${cached} unchanged from cache` : ''}]`;
}
