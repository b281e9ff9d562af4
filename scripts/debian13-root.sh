#!/usr/bin/env bash
# Build (once) a Debian 13 "trixie" root with its own SLURM, MUNGE, Python and Dask, for the
# second hpc test lane: the host's lc drives that stack through scripts/with-debian13.sh.
# Prints the root's path. Cached between runs on the same machine: a root is rebuilt only when
# it is missing, half-built or was made for another package list.
#
#   ROOT=$(bash scripts/debian13-root.sh)
#
# Settings: LC_DEBIAN13_ROOT (/var/cache/lightcone-test/debian13), LC_DEBIAN_MIRROR
# (http://deb.debian.org/debian). Needs root and network access to the Debian mirror.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${LC_DEBIAN13_ROOT:-/var/cache/lightcone-test/debian13}
MIRROR=${LC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the lane needs inside the root; changing this list rebuilds the root.
PKGS=python3-distributed,python3-dask,python3-psutil,slurmctld,slurmd,slurm-client,munge,procps,hostname,openssl
STAMP=".lc-root-ready"
export PATH="$PATH:/usr/sbin:/sbin"

fail() { echo "debian13-root: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "building the Debian 13 root needs root (debootstrap, chroot)"
case "$ROOT" in /*) ;; *) fail "LC_DEBIAN13_ROOT must be absolute" ;; esac

want="suite=trixie variant=minbase packages=$PKGS"
if [ -f "$ROOT/$STAMP" ] && [ "$(cat "$ROOT/$STAMP")" = "$want" ]; then
  echo "$ROOT"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "debian13-root: installing debootstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 debootstrap >/dev/null ||
    { apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 debootstrap >/dev/null; } ||
    fail "cannot install debootstrap"
fi

# Build beside the final place and rename at the end, so a killed build never looks finished.
# A root left by a killed lane may still have mounts inside: never delete through them.
bash "$HERE/debian13-unmount.sh" "$ROOT" "$ROOT.build" || fail "mounts remain under $ROOT; not rebuilding"
rm -rf "$ROOT.build"
mkdir -p "$ROOT.build/usr/sbin"
# maintainer scripts must not start munge or SLURM daemons inside the root
printf '#!/bin/sh\nexit 101\n' > "$ROOT.build/usr/sbin/policy-rc.d"
chmod 755 "$ROOT.build/usr/sbin/policy-rc.d"
log=$(mktemp /tmp/lc-debootstrap.XXXXXX.log)
echo "debian13-root: debootstrap trixie into $ROOT (about 2 minutes; log $log)" >&2
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$PKGS" trixie "$ROOT.build" "$MIRROR" >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  bash "$HERE/debian13-unmount.sh" "$ROOT.build" >/dev/null 2>&1 || true
  fail "debootstrap failed (log $log)"
fi
bash "$HERE/debian13-unmount.sh" "$ROOT.build" || fail "debootstrap left mounts under $ROOT.build"
# psutil (so distributed) needs /proc: mounted in a throwaway mount namespace, gone with it
unshare --mount --propagation private sh -c \
  'mount -t proc proc "$1/proc" && chroot "$1" /usr/bin/python3 -c "import distributed, psutil"' \
  sh "$ROOT.build" || fail "the new root's python3 cannot import distributed"
echo "$want" > "$ROOT.build/$STAMP"
rm -rf "$ROOT"
mv "$ROOT.build" "$ROOT"
rm -f "$log"
echo "debian13-root: built in $(( $(date +%s) - start )) s" >&2
echo "$ROOT"
