#!/usr/bin/env bash
# A local fedflow cluster on loopback: a standalone ZooKeeper (unless --zk is given),
# coordinators and party agents, all in one directory.
#
#   deploy/cluster.sh up --dir DIR [--parties 9999,10000] [--agents-per-party N]
#                        [--coordinators N] [--zk HOST:PORT] [--cores N] [--bin DIR]
#                        [--agent-flags "--flag=value ..."]
#   deploy/cluster.sh status --dir DIR
#   deploy/cluster.sh down --dir DIR
#
# `up` returns once every process is registered in ZooKeeper and writes DIR/cluster.env
# (FEDFLOW_ZK=...). Logs are in DIR/logs/. `down` stops everything `up` started.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "cluster.sh: $*" >&2; exit 2; }

cmd=${1:-}
[ -n "$cmd" ] || { usage; exit 2; }
shift
dir="" parties="9999,10000" agents_per_party=1 coordinators=1 zk="" cores=0 agent_flags=
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/build/bin"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift ;;
    --parties) parties=$2; shift ;;
    --agents-per-party) agents_per_party=$2; shift ;;
    --coordinators) coordinators=$2; shift ;;
    --zk) zk=$2; shift ;;
    --cores) cores=$2; shift ;;
    --bin) bin=$2; shift ;;
    --agent-flags) agent_flags=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ -n "$dir" ] || die "--dir DIR is required"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pids="$dir/pids"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "cluster.sh: timed out after ${secs}s waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

alive() { kill -0 "$1" 2>/dev/null; }

start_bg() {  # start_bg NAME COMMAND...: runs COMMAND in the background, records its pid.
  local name=$1; shift
  "$@" >"$dir/logs/$name.out" 2>&1 &
  echo "$! $name" >>"$pids"
}

# zk_ok HOST:PORT: ZooKeeper answers "ruok" with "imok" (within 2 s: a server that accepts the
# connection but does not answer yet must not hang the poll).
zk_ok() {
  (
    exec 3<>"/dev/tcp/${1%:*}/${1#*:}" && printf ruok >&3 && read -r -t 2 -n 4 reply <&3 &&
      [ "$reply" = imok ]
  ) 2>/dev/null
}

do_up() {
  if [ -f "$pids" ]; then
    while read -r pid name; do
      alive "$pid" && die "a cluster is already running in $dir ($name, pid $pid); run 'down' first"
    done <"$pids"
    rm -f "$pids"
  fi
  for b in fedflow-coordinator fedflow-agent fedflow-task fedflow; do
    [ -x "$bin/$b" ] || die "$bin/$b not found: build first (cmake -S . -B build && cmake --build build)"
  done
  mkdir -p "$dir/logs" "$dir/run"
  rm -f "$dir"/run/*.endpoint

  if [ -z "$zk" ]; then
    local port; port=$(free_port)
    mkdir -p "$dir/zk/data"
    cat >"$dir/zk/zoo.cfg" <<CFG
tickTime=500
initLimit=10
syncLimit=5
dataDir=$dir/zk/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
CFG
    [ -r /usr/share/java/zookeeper.jar ] || die "ZooKeeper is not installed (run deploy/install-deps.sh)"
    start_bg zookeeper java -Xmx512m -XX:+UseSerialGC -Dzookeeper.admin.enableServer=false \
      -Dzookeeper.log.dir="$dir/logs" -cp /usr/share/java/zookeeper.jar:/etc/zookeeper/conf \
      org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zk/zoo.cfg"
    zk="127.0.0.1:$port"
    wait_for "ZooKeeper on $zk" 60 zk_ok "$zk" || { tail -20 "$dir/logs/zookeeper.out" >&2; exit 1; }
  fi
  echo "export FEDFLOW_ZK=$zk" >"$dir/cluster.env"

  local i
  for i in $(seq 1 "$coordinators"); do
    start_bg "coordinator-$i" "$bin/fedflow-coordinator" --zk "$zk" --port 0 \
      --data_dir "$dir/coordinator-$i" --log_dir "$dir/logs" \
      --port_file "$dir/run/coordinator-$i.endpoint"
  done
  local p
  IFS=',' read -r -a party_list <<<"$parties"
  for p in "${party_list[@]}"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "party id '$p' is not an integer"
    for i in $(seq 1 "$agents_per_party"); do
      start_bg "agent-$p-$i" "$bin/fedflow-agent" --party_id "$p" --agent_id "$p-$i" --zk "$zk" \
        --port 0 --cores "$cores" --data_dir "$dir/agent-$p-$i" --log_dir "$dir/logs" \
        --port_file "$dir/run/agent-$p-$i.endpoint" $agent_flags
    done
  done
  local expected=$(( coordinators + ${#party_list[@]} * agents_per_party ))
  count_ready() { [ "$(ls "$dir"/run/*.endpoint 2>/dev/null | wc -l)" -ge "$expected" ]; }
  if ! wait_for "$expected processes to register" 60 count_ready; then
    while read -r pid name; do
      alive "$pid" || { echo "--- $name exited; its output:" >&2; tail -5 "$dir/logs/$name.out" >&2; }
    done <"$pids"
    do_down >/dev/null
    exit 1
  fi
  echo "cluster up in $dir: ZooKeeper $zk, $coordinators coordinator(s), parties $parties" \
       "($agents_per_party agent(s) each)"
  echo "  source $dir/cluster.env   # then: build/bin/fedflow cluster status"
}

do_down() {
  [ -f "$pids" ] || { echo "no cluster in $dir"; return 0; }
  # Agents and coordinators first, ZooKeeper last.
  local pid name
  while read -r pid name; do
    [ "$name" = zookeeper ] || { alive "$pid" && kill -TERM "$pid" 2>/dev/null || true; }
  done <"$pids"
  local deadline=$(( $(date +%s) + 15 ))
  while read -r pid name; do
    [ "$name" = zookeeper ] && continue
    while alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done <"$pids"
  while read -r pid name; do
    [ "$name" = zookeeper ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done <"$pids"
  rm -f "$pids" "$dir"/run/*.endpoint
  echo "cluster in $dir stopped"
}

do_status() {
  [ -f "$pids" ] || { echo "no cluster in $dir"; return 1; }
  local pid name
  while read -r pid name; do
    if alive "$pid"; then echo "  $name: running (pid $pid)"; else echo "  $name: exited"; fi
  done <"$pids"
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  "$bin/fedflow" cluster status --zk "$FEDFLOW_ZK" || true
}

case "$cmd" in
  up) do_up ;;
  down) do_down ;;
  status) do_status ;;
  *) die "unknown command '$cmd' (up, down or status)" ;;
esac
