#!/usr/bin/env bash
# Run a command with the Debian 13 stack: SLURM, MUNGE, Python and Dask from the trixie root
# (scripts/debian13-root.sh), lc and Node from the host. For the second hpc test lane:
#
#   bash scripts/with-debian13.sh npx vitest run --project hpc
#
# How: the command runs in a private mount namespace in which the root sees the host's /tmp,
# /dev, /proc, /sys, $HOME, the repository and the node binary at their own paths, and a bin
# directory first on PATH runs python3, dask and the SLURM/MUNGE commands inside the root
# (chroot, same working directory). Processes already inside the root run the root's own
# binaries through the same names. The mounts vanish with the namespace: nothing is left
# mounted on the host, and deleting the root can never reach through to host files.
#
# Exports for the command: LC_PYTHON (the root's python3), LC_CLUSTER_DIR, LC_CLUSTER_PORT and
# LC_CLUSTER_SUBNET (a test cluster of its own, beside the host stack's), LC_STACK_ROOT,
# LC_HPC_LANE (the lane's name with the versions found).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
export PATH="$PATH:/usr/sbin:/sbin"
fail() { echo "with-debian13: $*" >&2; exit 1; }
[ $# -gt 0 ] || fail "usage: with-debian13.sh COMMAND [ARG...]"
[ "$(id -u)" -eq 0 ] || fail "needs root (mount namespace, chroot)"

if [ -z "${LC_DEBIAN13_NS:-}" ]; then
  ROOT=$(bash "$HERE/debian13-root.sh") || fail "no Debian 13 root (see above)"
  export LC_STACK_ROOT=$ROOT LC_DEBIAN13_NS=1
  exec unshare --mount --propagation private bash "${BASH_SOURCE[0]}" "$@"
fi
ROOT=$LC_STACK_ROOT

# --- the root's view of the host --------------------------------------------------------------
bind() {  # SRC [DST]: bind SRC at the same path (or DST) inside the root
  local src=$1 dst=$ROOT${2:-$1}
  if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; [ -e "$dst" ] || : > "$dst"; fi
  mount --rbind "$src" "$dst"
}
mount -t proc proc "$ROOT/proc"
bind /sys
bind /dev
bind /tmp
bind /etc/hosts
[ -e /etc/resolv.conf ] && bind /etc/resolv.conf
# a home of / would hide the whole root
[ -d "${HOME:-}" ] && [ "$(readlink -f "$HOME")" != / ] && bind "$HOME"
bind "$REPO"
NODE=$(command -v node) && bind "$(readlink -f "$NODE")" "$NODE"

# --- commands that run inside the root ----------------------------------------------------------
BIN=$(mktemp -d /tmp/lc-debian13-bin.XXXXXX)
trap 'rm -rf "$BIN"' EXIT
for name in python3 dask munge unmunge munged slurmctld slurmd srun salloc sbatch scontrol \
            squeue sinfo scancel sacct sstat; do
  real=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$ROOT" sh -c "command -v $name") || fail "$name is missing from $ROOT"
  # Inside the root already (a job step, a task), the stamp file sits at /: run the real one.
  cat > "$BIN/$name" <<EOF
#!/bin/sh
[ -e /.lc-root-ready ] && exec $real "\$@"
exec chroot "$ROOT" /bin/sh -c 'cd "\$1" || exit 1; shift; exec "\$@"' sh "\$PWD" $real "\$@"
EOF
  chmod 755 "$BIN/$name"
done

export PATH="$BIN:$PATH"
export LC_PYTHON=$BIN/python3
export LC_CLUSTER_DIR=${LC_DEBIAN13_CLUSTER_DIR:-/tmp/lc-cluster-debian13}
export LC_CLUSTER_PORT=${LC_DEBIAN13_CLUSTER_PORT:-7917}
export LC_CLUSTER_SUBNET=${LC_DEBIAN13_CLUSTER_SUBNET:-10.214.0}
versions=$("$LC_PYTHON" -c 'import sys, distributed; print("%d.%d" % sys.version_info[:2], distributed.__version__.split("+")[0])')
slurm=$(chroot "$ROOT" slurmd -V | awk '{ print $2 }')
export LC_HPC_LANE="hpc (debian 13: slurm ${slurm%.*}, distributed ${versions#* }, python ${versions% *})"
"$@"
