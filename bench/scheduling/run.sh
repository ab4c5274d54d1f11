#!/usr/bin/env bash
# Starts a local 3-party cluster, runs the scheduling benchmark against it, stops it.
#   bench/scheduling/run.sh [--runs 20] [--jobs 100] [--cores 16]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cores=16
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cores) cores=$2; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)" --target sched_bench fedflow-coordinator fedflow-agent fedflow-task fedflow >/dev/null
dir=$(mktemp -d /tmp/fedflow-sched-bench-XXXXXX)
trap './deploy/cluster.sh down --dir "$dir" >/dev/null; rm -rf "$dir"' EXIT
./deploy/cluster.sh up --dir "$dir" --parties 9999,10000,10001 --cores "$cores" >/dev/null
. "$dir/cluster.env"
build/bin/sched_bench --zk "$FEDFLOW_ZK" "${args[@]}"
