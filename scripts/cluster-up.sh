#!/usr/bin/env bash
# Start lc's private test cluster: MUNGE + slurmctld + 2 slurmd ("node1", "node2") on this
# machine, everything (config, key, sockets, spool, logs, pids) under one state dir.
# Each slurmd lives in its own UTS + mount namespace, so `hostname` inside a job prints the
# node's name, and a private /etc/hosts (bind-mounted in the node's namespace) names the nodes.
# Networks (LC_CLUSTER_NET):
#   netns  (default) as on a real cluster: every node has its own network namespace and address
#          on a bridge (SUBNET.11, SUBNET.12, ...), this host is SUBNET.1 (slurmctld, the submit
#          host); a node's loopback is its own, so an address that only works locally fails here
#   uts    the nodes share this host's network and every node name means 127.0.0.1
#
#   eval "$(bash scripts/cluster-up.sh)"      # prints `export SLURM_CONF=...` lines
#   bash scripts/cluster-down.sh              # stops exactly what this started
#
# Settings: LC_CLUSTER_DIR (/tmp/lc-cluster), LC_CLUSTER_NODES (2), LC_CLUSTER_CPUS (nproc),
# LC_CLUSTER_MEM_MB (4096), LC_CLUSTER_PORT (7817; slurmd k listens on PORT+k),
# LC_CLUSTER_NET (netns), LC_CLUSTER_SUBNET (10.213.0: a /24 of this machine's own test hosts).
# Under scripts/with-debian13.sh the daemons are the Debian 13 root's (its PATH runs them there,
# and LC_STACK_ROOT names the root whose /etc/hosts the nodes see).
# Needs root (slurmd, namespaces). Installs missing Debian packages via scripts/provision.sh.
# Idempotent: when the cluster is already up with the same settings it only prints the env.
# Also writes the env to $LC_CLUSTER_DIR/env for test suites.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${LC_CLUSTER_DIR:-/tmp/lc-cluster}
NODES=${LC_CLUSTER_NODES:-2}
CPUS=${LC_CLUSTER_CPUS:-$(nproc)}
MEM=${LC_CLUSTER_MEM_MB:-4096}
PORT=${LC_CLUSTER_PORT:-7817}
NET=${LC_CLUSTER_NET:-netns}
SUBNET=${LC_CLUSTER_SUBNET:-10.213.0}
export PATH="$PATH:/usr/sbin:/sbin"

fail() { echo "cluster-up: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "the test cluster needs root (slurmd and node namespaces run as root).
  Run as root:   sudo bash scripts/cluster-up.sh   (or sudo npm test)
  Packages:      sudo bash scripts/provision.sh"
bash "$HERE/provision.sh" >&2 || fail "could not provision the Debian packages (see above)"
for b in munged slurmctld slurmd sinfo scontrol srun unshare; do
  command -v "$b" >/dev/null 2>&1 || fail "$b is missing after provisioning"
done
case "$DIR" in /*) ;; *) fail "LC_CLUSTER_DIR must be absolute" ;; esac
[ ${#DIR} -le 60 ] || fail "LC_CLUSTER_DIR is too long for munge's unix socket path: $DIR"

case "$NET" in netns|uts) ;; *) fail "LC_CLUSTER_NET must be netns or uts (got '$NET')" ;; esac
[[ "$SUBNET" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "LC_CLUSTER_SUBNET must be the first three numbers of a /24 (got '$SUBNET')"
SETTINGS="nodes=$NODES cpus=$CPUS mem=$MEM port=$PORT net=$NET subnet=$SUBNET"
# this host as the nodes reach it, and node i's address
if [ "$NET" = netns ]; then LOGIN_ADDR=$SUBNET.1; else LOGIN_ADDR=127.0.0.1; fi
node_addr() { if [ "$NET" = netns ]; then echo "$SUBNET.$((10 + $1))"; else echo 127.0.0.1; fi; }
BRIDGE=lcbr$PORT                       # interface names: 15 characters at most
netns_name() { echo "lc$PORT-node$1"; }
CONF=$DIR/slurm.conf
SOCK=$DIR/munge/socket
NODELIST=node1; [ "$NODES" -gt 1 ] && NODELIST="node[1-$NODES]"

env_lines() {
  printf 'export SLURM_CONF=%s\nexport LC_CLUSTER_DIR=%s\nexport LC_CLUSTER_NODES=%s\nexport LC_CLUSTER_CPUS=%s\nexport LC_CLUSTER_MEM_MB=%s\n' \
    "$CONF" "$DIR" "$NODES" "$CPUS" "$MEM"
  printf 'export LC_CLUSTER_NET=%s\nexport LC_CLUSTER_SUBNET=%s\nexport LC_CLUSTER_LOGIN_ADDR=%s\n' "$NET" "$SUBNET" "$LOGIN_ADDR"
}

# proc_matches PID TEXT: PID is alive (not a zombie) and its command line contains TEXT
proc_matches() {
  local pid=$1 text=$2 state
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$text"
}

all_idle() {
  local states
  states=$(SLURM_CONF=$CONF timeout 10 sinfo -h -N -o '%T' 2>/dev/null) || return 1
  [ "$(grep -c . <<< "$states")" -eq "$NODES" ] && ! grep -qv '^idle$' <<< "$states"
}

is_up() {
  [ -f "$DIR/started" ] && [ "$(cat "$DIR/settings" 2>/dev/null)" = "$SETTINGS" ] || return 1
  local name pid
  while read -r name pid; do
    case $name in
      bridge) ip link show "$pid" >/dev/null 2>&1 || return 1 ;;
      netns) [ -e "/run/netns/$pid" ] || return 1 ;;
      *) proc_matches "$pid" "$DIR" || return 1 ;;
    esac
  done < "$DIR/started"
  SLURM_CONF=$CONF timeout 10 sinfo -h >/dev/null 2>&1
}

if is_up; then env_lines | tee "$DIR/env"; exit 0; fi
# half-up, or other settings: stop what we had first
[ -f "$DIR/started" ] && bash "$HERE/cluster-down.sh" >&2
for p in $(seq "$PORT" $((PORT + NODES))); do
  if ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
    fail "TCP port $p is in use; set LC_CLUSTER_PORT to a free base port"
  fi
done

mkdir -p "$DIR"/{munge,ctld,spool,log}
chmod 755 "$DIR" "$DIR/munge"
rm -rf "$DIR"/ctld/* "$DIR"/spool/* "$DIR/started" "$DIR/settings" "$DIR/env"
: > "$DIR/started"
# what cluster-down.sh must stop or remove: a daemon's name and pid, or "bridge"/"netns" and a name
remember() { echo "$1 $2" >> "$DIR/started"; }
on_error() {
  echo "cluster-up: failed; last lines of the logs:" >&2
  tail -n 8 "$DIR"/log/*.log >&2 2>/dev/null || true
  bash "$HERE/cluster-down.sh" >&2 || true
}
trap on_error ERR

# --- MUNGE: a private daemon with its own key and socket ---------------------------------
[ -s "$DIR/munge/key" ] || head -c 1024 /dev/urandom > "$DIR/munge/key"
chmod 400 "$DIR/munge/key"
rm -f "$SOCK" "$SOCK.lock"
munged --socket="$SOCK" --key-file="$DIR/munge/key" --pid-file="$DIR/munge/pid" \
  --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/seed" </dev/null >/dev/null 2>&1
for _ in $(seq 50); do [ -S "$SOCK" ] && [ -s "$DIR/munge/pid" ] && break; sleep 0.1; done
remember munged "$(cat "$DIR/munge/pid")"
munge -S "$SOCK" -n | unmunge -S "$SOCK" >/dev/null || fail "munge round trip failed"

# --- slurm.conf -----------------------------------------------------------------------------
{
  echo "# lc test cluster ($SETTINGS); generated by scripts/cluster-up.sh"
  echo "ClusterName=lctest"
  echo "SlurmctldHost=$(hostname -s)($LOGIN_ADDR)"
  echo "SlurmctldPort=$PORT"
  echo "SlurmUser=root"
  echo "SlurmdUser=root"
  echo "AuthType=auth/munge"
  echo "AuthInfo=socket=$SOCK"
  echo "CredType=cred/munge"
  echo "StateSaveLocation=$DIR/ctld"
  echo "SlurmdSpoolDir=$DIR/spool/%n"
  echo "SlurmctldPidFile=$DIR/slurmctld.pid"
  echo "SlurmdPidFile=$DIR/slurmd-%n.pid"
  echo "SlurmctldLogFile=$DIR/log/slurmctld.log"
  echo "SlurmdLogFile=$DIR/log/slurmd-%n.log"
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "SelectType=select/cons_tres"
  echo "SelectTypeParameters=CR_CPU_Memory"
  echo "DefMemPerCPU=$(( MEM / CPUS ))"
  echo "SchedulerType=sched/backfill"
  echo "SchedulerParameters=sched_interval=2,batch_sched_delay=0"
  echo "AccountingStorageType=accounting_storage/none"
  echo "JobAcctGatherType=jobacct_gather/none"
  echo "JobCompType=jobcomp/none"
  echo "MpiDefault=none"
  echo "SwitchType=switch/none"
  echo "MailProg=/bin/true"
  echo "ReturnToService=2"
  echo "SlurmdTimeout=30"
  echo "InactiveLimit=0"
  echo "KillWait=5"
  echo "MinJobAge=60"
  for i in $(seq "$NODES"); do
    echo "NodeName=node$i NodeAddr=$(node_addr "$i") Port=$((PORT + i)) CPUs=$CPUS RealMemory=$MEM State=UNKNOWN"
  done
  echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
} > "$CONF"
export SLURM_CONF=$CONF

# /etc/hosts as the nodes see it (the host's own file is never touched)
if [ "$NET" = netns ]; then
  { echo "127.0.0.1 localhost"
    echo "::1 localhost ip6-localhost ip6-loopback"
    echo "$LOGIN_ADDR $(hostname -s) $(hostname)"
    for i in $(seq "$NODES"); do echo "$(node_addr "$i") node$i"; done; } > "$DIR/hosts"
else
  { grep -vE '[[:space:]]node[0-9]+([[:space:]]|$)' /etc/hosts || true
    for i in $(seq "$NODES"); do echo "127.0.0.1 node$i"; done; } > "$DIR/hosts"
fi

# --- the nodes' network: a bridge with this host on it, a namespace and a veth per node ------
if [ "$NET" = netns ]; then
  # ours by name (they carry our port), left by a run that was killed before cluster-down
  for i in $(seq "$NODES"); do
    [ -e "/run/netns/$(netns_name "$i")" ] && ip netns delete "$(netns_name "$i")"
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE"; fi
  if ip -4 -o addr show | grep -q " $SUBNET\."; then
    fail "$SUBNET.0/24 is already in use on this machine; set LC_CLUSTER_SUBNET"
  fi
  ip link add "$BRIDGE" type bridge || fail "cannot create the bridge $BRIDGE (ip link add type bridge)"
  remember bridge "$BRIDGE"
  ip addr add "$LOGIN_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for i in $(seq "$NODES"); do
    ns=$(netns_name "$i"); veth=lc${PORT}n$i
    ip netns add "$ns" || fail "cannot create the network namespace $ns"
    remember netns "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$BRIDGE" up
    ip -n "$ns" addr add "$(node_addr "$i")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$LOGIN_ADDR"
  done
fi

# --- slurmctld --------------------------------------------------------------------------------
slurmctld -f "$CONF" -i </dev/null >/dev/null 2>&1
for _ in $(seq 100); do [ -s "$DIR/slurmctld.pid" ] && break; sleep 0.1; done
remember slurmctld "$(cat "$DIR/slurmctld.pid")"
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld does not answer"

# --- slurmd per node, each in its own UTS + mount namespace -----------------------------------
unshare --uts --mount true 2>/dev/null || fail "this machine does not allow unshare --uts --mount (needed for distinct node hostnames)"
for i in $(seq "$NODES"); do
  mkdir -p "$DIR/spool/node$i"
  # shellcheck disable=SC2016
  in_net=()
  [ "$NET" = netns ] && in_net=(nsenter "--net=/run/netns/$(netns_name "$i")")
  "${in_net[@]}" unshare --uts --mount --propagation private sh -c \
    'mount --bind "$1" "$4/etc/hosts" && hostname "$2" && exec slurmd -f "$3" -N "$2"' \
    sh "$DIR/hosts" "node$i" "$CONF" "${LC_STACK_ROOT:-}" </dev/null >/dev/null 2>&1
done
for i in $(seq "$NODES"); do
  for _ in $(seq 100); do [ -s "$DIR/slurmd-node$i.pid" ] && break; sleep 0.1; done
  remember "slurmd-node$i" "$(cat "$DIR/slurmd-node$i.pid")"
done

deadline=$(( $(date +%s) + 60 ))
until all_idle; do
  if SLURM_CONF=$CONF sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(down|drain)'; then
    scontrol update nodename="$NODELIST" state=resume >/dev/null 2>&1 || true
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail "nodes did not become idle within 60 s"
  sleep 0.2
done
trap - ERR
echo "$SETTINGS" > "$DIR/settings"
env_lines | tee "$DIR/env"
