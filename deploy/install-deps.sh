#!/usr/bin/env bash
# Installs every Debian package that fedflow's build, tests and local cluster need.
# Idempotent: when everything is present it only checks (dpkg-query) and returns.
# Works as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git
  # Apache Thrift: compiler, C++ library, and Boost headers its headers include
  thrift-compiler libthrift-dev libboost-dev
  # ZooKeeper C client (zookeeper_mt) and the server with its Java runtime
  libzookeeper-mt-dev zookeeper default-jre-headless
  # storage, logging, flags, tests
  libleveldb-dev libsnappy-dev libgoogle-glog-dev libgflags-dev libgtest-dev libgmock-dev
  # JSON, HTTP, big integers, crypto, CLI parsing
  nlohmann-json3-dev libcpp-httplib-dev libgmp-dev libssl-dev libcli11-dev
  # tools the scripts use: free-port probing, ruok checks, fuzzing (clang)
  netcat-openbsd procps clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages (${missing[*]}) and not root, and sudo is not available" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
