#!/usr/bin/env bash
# Installs dependencies, builds fedflow and runs every test through CTest.
#
#   ./tests/run.sh                 all tests (unit + integration), build in build/
#   ./tests/run.sh --unit          only unit tests
#   ./tests/run.sh --integration   only integration tests (real ZooKeeper and daemons)
#   ./tests/run.sh --sanitize      ASan + UBSan build in build-asan/, then the tests
#   ./tests/run.sh -R REGEX        only tests whose name matches (passed to ctest)
#   ./tests/run.sh --no-deps       skip deploy/install-deps.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

label=""
sanitize=0
deps=1
ctest_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unit) label="unit" ;;
    --integration) label="integration" ;;
    --sanitize|--asan) sanitize=1 ;;
    --no-deps) deps=0 ;;
    -R) shift; ctest_extra+=(-R "$1") ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tests/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$deps" -eq 1 ]; then
  ./deploy/install-deps.sh
fi

jobs=$(nproc 2>/dev/null || echo 2)
if [ "$sanitize" -eq 1 ]; then
  build="$root/build-asan"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DFEDFLOW_SANITIZE=ON >/dev/null
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  build="$root/build"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
echo "run.sh: building in $build with $jobs jobs"
cmake --build "$build" -j "$jobs"

args=(--output-on-failure --timeout 600)
[ -n "$label" ] && args+=(-L "^${label}\$")
cd "$build"
exec ctest "${args[@]}" "${ctest_extra[@]}"
