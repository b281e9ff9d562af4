#!/usr/bin/env bash
# Install the Debian packages the test suite needs when they are missing: tmux (TUI end-to-end),
# SLURM + MUNGE (a private 2-node test cluster) and Dask distributed (the Dask executor).
# Needs root when anything is missing; never silently skips: the suite must fail without them.
set -euo pipefail

PKGS=(tmux slurmctld slurmd slurm-client munge python3-distributed python3-dask python3-psutil iproute2 procps)

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
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts no services inside containers without systemd; make sure none are left running
# that would collide with the private test cluster.
for s in slurmctld slurmd munge; do pkill -x "$s" 2>/dev/null || true; done
