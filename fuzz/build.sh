#!/usr/bin/env bash
# Builds the planner's libFuzzer target with clang++ (ASan + UBSan) and its seed corpus.
#
#   fuzz/build.sh [out_dir]         (default: <repo>/build-fuzz)
#
# Then run, for example for 10 minutes:
#   build-fuzz/plan_fuzz -max_total_time=600 -timeout=10 -rss_limit_mb=2048 \
#       build-fuzz/corpus build-fuzz/seeds
# (new inputs go to corpus/, seeds/ stays as generated; crashes land in the working dir).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build-fuzz}
mkdir -p "$out/obj" "$out/seeds" "$out/corpus"
CXX=${CXX:-clang++}

# The compiled-in module data, as the CMake build generates it.
cmake -DOUT="$out/embedded_data.cc" \
      -DMODULES_TSV="$root/common/plan/data/fate-modules.tsv" \
      -DPARAMS_JSON="$root/common/plan/data/fate-module-params.json" \
      -P "$root/common/plan/embed_data.cmake"

flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -Wall -Wextra -I"$root")
sources=("$root"/common/status.cc "$root"/common/json_util.cc "$root"/common/plan/*.cc
         "$out/embedded_data.cc" "$root/fuzz/plan_fuzz.cc")
# An object is rebuilt when its source, this script or any header is newer than it.
newest_header=$(ls -t "$0" "$root"/common/*.h "$root"/common/plan/*.h | head -1)
objects=()
pids=()
for src in "${sources[@]}"; do
  obj="$out/obj/$(basename "${src%.cc}").o"
  objects+=("$obj")
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
    "$CXX" "${flags[@]}" -c "$src" -o "$obj" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
"$CXX" "${flags[@]}" "${objects[@]}" -o "$out/plan_fuzz"

# Seeds: every corpus pair (flags 0), predict pairs with their training pair (flags 2), and
# each training pair once more with allow_unknown_params (flags 1).
corpus="$root/tests/data/fate-corpus"
n=0
# (Tabs become \037 first: bash's read would merge the empty columns of consecutive tabs.)
while IFS=$'\037' read -r _set _ver dsl conf _n _mods _roles job_type dsl_version _src _suite deps; do
  [ "$dsl" = "dsl_path" ] && continue
  seed="$out/seeds/pair_$n"
  if [[ "$job_type" == predict* ]]; then
    train_dsl=${deps%% + *}
    train_conf=${deps##* + }
    {
      printf '\002'
      if [ "$dsl_version" = "1" ]; then printf 'null'; else cat "$corpus/dsl/$dsl"; fi
      printf '\0'; cat "$corpus/dsl/$conf"
      printf '\0'; cat "$corpus/dsl/$train_dsl"
      printf '\0'; cat "$corpus/dsl/$train_conf"
    } > "$seed"
  else
    { printf '\000'; cat "$corpus/dsl/$dsl"; printf '\0'; cat "$corpus/dsl/$conf"; } > "$seed"
    { printf '\001'; cat "$corpus/dsl/$dsl"; printf '\0'; cat "$corpus/dsl/$conf"; } \
      > "$out/seeds/allow_$n"
  fi
  n=$((n + 1))
done < <(tr '\t' '\037' < "$corpus/MANIFEST.tsv")
echo "built $out/plan_fuzz; $(ls "$out/seeds" | wc -l) seeds in $out/seeds"
