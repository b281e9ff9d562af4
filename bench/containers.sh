#!/usr/bin/env bash
# Benchmark: what lc's container wrapper costs per task. 500 trivial tasks (one output x 500
# universes) in one podman image, run by `lc run -j2`, against the same 500 `podman run --rm`
# of that image by hand (xargs -P2, the same network, mounts and working directory), in this one run.
# Target: lc's overhead <= 10%.
#
# usage: bench/containers.sh        (root; podman from scripts/provision.sh)
# env:   CONTAINER_BENCH_TASKS=500
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/containers
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)
n=${CONTAINER_BENCH_TASKS:-500}
CONTAINERS_CONF=$(bash "$repo/scripts/container-base.sh")
export CONTAINERS_CONF LC_CONTAINER_RUNTIME=podman
rm -rf "$out"
dir=$out/work
mkdir -p "$dir/env" "$dir/universes"
export LIGHTCONE_SCRATCH=$out/scratch
printf 'FROM localhost/lc-test-base\n' >"$dir/env/Containerfile"
{
  echo 'id: boxed'
  echo 'version: "0.0.12"'
  echo 'name: container overhead'
  echo 'inputs: []'
  echo 'decisions:'
  echo '  u:'
  echo '    label: U'
  echo '    options:'
  for ((i = 0; i < n; i++)); do echo "      u$i: {label: u$i}"; done
  echo 'outputs:'
  echo '  - id: o'
  echo '    type: data'
  echo '    decisions: [u]'
  echo '    recipe: {command: "echo {decisions.u} > {output}/x", container: env/Containerfile}'
} >"$dir/astra.yaml"
for ((i = 0; i < n; i++)); do printf 'id: u%d\ndecisions:\n  u: u%d\n' "$i" "$i" >"$dir/universes/u$i.yaml"; done
(cd "$dir" && node "$lc" build >/dev/null)
image=$(cd "$dir" && node "$lc" build --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).images[0].image)')

cd "$dir"
read -r lc_wall _ lc_code lc_cpu < <(measure "$out/lc.out" node "$lc" run -j2 --plain)
[ "$lc_code" = 0 ] || { tail "$out/lc.out" "$out/lc.out.err" >&2; exit 1; }
mkdir -p "$out/hand"
hand() {
  seq 0 $((n - 1)) | xargs -P2 -I{} podman run --rm --network=host -v "$dir:$dir" -v "$LIGHTCONE_SCRATCH:$LIGHTCONE_SCRATCH" -w "$dir" \
    "$image" sh -c "mkdir -p $out/hand/{} && echo u{} > $out/hand/{}/x"
}
read -r hand_wall _ hand_code hand_cpu < <(measure "$out/hand.out" bash -c "$(declare -f hand); n=$n dir=$dir out=$out image=$image LIGHTCONE_SCRATCH=$LIGHTCONE_SCRATCH hand")
[ "$hand_code" = 0 ] || { tail "$out/hand.out.err" >&2; exit 1; }
{
  echo "## $n trivial tasks in one podman image, -j2, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| what | wall | CPU (all processes) |"
  echo "|---|---|---|"
  echo "| lc run -j2 (wrapped recipes, manifests, logs) | $lc_wall s | $lc_cpu s |"
  echo "| podman run --rm by hand, xargs -P2 | $hand_wall s | $hand_cpu s |"
  awk -v a="$lc_wall" -v b="$hand_wall" 'BEGIN { r = a / b; printf "\nlc / by hand: %.2fx (%s: target <= 1.10x)\n", r, (r <= 1.10 ? "PASS" : "MISS") }'
} | tee "$out/results.md"
