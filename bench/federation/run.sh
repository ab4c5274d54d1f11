#!/usr/bin/env bash
# Federation benchmark: message throughput between two agents on loopback (the FedTransfer
# module, payload checked by size only so the transport alone is timed), beside a plain TCP
# transfer of the same size in the same run, and the round trip of a small message.
#   bench/federation/run.sh [--sizes "1048576 67108864 1073741824"]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
sizes="1048576 67108864 1073741824"
[ "${1:-}" = "--sizes" ] && sizes=$2
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)" --target tcp_baseline fedflow-coordinator fedflow-agent fedflow-task fedflow >/dev/null
dir=$(mktemp -d /tmp/fedflow-fed-bench-XXXXXX)
trap './deploy/cluster.sh down --dir "$dir" >/dev/null; rm -rf "$dir"' EXIT
./deploy/cluster.sh up --dir "$dir" --parties 9999,10000 --cores 4 >/dev/null
. "$dir/cluster.env"
echo '{"components": {"fed_transfer_0": {"module": "FedTransfer"}}}' >"$dir/dsl.json"

run_transfer() {  # run_transfer BYTES ROUNDS -> prints the guest's per-round lines
  cat >"$dir/conf.json" <<CONF
{"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9999},
 "role": {"guest": [9999], "host": [10000]},
 "job_parameters": {"common": {"timeout": 3600}},
 "component_parameters": {"common": {"fed_transfer_0": {"bytes": $1, "rounds": $2, "verify": false,
                                                        "timeout_ms": 600000}}}}
CONF
  local job
  job=$(build/bin/fedflow job submit -d "$dir/dsl.json" -c "$dir/conf.json" | sed -n 's/^job_id: //p')
  build/bin/fedflow job wait -j "$job" --timeout 3600 >/dev/null
  grep -h "fed_transfer: round" "$dir"/agent-9999-1/jobs/"$job"/guest/9999/*/*/task.log
}

declare -A tcp
while read -r _ size rate; do tcp[$size]=$rate; done < <(build/bin/tcp_baseline $sizes)
printf "%-12s %14s %14s %8s\n" "message" "federation" "plain TCP" "ratio"
for size in $sizes; do
  rounds=3; [ "$size" -le 1048576 ] && rounds=20; [ "$size" -ge 1073741824 ] && rounds=2
  best=$(run_transfer "$size" "$rounds" | sed 's/.* MB\/s //' | sort -g | tail -1)
  printf "%-12s %11.1f MB/s %9.1f MB/s %7.0f%%\n" "$size B" "$best" "${tcp[$size]}" \
    "$(echo "100 * $best / ${tcp[$size]}" | bc -l)"
done
rtt=$(run_transfer 16 200 | sed 's/.* ms \([0-9.]*\) MB.*/\1/' | sort -g | awk '{a[NR]=$1} END {print a[int(NR/2)+1]}')
echo "round trip of a 16-byte message and its 2-byte answer (median of 200): $rtt ms"
