#!/usr/bin/env bash
# Shared by bench scripts (source it). measure OUT CMD...: runs CMD with stdout to OUT and
# prints "<wall seconds> <max RSS MiB> <exit code> <CPU seconds (user+sys)>". Wall time from the
# shell's clock (ns); RSS and CPU from GNU time when present, else from python3's
# getrusage(RUSAGE_CHILDREN). CPU time helps read wall figures taken on a loaded machine.

_have_gnu_time() { [ -x /usr/bin/time ] && /usr/bin/time -f '%M' true >/dev/null 2>&1; }

measure() {
  local out=$1; shift
  local rssf; rssf=$(mktemp)
  local t0 t1 code=0
  t0=$(date +%s%N)
  if _have_gnu_time; then
    /usr/bin/time -f '%M %U %S' -o "$rssf" "$@" >"$out" 2>"$out.err" || code=$?
  else
    python3 -c '
import resource, subprocess, sys
with open(sys.argv[2], "w") as out, open(sys.argv[2] + ".err", "w") as err:
    code = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%d %.2f %.2f\n" % (r.ru_maxrss, r.ru_utime, r.ru_stime))
sys.exit(code)' "$rssf" "$out" "$@" || code=$?
  fi
  t1=$(date +%s%N)
  # GNU time may prepend "Command exited with non-zero status N": take the last line.
  local kb u sy; read -r kb u sy < <(grep -E '^[0-9]+ ' "$rssf" | tail -1); rm -f "$rssf"
  awk -v ns=$((t1 - t0)) -v kb="${kb:-0}" -v c="$code" -v u="${u:-0}" -v s="${sy:-0}" \
    'BEGIN { printf "%.3f %.0f %d %.2f\n", ns / 1e9, kb / 1024, c, u + s }'
}

# median of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# 100000 -> 100,000 (locale-independent)
commas() { echo "$1" | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }

# settle: with BENCH_DROP_CACHES=1 (root only), write back dirty data and drop the dentry and
# inode caches (slab) before a timed command. Each 10,000-task run leaves ~10^5 dentries and
# inodes behind; on a long-lived machine the slab grows past a gigabyte and every later file
# operation slows (measured here: the same lc run took 26 s after a drop and 31-47 s after a
# few earlier runs), which penalises whichever command runs later and creates more files.
# The page cache is kept (echo 2, not 3): dropping it made every command re-read its binaries
# from disk, which measured node's 100 MB against make's 250 KB rather than the runs. Off by
# default: it slows the whole machine for a moment.
settle() {
  [ "${BENCH_DROP_CACHES:-}" = 1 ] || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "BENCH_DROP_CACHES=1 needs root; caches not dropped" >&2
    return 0
  fi
  sync
  echo 2 > /proc/sys/vm/drop_caches
}

# without_node_ca_certs: this machine's environment sets NODE_EXTRA_CA_CERTS, which makes every
# node process read and parse a CA bundle at start-up (~80 ms here, a third of a no-op run); lc
# never opens a TLS connection, and users' shells rarely set it. Unsets it for the rest of the
# script, after timing node's start-up with it (NODE_START_WITH_CA) and without (NODE_START),
# for the results to print.
without_node_ca_certs() {
  NODE_START_WITH_CA=$( { /usr/bin/time -f %e node -e '' ; } 2>&1 | tail -1)
  unset NODE_EXTRA_CA_CERTS
  NODE_START=$( { /usr/bin/time -f %e node -e '' ; } 2>&1 | tail -1)
}
