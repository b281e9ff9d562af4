#!/usr/bin/env bash
# Install the Debian packages the test suite needs when they are missing: tmux (TUI end-to-end),
# SLURM + MUNGE (the private 2-node test cluster, scripts/cluster-up.sh), Dask distributed and
# psutil (the Dask executor), openssl (per-session TLS certificates), util-linux/iproute2/procps
# (namespaces, ports, processes), podman + runc + busybox-static (recipes in containers, with a
# base image made offline by scripts/container-base.sh).
# Needs root when anything is missing; never silently skips: the suite must fail without them.
set -euo pipefail

PKGS=(tmux slurmctld slurmd slurm-client munge python3-distributed python3-dask python3-psutil
      openssl util-linux iproute2 procps podman runc busybox-static)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "provision: missing Debian packages: ${missing[*]}" >&2
  echo "provision: install them as root: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "provision: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The packages' maintainer scripts must not start system munge/slurm daemons: they would take
# the default sockets and ports. policy-rc.d says "no" to every service start during the install
# (only ours, and only if none exists; removed afterwards).
own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
log=$(mktemp /tmp/lc-provision.XXXXXX.log)
if ! { apt-get update -q -o DPkg::Lock::Timeout=300 &&
       apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"; } >"$log" 2>&1; then
  echo "provision: apt-get failed; last lines of $log:" >&2
  tail -n 25 "$log" >&2
  exit 1
fi
rm -f "$log"
if ! /usr/bin/python3 -c 'import distributed, psutil' 2>/dev/null; then
  echo "provision: /usr/bin/python3 still cannot import distributed" >&2
  exit 1
fi
