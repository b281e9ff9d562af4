#!/usr/bin/env bash
# Benchmark: `lc run -j2` with the local executor against GNU make -j2 and Snakemake -j2 on the
# same DAG (U universes x a chain of 5 trivial outputs), all measured in this one run; then the
# no-op `lc run` on the fully built project, peak RSS, and the deduplication sweep.
#
# usage: bench/run-local.sh
# env:   RUN_BENCH_U=2000           universes (tasks = U x 5)
#        RUN_BENCH_NOOP_RUNS=3      timed no-op runs (median reported)
#        SNAKEMAKE_TIMEOUT=600      seconds before Snakemake is stopped (tasks done are reported)
#        RUN_BENCH_NO_PEER=1        skip Snakemake
#        RUN_BENCH_DEDUP_U=100      universes of the dedup sweep
#        BENCH_DROP_CACHES=1        drop the dentry/inode caches before each full run (root; see lib/measure.sh)
# Targets: lc <= 1.5 x make doing the same work, and <= 1.1 x (10,000 tasks) or 1.2 x (more)
# make with its dirs made beforehand; no-op <= 1.5 x make's no-op; RSS < 300 MB (10,000 tasks)
# or 1 GB (more); dedup runs prep 2 times. Results: bench/out/run/ (bench/out/run-U/ for other U).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)

U=${RUN_BENCH_U:-2000}
K=5
N=$((U * K))
noop_runs=${RUN_BENCH_NOOP_RUNS:-3}
peer_timeout=${SNAKEMAKE_TIMEOUT:-600}
dedup_u=${RUN_BENCH_DEDUP_U:-100}
out=$repo/bench/out/run
[ "$U" = 2000 ] || out=$out-$U
if [ "$N" -le 10000 ]; then vs_make=1.1 rss_mb=300; else vs_make=1.2 rss_mb=1024; fi
without_node_ca_certs

# The previous run's files are deleted after generation, written back (sync), and the timed
# runs start 65 s later. An ext4 without a journal (this machine's) reads the deletion time of
# every free inode it considers for a new one and skips those freed in the last 60 s (360 s
# while their inode table block is not yet written back): after a big delete each new file or
# directory scans past thousands of them. Back to back, lc took 22 s instead of 14-17 s; in a
# perf profile of a 2,000-task run started 36 s after a delete, that scan was a third of lc's
# samples (ext4 recently_deleted), and 20% even 65 s after one.
[ -d "$out" ] && mv "$out" "$out.old.$$"
mkdir -p "$out"
results=$out/results.md
export LIGHTCONE_SCRATCH=$out/scratch NO_COLOR=1 CI=1

note() { echo "$*" | tee -a "$results"; }
pass() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "PASS" : "MISS" }'; }
count_files() { find "$1" -name "$2" 2>/dev/null | wc -l | tr -d ' '; }

echo "generating $U x $K chain ($N tasks)..." >&2
bash "$here/gen-run-sweep.sh" "$out" "$U" "$K"
# One make tree per variant: nothing is deleted between timed runs.
cp -r "$out/make" "$out/make-timed"
cp -r "$out/make" "$out/make-mkdir"
if compgen -G "$out.old.*" >/dev/null; then
  rm -rf "$out".old.*
  sync
  echo "waiting 65 s for the inodes just freed to age (ext4)..." >&2
  sleep 65
fi

note "# lc run (local executor) vs make and Snakemake: $U x $K chain = $N tasks, -j2"
note ""
note "CPU s: user+sys of the command and every process it waited for (GNU time); wall figures move with the load average"
note ""
note "dentry/inode caches dropped before each full run: $([ "${BENCH_DROP_CACHES:-}" = 1 ] && [ "$(id -u)" = 0 ] && echo yes || echo no) (BENCH_DROP_CACHES=1)"
note "machine: $(nproc) cpus, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), node $(node --version), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
note "node -e '': ${NODE_START} s (${NODE_START_WITH_CA} s with this machine's NODE_EXTRA_CA_CERTS, unset for every command below)"
note ""
note "| what | wall s | CPU s (all processes) | peak RSS MiB | tasks done | note |"
note "|---|---|---|---|---|---|"

# --- lc run -j2 (full) ---
settle
read -r lc_wall lc_rss lc_code lc_cpu < <(measure "$out/lc-run.log" node "$lc" run -j2 --plain -C "$out/lc")
lc_done=$(count_files "$out/lc/results" .lightcone-manifest.json)
[ "$lc_code" = 0 ] || { echo "lc run failed; see $out/lc-run.log" >&2; grep -m1 -A5 FAIL "$out/lc-run.log" >&2 || true; }
note "| lc run -j2 | $lc_wall | $lc_cpu | $lc_rss | $lc_done | exit $lc_code |"
# From the run's journal: the plan_ready event to the first task_started.
first_ms=$(node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const plan = lines.find((e) => e.type === "plan_ready");
const start = lines.find((e) => e.type === "task_started");
console.log(plan && start ? start.t - plan.t : "-");
' "$(ls -t "$LIGHTCONE_SCRATCH"/.lightcone/runs/*/*.jsonl | head -1)" 2>/dev/null || echo -)

# --- make -j2, output dirs made in the timed run (one batched mkdir -p, then sh + cat per task, like lc) ---
settle
read -r mkt_wall mkt_rss mkt_code mkt_cpu < <(measure "$out/make-timed.log" sh -c 'make -s -C "$1" dirs && make -s -j2 -C "$1"' sh "$out/make-timed")
mkt_done=$(count_files "$out/make-timed/mk" out.txt)
note "| make -j2, output dirs made in the timed run (\`make dirs\`: one batched \`mkdir -p\`) | $mkt_wall | $mkt_cpu | $mkt_rss | $mkt_done | exit $mkt_code |"

# --- make -j2, output dirs made beforehand, untimed (make then does less than lc must) ---
make -s -C "$out/make" dirs
settle
read -r mk_wall mk_rss mk_code mk_cpu < <(measure "$out/make.log" make -s -j2 -C "$out/make")
mk_done=$(count_files "$out/make/mk" out.txt)
note "| make -j2, output dirs made beforehand (untimed) | $mk_wall | $mk_cpu | $mk_rss | $mk_done | exit $mk_code |"

# --- make -j2 with mkdir -p in every recipe (the shared peer workload's Makefile style) ---
settle
read -r mk2_wall mk2_rss mk2_code mk2_cpu < <(measure "$out/make2.log" make -s -j2 -C "$out/make-mkdir" MKDIR=1)
mk2_done=$(count_files "$out/make-mkdir/mk" out.txt)
note "| make -j2, \`mkdir -p\` in each recipe (sh + mkdir + cat per task) | $mk2_wall | $mk2_cpu | $mk2_rss | $mk2_done | exit $mk2_code |"

# --- Snakemake -j2, capped ---
if [ -z "${RUN_BENCH_NO_PEER:-}" ] && ! command -v snakemake >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing snakemake (Debian package) for the side-by-side run..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq snakemake >/dev/null 2>&1 || true
fi
if [ -z "${RUN_BENCH_NO_PEER:-}" ] && command -v snakemake >/dev/null; then
  settle
  read -r sm_wall sm_rss sm_code sm_cpu < <(measure "$out/snakemake.log" timeout -k 10 "$peer_timeout" snakemake -j2 -q -s "$out/snakemake/Snakefile" -d "$out/snakemake")
  sm_done=$(count_files "$out/snakemake/results" out.txt)
  sm_note="exit $sm_code"
  { [ "$sm_code" = 124 ] || [ "$sm_code" = 137 ]; } && sm_note="stopped by timeout after ${peer_timeout} s"
  note "| snakemake -j2 | $sm_wall | $sm_cpu | $sm_rss | $sm_done | $sm_note |"
else
  note "| snakemake -j2 | - | - | - | - | not run (RUN_BENCH_NO_PEER or snakemake missing) |"
fi

# --- no-op lc run on the fully built project ---
# After Snakemake's (killed) run: let its writeback finish so the no-op is not timed against it.
sync
sleep 2
walls=()
rss_noop=0
for ((i = 0; i < noop_runs; i++)); do
  read -r w r c _ < <(measure "$out/lc-noop.log" node "$lc" run -j2 --plain -C "$out/lc")
  walls+=("$w")
  [ "$r" -gt "$rss_noop" ] && rss_noop=$r
done
noop=$(printf '%s\n' "${walls[@]}" | median)
note "| lc run (nothing to do, median of $noop_runs) | $noop | - | $rss_noop | 0 | each: ${walls[*]} s |"
walls=()
for ((i = 0; i < noop_runs; i++)); do
  read -r w _ _ _ < <(measure "$out/make-noop.log" make -s -j2 -C "$out/make")
  walls+=("$w")
done
mk_noop=$(printf '%s\n' "${walls[@]}" | median)
note "| make -j2 (nothing to do, median of $noop_runs) | $mk_noop | - | - | 0 | each: ${walls[*]} s |"

# --- dedup sweep ---
bash "$here/gen-dedup.sh" "$out/dedup" "$dedup_u" 0.5
read -r dd_wall dd_rss dd_code dd_cpu < <(measure "$out/dedup.log" node "$lc" run -j2 --plain -C "$out/dedup")
dd_runs=$(wc -l < "$out/dedup/.prep-runs" | tr -d ' ')
dd_linked=$(grep -c 'linked from' "$out/dedup.log" || true)
note "| dedup sweep: $dedup_u universes, prep (0.5 s) on a 2-option decision | $dd_wall | $dd_cpu | $dd_rss | $((dedup_u * 2)) | prep ran $dd_runs times, $dd_linked linked |"

ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ratio=$(ratio_of "$lc_wall" "$mkt_wall")
note ""
note "| target | measured | verdict |"
note "|---|---|---|"
note "| lc run -j2 <= 1.5 x make -j2 doing the same work (same processes per task, output dirs made in the timed run) | ${ratio} x | $(pass "$ratio" 1.5) |"
note "| lc run -j2 <= $vs_make x make -j2 with the output dirs made beforehand (untimed) | $(ratio_of "$lc_wall" "$mk_wall") x | $(pass "$(ratio_of "$lc_wall" "$mk_wall")" "$vs_make") |"
note "| (lc / make with \`mkdir -p\` in each recipe, one process more per task) | $(ratio_of "$lc_wall" "$mk2_wall") x | - |"
note "| (CPU of all processes, lc / make doing the same work) | $(ratio_of "$lc_cpu" "$mkt_cpu") x | - |"
note "| (first task started after the plan was made) | ${first_ms} ms | - |"
note "| all $N tasks ok | $lc_done | $([ "$lc_done" = "$N" ] && echo PASS || echo MISS) |"
note "| no-op lc run <= 1.5 x make's no-op | ${noop} s vs ${mk_noop} s: $(ratio_of "$noop" "$mk_noop") x | $(pass "$(ratio_of "$noop" "$mk_noop")" 1.5) |"
note "| peak RSS < $rss_mb MB | ${lc_rss} MiB | $(awk -v r="$lc_rss" -v t="$rss_mb" 'BEGIN { print (r * 1.048576 < t) ? "PASS" : "MISS" }') |"
note "| dedup: prep runs 2 times, not $dedup_u | $dd_runs | $([ "$dd_runs" = 2 ] && echo PASS || echo MISS) |"
echo >&2
echo "results: $results" >&2
