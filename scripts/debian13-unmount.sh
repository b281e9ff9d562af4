#!/usr/bin/env bash
# Unmount everything mounted at or below each DIR given (deepest first), so that deleting or
# rebuilding a Debian 13 test root can never reach through a bind mount into the host.
# Exits non-zero when something stays mounted.
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
status=0
for dir in "$@"; do
  [ -e "$dir" ] || continue
  dir=$(readlink -f "$dir")
  # mountinfo field 5 is the mount point (octal escapes for spaces: none in our paths)
  mapfile -t points < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for p in "${points[@]}"; do
    umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true
  done
  if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    echo "debian13-unmount: still mounted under $dir" >&2
    status=1
  fi
done
exit $status
