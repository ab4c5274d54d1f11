#!/usr/bin/env bash
# Federation benchmark: message throughput between two agents on loopback (the FedTransfer
# module, payload checked by size only so the transport alone is timed), beside a plain TCP
# transfer of the same size in the same run, and the round trip of a small message.
#   bench/federation/run.sh [--sizes "1048576 67108864 1073741824"] [--chunk-bytes N]
#                           [--agent-flags "--federation_data_port=-1 ..."]
# Each size runs several rounds in one job; the table shows the best and the median round,
# and the plain TCP rate is the best of as many rounds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
sizes="1048576 67108864 1073741824"
chunk=4194304
agent_flags=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --chunk-bytes) chunk=$2; shift 2 ;;
    --agent-flags) agent_flags=$2; shift 2 ;;
    *) echo "usage: $0 [--sizes \"B ...\"] [--chunk-bytes N] [--agent-flags \"...\"]" >&2; exit 2 ;;
  esac
done
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)" --target tcp_baseline fedflow-coordinator fedflow-agent fedflow-task fedflow >/dev/null
dir=$(mktemp -d /tmp/fedflow-fed-bench-XXXXXX)
trap './deploy/cluster.sh down --dir "$dir" >/dev/null; rm -rf "$dir"' EXIT
# shellcheck disable=SC2086
./deploy/cluster.sh up --dir "$dir" --parties 9999,10000 --cores 4 ${agent_flags:+--agent-flags "$agent_flags"} >/dev/null
. "$dir/cluster.env"
echo '{"components": {"fed_transfer_0": {"module": "FedTransfer"}}}' >"$dir/dsl.json"

run_transfer() {  # run_transfer BYTES ROUNDS -> prints the guest's per-round lines
  cat >"$dir/conf.json" <<CONF
{"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9999},
 "role": {"guest": [9999], "host": [10000]},
 "job_parameters": {"common": {"timeout": 3600}},
 "component_parameters": {"common": {"fed_transfer_0": {"bytes": $1, "rounds": $2, "verify": false,
                                                        "timeout_ms": 600000, "chunk_bytes": $chunk}}}}
CONF
  local job
  job=$(build/bin/fedflow job submit -d "$dir/dsl.json" -c "$dir/conf.json" | sed -n 's/^job_id: //p')
  build/bin/fedflow job wait -j "$job" --timeout 3600 >/dev/null
  grep -h "fed_transfer: round" "$dir"/agent-9999-1/jobs/"$job"/guest/9999/*/*/task.log
}

rounds_for() {  # the number of rounds for a message size
  if [ "$1" -le 1048576 ]; then echo 50; elif [ "$1" -le 67108864 ]; then echo 10; else echo 4; fi
}

declare -A tcp
tcp_args=""
for size in $sizes; do tcp_args="$tcp_args $size:$(rounds_for "$size")"; done
# shellcheck disable=SC2086
while read -r _ size rate; do tcp[$size]=$rate; done < <(build/bin/tcp_baseline $tcp_args)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); chunk size $chunk bytes${agent_flags:+; agent flags: $agent_flags}"
printf "%-13s %13s %13s %13s %7s\n" "message" "federation" "(median)" "plain TCP" "ratio"
for size in $sizes; do
  rates=$(run_transfer "$size" "$(rounds_for "$size")" | sed 's/.* MB\/s //' | sort -g)
  best=$(echo "$rates" | tail -1)
  median=$(echo "$rates" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf "%-13s %8.1f MB/s %8.1f MB/s %8.1f MB/s %6.0f%%\n" "$size B" "$best" "$median" "${tcp[$size]}" \
    "$(echo "100 * $best / ${tcp[$size]}" | bc -l)"
done
rtt=$(run_transfer 16 200 | sed 's/.* ms \([0-9.]*\) MB.*/\1/' | sort -g | awk '{a[NR]=$1} END {print a[int(NR/2)+1]}')
echo "round trip of a 16-byte message and its 2-byte answer (median of 200): $rtt ms"
