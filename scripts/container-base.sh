#!/usr/bin/env bash
# What the container tests need of podman on these machines, made offline (no registry is
# reachable): a containers.conf that works here (runc: crun fails on a hybrid cgroup v1 host;
# ulimits below the hard limits podman cannot raise), and a base image `localhost/lc-test-base`
# (busybox-static, FROM scratch). Idempotent; prints the CONTAINERS_CONF path to use.
# Never touches /etc/containers.
set -euo pipefail
dir=/var/cache/lightcone-test/containers
conf=$dir/containers.conf
mkdir -p "$dir"
if [ ! -f "$conf" ]; then
  cat >"$conf.tmp" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
CONF
  mv "$conf.tmp" "$conf"
fi
export CONTAINERS_CONF=$conf
command -v podman >/dev/null || { echo "container-base: podman is not installed (scripts/provision.sh installs it)" >&2; exit 1; }
if ! podman image exists localhost/lc-test-base; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp "$(command -v busybox)" "$ctx/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' >"$ctx/Containerfile"
  podman build -q -t localhost/lc-test-base "$ctx" >/dev/null
fi
echo "$conf"
