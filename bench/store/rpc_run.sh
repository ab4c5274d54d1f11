#!/usr/bin/env bash
# The storage benchmark over the path users take: a generated FATE-like CSV uploaded with
# `fedflow data upload` to a real fedflow-agent (over loopback Thrift, found in a throwaway
# ZooKeeper) and downloaded back with `fedflow data download`, beside the raw LevelDB write
# rate of the same rows measured in the same run (store_bench --raw_only, before and after the
# uploads; the uploads are compared with the mean of the two).
#
#   bench/store/rpc_run.sh [--size-mb 1024] [--small-mb 128] [--features 25] [--bin DIR]
#                          [--dir DIR] [--keep]
#
# Two files go through the same agent, the small one first (--small-mb 0: none), so that the
# agent's peak RSS (VmHWM in /proc/<pid>/status, reset before each command through
# /proc/<pid>/clear_refs) shows whether memory follows the file's size. Each command starts once
# the agent is idle (the compactions an upload leaves behind are not charged to the next one);
# its wall time, the agent's CPU time and the CLI's CPU and peak RSS are printed in one table.
# Every download must be byte-identical to its file (cmp). Everything lives in a fresh
# directory under --dir (default $TMPDIR or /tmp), stopped and removed on exit (--keep keeps
# the files and the agent's logs). Needs the binaries fedflow, fedflow-agent, fedflow-task,
# fedflow-coordinator (for deploy/cluster.sh), store_bench and csv_gen (default: build/bin).
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "rpc_run.sh: $*" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
size_mb=1024 small_mb=128 features=25 bin="$root/build/bin" base="${TMPDIR:-/tmp}" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) size_mb=$2; shift ;;
    --small-mb) small_mb=$2; shift ;;
    --features) features=$2; shift ;;
    --bin) bin=$2; shift ;;
    --dir) base=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ "$size_mb" =~ ^[0-9]+$ && "$size_mb" -gt 0 ]] || die "--size-mb must be a positive integer"
[[ "$small_mb" =~ ^[0-9]+$ ]] || die "--small-mb must be an integer (0: no small file)"
bin=$(cd "$bin" 2>/dev/null && pwd) || die "--bin: no such directory"
for b in fedflow fedflow-agent fedflow-task fedflow-coordinator store_bench csv_gen; do
  [ -x "$bin/$b" ] || die "$bin/$b not found: build it (cmake --build <build dir> --target $b)"
done
mkdir -p "$base"
work=$(mktemp -d "$base/fedflow-rpc-bench.XXXXXX")
cluster="$work/cluster"
party=9999

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -f "$cluster/pids" ]; then "$root/deploy/cluster.sh" down --dir "$cluster" >/dev/null || true; fi
  if [ "$keep" = 1 ]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
# secs START_NS END_NS
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system CPU time of a process in clock ticks (/proc/<pid>/stat fields
# 14 and 15, counted after the command name, which ends with the last ')').
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)

# Flushes dirty pages so that no phase pays for the previous one's writeback.
settle() { sync; }

row_format='%-30s %7s %7s %7s %9s %6s %9s %15s %7s %7s\n'
# row PHASE BYTES ROWS SECONDS RATIO AGENT_CPU AGENT_RSS CLI_CPU CLI_RSS
row() {
  local rate rps
  rate=$(awk -v b="$2" -v s="$4" 'BEGIN { printf "%.1f", b / 1048576 / s }')
  rps=$(awk -v r="$3" -v s="$4" 'BEGIN { printf "%.0f", r / s }')
  # shellcheck disable=SC2059
  printf "$row_format" "$1" "$(mib "$2")" "$(printf %.2f "$4")" "$rate" "$rps" "$5" "$6" "$7" "$8" "$9"
}

# ---- Files ----
declare -A file_rows file_bytes raw1 raw2 raw_kv raw_rss raw_cpu
files=()
[ "$small_mb" -gt 0 ] && files+=(small)
files+=(large)
declare -A file_mb=([small]=$small_mb [large]=$size_mb)
echo "rpc_run: work directory $work, binaries $bin"
for f in "${files[@]}"; do
  out=$("$bin/csv_gen" --out="$work/$f.csv" --mb="${file_mb[$f]}" --features="$features")
  file_rows[$f]=$(sed -n 's/.*rows=\([0-9]*\).*/\1/p' <<<"$out")
  file_bytes[$f]=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' <<<"$out")
  echo "generated $work/$f.csv: ${file_rows[$f]} rows, $(mib "${file_bytes[$f]}") MiB" \
       "(id, y, $features features)"
done

# raw_phase FILE ARRAY: one raw LevelDB run of FILE's rows; its seconds go to ARRAY[FILE], its
# peak RSS (MiB) to raw_rss[FILE] and its CPU seconds (the whole process) to raw_cpu[FILE].
raw_phase() {
  local f=$1 out secs
  settle
  out=$(/usr/bin/time -f 'time %U %S' -o "$work/time.out" "$bin/store_bench" \
        --csv="$work/$f.csv" --raw_only --dir="$work" 2>"$work/store_bench.err") ||
    { cat "$work/store_bench.err" >&2; die "store_bench failed"; }
  secs=$(sed -n 's/^raw_leveldb .*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
  [ -n "$secs" ] || die "store_bench printed no raw_leveldb line: $out"
  raw_kv[$f]=$(sed -n 's/^raw_leveldb .*kv_bytes=\([0-9]*\).*/\1/p' <<<"$out")
  raw_rss[$f]=$(sed -n 's/^raw LevelDB.*phase peak RSS *\([0-9.]*\) MiB.*/\1/p' <<<"$out")
  raw_cpu[$f]=$(awk '$1 == "time" { printf "%.1f", $2 + $3 }' "$work/time.out")
  eval "$2[\$f]=\$secs"
  echo "  $f: $secs s, peak RSS ${raw_rss[$f]} MiB"
}

echo "raw LevelDB (store_bench --raw_only), before the uploads"
for f in "${files[@]}"; do raw_phase "$f" raw1; done

# ---- A throwaway ZooKeeper and one agent ----
"$root/deploy/cluster.sh" up --dir "$cluster" --parties "$party" --coordinators 0 --bin "$bin" \
  >"$work/cluster.out" 2>&1 || { cat "$work/cluster.out" >&2; die "cluster.sh up failed"; }
# shellcheck disable=SC1091
. "$cluster/cluster.env"
agent_pid=$(awk -v n="agent-$party-1" '$2 == n { print $1 }' "$cluster/pids")
if [ -z "$agent_pid" ] || ! kill -0 "$agent_pid" 2>/dev/null; then
  die "no running agent in $cluster/pids"
fi
echo "agent pid $agent_pid, ZooKeeper $FEDFLOW_ZK," \
     "agent RSS at start $(kib_to_mib "$(status_kib "$agent_pid" VmRSS)") MiB"

# wait_idle: waits (at most 300 s) until the agent uses under 5% of a core over half a second,
# so that a phase does not pay for the LevelDB compactions the previous upload left behind.
# Sets idle_secs to the time waited.
wait_idle() {
  local start a b
  start=$(now_ns)
  while [ $(( ($(now_ns) - start) / 1000000000 )) -lt 300 ]; do
    a=$(cpu_ticks "$agent_pid")
    sleep 0.5
    b=$(cpu_ticks "$agent_pid")
    [ $(( (b - a) * 40 )) -le "$hz" ] && break
  done
  idle_secs=$(secs "$start" "$(now_ns)")
}

# rpc_phase NAME COMMAND...: runs a fedflow command, timed, once the agent is idle and with its
# peak RSS reset. Sets phase_secs, agent_cpu (seconds), agent_rss ("<RSS before> -> <peak>", MiB),
# cli_cpu (seconds) and cli_rss (MiB).
rpc_phase() {
  local name=$1; shift
  settle
  wait_idle
  echo "  $name: the agent was idle after $idle_secs s (LevelDB compactions after an upload)"
  echo 5 >"/proc/$agent_pid/clear_refs"
  local before ticks start end
  before=$(status_kib "$agent_pid" VmRSS)
  ticks=$(cpu_ticks "$agent_pid")
  start=$(now_ns)
  if ! /usr/bin/time -f 'time %U %S %M' -o "$work/time.out" "$@" >"$work/$name.out" \
       2>"$work/$name.err"; then
    cat "$work/$name.err" >&2
    die "$name failed: $*"
  fi
  end=$(now_ns)
  kill -0 "$agent_pid" 2>/dev/null || die "the agent died during $name"
  phase_secs=$(secs "$start" "$end")
  agent_cpu=$(awk -v a="$ticks" -v b="$(cpu_ticks "$agent_pid")" -v hz="$hz" \
              'BEGIN { printf "%.1f", (b - a) / hz }')
  agent_rss="$(kib_to_mib "$before") -> $(kib_to_mib "$(status_kib "$agent_pid" VmHWM)")"
  cli_cpu=$(awk '$1 == "time" { printf "%.1f", $2 + $3 }' "$work/time.out")
  cli_rss=$(kib_to_mib "$(awk '$1 == "time" { print $4 }' "$work/time.out")")
  echo "  $name: $phase_secs s, agent CPU $agent_cpu s, agent RSS $agent_rss MiB"
}

declare -A up_secs up_row down_secs down_row
for f in "${files[@]}"; do
  rpc_phase "upload-$f" "$bin/fedflow" data upload --party "$party" --file "$work/$f.csv" \
    --namespace bench --name "$f" --drop --zk "$FEDFLOW_ZK"
  up_secs[$f]=$phase_secs
  up_row[$f]="$agent_cpu|$agent_rss|$cli_cpu|$cli_rss"
  rpc_phase "download-$f" "$bin/fedflow" data download --party "$party" --namespace bench \
    --name "$f" -o "$work/$f.down.csv" --zk "$FEDFLOW_ZK"
  down_secs[$f]=$phase_secs
  down_row[$f]="$agent_cpu|$agent_rss|$cli_cpu|$cli_rss"
  cmp "$work/$f.csv" "$work/$f.down.csv" || die "the download of $f differs from the file"
  echo "  download-$f is byte-identical to $f.csv"
  rm -f "$work/$f.down.csv"
done
"$root/deploy/cluster.sh" down --dir "$cluster" >/dev/null

echo "raw LevelDB (store_bench --raw_only), after the uploads"
for f in "${files[@]}"; do raw_phase "$f" raw2; done

# ---- The table ----
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
# shellcheck disable=SC2059
printf "$row_format" phase MiB s MiB/s rows/s "/ raw" "agent CPU" "agent RSS MiB" "CLI CPU" \
  "CLI RSS"
for f in "${files[@]}"; do
  mean=$(awk -v a="${raw1[$f]}" -v b="${raw2[$f]}" 'BEGIN { printf "%.3f", (a + b) / 2 }')
  row "raw LevelDB, $f (before)" "${raw_kv[$f]}" "${file_rows[$f]}" "${raw1[$f]}" - \
    "(${raw_cpu[$f]})" "(${raw_rss[$f]})" - -
  row "raw LevelDB, $f (after)" "${raw_kv[$f]}" "${file_rows[$f]}" "${raw2[$f]}" - - - - -
  ratio=$(awk -v r="$mean" -v u="${up_secs[$f]}" 'BEGIN { printf "%.0f%%", 100 * r / u }')
  IFS='|' read -r a_cpu a_rss c_cpu c_rss <<<"${up_row[$f]}"
  row "fedflow data upload, $f" "${file_bytes[$f]}" "${file_rows[$f]}" "${up_secs[$f]}" \
    "$ratio" "$a_cpu" "$a_rss" "$c_cpu" "$c_rss"
  IFS='|' read -r a_cpu a_rss c_cpu c_rss <<<"${down_row[$f]}"
  row "fedflow data download, $f" "${file_bytes[$f]}" "${file_rows[$f]}" "${down_secs[$f]}" \
    - "$a_cpu" "$a_rss" "$c_cpu" "$c_rss"
done
cat <<'NOTE'
MiB: key + value bytes for raw LevelDB, CSV bytes for upload and download (the same rows).
/ raw: the mean of the two raw LevelDB times over the upload's time (the upload's rate as a
share of the raw rate). CPU in seconds. agent RSS: before the phase -> peak (VmHWM) during it.
In parentheses: the raw LevelDB process's CPU and peak RSS.
NOTE
