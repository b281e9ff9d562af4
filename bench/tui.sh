#!/usr/bin/env bash
# Benchmark: the TUI on a 5,000-task sweep (1,000 universes x 5 outputs, chain), in a real
# terminal: `lc` runs in a detached 120x40 tmux pane with LC_TUI_METRICS set, so it records
# Ink's per-frame renderTime (onRender) and when its first frames appeared.
#
# Measures: first frame (ms since process start), first frame with status, idle CPU over 10 s,
# RSS idle and peak, Ink render time per frame while the 5,000 tasks run (p50/p95/max), frames
# per second during the run (the store caps it at ~10).
# Targets (5,000 tasks): first frame <= 0.5 s; steady frame render < 16 ms; idle CPU < 3 %;
# RSS <= 200 MB. Other sizes (TUI_BENCH_UNIVERSES=20000: 100,000 tasks) are reported, in
# results-N.md.
#
# env: TUI_BENCH_UNIVERSES=1000 TUI_BENCH_OUTPUTS=5 TUI_BENCH_RUN_TIMEOUT=900
#      TUI_BENCH_NICE=-10   run lc at this nice level (root only) to measure it, not the other
#                           jobs of a shared machine; reported with the figures
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/tui
mkdir -p "$out"
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)
command -v tmux >/dev/null || { echo "tmux not found (bash scripts/provision.sh installs it)" >&2; exit 1; }

U=${TUI_BENCH_UNIVERSES:-1000}
K=${TUI_BENCH_OUTPUTS:-5}
run_timeout=${TUI_BENCH_RUN_TIMEOUT:-900}
nice_level=${TUI_BENCH_NICE:-0}
work=$out/work-$U-$K
results=$out/results.md
[ "$((U * K))" = 5000 ] || results=$out/results-$((U * K)).md
without_node_ca_certs # see lib/measure.sh
dir=$work/lc
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$work"
  # The same runnable sweep the lc run benchmark uses (each recipe one short shell).
  bash "$here/gen-run-sweep.sh" "$work" "$U" "$K" >/dev/null
  touch "$dir/.complete"
fi
# Start from nothing: every task missing, a fresh scratch dir.
rm -rf "$dir/results" "$out/scratch"
metrics=$out/metrics.json
rm -f "$metrics"

sock=lc-tui-bench-$$
tm() { tmux -L "$sock" "$@"; }
cleanup() {
  tm kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
}
trap cleanup EXIT

tm new-session -d -x 120 -y 40 \
  "cd '$dir' && exec nice -n $nice_level env -u CI TERM=xterm-256color LIGHTCONE_SCRATCH='$out/scratch' LC_TUI_METRICS='$metrics' node '$lc'"
pid=$(tm display -p -t 0 '#{pane_pid}')

# wait_for TEXT SECONDS: poll the pane until TEXT shows up
wait_for() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    tm capture-pane -p -t 0 2>/dev/null | grep -q -- "$1" && return 0
    sleep 0.2
  done
  echo "timed out waiting for '$1'; the pane shows:" >&2
  tm capture-pane -p -t 0 >&2 || true
  return 1
}
# own CPU (utime+stime) and children's (cutime+cstime: processes it waited for, e.g. samplers)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
child_ticks() { awk '{ print $16 + $17 }' "/proc/$pid/stat"; }
rss_mb() { awk -v k="$1" '$1 == k":" { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }

wait_for "need work" 120
sleep 2 # let the first utilisation samples and the status refresh settle
clk=$(getconf CLK_TCK)
t0=$(cpu_ticks) c0=$(child_ticks)
sleep 10
t1=$(cpu_ticks) c1=$(child_ticks)
idle_cpu=$(awk -v a="$t0" -v b="$t1" -v c="$clk" 'BEGIN { printf "%.1f", 100 * (b - a) / c / 10 }')
idle_child=$(awk -v a="$c0" -v b="$c1" -v c="$clk" 'BEGIN { printf "%.1f", 100 * (b - a) / c / 10 }')
load=$(cut -d' ' -f1-3 /proc/loadavg)
rss_idle=$(rss_mb VmRSS)

start=$(date +%s%N)
tm send-keys -t 0 r
wait_for "finished in" "$run_timeout"
run_s=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
rss_peak=$(rss_mb VmHWM)
tm capture-pane -p -t 0 >"$out/final-frame.txt"

tm send-keys -t 0 q
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
[ -f "$metrics" ] || { echo "no metrics written to $metrics" >&2; exit 1; }

# Context for the RSS figure: the same run without the TUI (lc run --plain) in the same process model.
rm -rf "$dir/results" "$out/scratch-plain"
plain_rss=$( (cd "$dir" && env LIGHTCONE_SCRATCH="$out/scratch-plain" /usr/bin/time -f '%M' node "$lc" run --plain >/dev/null 2>"$out/plain.time") ; tail -1 "$out/plain.time" | awk '{ printf "%.0f", $1 / 1024 }')

node - "$metrics" "$results" "$U" "$K" "$idle_cpu" "$rss_idle" "$rss_peak" "$run_s" "$idle_child" "$load" "$plain_rss" <<'JS'
const fs = require('node:fs');
const [file, md, U, K, idleCpu, rssIdle, rssPeak, runS, idleChild, load, plainRss] = process.argv.slice(2);
const m = JSON.parse(fs.readFileSync(file, 'utf8'));
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
// steady = frames drawn while the 5,000 tasks ran (start-up layout excluded)
const steady = m.runRenderMs.length ? m.runRenderMs : m.renderMs.slice(2);
const marks = Object.entries(m.marks).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ');
const peak = Math.max(Number(rssPeak), m.peakRssMb);
// the targets are for the 5,000-task sweep; other sizes are reported
const small = Number(U) * Number(K) <= 5000;
const target = (text, ok) => (small ? [text, ok] : ['-', null]);
const rows = [
  ['first frame (cold: no snapshot, nothing cached)', `${m.firstFrameMs.toFixed(0)} ms`, ...target('<= 500 ms', m.firstFrameMs <= 500)],
  ['first frame with status', `${m.firstStatusFrameMs.toFixed(0)} ms`, '-', null],
  ['frame render p50 / p95 / max', `${q(steady, 0.5).toFixed(2)} / ${q(steady, 0.95).toFixed(2)} / ${Math.max(...steady).toFixed(2)} ms`, 'p95 < 16 ms', q(steady, 0.95) < 16],
  ['start-up milestones', marks, '-', null],
  ['frames during the run / per second', `${m.runRenderMs.length} / ${(m.runRenderMs.length / Number(runS)).toFixed(1)}`, '<= ~10 per s', m.runRenderMs.length / Number(runS) <= 11],
  ['idle CPU over 10 s (own; waited-for children)', `${idleCpu} %; ${idleChild} %`, '< 3 %', Number(idleCpu) < 3],
  ['RSS idle / peak', `${rssIdle} / ${peak.toFixed(0)} MB`, ...target('<= 200 MB', peak <= 200)],
  ['V8 heap used / reserved at the RSS peak', `${m.peakMemory.heapUsed ?? '?'} / ${m.peakMemory.heapTotal ?? '?'} MB`, '-', null],
  ['peak RSS of the same run without the TUI (lc run --plain)', `${plainRss} MB`, '-', null],
  ['run of all tasks (wall)', `${runS} s`, '-', null],
];
const tasks = Number(U) * Number(K);
const out = [`# TUI benchmark: ${tasks} tasks (${U} universes x ${K} outputs), tmux 120x40`, '', `load average at the idle measurement: ${load} (2 cores); lc ran at nice ${process.env.TUI_BENCH_NICE ?? 0}`, '', '| measure | value | target | |', '|---|---|---|---|',
  ...rows.map(([a, b, c, ok]) => `| ${a} | ${b} | ${c} | ${ok === null ? '' : ok ? 'PASS' : 'MISS'} |`), ''].join('\n');
fs.writeFileSync(md, out + '\n');
process.stdout.write(out + '\n');
JS

[ "$results" = "$out/results.md" ] || exit 0
echo
echo "in-memory rendering (bench/tui-render.mjs, 1,000 frames):"
node --expose-gc "$here/tui-render.mjs" 1000 | tee -a "$out/results.md"
echo "in-memory rendering of the multiverse map (1,000 universes x 10 outputs, 1,000 frames; target p95 < 16 ms, RSS < 250 MB):"
node --expose-gc "$here/tui-render.mjs" 1000 --map | tee -a "$out/results.md"
