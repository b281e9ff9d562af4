#!/usr/bin/env bash
# Shared by bench scripts (source it). measure OUT CMD...: runs CMD with stdout to OUT and
# prints "<wall seconds> <max RSS MiB> <exit code>". Wall time from the shell's clock (ns);
# peak RSS from GNU time when present, else from python3's getrusage(RUSAGE_CHILDREN).

_have_gnu_time() { [ -x /usr/bin/time ] && /usr/bin/time -f '%M' true >/dev/null 2>&1; }

measure() {
  local out=$1; shift
  local rssf; rssf=$(mktemp)
  local t0 t1 code=0
  t0=$(date +%s%N)
  if _have_gnu_time; then
    /usr/bin/time -f '%M' -o "$rssf" "$@" >"$out" 2>"$out.err" || code=$?
  else
    python3 -c '
import resource, subprocess, sys
with open(sys.argv[2], "w") as out, open(sys.argv[2] + ".err", "w") as err:
    code = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + "\n")
sys.exit(code)' "$rssf" "$out" "$@" || code=$?
  fi
  t1=$(date +%s%N)
  local kb; kb=$(grep -Eo '^[0-9]+' "$rssf" | tail -1); rm -f "$rssf"
  awk -v ns=$((t1 - t0)) -v kb="${kb:-0}" -v c="$code" 'BEGIN { printf "%.3f %.0f %d\n", ns / 1e9, kb / 1024, c }'
}

# median of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
