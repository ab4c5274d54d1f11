#!/usr/bin/env bash
# Paillier benchmark against FATE on this machine: fedflow's paillier_bench beside
# bench/crypto/fate_reference.py (FATE's fate_paillier algorithm, Python on gmpy2, linked to
# the same system GMP), one thread each, rates per CPU second; plus the FATE figures quoted
# in the issue (one core of a comparable machine).
#   bench/crypto/run.sh [--bits 1024,2048] [--seconds 2]
# BUILD_DIR (default: build) selects the CMake build directory; PAILLIER_BENCH=<binary> runs
# that paillier_bench instead of building one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bits=1024,2048
seconds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --bits) bits=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--bits 1024,2048] [--seconds 2]" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
bench=${PAILLIER_BENCH:-}
if [ -z "$bench" ]; then
  cmake -S . -B "$build" >/dev/null
  cmake --build "$build" -j "$(nproc)" --target paillier_bench >/dev/null
  bench=$(find "$build" -name paillier_bench -type f -perm -u+x | head -1)
  [ -n "$bench" ] || { echo "paillier_bench not found under $build" >&2; exit 1; }
fi

# The reference needs gmpy2; Debian's python3-gmpy2 is built for /usr/bin/python3.
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import gmpy2' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "installing python3-gmpy2 (needed by bench/crypto/fate_reference.py)..." >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  if ! { $sudo apt-get install -y python3-gmpy2 >/dev/null 2>&1 ||
         { $sudo apt-get update >/dev/null 2>&1 && $sudo apt-get install -y python3-gmpy2 >/dev/null 2>&1; }; }; then
    echo "could not install python3-gmpy2 with apt-get; install it (or 'pip install gmpy2')" \
         "and run again" >&2
    exit 1
  fi
  python=/usr/bin/python3
fi

results=$(mktemp /tmp/fedflow-paillier-bench-XXXXXX)
trap 'rm -f "$results"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --paillier_bench_machine_readable --paillier_bench_key_bits="$bits" \
  --paillier_bench_seconds="$seconds" | tee -a "$results" | grep -v '^RESULT' || true
"$python" bench/crypto/fate_reference.py --bits "$bits" --seconds "$seconds" |
  tee -a "$results" | grep -v '^RESULT' || true
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

awk -v bits_list="$bits" '
  $1 == "RESULT" { rate[$2, $3, $4] = $5 }
  function commas(v,   s, out) {
    s = sprintf("%.0f", v); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return s out
  }
  function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2fx", a / b) : "-" }
  function row(label, ours, ref, quoted) {
    printf "%-42s %11s %11s %7s %12s %7s\n", label, ((ours > 0) ? commas(ours) : "-"),
           ((ref > 0) ? commas(ref) : "-"), ratio(ours, ref),
           ((quoted > 0) ? commas(quoted) : "-"), ratio(ours, quoted)
  }
  END {
    quoted[1024, "encrypt"] = 1186; quoted[1024, "decrypt"] = 4492
    quoted[1024, "add"] = 76398;    quoted[1024, "scalar_mul"] = 19323
    quoted[2048, "encrypt"] = 158;  quoted[2048, "decrypt"] = 597
    quoted[2048, "add"] = 24698;    quoted[2048, "scalar_mul"] = 5238
    n = split(bits_list, sizes, ",")
    for (i = 1; i <= n; ++i) {
      b = sizes[i]
      printf "\nPaillier, %d-bit key (operations per CPU second of one thread)\n", b
      printf "%-42s %11s %11s %7s %12s %7s\n", "operation", "fedflow/s", "reference/s",
             "ratio", "issue FATE/s", "ratio"
      row("encrypt (double)", rate["fedflow", b, "encrypt"],
          rate["fate_reference", b, "encrypt"], quoted[b, "encrypt"])
      row("decrypt (to double)", rate["fedflow", b, "decrypt"],
          rate["fate_reference", b, "decrypt"], quoted[b, "decrypt"])
      row("add (reference: equal exponents)", rate["fedflow", b, "add"],
          rate["fate_reference", b, "add"], quoted[b, "add"])
      row("add (reference: random operands)", rate["fedflow", b, "add"],
          rate["fate_reference", b, "add_mixed"], quoted[b, "add"])
      row("scalar multiply (gradient double)", rate["fedflow", b, "scalar_mul"],
          rate["fate_reference", b, "scalar_mul"], quoted[b, "scalar_mul"])
      row("  DecryptVector, per element", rate["fedflow", b, "decrypt_vector_element"],
          rate["fate_reference", b, "decrypt"], quoted[b, "decrypt"])
      row("  MulVectorByScalar (k < 0), per element",
          rate["fedflow", b, "mul_vector_negative_element"],
          rate["fate_reference", b, "scalar_mul"], quoted[b, "scalar_mul"])
      row("  MulVectorElementwise, per element", rate["fedflow", b, "mul_elementwise_element"],
          rate["fate_reference", b, "scalar_mul"], quoted[b, "scalar_mul"])
      row("  DotProduct, per term", rate["fedflow", b, "dot_product_term"],
          rate["fate_reference", b, "scalar_mul"], quoted[b, "scalar_mul"])
    }
    print ""
    print "reference: bench/crypto/fate_reference.py, FATE'\''s fate_paillier algorithm on gmpy2,"
    print "this machine, same GMP; issue FATE/s: figures quoted in the issue (FATE on one core)."
    print "Vector rows compare one element with one single operation of the reference."
  }' "$results"
